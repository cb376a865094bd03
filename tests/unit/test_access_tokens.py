"""v1 access tokens over real SQLite storage: issued once, stored hashed, found by
``<id>|<secret>`` only, revoked one by one, expired and disabled users refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chatport.adapters.security.passwords import Argon2PasswordHasher
from chatport.bootstrap import build_container
from chatport.config import Settings
from chatport.domain.errors import InvalidCredentials, InvalidInput, NotFound, Unauthenticated
from chatport.domain.users import ClientInfo, Role
from chatport.http.container import Services
from tests.support import ManualClock

PASSWORD = "password-123"
CLIENT = ClientInfo(ip="127.0.0.1")


@pytest.fixture
async def services(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Services]:
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    async with build_container(Settings(data_dir=str(tmp_path)), clock=clock, hasher=hasher) as s:
        await s.accounts.register("admin", PASSWORD, CLIENT)
        yield s


async def test_login_issues_a_token_that_finds_its_user(services: Services) -> None:
    user, issued = await services.tokens.login("admin", PASSWORD, "Pixel 9", CLIENT)

    token_id, _, secret = issued.plaintext.partition("|")
    assert int(token_id) == issued.token.id
    assert secret not in issued.token.token_hash
    assert issued.token.name == "Pixel 9"
    found, token = await services.tokens.authenticate(issued.plaintext)
    assert found.id == user.id and token.id == issued.token.id
    assert token.last_used_at is not None or found.id == user.id


async def test_a_wrong_password_or_a_bad_device_name_issues_nothing(services: Services) -> None:
    admin = await services.accounts.check_credentials("admin", PASSWORD, CLIENT)
    with pytest.raises(InvalidCredentials):
        await services.tokens.login("admin", "wrong-password", "Phone", CLIENT)
    with pytest.raises(InvalidInput):
        await services.tokens.login("admin", PASSWORD, "", CLIENT)
    with pytest.raises(InvalidInput):
        await services.tokens.login("admin", PASSWORD, "x" * 256, CLIENT)
    assert await services.tokens.list_tokens(admin) == []


@pytest.mark.parametrize(
    "bearer", ["", "abc", "1", "|secret", "x|secret", "999|secret", "1|", "1|wrong-secret"]
)
async def test_malformed_unknown_or_wrong_tokens_are_refused(
    services: Services, bearer: str
) -> None:
    await services.tokens.login("admin", PASSWORD, "Phone", CLIENT)
    with pytest.raises(Unauthenticated):
        await services.tokens.authenticate(bearer)


async def test_revoked_expired_and_disabled_tokens_stop_working(
    services: Services, clock: ManualClock
) -> None:
    admin, phone = await services.tokens.login("admin", PASSWORD, "Phone", CLIENT)
    laptop = await services.tokens.issue(admin, "Laptop")
    brief = await services.tokens.issue(admin, "Brief", expires_in_days=1)

    await services.tokens.revoke(admin, phone.token.id)
    with pytest.raises(Unauthenticated):
        await services.tokens.authenticate(phone.plaintext)
    await services.tokens.authenticate(laptop.plaintext)  # the others still work
    clock.advance(2 * 86400)
    with pytest.raises(Unauthenticated):
        await services.tokens.authenticate(brief.plaintext)
    with pytest.raises(NotFound):
        await services.tokens.revoke(admin, phone.token.id)

    member = await services.admin.create_user(admin, "bob", PASSWORD, Role.MEMBER, CLIENT)
    _, bobs = await services.tokens.login("bob", PASSWORD, "Phone", CLIENT)
    with pytest.raises(NotFound):  # another user's token
        await services.tokens.revoke(admin, bobs.token.id)
    await services.admin.set_disabled(admin, member.id, True, CLIENT)
    with pytest.raises(Unauthenticated):
        await services.tokens.authenticate(bobs.plaintext)
    names = [t.name for t in await services.tokens.list_tokens(admin)]
    assert sorted(names) == ["Brief", "Laptop"]


async def test_last_used_is_written_at_most_once_a_minute(
    services: Services, clock: ManualClock
) -> None:
    admin, issued = await services.tokens.login("admin", PASSWORD, "Phone", CLIENT)
    await services.tokens.authenticate(issued.plaintext)
    first = (await services.tokens.list_tokens(admin))[0].last_used_at
    assert first == clock.now()
    clock.advance(30)
    await services.tokens.authenticate(issued.plaintext)
    assert (await services.tokens.list_tokens(admin))[0].last_used_at == first
    clock.advance(31)
    await services.tokens.authenticate(issued.plaintext)
    assert (await services.tokens.list_tokens(admin))[0].last_used_at == clock.now()
