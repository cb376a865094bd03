"""What the HTTP door needs from the core: the use cases and a readiness probe.

The composition root (``chatport.bootstrap``) builds one; tests may hand in their own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from chatport.services.accounts import AccountService
from chatport.services.admin import AdminService
from chatport.services.chats import ChatService
from chatport.services.conversations import ConversationService
from chatport.services.credentials import CredentialsService
from chatport.services.files import FileService
from chatport.services.folders import FolderService
from chatport.services.generations import GenerationService
from chatport.services.idempotency import IdempotencyService
from chatport.services.messages import MessageService
from chatport.services.models import ModelService
from chatport.services.preferences import PreferencesService
from chatport.services.providers import ProviderService
from chatport.services.tokens import AccessTokenService


@dataclass(frozen=True, slots=True)
class Services:
    accounts: AccountService
    chats: ChatService
    messages: MessageService
    folders: FolderService
    admin: AdminService
    providers: ProviderService
    models: ModelService
    generations: GenerationService
    tokens: AccessTokenService
    preferences: PreferencesService
    idempotency: IdempotencyService
    credentials: CredentialsService
    conversations: ConversationService
    files: FileService
    # Raises StorageUnavailable when a backing service does not answer.
    readiness: Callable[[], Awaitable[None]]
