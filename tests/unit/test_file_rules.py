"""Rules of uploaded files: types told from the bytes, clean filenames, sizes in words."""

from __future__ import annotations

import pytest

from chatport.domain.errors import InvalidInput
from chatport.domain.files import (
    ACCEPTED,
    BMP,
    CODE,
    CODE_EXTENSIONS,
    CSV,
    GIF,
    HTML,
    JPEG,
    JSON,
    MARKDOWN,
    PDF,
    PNG,
    SNIFF_BYTES,
    SVG,
    TXT,
    WEBP,
    XML,
    FileKind,
    FileType,
    sanitize_filename,
    sniff,
)
from chatport.domain.files import format_size as fmt
from tests.samples import (
    BMP_HEAD,
    EXE_HEAD,
    GIF_HEAD,
    HTML_BODY,
    JPEG_HEAD,
    PDF_HEAD,
    PNG_HEAD,
    SVG_BODY,
    WEBP_HEAD,
    XML_BODY,
)


def sniffed(head: bytes, filename: str, declared: str | None = None) -> FileType:
    return sniff(head, filename, declared).file_type


# --- each accepted type --------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "filename", "expected"),
    [
        (JPEG_HEAD, "photo.jpg", JPEG),
        (PNG_HEAD, "image.png", PNG),
        (GIF_HEAD, "anim.gif", GIF),
        (WEBP_HEAD, "pic.webp", WEBP),
        (BMP_HEAD, "old.bmp", BMP),
        (PDF_HEAD, "paper.pdf", PDF),
        (SVG_BODY, "logo.svg", SVG),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', "bare.svg", SVG),
        (HTML_BODY, "page.html", HTML),
        (b"<p>Just a fragment</p>", "frag.htm", HTML),
        (XML_BODY, "data.xml", XML),
        (b"<rss version='2.0'><channel/></rss>", "feed.xml", XML),
        (b"Dear diary,\nnothing happened.\n", "notes.txt", TXT),
        (b"# Title\n\nSome *markdown*.\n", "README.md", MARKDOWN),
        (b"a,b\n1,2\n", "table.csv", CSV),
        (b'  {"a": 1}', "data.json", JSON),
        (b"[1, 2, 3]", "list.json", JSON),
        (b"def main() -> None:\n    pass\n", "main.py", CODE),
        (b"export const x = 1;\n", "index.ts", CODE),
        (b"key: value\n", "config.yaml", CODE),
        (b"all:\n\techo hi\n", "Makefile", CODE),
        (b"FROM python:3.11\n", "Dockerfile", CODE),
    ],
)
def test_each_accepted_type_is_told_from_its_bytes(
    head: bytes, filename: str, expected: FileType
) -> None:
    result = sniff(head, filename, expected.mime)

    assert result.file_type == expected
    assert not result.corrected


def test_every_accepted_type_has_a_kind_and_a_canonical_mime() -> None:
    mimes = {file_type.label: file_type.mime for file_type in ACCEPTED}

    assert mimes == {
        "JPEG": "image/jpeg",
        "PNG": "image/png",
        "GIF": "image/gif",
        "WebP": "image/webp",
        "SVG": "image/svg+xml",
        "BMP": "image/bmp",
        "PDF": "application/pdf",
        "Text": "text/plain",
        "Markdown": "text/markdown",
        "CSV": "text/csv",
        "JSON": "application/json",
        "XML": "application/xml",
        "HTML": "text/html",
        "Code": "text/plain",
    }


def test_only_raster_images_and_pdf_may_be_shown_inline() -> None:
    inline = {file_type.label for file_type in ACCEPTED if file_type.inline_safe}

    assert inline == {"JPEG", "PNG", "GIF", "WebP", "BMP", "PDF"}
    assert all(t.kind in {FileKind.IMAGE, FileKind.PDF} for t in ACCEPTED if t.inline_safe)


def test_text_for_prompts_is_text_markdown_csv_json_xml_html_and_code() -> None:
    text = {file_type.label for file_type in ACCEPTED if file_type.is_text}

    assert text == {"Text", "Markdown", "CSV", "JSON", "XML", "HTML", "Code"}


