"""The web page: one HTML document and its static assets, served by the app itself
so that ``make run`` needs no Node.js and the page loads nothing from another host."""
