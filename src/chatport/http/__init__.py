"""The HTTP door: Litestar app, controllers per surface, wire formats, errors."""
