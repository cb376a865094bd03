"""The storage port on SQLite (aiosqlite): a single-file database for one instance."""

from chatport.adapters.sqlite.storage import SqliteStorage

__all__ = ["SqliteStorage"]
