"""Rules of uploaded files: which types are accepted, how a type is told from the
bytes, how a filename is cleaned, how a size reads.

The type of a file is decided by its content, never by its name or by what the
client declared: an image type (the only ones shown inline, with PDF) is given only
on a magic number, so markup dressed as an image always ends up as markup, which
is served as an attachment.
"""

from __future__ import annotations

import codecs
import enum
import re
import unicodedata

import msgspec

from chatport.domain.errors import FieldProblem, InvalidInput

SNIFF_BYTES = 8192  # how much of the head ``sniff`` wants
_MARKUP_WINDOW = 1024  # markup is looked for in the first KiB only
FILENAME_MAX_BYTES = 255
_EXTENSION_MAX_CHARS = 16
DEFAULT_FILENAME = "file"

ACCEPTED_WORDS = (
    "Accepted: images (JPEG, PNG, GIF, WebP, SVG, BMP), "
    "documents (PDF, TXT, MD, CSV, JSON, XML, HTML) and code files"
)


class FileKind(enum.StrEnum):
    IMAGE = "image"  # raster images: JPEG, PNG, GIF, WebP, BMP
    PDF = "pdf"
    TEXT = "text"  # plain text, markdown, CSV, JSON, code
    MARKUP = "markup"  # SVG, HTML, XML: active content in a browser


class FileType(msgspec.Struct, frozen=True, kw_only=True):
    """One accepted type.

    ``inline_safe``: may be served ``Content-Disposition: inline`` (raster images
    and PDF, which browsers render in a viewer cut off from the page's origin).
    ``is_text``: its bytes are UTF-8 text that can go into a prompt as it is.
    """

    mime: str
    kind: FileKind
    label: str  # short human name: "PNG", "Markdown", "Code"
    inline_safe: bool
    is_text: bool


def _image(mime: str, label: str) -> FileType:
    return FileType(mime=mime, kind=FileKind.IMAGE, label=label, inline_safe=True, is_text=False)


def _text(mime: str, label: str, kind: FileKind = FileKind.TEXT) -> FileType:
    return FileType(mime=mime, kind=kind, label=label, inline_safe=False, is_text=True)


JPEG = _image("image/jpeg", "JPEG")
PNG = _image("image/png", "PNG")
GIF = _image("image/gif", "GIF")
WEBP = _image("image/webp", "WebP")
BMP = _image("image/bmp", "BMP")
SVG = FileType(
    mime="image/svg+xml", kind=FileKind.MARKUP, label="SVG", inline_safe=False, is_text=False
)
PDF = FileType(
    mime="application/pdf", kind=FileKind.PDF, label="PDF", inline_safe=True, is_text=False
)
TXT = _text("text/plain", "Text")
MARKDOWN = _text("text/markdown", "Markdown")
CSV = _text("text/csv", "CSV")
JSON = _text("application/json", "JSON")
XML = _text("application/xml", "XML", FileKind.MARKUP)
HTML = _text("text/html", "HTML", FileKind.MARKUP)
# Code is served as text/plain: a text/javascript or text/css body from our own
# origin could be loaded as a script or a stylesheet, text/plain never is.
CODE = _text("text/plain", "Code")

ACCEPTED: tuple[FileType, ...] = (
    JPEG, PNG, GIF, WEBP, SVG, BMP, PDF, TXT, MARKDOWN, CSV, JSON, XML, HTML, CODE,
)  # fmt: skip

CODE_EXTENSIONS = frozenset((
    "py", "pyi", "js", "mjs", "cjs", "ts", "mts", "cts", "tsx", "jsx", "java", "c", "h", "cc",
    "cpp", "cxx", "hpp", "hh", "cs", "go", "rs", "rb", "php", "swift", "kt", "kts", "scala",
    "sh", "bash", "zsh", "fish", "ps1", "bat", "sql", "yaml", "yml", "toml", "ini", "cfg",
    "conf", "env", "properties", "css", "scss", "sass", "less", "lua", "r", "pl", "pm", "dart",
    "vue", "svelte", "astro", "ex", "exs", "erl", "hs", "ml", "clj", "cljs", "elm", "jl", "nim",
    "zig", "v", "f90", "m", "mm", "groovy", "gradle", "tf", "hcl", "proto", "graphql", "gql",
    "dockerfile", "makefile", "cmake", "diff", "patch", "tex", "rst", "adoc",
))  # fmt: skip
_TEXT_EXTENSIONS: dict[str, FileType] = {
    "txt": TXT, "text": TXT, "log": TXT, "md": MARKDOWN, "markdown": MARKDOWN,
    "csv": CSV, "json": JSON,
} | dict.fromkeys(CODE_EXTENSIONS, CODE)  # fmt: skip

# Declared types that name the same thing under another spelling.
_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/x-ms-bmp": "image/bmp",
    "image/x-bmp": "image/bmp",
    "text/xml": "application/xml",
}
_GENERIC = frozenset({"", "application/octet-stream", "binary/octet-stream"})

# After "<" and before a space or ">": the WHATWG sniffing patterns for HTML.
_HTML_TAGS = (
    "!doctype html", "html", "head", "body", "script", "iframe", "h1", "div", "font",
    "table", "a", "style", "title", "b", "br", "p", "object", "embed", "img",
)  # fmt: skip
_TAG_ENDS = (" ", ">", "\t", "\n", "\r", "\f", "/")
# An XML declaration or a root element: "<" alone ("<3", "a < b") is not markup.
_XML_START = re.compile(r"<(\?xml|[a-z_][\w:.-]*[\s/>])")


