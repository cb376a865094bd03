"""``/api/admin``: users (create, role, disable, password, delete) and the audit log.

Admins only; everyone else gets 403.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post, put
from litestar.di import Provide
from litestar.params import FromPath, JSONBody, QueryParameter

from chatport.domain.users import Role
from chatport.http.auth import AuthUser, client_info, current_admin, current_user, services_of
from chatport.http.web.auth import Password, Username
from chatport.http.web.shapes import (
    AdminUserEnvelope,
    AdminUserList,
    AuditList,
    Success,
    admin_user_out,
    audit_out,
)


class CreateUserBody(msgspec.Struct, frozen=True, kw_only=True):
    username: Username
    password: Password
    role: Role = Role.MEMBER


class RoleBody(msgspec.Struct, frozen=True, kw_only=True):
    role: Role


class DisabledBody(msgspec.Struct, frozen=True, kw_only=True):
    disabled: bool


class PasswordBody(msgspec.Struct, frozen=True, kw_only=True):
    password: Password


class AdminUsersController(Controller):
    path = "/api/admin"
    tags = ["admin"]
    dependencies = {"user": Provide(current_user), "admin": Provide(current_admin)}

    @get("/users")
    async def list_users(self, request: Request[Any, Any, Any], admin: AuthUser) -> AdminUserList:
        users = await services_of(request).admin.list_users()
        return AdminUserList(users=[admin_user_out(u) for u in users])

    @post("/users", status_code=201)
    async def create_user(
        self, request: Request[Any, Any, Any], admin: AuthUser, data: JSONBody[CreateUserBody]
    ) -> AdminUserEnvelope:
        user = await services_of(request).admin.create_user(
            admin, data.username, data.password, data.role, client_info(request)
        )
        return AdminUserEnvelope(user=admin_user_out(user))

    @put("/users/{user_id:int}/role")
    async def set_role(
        self,
        request: Request[Any, Any, Any],
        admin: AuthUser,
        user_id: FromPath[int],
        data: JSONBody[RoleBody],
    ) -> AdminUserEnvelope:
        """Ends the user's sessions. An admin cannot change their own role (400)."""
        user = await services_of(request).admin.set_role(
            admin, user_id, data.role, client_info(request)
        )
        return AdminUserEnvelope(user=admin_user_out(user))

    @put("/users/{user_id:int}/disabled")
    async def set_disabled(
        self,
        request: Request[Any, Any, Any],
        admin: AuthUser,
        user_id: FromPath[int],
        data: JSONBody[DisabledBody],
    ) -> AdminUserEnvelope:
        """Disabling ends the user's sessions. An admin cannot disable themselves (400)."""
        user = await services_of(request).admin.set_disabled(
            admin, user_id, data.disabled, client_info(request)
        )
        return AdminUserEnvelope(user=admin_user_out(user))

    @put("/users/{user_id:int}/password")
    async def reset_password(
        self,
        request: Request[Any, Any, Any],
        admin: AuthUser,
        user_id: FromPath[int],
        data: JSONBody[PasswordBody],
    ) -> Success:
        """Ends the user's sessions."""
        await services_of(request).admin.reset_password(
            admin, user_id, data.password, client_info(request)
        )
        return Success()

    @delete("/users/{user_id:int}", status_code=200)
    async def delete_user(
        self, request: Request[Any, Any, Any], admin: AuthUser, user_id: FromPath[int]
    ) -> Success:
        """Removes the user and everything they own. An admin cannot delete themselves (400)."""
        await services_of(request).admin.delete_user(admin, user_id, client_info(request))
        return Success()

    @get("/audit-log")
    async def audit_log(
        self,
        request: Request[Any, Any, Any],
        admin: AuthUser,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> AuditList:
        """Newest first."""
        entries = await services_of(request).admin.audit_log(limit=limit, offset=offset)
        return AuditList(logs=[audit_out(e) for e in entries], limit=limit, offset=offset)
