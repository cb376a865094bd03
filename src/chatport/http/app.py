"""The Litestar application factory of the HTTP door.

It builds nothing at import time: the container of use cases comes from a factory
run inside the app's lifespan (the composition root's, or a test's).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, cast

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.types import ASGIApp

import chatport
from chatport.http.container import Services
from chatport.http.errors import handle
from chatport.http.health import healthz, readyz
from chatport.http.middleware import RequestContextMiddleware, SameOriginMiddleware
from chatport.http.page.routes import page_router
from chatport.http.v1.account import V1AuthController, V1ModelsController
from chatport.http.v1.conversations import V1ConversationsController, V1MessagesController
from chatport.http.v1.credentials import V1CredentialsController
from chatport.http.v1.docs import tidy_v1_schema
from chatport.http.v1.idempotency import IdempotencyMiddleware
from chatport.http.v1.preferences import V1PreferencesController
from chatport.http.web.admin import AdminUsersController
from chatport.http.web.auth import AuthController
from chatport.http.web.chats import ChatController
from chatport.http.web.completions import CompletionController
from chatport.http.web.credentials import CredentialsController
from chatport.http.web.files import FileController
from chatport.http.web.folders import FolderController
from chatport.http.web.providers import (
    AdminModelsController,
    AdminProvidersController,
    ModelsController,
)
from chatport.http.web.settings import PreferencesController, TokensController

ContainerFactory = Callable[[], AbstractAsyncContextManager[Services]]


def build_app(
    container_factory: ContainerFactory,
    *,
    max_body_bytes: int = 50 * 1024 * 1024,
    cors_origins: tuple[str, ...] = (),
    debug: bool = False,
) -> Litestar:
    @asynccontextmanager
    async def services_lifespan(app: Litestar) -> AsyncIterator[None]:
        async with container_factory() as services:
            app.state.services = services
            yield

    app = Litestar(
        route_handlers=[
            AuthController,
            ChatController,
            FolderController,
            AdminUsersController,
            CompletionController,
            ModelsController,
            AdminProvidersController,
            AdminModelsController,
            V1AuthController,
            V1ModelsController,
            V1PreferencesController,
            V1CredentialsController,
            V1ConversationsController,
            V1MessagesController,
            CredentialsController,
            FileController,
            PreferencesController,
            TokensController,
            healthz,
            readyz,
            page_router,
        ],
        lifespan=[services_lifespan],
        on_startup=[lambda app: tidy_v1_schema(app.openapi_schema)],
        exception_handlers={Exception: handle},
        cors_config=CORSConfig(allow_origins=list(cors_origins), allow_credentials=True)
        if cors_origins
        else None,
        request_max_body_size=max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="chatport",
            version=chatport.__version__,
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        debug=debug,
        # Logging is ours (chatport.http.logs); Litestar's would replace its handlers.
        logging_config=None,
    )
    # Litestar's own middleware runs only for matched routes; these must also see
    # unknown paths and wrong methods (request id, headers, the log line).
    app.asgi_handler = cast(
        "ASGIApp",
        RequestContextMiddleware(
            SameOriginMiddleware(
                IdempotencyMiddleware(cast("Any", app.asgi_handler), max_body_bytes),
                allowed_origins=cors_origins,
            )
        ),
    )
    return app
