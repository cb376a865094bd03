"""``/api/auth``: register the first user, log in and out, the session, password."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.di import Provide
from litestar.params import JSONBody

from chatport.domain.errors import Unauthenticated
from chatport.domain.users import PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX, USERNAME_MIN
from chatport.http.auth import (
    AuthUser,
    client_info,
    current_user,
    services_of,
    session_cookie_value,
    with_session_cookie,
    without_session_cookie,
)
from chatport.http.web.shapes import (
    NoSession,
    PasswordChanged,
    SessionOut,
    SessionResponse,
    Success,
    ms_of,
    session_response,
)

Username = Annotated[str, msgspec.Meta(min_length=USERNAME_MIN, max_length=USERNAME_MAX)]
Password = Annotated[str, msgspec.Meta(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]
# Log-in fields are only bounded: their rules are checked against what is stored.
AnyText = Annotated[str, msgspec.Meta(max_length=1000)]


class RegisterBody(msgspec.Struct, frozen=True, kw_only=True):
    username: Username
    password: Password


class LoginBody(msgspec.Struct, frozen=True, kw_only=True):
    username: AnyText
    password: AnyText


class ChangePasswordBody(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    current_password: AnyText
    new_password: Password


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/register", status_code=201)
    async def register(
        self, request: Request[Any, Any, Any], data: JSONBody[RegisterBody]
    ) -> Response[SessionResponse]:
        """Create the first user, who becomes admin; afterwards registration is closed (403)."""
        signed_in = await services_of(request).accounts.register(
            data.username, data.password, client_info(request)
        )
        body = session_response(signed_in.user, signed_in.session)
        return with_session_cookie(Response(body, status_code=201), request, signed_in)

    @post("/login", status_code=200)
    async def login(
        self, request: Request[Any, Any, Any], data: JSONBody[LoginBody]
    ) -> Response[SessionResponse]:
        signed_in = await services_of(request).accounts.login(
            data.username, data.password, client_info(request)
        )
        body = session_response(signed_in.user, signed_in.session)
        return with_session_cookie(Response(body), request, signed_in)

    @post("/logout", status_code=200)
    async def logout(self, request: Request[Any, Any, Any]) -> Response[Success]:
        await services_of(request).accounts.logout(
            session_cookie_value(request), client_info(request)
        )
        return without_session_cookie(Response(Success()), request)

    @get("/session")
    async def session(
        self, request: Request[Any, Any, Any]
    ) -> Response[SessionResponse | NoSession]:
        token = session_cookie_value(request)
        try:
            user, session = await services_of(request).accounts.authenticate(token or "")
        except Unauthenticated:
            setup = await services_of(request).accounts.setup_required()
            return Response(NoSession(setup_required=setup), status_code=401)
        return Response(session_response(user, session))

    @put("/change-password", dependencies={"user": Provide(current_user)})
    async def change_password(
        self, request: Request[Any, Any, Any], user: AuthUser, data: JSONBody[ChangePasswordBody]
    ) -> Response[PasswordChanged]:
        """Ends every session of the user and opens a new one for this browser."""
        signed_in = await services_of(request).accounts.change_password(
            user, data.current_password, data.new_password, client_info(request)
        )
        body = PasswordChanged(
            success=True, session=SessionOut(expires_at=ms_of(signed_in.session.expires_at))
        )
        return with_session_cookie(Response(body), request, signed_in)
