"""Personal access tokens for the v1 API: issue at log-in or on request, list,
revoke, and find the user behind a bearer token."""

from __future__ import annotations

import hmac
from datetime import timedelta

import msgspec

from chatport.domain.audit import AuditAction, AuditEntry
from chatport.domain.errors import FieldProblem, InvalidInput, NotFound, Unauthenticated
from chatport.domain.ratelimit import V1_API, RateDecision
from chatport.domain.tokens import TOKEN_NAME_MAX, AccessToken, NewAccessToken, split_bearer
from chatport.domain.users import ClientInfo, User, hash_token
from chatport.ports.clock import Clock
from chatport.ports.ratelimit import RateLimiter
from chatport.ports.repositories import Storage
from chatport.ports.security import TokenGenerator
from chatport.services.accounts import AccountService

EXPIRY_DAYS_MAX = 3650
ABILITY_MAX = 50


class IssuedToken(msgspec.Struct, frozen=True, kw_only=True):
    token: AccessToken
    plaintext: str  # "<id>|<secret>": shown once, never stored


class AccessTokenService:
    """Rules: only the hash of a token's secret is stored and compared in constant
    time; a token works until revoked or expired, and not for a disabled user;
    ``last_used_at`` is written at most once a minute; a user sees and revokes
    only their own tokens (another's is NotFound)."""

    def __init__(
        self,
        storage: Storage,
        accounts: AccountService,
        tokens: TokenGenerator,
        limiter: RateLimiter,
        clock: Clock,
    ) -> None:
        self._storage = storage
        self._accounts = accounts
        self._tokens = tokens
        self._limiter = limiter
        self._clock = clock

    async def count_request(self, user: User) -> RateDecision:
        """One more request of the user on the v1 API (60 a minute, on every
        instance when the limiter is shared); the caller refuses when not allowed."""
        return await self._limiter.hit(f"user:{user.id}", V1_API)

    async def login(
        self, username: str, password: str, device_name: str, client: ClientInfo
    ) -> tuple[User, IssuedToken]:
        """Check the password as the web log-in does, then issue a token named for
        the device."""
        _check_name(device_name, "device_name")
        user = await self._accounts.check_credentials(username, password, client)
        issued = await self.issue(user, device_name)
        async with self._storage.write() as uow:
            await uow.audit.add(
                AuditEntry(
                    action=AuditAction.LOGIN,
                    created_at=self._clock.now(),
                    user_id=user.id,
                    ip=client.ip,
                    detail="token",
                )
            )
        return user, issued

    async def issue(
        self,
        user: User,
        name: str,
        abilities: tuple[str, ...] = ("*",),
        expires_in_days: int | None = None,
    ) -> IssuedToken:
        _check_name(name, "name")
        if expires_in_days is not None and not 1 <= expires_in_days <= EXPIRY_DAYS_MAX:
            raise _invalid("expires_in_days", f"Must be 1 to {EXPIRY_DAYS_MAX} days")
        if not abilities or any(not 1 <= len(a) <= ABILITY_MAX for a in abilities):
            raise _invalid("abilities", f"Abilities are 1 to {ABILITY_MAX} characters each")
        secret = self._tokens.new_token()
        now = self._clock.now()
        async with self._storage.write() as uow:
            token = await uow.access_tokens.add(
                NewAccessToken(
                    user_id=user.id,
                    name=name.strip(),
                    token_hash=hash_token(secret),
                    created_at=now,
                    abilities=abilities,
                    expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
                )
            )
        return IssuedToken(token=token, plaintext=f"{token.id}|{secret}")

    async def authenticate(self, bearer: str) -> tuple[User, AccessToken]:
        """The user behind ``<id>|<secret>``, or Unauthenticated."""
        parsed = split_bearer(bearer)
        if parsed is None:
            raise Unauthenticated("The token is malformed")
        token_id, secret = parsed
        async with self._storage.read() as uow:
            found = await uow.access_tokens.get_with_user(token_id)
        now = self._clock.now()
        if found is None or not hmac.compare_digest(found[0].token_hash, hash_token(secret)):
            raise Unauthenticated("The token is not valid")
        token, user = found
        if token.is_expired(now) or user.is_disabled:
            raise Unauthenticated("The token is not valid")
        if token.needs_touch(now):
            async with self._storage.write() as uow:
                await uow.access_tokens.touch(token.id, now)
        return user, token

    async def list_tokens(self, user: User) -> list[AccessToken]:
        async with self._storage.read() as uow:
            return await uow.access_tokens.list_for_user(user.id)

    async def revoke(self, user: User, token_id: int) -> None:
        async with self._storage.write() as uow:
            if not await uow.access_tokens.delete(user.id, token_id):
                raise NotFound("Token not found")


def _check_name(name: str, field: str) -> None:
    if not 1 <= len(name.strip()) <= TOKEN_NAME_MAX:
        raise _invalid(field, f"Must be 1 to {TOKEN_NAME_MAX} characters")


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput("Invalid input", (FieldProblem("invalid", message, (field,)),))
