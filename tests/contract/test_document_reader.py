"""The DocumentReader contract, on PDFs written by hand in the test."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from chatport.adapters.documents import PypdfDocumentReader
from chatport.domain.errors import InvalidInput
from chatport.ports.documents import DocumentReader
from tests.samples import make_pdf


def encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def reader() -> DocumentReader:
    return PypdfDocumentReader()


def test_the_helper_writes_a_pdf_pypdf_reads_strictly() -> None:
    parsed = PdfReader(io.BytesIO(make_pdf("one", "two")), strict=True)

    assert len(parsed.pages) == 2


async def test_the_text_of_a_page_is_extracted(reader: DocumentReader) -> None:
    text = await reader.pdf_text(make_pdf("Hello PDF"), max_chars=1000)

    assert text == "Hello PDF"


async def test_pages_come_in_order_separated_by_a_blank_line(reader: DocumentReader) -> None:
    text = await reader.pdf_text(make_pdf("First page", "Second (page)", "Third"), max_chars=1000)

    assert text == "First page\n\nSecond (page)\n\nThird"


async def test_the_text_is_cut_at_max_chars_across_pages(reader: DocumentReader) -> None:
    pdf = make_pdf("A" * 30, "B" * 30, "C" * 30)

    assert await reader.pdf_text(pdf, max_chars=45) == "A" * 30 + "\n\n" + "B" * 13
    assert await reader.pdf_text(pdf, max_chars=10) == "A" * 10


async def test_reading_stops_once_max_chars_is_reached(reader: DocumentReader) -> None:
    # The third page's content cannot be parsed: reached, it would fail the read.
    pdf = make_pdf("A" * 30, "B" * 30, "C", contents={2: b"BT /F1 12 Tf (C) Tj ET ] ] >>"})
    with pytest.raises(InvalidInput):
        await reader.pdf_text(pdf, max_chars=1000)

    assert await reader.pdf_text(pdf, max_chars=40) == "A" * 30 + "\n\n" + "B" * 8


async def test_a_pdf_without_text_gives_nothing(reader: DocumentReader) -> None:
    assert await reader.pdf_text(make_pdf("", ""), max_chars=1000) == ""


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a pdf at all",
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R",
        make_pdf("Hello PDF")[:150],
    ],
)
async def test_a_broken_pdf_is_refused(reader: DocumentReader, data: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        await reader.pdf_text(data, max_chars=1000)

    assert caught.value.message == "The PDF could not be read"


async def test_a_pdf_locked_with_a_password_is_refused(reader: DocumentReader) -> None:
    with pytest.raises(InvalidInput, match="The PDF could not be read"):
        await reader.pdf_text(encrypted(make_pdf("Secret"), "hunter2"), max_chars=1000)


async def test_a_pdf_encrypted_with_an_empty_user_password_is_read(
    reader: DocumentReader,
) -> None:
    text = await reader.pdf_text(encrypted(make_pdf("Open to all"), ""), max_chars=1000)

    assert text == "Open to all"
