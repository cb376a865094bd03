"""Admin of users: create with a role, change role, disable, reset password, delete;
and the audit log."""

from __future__ import annotations

from chatport.domain.audit import AuditAction, AuditEntry
from chatport.domain.errors import AlreadyExists, InvalidInput, NotFound
from chatport.domain.users import ClientInfo, NewUser, Role, User, check_password, check_username
from chatport.ports.blobs import BlobStore
from chatport.ports.clock import Clock
from chatport.ports.repositories import Storage, UnitOfWork
from chatport.ports.security import PasswordHasher

USER_NOT_FOUND = "User not found"


class AdminService:
    """Rules (the caller is an admin; the door checks the role):
    - usernames are unique, ignoring case (a duplicate is InvalidInput);
    - an admin cannot change their own role, disable or delete themselves, so there
      is always an active admin;
    - a role change, password reset, disabling or deletion ends the user's sessions
      and v1 tokens;
    - every change is written to the audit log, with the admin and their IP;
    - a deleted user's uploaded files go with them, bytes included.
    """

    def __init__(
        self,
        storage: Storage,
        hasher: PasswordHasher,
        clock: Clock,
        blobs: BlobStore | None = None,
    ) -> None:
        self._storage = storage
        self._hasher = hasher
        self._clock = clock
        self._blobs = blobs

    async def list_users(self) -> list[User]:
        async with self._storage.read() as uow:
            return await uow.users.list_all()

    async def create_user(
        self, admin: User, username: str, password: str, role: Role, client: ClientInfo
    ) -> User:
        name = check_username(username)
        check_password(password)
        async with self._storage.read() as uow:
            await _name_is_free(uow, name)
        password_hash = await self._hasher.hash(password)
        now = self._clock.now()
        async with self._storage.write() as uow:
            await _name_is_free(uow, name)
            try:
                user = await uow.users.add(
                    NewUser(username=name, password_hash=password_hash, role=role, created_at=now)
                )
            except AlreadyExists as exc:  # created meanwhile by another admin
                raise InvalidInput("Username already taken") from exc
            await self._audit(uow, admin, AuditAction.USER_CREATED, user, client, role.value)
        return user

    async def set_role(self, admin: User, user_id: int, role: Role, client: ClientInfo) -> User:
        self._not_self(admin, user_id, "change your own role")
        async with self._storage.write() as uow:
            user = await _existing(uow, user_id)
            await uow.users.set_role(user_id, role)
            await uow.sessions.delete_for_user(user_id)
            await uow.access_tokens.delete_for_user(user_id)
            await self._audit(uow, admin, AuditAction.ROLE_CHANGED, user, client, role.value)
            return await _existing(uow, user_id)

    async def set_disabled(
        self, admin: User, user_id: int, disabled: bool, client: ClientInfo
    ) -> User:
        self._not_self(admin, user_id, "disable yourself")
        async with self._storage.write() as uow:
            user = await _existing(uow, user_id)
            await uow.users.set_disabled(user_id, self._clock.now() if disabled else None)
            if disabled:
                await uow.sessions.delete_for_user(user_id)
                await uow.access_tokens.delete_for_user(user_id)
            action = AuditAction.USER_DISABLED if disabled else AuditAction.USER_ENABLED
            await self._audit(uow, admin, action, user, client)
            return await _existing(uow, user_id)

    async def reset_password(
        self, admin: User, user_id: int, password: str, client: ClientInfo
    ) -> None:
        check_password(password)
        async with self._storage.read() as uow:
            await _existing(uow, user_id)
        password_hash = await self._hasher.hash(password)
        async with self._storage.write() as uow:
            user = await _existing(uow, user_id)
            await uow.users.set_password_hash(user_id, password_hash)
            await uow.sessions.delete_for_user(user_id)
            await uow.access_tokens.delete_for_user(user_id)
            await self._audit(uow, admin, AuditAction.PASSWORD_RESET, user, client)

    async def delete_user(self, admin: User, user_id: int, client: ClientInfo) -> None:
        self._not_self(admin, user_id, "delete yourself")
        async with self._storage.write() as uow:
            user = await _existing(uow, user_id)
            keys = {f.storage_key for f in await uow.files.list_for_user(user_id)}
            await uow.users.delete(user_id)  # their files' rows go with them
            await self._audit(uow, admin, AuditAction.USER_DELETED, user, client)
        # Once the rows are gone for good. A user's blobs are theirs alone (a
        # namespace each), so no other file refers to them.
        if self._blobs is not None:
            for key in keys:
                await self._blobs.delete(key)

    async def audit_log(self, *, limit: int, offset: int) -> list[AuditEntry]:
        async with self._storage.read() as uow:
            return await uow.audit.list_page(limit=limit, offset=offset)

    @staticmethod
    def _not_self(admin: User, user_id: int, what: str) -> None:
        if admin.id == user_id:
            raise InvalidInput(f"You cannot {what}")

    async def _audit(
        self,
        uow: UnitOfWork,
        admin: User,
        action: AuditAction,
        target: User,
        client: ClientInfo,
        detail: str | None = None,
    ) -> None:
        await uow.audit.add(
            AuditEntry(
                action=action,
                created_at=self._clock.now(),
                user_id=admin.id,
                target=target.username,
                ip=client.ip,
                detail=detail,
            )
        )


async def _existing(uow: UnitOfWork, user_id: int) -> User:
    user = await uow.users.get(user_id)
    if user is None:
        raise NotFound(USER_NOT_FOUND)
    return user


async def _name_is_free(uow: UnitOfWork, name: str) -> None:
    if await uow.users.get_by_username(name) is not None:
        raise InvalidInput("Username already taken")
