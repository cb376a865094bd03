"""The storage port on PostgreSQL (asyncpg): a shared database for many instances."""

from chatport.adapters.postgres.storage import PostgresStorage

__all__ = ["PostgresStorage"]
