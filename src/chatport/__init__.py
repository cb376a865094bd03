"""chatport: a self-hosted, multi-user LLM chat server."""

__version__ = "0.1.0"
