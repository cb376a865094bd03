"""Cookie sessions for the web API: reading the cookie, the user and role
dependencies, and setting or clearing the cookie."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.di import NamedDependency

from chatport.domain.errors import Forbidden, Unauthenticated
from chatport.domain.users import ClientInfo, Role, User
from chatport.http.container import Services
from chatport.services.accounts import SignedIn

SESSION_COOKIE = "session"

# The injected user of a handler or dependency (named ``user`` or ``admin``).
AuthUser = NamedDependency[User]


def services_of(request: Request[Any, Any, Any]) -> Services:
    services: Services = request.app.state.services
    return services


def client_info(request: Request[Any, Any, Any]) -> ClientInfo:
    return ClientInfo(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


async def current_user(request: Request[Any, Any, Any]) -> User:
    """The logged-in user (dependency ``user``); 401 without a valid session."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthenticated("Not logged in")
    user, _ = await services_of(request).accounts.authenticate(token)
    request.scope.setdefault("state", {})["user_id"] = user.id
    return user


async def current_writer(user: AuthUser) -> User:
    """A user allowed to change shared settings: anyone but readonly."""
    if user.role is Role.READONLY:
        raise Forbidden("Your account is read-only")
    return user


async def current_admin(user: AuthUser) -> User:
    if user.role is not Role.ADMIN:
        raise Forbidden("Admin access required")
    return user


def session_cookie_value(request: Request[Any, Any, Any]) -> str | None:
    return request.cookies.get(SESSION_COOKIE)


def with_session_cookie(
    response: Response[Any], request: Request[Any, Any, Any], signed_in: SignedIn
) -> Response[Any]:
    max_age = int((signed_in.session.expires_at - signed_in.session.created_at).total_seconds())
    response.set_cookie(
        Cookie(
            key=SESSION_COOKIE,
            value=signed_in.token,
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    )
    return response


def without_session_cookie(
    response: Response[Any], request: Request[Any, Any, Any]
) -> Response[Any]:
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
