"""The composition root: the one place that reads ``Settings`` and picks adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import structlog
from litestar import Litestar

from chatport.adapters.blobs.filesystem import FilesystemBlobStore
from chatport.adapters.documents.pdf import PypdfDocumentReader
from chatport.adapters.llm.gateway import HttpxLLMGateway
from chatport.adapters.memory.idempotency import MemoryIdempotencyStore
from chatport.adapters.memory.ratelimit import MemoryRateLimiter
from chatport.adapters.memory.streams import MemoryStreamBus
from chatport.adapters.security.passwords import Argon2PasswordHasher
from chatport.adapters.security.secrets import AesGcmSecretBox, load_or_create_key
from chatport.adapters.security.tokens import SecretsTokenGenerator
from chatport.adapters.sqlite.storage import SqliteStorage
from chatport.adapters.system import SystemClock, UUIDv7Generator
from chatport.config import Settings, load_settings
from chatport.domain.errors import StorageUnavailable
from chatport.http.app import build_app
from chatport.http.container import Services
from chatport.ports.clock import Clock
from chatport.ports.idempotency import IdempotencyStore
from chatport.ports.ratelimit import RateLimiter
from chatport.ports.repositories import Storage
from chatport.ports.security import PasswordHasher
from chatport.ports.streams import StreamBus
from chatport.services.accounts import AccountService
from chatport.services.admin import AdminService
from chatport.services.attachments import AttachmentService
from chatport.services.chats import ChatService
from chatport.services.conversations import ConversationService
from chatport.services.credentials import CredentialsService
from chatport.services.files import FileLimits, FileService
from chatport.services.folders import FolderService
from chatport.services.generations import GenerationLimits, GenerationService
from chatport.services.idempotency import IdempotencyService
from chatport.services.messages import MessageService
from chatport.services.models import ModelService
from chatport.services.preferences import PreferencesService
from chatport.services.providers import ProviderService
from chatport.services.tokens import AccessTokenService

log = structlog.get_logger("chatport")


async def open_storage(settings: Settings) -> Storage:
    """Open the database of the settings and bring its schema up to date."""
    storage: Storage
    if settings.is_postgres:
        from chatport.adapters.postgres.storage import PostgresStorage

        storage = await PostgresStorage.open(settings.database_url, max_size=settings.db_pool_size)
    else:
        storage = await SqliteStorage.open(settings.sqlite_path)
    try:
        await storage.migrate()
    except BaseException:
        await storage.close()
        raise
    return storage


@asynccontextmanager
async def build_container(
    settings: Settings, *, clock: Clock | None = None, hasher: PasswordHasher | None = None
) -> AsyncIterator[Services]:
    """Every adapter, built from the settings; closed again on the way out. A test may
    hold time still (``clock``) or hash passwords cheaply (``hasher``)."""
    async with AsyncExitStack() as stack:
        clock = clock or SystemClock()
        ids = UUIDv7Generator()
        storage = await open_storage(settings)
        stack.push_async_callback(storage.close)
        limiter: RateLimiter
        checks = [storage.ping]
        bus: StreamBus
        if settings.redis_url:
            from redis.asyncio import Redis

            from chatport.adapters.redis.idempotency import RedisIdempotencyStore
            from chatport.adapters.redis.ratelimit import RedisRateLimiter
            from chatport.adapters.redis.streams import RedisStreamBus

            redis = Redis.from_url(settings.redis_url)
            stack.push_async_callback(redis.aclose)
            limiter = RedisRateLimiter(redis, clock, prefix=f"{settings.redis_prefix}rl:")
            idempotency: IdempotencyStore = RedisIdempotencyStore(
                redis, clock, prefix=f"{settings.redis_prefix}idem:"
            )
            bus = RedisStreamBus(redis, prefix=settings.redis_prefix)

            async def ping_redis() -> None:
                try:
                    await redis.ping()
                except Exception as exc:
                    raise StorageUnavailable("Redis does not answer") from exc

            checks.append(ping_redis)
        else:
            limiter = MemoryRateLimiter(clock)
            idempotency = MemoryIdempotencyStore(clock)
            bus = MemoryStreamBus()
        stack.push_async_callback(bus.aclose)
        if hasher is None:
            argon = Argon2PasswordHasher()
            stack.callback(argon.close)
            hasher = argon

        async def readiness() -> None:
            for check in checks:
                await check()

        gateway = HttpxLLMGateway(
            connect_timeout=settings.llm_connect_timeout,
            first_byte_timeout=settings.llm_first_byte_timeout,
            idle_timeout=settings.llm_idle_timeout,
            max_connections=settings.llm_max_connections,
            echo_delay=settings.demo_token_delay,
        )
        stack.push_async_callback(gateway.aclose)
        box = _secret_box(settings)
        providers = ProviderService(storage, gateway, box, clock)
        models = ModelService(storage, clock)
        blobs = await FilesystemBlobStore.open(settings.files_path)
        files = FileService(
            storage,
            blobs,
            limiter,
            clock,
            ids,
            FileLimits(
                max_bytes=settings.max_body_bytes,
                quota_bytes=settings.upload_quota_bytes,
                per_minute=settings.uploads_per_minute,
            ),
        )
        generations = GenerationService(
            storage=storage,
            models=models,
            providers=providers,
            gateway=gateway,
            bus=bus,
            limiter=limiter,
            clock=clock,
            ids=ids,
            limits=GenerationLimits(
                per_user=settings.runs_per_user,
                per_process=settings.runs_per_process,
                per_minute=settings.completions_per_minute,
            ),
            shared_bus=bool(settings.redis_url),
            attachments=AttachmentService(files, PypdfDocumentReader()),
        )
        interrupted = await generations.open()
        # Runs end before the bus and the storage they write to are closed.
        stack.push_async_callback(generations.aclose)
        if interrupted:
            log.warning("interrupted_replies_failed", count=interrupted)
        if settings.demo_provider and await providers.ensure_demo():
            log.info("demo_provider_added", name="demo")

        token_generator = SecretsTokenGenerator()
        accounts = AccountService(storage, hasher, token_generator, limiter, clock)
        chats = ChatService(storage, clock, ids)
        preferences = PreferencesService(storage, models, clock)
        yield Services(
            accounts=accounts,
            chats=chats,
            messages=MessageService(storage, clock, ids),
            folders=FolderService(storage, clock, ids),
            admin=AdminService(storage, hasher, clock, blobs),
            providers=providers,
            models=models,
            generations=generations,
            tokens=AccessTokenService(storage, accounts, token_generator, limiter, clock),
            preferences=preferences,
            idempotency=IdempotencyService(idempotency),
            credentials=CredentialsService(storage, box, gateway, providers, clock),
            conversations=ConversationService(
                storage, chats, models, preferences, generations, clock, ids
            ),
            files=files,
            readiness=readiness,
        )


def _secret_box(settings: Settings) -> AesGcmSecretBox:
    """Sealing provider keys: ``CHATPORT_SECRET_KEY``, else a key file in the data dir
    (fine for one instance; instances sharing a database must share the key)."""
    if settings.secret_key:
        return AesGcmSecretBox.from_passphrase(settings.secret_key)
    if settings.is_postgres:
        log.warning(
            "secret_key_from_file",
            hint="set CHATPORT_SECRET_KEY: instances sharing a database must share it",
        )
    return AesGcmSecretBox(load_or_create_key(Path(settings.data_dir)))


def create_app(settings: Settings | None = None, container: Services | None = None) -> Litestar:
    """The app; a test may hand in its own container of use cases."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def given() -> AsyncIterator[Services]:
        assert container is not None
        yield container

    return build_app(
        given if container is not None else lambda: build_container(settings),
        max_body_bytes=settings.max_body_bytes,
        cors_origins=settings.cors_origins,
    )