def test_the_code_extensions_include_the_common_languages() -> None:
    assert {"py", "js", "ts", "tsx", "go", "rs", "java", "c", "cpp", "sql", "yml"} <= (
        CODE_EXTENSIONS
    )


def test_a_utf8_bom_and_a_multibyte_character_cut_by_the_head_are_fine() -> None:
    text = "\ufeffcafé, naïve, " + "日本" * SNIFF_BYTES
    head = text.encode()[:SNIFF_BYTES]  # ends inside a character

    assert sniffed(head, "notes.txt") == TXT


def test_a_whole_short_file_must_be_utf8_to_its_last_byte() -> None:
    with pytest.raises(InvalidInput):
        sniffed("café".encode("latin-1"), "notes.txt")
    with pytest.raises(InvalidInput):
        sniffed("日本".encode()[:-1], "notes.txt")


def test_an_empty_file_is_plain_text() -> None:
    assert sniffed(b"", "empty.txt") == TXT


# --- spoofed files ------------------------------------------------------------------


def test_html_named_png_is_html_and_corrected() -> None:
    result = sniff(b"<html><script>alert(document.cookie)</script></html>", "x.png", "image/png")

    assert result.file_type == HTML
    assert result.corrected
    assert not result.file_type.inline_safe


def test_svg_with_a_script_named_png_is_svg_never_inline() -> None:
    head = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>x()</script></svg>'

    result = sniff(head, "x.png", None)

    assert result.file_type == SVG
    assert not result.file_type.inline_safe


def test_svg_declared_as_png_is_corrected_to_svg() -> None:
    result = sniff(SVG_BODY, "logo.png", "image/png")

    assert result.file_type == SVG
    assert result.corrected


def test_html_deep_in_the_first_kib_after_text_is_still_html() -> None:
    head = b"Totally an image.\n" * 30 + b"<script>steal()</script>"

    assert sniffed(head, "x.jpg", "image/jpeg") == HTML


def test_markup_in_a_txt_file_is_typed_as_markup() -> None:
    assert sniffed(b"<svg onload=alert(1)>", "notes.txt") == SVG
    assert sniffed(HTML_BODY, "page.txt") == HTML


def test_code_and_markdown_that_quote_html_keep_their_type() -> None:
    component = b'export const Icon = () => <svg viewBox="0 0 1 1"><path/></svg>;\n'
    readme = b'<p align="center"><img src="logo.png"></p>\n\n# Project\n'

    assert sniffed(component, "Icon.tsx") == CODE
    assert sniffed(b"<template><div/></template>\n<script>export default {}</script>", "A.vue") == (
        CODE
    )
    assert sniffed(readme, "README.md") == MARKDOWN


def test_an_exe_named_txt_is_refused_with_the_accepted_list() -> None:
    with pytest.raises(InvalidInput) as caught:
        sniff(EXE_HEAD, "x.txt", "text/plain")

    message = caught.value.message
    assert "Accepted: images (JPEG, PNG, GIF, WebP, SVG, BMP)" in message
    assert "documents (PDF, TXT, MD, CSV, JSON, XML, HTML) and code files" in message
    assert caught.value.problems[0].code == "unsupported_type"


def test_utf8_text_with_a_nul_byte_is_refused() -> None:
    with pytest.raises(InvalidInput):
        sniff(b"hello\0world", "x.txt", "text/plain")


@pytest.mark.parametrize(
    "head",
    [
        b"\xc3\x28 invalid utf-8 in the middle, then more text",
        b"\xff\xfeh\0i\0",  # UTF-16
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00",  # gzip
        b"PK\x03\x04\x14\x00\x06\x00",  # zip, docx
    ],
)
def test_binaries_without_an_accepted_magic_are_refused(head: bytes) -> None:
    with pytest.raises(InvalidInput):
        sniff(head, "file.bin", None)


def test_a_jpeg_named_txt_is_a_jpeg_corrected() -> None:
    result = sniff(JPEG_HEAD, "photo.txt", "text/plain")

    assert result.file_type == JPEG
    assert result.corrected


