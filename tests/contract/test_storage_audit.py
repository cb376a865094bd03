"""AuditLogRepository contract, on every SQL engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from chatport.domain.audit import AuditAction, AuditEntry

if TYPE_CHECKING:
    from chatport.ports.repositories import Storage
    from tests.contract.conftest import Seed


async def test_entries_round_trip_with_an_id_newest_first(seed: Seed, storage: Storage) -> None:
    admin = await seed.user("admin")
    entries = [
        AuditEntry(action=AuditAction.LOGIN_FAILED, created_at=seed.now(), target="mallory"),
        AuditEntry(
            action=AuditAction.ROLE_CHANGED,
            created_at=seed.now(),
            user_id=admin.id,
            target="bob",
            ip="2001:db8::1",
            detail="readonly",
        ),
        AuditEntry(
            action=AuditAction.LOGOUT, created_at=seed.now(), user_id=admin.id, ip="10.0.0.1"
        ),
    ]
    async with storage.write() as uow:
        for entry in entries:
            await uow.audit.add(entry)

    async with storage.read() as uow:
        listed = await uow.audit.list_page(limit=10, offset=0)

    ids = [entry.id for entry in listed if entry.id is not None]
    assert len(ids) == len(entries)
    assert ids == sorted(ids, reverse=True)
    assert [msgspec.structs.replace(entry, id=None) for entry in listed] == entries[::-1]


async def test_list_page_honours_limit_and_offset(seed: Seed, storage: Storage) -> None:
    async with storage.write() as uow:
        for n in range(5):
            await uow.audit.add(
                AuditEntry(action=AuditAction.LOGIN_FAILED, created_at=seed.now(), target=f"u{n}")
            )

    async with storage.read() as uow:
        first = await uow.audit.list_page(limit=2, offset=0)
        second = await uow.audit.list_page(limit=2, offset=2)
        rest = await uow.audit.list_page(limit=2, offset=4)
        beyond = await uow.audit.list_page(limit=2, offset=5)

    assert [entry.target for entry in first + second + rest] == ["u4", "u3", "u2", "u1", "u0"]
    assert beyond == []


async def test_the_id_given_on_add_is_ignored(seed: Seed, storage: Storage) -> None:
    async with storage.write() as uow:
        await uow.audit.add(AuditEntry(action=AuditAction.LOGIN, created_at=seed.now(), id=999_999))
        await uow.audit.add(AuditEntry(action=AuditAction.LOGOUT, created_at=seed.now(), id=1))

    async with storage.read() as uow:
        newest, oldest = await uow.audit.list_page(limit=10, offset=0)

    assert (newest.action, oldest.action) == (AuditAction.LOGOUT, AuditAction.LOGIN)
    assert newest.id is not None
    assert oldest.id is not None
    assert newest.id > oldest.id
