"""The REST API v1 driven the way a mobile app drives it: the real server process,
a plain HTTP client, a connection dropped in the middle of a reply."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import free_port, running_server

PASSWORD = "correct horse battery"
QUESTION = " ".join(f"word{n}" for n in range(120))


def _frames(text: str) -> list[dict[str, Any]]:
    """``{id, event, data}`` of each SSE frame in ``text`` (whole frames only)."""
    frames = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "data" in fields:
            frames.append(
                {
                    "id": int(fields["id"]),
                    "event": fields["event"],
                    "data": json.loads(fields["data"]),
                }
            )
    return frames


def test_log_in_chat_drop_the_stream_and_resume_it(tmp_path: Path) -> None:
    port = free_port()
    env = {"CHATPORT_DEMO_PROVIDER": "1", "CHATPORT_DEMO_TOKEN_DELAY": "0.02"}
    with running_server(tmp_path, port, **env) as base:
        # The account exists (made on the web page); the app only logs in.
        made = httpx.post(
            f"{base}/api/auth/register", json={"username": "ana", "password": PASSWORD}
        )
        assert made.status_code == 201
        with httpx.Client(base_url=f"{base}/api/v1", timeout=10) as app:
            login = app.post(
                "/auth/login",
                json={"email": "ana", "password": PASSWORD, "device_name": "Ana's phone"},
            )
            assert login.status_code == 200, login.text
            token = login.json()["data"]["token"]
            app.headers["Authorization"] = f"Bearer {token}"

            me = app.get("/auth/me").json()["data"]
            assert me["username"] == "ana" and me["flags"]["has_credentials"] is True
            model = app.get("/models").json()["data"][0]["id"]
            created = app.post("/conversations", json={"model": model})
            assert created.status_code == 201
            cid = created.json()["data"]["id"]
            sent = app.post(
                f"/conversations/{cid}/messages",
                json={"content": QUESTION},
                headers={"Idempotency-Key": "first-message"},
            )
            assert sent.status_code == 202, sent.text
            stream_url = sent.json()["data"]["stream_url"].removeprefix("/api/v1")

            # Read a few events, then lose the connection (a tunnel, a lift).
            seen: list[dict[str, Any]] = []
            buffer = ""
            with app.stream("GET", stream_url) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                for chunk in response.iter_text():
                    buffer += chunk
                    whole, _, buffer = buffer.rpartition("\n\n")
                    seen += _frames(whole)
                    if sum(f["event"] == "message.delta" for f in seen) >= 5:
                        break
            assert seen[0]["event"] == "message.started"
            time.sleep(0.3)  # the reply goes on without a reader

            resumed = app.get(stream_url, headers={"Last-Event-ID": str(seen[-1]["id"])})
            rest = _frames(resumed.text)

            assert rest[0]["id"] == seen[-1]["id"] + 1
            assert rest[-1]["event"] == "message.completed"
            deltas = [f["data"]["delta"] for f in seen + rest if f["event"] == "message.delta"]
            completed = rest[-1]["data"]["message"]
            assert "".join(deltas) == completed["content"]
            assert completed["status"] == "complete" and completed["content"].endswith("word119")

            conversation = app.get(f"/conversations/{cid}").json()["data"]
            assert [m["role"] for m in conversation["messages"]] == ["user", "assistant"]
            assert conversation["messages"][1] == completed
            assert conversation["title"]  # named after the first message
            retry = app.post(
                f"/conversations/{cid}/messages",
                json={"content": QUESTION},
                headers={"Idempotency-Key": "first-message"},
            )
            assert retry.headers["idempotent-replayed"] == "true"
            assert app.get(f"/conversations/{cid}").json()["data"]["message_count"] == 2
            assert app.post("/auth/logout").status_code == 204
            assert app.get("/auth/me").status_code == 401
