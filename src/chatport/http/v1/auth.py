"""Bearer tokens on the v1 API: the ``user`` dependency, which also counts the
request against the per-user limit. A session cookie opens nothing here."""

from __future__ import annotations

from typing import Any

from litestar import Request

from chatport.domain.errors import Unauthenticated
from chatport.domain.tokens import AccessToken
from chatport.domain.users import User
from chatport.http.auth import services_of
from chatport.http.v1.ratelimit import remember_decision
from chatport.services.limits import refuse_unless

_BEARER_STATE = "v1_bearer"


async def v1_user(request: Request[Any, Any, Any]) -> User:
    """The user of the bearer token (dependency ``user``); 401 without a valid one,
    429 over 60 requests a minute."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthenticated("A bearer token is required: Authorization: Bearer <token>")
    services = services_of(request)
    user, token = await services.tokens.authenticate(value.strip())
    state = request.scope.setdefault("state", {})
    state["user_id"] = user.id
    state[_BEARER_STATE] = token
    decision = await services.tokens.count_request(user)
    remember_decision(request, decision)
    refuse_unless(decision, "requests")
    return user


def token_of(request: Request[Any, Any, Any]) -> AccessToken:
    """The token the request came with (after ``v1_user``)."""
    token: AccessToken = request.scope["state"][_BEARER_STATE]
    return token
