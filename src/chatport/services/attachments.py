"""Files attached to messages, as a model is shown them: images as image parts
(to models with vision), text-like files and PDFs inlined with their names."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import msgspec

from chatport.domain.errors import FieldProblem, InvalidInput
from chatport.domain.file_records import StoredFile
from chatport.domain.generation import VISION_TYPES, ImagePart
from chatport.domain.messages import Message
from chatport.domain.providers import Model
from chatport.domain.users import User
from chatport.ports.documents import DocumentReader
from chatport.services.files import FileService

# The text-like types whose bytes go into a prompt as they are.
_TEXT_TYPES = frozenset(
    {
        "text/plain",
        "text/markdown",
        "text/csv",
        "application/json",
        "application/xml",
        "text/html",
        "image/svg+xml",  # its source: a model reads SVG as text
    }
)
PDF = "application/pdf"


class AttachmentLimits(msgspec.Struct, frozen=True, kw_only=True):
    text_chars: int = 100_000  # of one file, inlined; the rest is cut with a note
    image_bytes: int = 20 * 1024 * 1024  # larger images are named, not sent
    pdf_bytes: int = 50 * 1024 * 1024


class Shown(msgspec.Struct, frozen=True, kw_only=True):
    """What a message's attachments add to its turn."""

    text: str  # appended to the message's own text
    images: tuple[ImagePart, ...]


def needs_vision(file: StoredFile) -> bool:
    return file.mime_type in VISION_TYPES


class AttachmentService:
    """Rules: every attached file is the user's (403 "Invalid attachments"
    otherwise); an image needs a model with vision (400 naming the model); files
    are read again for every prompt, so a deleted file is named as gone."""

    def __init__(
        self,
        files: FileService,
        documents: DocumentReader,
        limits: AttachmentLimits | None = None,
    ) -> None:
        self._files = files
        self._documents = documents
        self._limits = limits or AttachmentLimits()

    async def check(self, user: User, file_ids: Sequence[str], model: Model) -> None:
        """Before anything is stored: the files are the user's, and the model can
        see the images among them."""
        files = await self._files.attachments(user, list(file_ids))
        if any(needs_vision(f) for f in files) and not model.supports_vision:
            message = (
                f"{model.display_name} ({model.model_id}) cannot read images: choose a "
                "model with vision, or send the message without the image"
            )
            raise InvalidInput(message, (FieldProblem("invalid", message, ("fileIds",)),))

    async def show(self, user: User, messages: Sequence[Message]) -> dict[str, Shown]:
        """What each message with attachments shows the model, by message id."""
        wanted = [i for m in messages for i in (m.file_ids or ())]
        if not wanted:
            return {}
        found = {f.id: f for f in await self._files.find_many(user, wanted)}
        shown: dict[str, Shown] = {}
        for message in messages:
            if message.file_ids:
                shown[message.id] = await self._show(message.file_ids, found)
        return shown

    async def _show(self, file_ids: Sequence[str], found: dict[str, StoredFile]) -> Shown:
        texts: list[str] = []
        images: list[ImagePart] = []
        for file_id in file_ids:
            file = found.get(file_id)
            if file is None:
                texts.append("[An attached file was deleted since.]")
            elif needs_vision(file) and file.size <= self._limits.image_bytes:
                data = await self._files.read_head(file, file.size)
                images.append(
                    ImagePart(mime_type=file.mime_type, data=base64.b64encode(data).decode())
                )
            elif file.mime_type in _TEXT_TYPES or file.mime_type == PDF:
                texts.append(await self._inlined(file))
            else:
                texts.append(f'[Attached image "{file.filename}": not in a form a model reads.]')
        return Shown(text="\n\n".join(texts), images=tuple(images))

    async def _inlined(self, file: StoredFile) -> str:
        cap = self._limits.text_chars
        if file.mime_type == PDF:
            if file.size > self._limits.pdf_bytes:
                return f'[Attached PDF "{file.filename}": too large to read.]'
            data = await self._files.read_head(file, file.size)
            try:
                text = await self._documents.pdf_text(data, max_chars=cap + 1)
            except InvalidInput:
                return f'[Attached PDF "{file.filename}": it could not be read.]'
        else:
            # UTF-8 takes at most four bytes a character: this many is enough.
            head = await self._files.read_head(file, cap * 4 + 4)
            text = head.decode("utf-8", errors="replace")
        cut = len(text) > cap
        body = text[:cap] + ("\n[... the rest of the file is left out]" if cut else "")
        name = file.filename.replace('"', "'")
        return f'<file name="{name}" type="{file.mime_type}">\n{body}\n</file>'
