"""The web API (``/api``): the contract of Faster Chat's API reference and API.md."""
