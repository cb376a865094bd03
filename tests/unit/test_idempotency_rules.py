"""Idempotency keys and request fingerprints."""

from __future__ import annotations

from chatport.domain.idempotency import check_key, fingerprint
from chatport.domain.tokens import split_bearer


def test_keys_are_one_to_255_printable_characters() -> None:
    assert check_key("a1b2-c3d4") == "a1b2-c3d4"
    assert check_key("x" * 255) is not None
    for bad in ("", "x" * 256, "has space", "tab\there", "naïve", "line\n"):
        assert check_key(bad) is None, bad


def test_a_fingerprint_changes_with_method_path_or_body() -> None:
    base = fingerprint("POST", "/api/v1/conversations", b'{"title":"a"}')
    assert base == fingerprint("post", "/api/v1/conversations", b'{"title":"a"}')
    assert base != fingerprint("PUT", "/api/v1/conversations", b'{"title":"a"}')
    assert base != fingerprint("POST", "/api/v1/conversation", b'{"title":"a"}')
    assert base != fingerprint("POST", "/api/v1/conversations", b'{"title":"b"}')
    # The separators keep a path and a body from running into each other.
    assert fingerprint("POST", "/a", b"b") != fingerprint("POST", "/ab", b"")


def test_bearer_tokens_split_into_id_and_secret() -> None:
    assert split_bearer("12|s3cr3t") == (12, "s3cr3t")
    assert split_bearer("12|a|b") == (12, "a|b")
    for bad in ("", "12", "|s", "x|s", "12|", "-1|s", "1" * 19 + "|s"):
        assert split_bearer(bad) is None, bad
