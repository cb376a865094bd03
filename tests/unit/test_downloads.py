"""Content-Disposition for any file name, and the Range header."""

from __future__ import annotations

import pytest

from chatport.http.web.downloads import (
    ByteRange,
    Unsatisfiable,
    content_disposition,
    requested_range,
)


@pytest.mark.parametrize(
    ("name", "inline", "expected"),
    [
        ("report.pdf", False, 'attachment; filename="report.pdf"'),
        (
            "photo one.png",
            True,
            "inline; filename=\"photo one.png\"; filename*=UTF-8''photo%20one.png",
        ),
        (
            "Relatório é.pdf",
            False,
            'attachment; filename="Relat_rio _.pdf"; '
            "filename*=UTF-8''Relat%C3%B3rio%20%C3%A9.pdf",
        ),
        (
            'say "hi"\\.txt',
            False,
            "attachment; filename=\"say _hi__.txt\"; filename*=UTF-8''say%20%22hi%22%5C.txt",
        ),
        (
            "日本.md",
            False,
            "attachment; filename=\"__.md\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.md",
        ),
    ],
)
def test_content_disposition(name: str, inline: bool, expected: str) -> None:
    assert content_disposition(name, inline=inline) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", ByteRange(start=0, end=99)),
        ("bytes=100-", ByteRange(start=100, end=999)),
        ("bytes=-10", ByteRange(start=990, end=999)),
        ("bytes=-5000", ByteRange(start=0, end=999)),
        ("bytes=900-5000", ByteRange(start=900, end=999)),
        ("bytes=0-9,20-29", None),  # several ranges: the whole file
        ("bytes=50-10", None),  # invalid: ignored
        ("items=0-1", None),
        ("bytes=-", None),
    ],
)
def test_requested_range(header: str | None, expected: ByteRange | None) -> None:
    assert requested_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_a_range_outside_the_file_is_unsatisfiable(header: str) -> None:
    with pytest.raises(Unsatisfiable):
        requested_range(header, 1000)
