"""The web page's static files (HTML, CSS, ES modules), shipped in the package so
that ``make run`` needs no Node.js; ``chatport.http.page`` serves them."""
