"""The numbered SQL migrations a storage adapter ships, read as package resources.

Each dialect keeps plain-SQL files named ``NNNN_name.sql`` in a ``migrations``
folder beside its storage module. Reading them through ``importlib.resources``
makes them work from a source tree and from an installed wheel alike. Running them
is the storage module's job: only it knows its driver and its transactions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration: ``name`` (the file name without ``.sql``, e.g. ``0001_initial``)
    is what ``schema_migrations.version`` records."""

    name: str
    sql: str


def load_migrations(package: str, folder: str = "migrations") -> list[Migration]:
    """The migrations in ``package``/``folder``, in the order of their numbers.

    Raises ``ValueError`` for a ``.sql`` file whose name breaks the pattern or reuses
    a number: a misnamed file must not be skipped or run out of order unnoticed.
    Other files (``__init__.py``, notes) are ignored.
    """
    found: dict[int, Migration] = {}
    for entry in resources.files(package).joinpath(folder).iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _NAME.match(entry.name)
        if match is None:
            raise ValueError(f"Migration file {entry.name!r} is not named NNNN_name.sql")
        number = int(match.group(1))
        if number in found:
            raise ValueError(
                f"Migrations {found[number].name!r} and {entry.name!r} share number {number}"
            )
        found[number] = Migration(name=entry.name[: -len(".sql")], sql=entry.read_text("utf-8"))
    return [found[number] for number in sorted(found)]


def pending(migrations: list[Migration], applied: set[str]) -> list[Migration]:
    """The migrations not recorded as applied, in order."""
    return [migration for migration in migrations if migration.name not in applied]