def test_text_starting_with_bm_is_not_a_bitmap() -> None:
    assert sniffed(b"BMW and Audi sales by year, 2020 to 2024", "cars.bmp") == TXT


def test_json_that_does_not_look_like_json_is_plain_text() -> None:
    result = sniff(b"not json at all", "data.json", "application/json")

    assert result.file_type == TXT
    assert result.corrected


def test_plain_text_under_an_image_name_is_plain_text() -> None:
    assert sniffed(b"a < b and 3 <3 you", "x.png") == TXT


def test_text_with_an_unknown_extension_is_plain_text() -> None:
    assert sniffed(b"2024-01-01 INFO started\n", "server.out") == TXT


# --- declared types -----------------------------------------------------------------


@pytest.mark.parametrize(
    "declared",
    [None, "", "application/octet-stream", "IMAGE/PNG", "image/png; charset=binary", "image/x-png"],
)
def test_a_missing_generic_or_equivalent_declared_type_is_not_a_correction(
    declared: str | None,
) -> None:
    assert not sniff(PNG_HEAD, "x.png", declared).corrected


def test_jpg_and_text_xml_spellings_are_not_corrections() -> None:
    assert not sniff(JPEG_HEAD, "x.jpg", "image/jpg").corrected
    assert not sniff(XML_BODY, "x.xml", "text/xml").corrected


def test_a_declared_type_that_disagrees_loses() -> None:
    result = sniff(PDF_HEAD, "paper.pdf", "text/html")

    assert result.file_type == PDF
    assert result.corrected


# --- filenames ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\a.txt", "a.txt"),
        ("dir/sub\\mixed/name.md", "name.md"),
        ("bad\x00na\x07me\x7f.txt", "badname.txt"),
        ("tab\tand\nnewline.txt", "tab and newline.txt"),
        ("  lots   of   space  .txt", "lots of space .txt"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("\u2066iso\u2069late\u200f.txt", "isolate.txt"),
        ("c1\x85control\x9b.txt", "c1 control.txt"),
        ("..", "file"),
        ("../..", "file"),
        (".hidden", "hidden"),
        ("...trailing...", "trailing"),
        ("", "file"),
        ("   ", "file"),
        ("/", "file"),
        ("cafe\u0301.txt", "caf\u00e9.txt"),
        ("日本語のファイル.pdf", "日本語のファイル.pdf"),
    ],
)
def test_filenames_are_sanitized(raw: str, clean: str) -> None:
    assert sanitize_filename(raw) == clean


def test_a_long_name_is_cut_to_255_bytes_keeping_its_extension() -> None:
    name = sanitize_filename("a" * 300 + ".pdf")

    assert name == "a" * 251 + ".pdf"


def test_a_long_multibyte_name_is_cut_on_a_character_boundary() -> None:
    name = sanitize_filename("é" * 200 + ".txt")  # 400 bytes of é

    assert len(name.encode()) <= 255
    assert name.endswith(".txt")
    assert set(name.removesuffix(".txt")) == {"é"}
    assert len(name.encode()) == 4 + 2 * 125


def test_a_long_name_with_a_silly_extension_is_cut_whole() -> None:
    name = sanitize_filename("x." + "y" * 300)

    assert len(name.encode()) == 255
    assert name.startswith("x.yyy")


# --- sizes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "words"),
    [
        (0, "0 B"),
        (1, "1 B"),
        (1023, "1023 B"),
        (1024, "1 KB"),
        (1536, "1.5 KB"),
        (10 * 1024 - 1, "10 KB"),
        (245760, "240 KB"),
        (1024 * 1024 - 1, "1 MB"),
        (50 * 1024 * 1024, "50 MB"),
        (int(2.5 * 1024**3), "2.5 GB"),
        (1024**3, "1 GB"),
        (3 * 1024**4, "3 TB"),
    ],
)
def test_sizes_read_in_1024_units(size: int, words: str) -> None:
    assert fmt(size) == words
