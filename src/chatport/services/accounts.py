"""Accounts: first-user registration, log in and out, sessions, password change."""

from __future__ import annotations

from chatport.domain.audit import AuditAction, AuditEntry
from chatport.domain.errors import (
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    Unauthenticated,
)
from chatport.domain.ratelimit import LOGIN, REGISTER
from chatport.domain.users import (
    SESSION_LIFETIME,
    ClientInfo,
    NewUser,
    Role,
    Session,
    User,
    check_password,
    check_username,
    hash_token,
)
from chatport.ports.clock import Clock
from chatport.ports.ratelimit import RateLimiter
from chatport.ports.repositories import Storage, UnitOfWork
from chatport.ports.security import PasswordHasher, TokenGenerator
from chatport.services.limits import refuse_unless


class SignedIn:
    """A user with a fresh session; ``token`` is the secret the client keeps."""

    __slots__ = ("session", "token", "user")

    def __init__(self, user: User, session: Session, token: str) -> None:
        self.user = user
        self.session = session
        self.token = token


class AccountService:
    """Rules:
    - Only the first user may register, and becomes admin; afterwards 403.
    - Log-in failures are limited per IP and per username (5 per 15 minutes); a
      success forgets the username's failures. Registration attempts are limited
      the same way.
    - An unknown username costs as much time as a wrong password.
    - A disabled user cannot log in and their sessions are refused.
    - Changing the password ends every session of the user and opens a new one.
    """

    def __init__(
        self,
        storage: Storage,
        hasher: PasswordHasher,
        tokens: TokenGenerator,
        limiter: RateLimiter,
        clock: Clock,
    ) -> None:
        self._storage = storage
        self._hasher = hasher
        self._tokens = tokens
        self._limiter = limiter
        self._clock = clock

    async def setup_required(self) -> bool:
        """Whether nobody has registered yet: the first to do so becomes the admin."""
        async with self._storage.read() as uow:
            return await uow.users.count() == 0

    async def register(self, username: str, password: str, client: ClientInfo) -> SignedIn:
        name = check_username(username)
        check_password(password)
        for key in (f"register:ip:{client.ip}", f"register:user:{name.lower()}"):
            refuse_unless(await self._limiter.hit(key, REGISTER), "registration attempts")
        async with self._storage.read() as uow:
            if await uow.users.count() > 0:
                raise Forbidden("Registration is disabled; ask an admin for an account")
        password_hash = await self._hasher.hash(password)
        now = self._clock.now()
        async with self._storage.write() as uow:
            # Checked again inside the write: two first registrations must not both win.
            await uow.users.lock_creation()
            if await uow.users.count() > 0:
                raise Forbidden("Registration is disabled; ask an admin for an account")
            user = await uow.users.add(
                NewUser(username=name, password_hash=password_hash, role=Role.ADMIN, created_at=now)
            )
            signed_in = await self._open_session(uow, user, client)
            await uow.audit.add(
                AuditEntry(
                    action=AuditAction.REGISTER, created_at=now, user_id=user.id, ip=client.ip
                )
            )
        return signed_in

    async def login(self, username: str, password: str, client: ClientInfo) -> SignedIn:
        user = await self.check_credentials(username, password, client)
        async with self._storage.write() as uow:
            signed_in = await self._open_session(uow, user, client)
            await uow.audit.add(
                AuditEntry(
                    action=AuditAction.LOGIN,
                    created_at=self._clock.now(),
                    user_id=user.id,
                    ip=client.ip,
                )
            )
        return signed_in

    async def check_credentials(self, username: str, password: str, client: ClientInfo) -> User:
        """The user whose name and password these are, for any door that logs in.

        Failures count against the IP and the name (5 per 15 minutes each) and go to
        the audit log; a success clears the name's count. The message never says
        which of the two was wrong.
        """
        name = username.strip()
        keys = (f"login:ip:{client.ip}", f"login:user:{name.lower()}")
        for key in keys:
            refuse_unless(await self._limiter.peek(key, LOGIN), "failed log-in attempts")
        async with self._storage.read() as uow:
            user = await uow.users.get_by_username(name) if name else None
        matches = await self._hasher.verify(user.password_hash if user else None, password)
        if user is None or not matches:
            for key in keys:
                await self._limiter.hit(key, LOGIN)
            async with self._storage.write() as uow:
                await uow.audit.add(
                    AuditEntry(
                        action=AuditAction.LOGIN_FAILED,
                        created_at=self._clock.now(),
                        user_id=user.id if user else None,
                        target=name[:50],
                        ip=client.ip,
                    )
                )
            raise InvalidCredentials("Invalid username or password")
        if user.is_disabled:
            raise Forbidden("This account is disabled")
        await self._limiter.reset(keys[1], LOGIN)
        return user

    async def authenticate(self, token: str) -> tuple[User, Session]:
        """The user behind a session token, or Unauthenticated."""
        token_hash = hash_token(token)
        async with self._storage.read() as uow:
            found = await uow.sessions.get_with_user(token_hash)
        now = self._clock.now()
        if found is None:
            raise Unauthenticated("Not logged in")
        session, user = found
        if session.is_expired(now) or user.is_disabled:
            raise Unauthenticated("Not logged in")
        if session.needs_touch(now):
            async with self._storage.write() as uow:
                await uow.sessions.touch(token_hash, now)
        return user, session

    async def logout(self, token: str | None, client: ClientInfo) -> None:
        if not token:
            return
        token_hash = hash_token(token)
        async with self._storage.write() as uow:
            found = await uow.sessions.get_with_user(token_hash)
            if found is None:
                return
            await uow.sessions.delete(token_hash)
            await uow.audit.add(
                AuditEntry(
                    action=AuditAction.LOGOUT,
                    created_at=self._clock.now(),
                    user_id=found[1].id,
                    ip=client.ip,
                )
            )

    async def change_password(
        self, user: User, current: str, new: str, client: ClientInfo
    ) -> SignedIn:
        check_password(new, "newPassword")
        if not await self._hasher.verify(user.password_hash, current):
            raise InvalidCredentials("Current password is incorrect")
        if current == new:
            raise InvalidInput("The new password must differ from the current one")
        new_hash = await self._hasher.hash(new)
        async with self._storage.write() as uow:
            await uow.users.set_password_hash(user.id, new_hash)
            await uow.sessions.delete_for_user(user.id)
            signed_in = await self._open_session(uow, user, client)
            await uow.audit.add(
                AuditEntry(
                    action=AuditAction.PASSWORD_CHANGED,
                    created_at=self._clock.now(),
                    user_id=user.id,
                    ip=client.ip,
                )
            )
        return signed_in

    async def _open_session(self, uow: UnitOfWork, user: User, client: ClientInfo) -> SignedIn:
        token = self._tokens.new_token()
        now = self._clock.now()
        session = Session(
            token_hash=hash_token(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
            last_seen_at=now,
            ip=client.ip,
            user_agent=(client.user_agent or "")[:255] or None,
        )
        await uow.sessions.add(session)
        return SignedIn(user, session, token)
