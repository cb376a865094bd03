"""The REST API v1 (``/api/v1``): bearer tokens, the ``{data, meta}`` envelope."""
