"""In-process adapters: state in plain dicts, for one process and for tests."""
