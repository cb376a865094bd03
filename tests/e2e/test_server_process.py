"""The real process over real HTTP: what a person does after ``make run``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import free_port, running_server

pytestmark = pytest.mark.e2e

PASSWORD = "a long passphrase"


def test_data_survives_a_restart(tmp_path: Path) -> None:
    port = free_port()
    with running_server(tmp_path, port) as base:
        with httpx.Client(base_url=base) as browser:
            registered = browser.post(
                "/api/auth/register", json={"username": "admin", "password": PASSWORD}
            )
            assert registered.status_code == 201
            assert registered.json()["user"]["role"] == "admin"
        with httpx.Client(base_url=base) as browser:
            login = browser.post(
                "/api/auth/login", json={"username": "admin", "password": PASSWORD}
            )
            assert login.status_code == 200
            chat = browser.post("/api/chats", json={}).json()
            sent = browser.post(
                f"/api/chats/{chat['id']}/messages",
                json={"role": "user", "content": "Remember the milk"},
            )
            assert sent.status_code == 201
            token = browser.cookies["session"]

    assert (tmp_path / "chatport.db").is_file()

    with running_server(tmp_path, port) as base:
        with httpx.Client(base_url=base, cookies={"session": token}) as browser:
            chats = browser.get("/api/chats").json()["chats"]
            assert [c["title"] for c in chats] == ["Remember the milk"]
            messages = browser.get(f"/api/chats/{chats[0]['id']}/messages").json()["messages"]
            assert [(m["role"], m["content"]) for m in messages] == [("user", "Remember the milk")]


def test_logs_one_json_line_per_request_without_secrets(tmp_path: Path) -> None:
    port = free_port()
    with running_server(tmp_path, port) as base:
        with httpx.Client(base_url=base) as browser:
            browser.post("/api/auth/register", json={"username": "admin", "password": PASSWORD})
            chat = browser.post("/api/chats", json={}).json()
            browser.post(
                f"/api/chats/{chat['id']}/messages",
                json={"role": "user", "content": "my secret diary entry"},
                headers={"X-Request-Id": "trace-abc-123"},
            )
            token = browser.cookies["session"]
    log_text = next(tmp_path.glob("server-*.log")).read_text()
    lines = [json.loads(line) for line in log_text.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) >= 4  # readiness probes, register, create chat, message
    traced = [r for r in requests if r["request_id"] == "trace-abc-123"]
    assert len(traced) == 1
    assert traced[0]["method"] == "POST"
    assert traced[0]["status"] == 201
    assert traced[0]["user_id"] == 1
    assert "duration_ms" in traced[0]
    for secret in (PASSWORD, token, "my secret diary entry"):
        assert secret not in log_text


def test_a_chunked_body_over_the_limit_is_refused_with_413(tmp_path: Path) -> None:
    """No Content-Length to trust: the server counts what arrives and stops at the limit."""
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        chunk = b" " * (1024 * 1024)
        for _ in range(60):
            sent += len(chunk)
            yield chunk

    with running_server(
        tmp_path, free_port(), CHATPORT_MAX_BODY_BYTES=str(4 * 1024 * 1024)
    ) as base:
        with httpx.Client(base_url=base) as browser:
            browser.post("/api/auth/register", json={"username": "admin", "password": PASSWORD})
            try:
                response = browser.post(
                    "/api/chats", content=body(), headers={"content-type": "application/json"}
                )
            except httpx.TransportError:
                response = None  # the server may close before the client finished sending
            if response is not None:
                assert response.status_code == 413
                assert response.json() == {"error": "Request body too large (the limit is 50 MB)"}
            assert browser.get("/api/chats").json()["chats"] == []