class Sniffed(msgspec.Struct, frozen=True, kw_only=True):
    file_type: FileType
    corrected: bool  # the client declared another type; this one wins


def sniff(head: bytes, filename: str, declared: str | None) -> Sniffed:
    """The type of a file from its first bytes (up to ``SNIFF_BYTES``).

    Raster images and PDF by magic number; otherwise the bytes must be UTF-8 text
    (a multibyte sequence cut by the end of ``head`` is fine) without NUL. Text is
    typed by its extension when that is a text or code one (markdown, code and CSV
    often quote HTML, which is harmless in a file that is never rendered); anything
    else holding markup in its first KiB is SVG, HTML or XML; the rest is plain
    text. Anything else is refused with ``InvalidInput`` naming what is accepted.
    """
    found = _by_magic(head) or _by_text(head, _extension(filename))
    if found is None:
        raise InvalidInput(
            f"This type of file is not accepted. {ACCEPTED_WORDS}.",
            (FieldProblem("unsupported_type", ACCEPTED_WORDS, ("file",)),),
        )
    said = _normalize_mime(declared)
    return Sniffed(file_type=found, corrected=said not in _GENERIC and said != found.mime)


def _normalize_mime(declared: str | None) -> str:
    mime = (declared or "").split(";", 1)[0].strip().lower()
    return _ALIASES.get(mime, mime)


def _extension(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if "." not in base:
        return base if base in CODE_EXTENSIONS else ""  # Makefile, Dockerfile
    return base.rsplit(".", 1)[1]


def _by_magic(head: bytes) -> FileType | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if _is_bmp(head):
        return BMP
    return None


def _is_bmp(head: bytes) -> bool:
    # "BM" alone would take any text starting so ("BMW ...") for an image: the
    # reserved zeros and a known DIB header size make it a real bitmap header.
    return (
        head.startswith(b"BM")
        and len(head) >= 18
        and head[6:10] == b"\0\0\0\0"
        and int.from_bytes(head[14:18], "little") in {12, 16, 40, 52, 56, 64, 108, 124}
    )


def _by_text(head: bytes, extension: str) -> FileType | None:
    if b"\0" in head:
        return None
    try:
        # A head cut at SNIFF_BYTES may end inside a character; a shorter one is
        # the whole file and must decode to its last byte.
        final = len(head) < SNIFF_BYTES
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=final)
    except UnicodeDecodeError:
        return None
    text = text.removeprefix("\ufeff")
    by_extension = _TEXT_EXTENSIONS.get(extension)
    if by_extension is JSON:
        return JSON if text.lstrip()[:1] in {"{", "["} else TXT
    if by_extension is not None and by_extension is not TXT:
        return by_extension
    return _markup(text[:_MARKUP_WINDOW].lower()) or TXT


def _markup(window: str) -> FileType | None:
    if _has_tag(window, ("svg",)) and not _has_tag(window, ("html", "!doctype html")):
        return SVG
    if _has_tag(window, _HTML_TAGS):
        return HTML
    if _XML_START.match(window.lstrip()):
        return XML
    return None


def _has_tag(window: str, names: tuple[str, ...]) -> bool:
    return any(f"<{name}{end}" in window for name in names for end in _TAG_ENDS)


# --- filenames ----------------------------------------------------------------------

# Bidirectional controls reorder what is shown: "invoice\u202efdp.exe" reads as
# "invoiceexe.pdf".
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def sanitize_filename(name: str) -> str:
    """A filename fit to show and to put in a header; never a storage path.

    NFC; the last part of any path (``/`` or ``\\``); no control or bidi
    characters; whitespace collapsed; no leading dots (nothing hidden, no ``..``)
    and no trailing dots or spaces; at most 255 bytes of UTF-8, the extension
    kept; ``"file"`` when nothing is left.
    """
    cleaned = "".join(
        " " if char.isspace() else char
        for char in unicodedata.normalize("NFC", name)
        if char.isspace() or (char not in _BIDI and unicodedata.category(char) != "Cc")
    )
    base = cleaned.replace("\\", "/").rsplit("/", 1)[-1]
    base = " ".join(base.split()).lstrip(". ").rstrip(". ")
    return _cap(base) or DEFAULT_FILENAME


def _cap(name: str) -> str:
    if len(name.encode()) <= FILENAME_MAX_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > _EXTENSION_MAX_CHARS or " " in extension:
        stem, dot, extension = name, "", ""
    extension = dot + extension
    room = FILENAME_MAX_BYTES - len(extension.encode())
    # Cut on a character boundary: drop a multibyte sequence the cut would split.
    cut = stem.encode()[:room].decode("utf-8", "ignore")
    return cut.rstrip(". ") + extension


# --- sizes ---------------------------------------------------------------------------

_UNITS = ("B", "KB", "MB", "GB", "TB")


def format_size(size: int) -> str:
    """Bytes in words, 1024-based: ``"0 B"``, ``"1.5 KB"``, ``"240 KB"``, ``"12 MB"``.

    One decimal below 10 of a unit (none when it is ``.0``), whole numbers above.
    """
    if size < 1024:
        return f"{size} B"
    value = float(size)
    unit = 0
    while value >= 1024 and unit < len(_UNITS) - 1:
        value /= 1024
        unit += 1
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    if text == "1024" and unit < len(_UNITS) - 1:  # 1023.6 KB rounds up to a unit
        return f"1 {_UNITS[unit + 1]}"
    return f"{text.removesuffix('.0')} {_UNITS[unit]}"
