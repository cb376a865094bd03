"""Playwright (sync API) driving Debian's Chromium against the real server process.

Without ``/usr/bin/chromium`` or the ``playwright`` package these tests skip, saying
why; under ``CI=true`` they fail instead. No browser is ever downloaded: the
system's Chromium is launched by path.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.e2e.conftest import free_port, running_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

CHROMIUM = Path(os.environ.get("CHATPORT_TEST_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ADMIN = "admin"
PASSWORD = "a long passphrase"
# Slow enough that a reply can be watched (and interrupted) mid-way.
TOKEN_DELAY = "0.06"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Chromium with Playwright")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.e2e)


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing (pip install playwright)"
    return None


def require_browser_tools() -> None:
    """Called at the top of each browser test module, before it imports playwright:
    skips the module (or fails it under CI) when the tools are missing."""
    reason = _missing()
    if reason is None:
        return
    if IN_CI:
        pytest.fail(f"browser tests must run under CI=true: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


# Package scope, not session: Playwright's sync API keeps an event loop running in
# this thread while it lives, and every async test after this package would fail.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    reason = _missing()
    if reason:
        if IN_CI:
            pytest.fail(f"browser tests must run under CI=true: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
    yield launched
    launched.close()


def start_server(data_dir: Path) -> Iterator[str]:
    with running_server(
        data_dir,
        free_port(),
        CHATPORT_DEMO_PROVIDER="1",
        CHATPORT_DEMO_TOKEN_DELAY=TOKEN_DELAY,
    ) as base:
        yield base


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the suite, its first user (the admin) already registered."""
    yield from start_server(tmp_path_factory.mktemp("server"))


@pytest.fixture(scope="package")
def admin_ready(server: str) -> str:
    answer = httpx.post(
        f"{server}/api/auth/register", json={"username": ADMIN, "password": PASSWORD}
    )
    assert answer.status_code == 201, answer.text
    return server


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[str]:
    """A server of the test's own, with no user yet."""
    yield from start_server(tmp_path)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    assert not errors, f"script errors in the page: {errors}"


def log_in(page: Page, base: str, username: str = ADMIN, password: str = PASSWORD) -> None:
    """Sign the page's browser context in through the API, then open the page."""
    answer = page.request.post(
        f"{base}/api/auth/login",
        data={"username": username, "password": password},
        headers={"origin": base},
    )
    assert answer.ok, answer.text()
    page.goto(base + "/")
    page.get_by_role("button", name="Log out").wait_for()


@pytest.fixture
def chat_page(page: Page, admin_ready: str) -> Page:
    """The admin, logged in, on a new chat."""
    log_in(page, admin_ready)
    return page


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """Where screenshots go: test-output/browser/ (ignored by git)."""
    folder = request.config.rootpath / "test-output" / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def api_client(
    base: str, username: str = ADMIN, password: str = PASSWORD
) -> Iterator[httpx.Client]:
    """An HTTP client logged in as that user (for setting up what a test needs)."""
    with httpx.Client(base_url=base) as client:
        answer = client.post("/api/auth/login", json={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        yield client


@contextmanager
def make_user(base: str, username: str, role: str = "member") -> Iterator[httpx.Client]:
    """A new user made by the admin, and a client logged in as them."""
    with api_client(base) as admin:
        made = admin.post(
            "/api/admin/users", json={"username": username, "password": PASSWORD, "role": role}
        )
        assert made.status_code == 201, made.text
    with api_client(base, username) as client:
        yield client
