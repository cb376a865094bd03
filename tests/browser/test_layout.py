"""The chat view at desktop and phone width (screenshots kept under
test-output/browser/), the sidebar folding away on a phone, and keyboard use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from tests.browser.conftest import log_in
from tests.browser.pw import expect
from tests.browser.test_chat import last_reply, send

if TYPE_CHECKING:
    from playwright.sync_api import Page

SAMPLE = "\n".join(
    [
        "a sample",
        "## Steps",
        "1. Install with `make run`",
        "2. Open the page",
        "",
        "```js",
        "const answer = 42; // the answer",
        "```",
    ]
)


def test_screenshots_at_desktop_and_phone_width(chat_page: Page, output_dir: Path) -> None:
    page = chat_page
    send(page, SAMPLE)
    expect(last_reply(page)).to_have_attribute("data-status", "complete", timeout=20_000)
    desktop = output_dir / "chat-desktop-1280x800.png"
    page.screenshot(path=str(desktop))
    expect(page.locator("#sidebar")).to_be_visible()
    expect(page.get_by_role("button", name="Show chats")).to_be_hidden()

    page.set_viewport_size({"width": 390, "height": 844})
    menu = page.get_by_role("button", name="Show chats")
    expect(menu).to_be_visible()
    expect(page.locator("#sidebar")).to_be_hidden()
    phone = output_dir / "chat-phone-390x844.png"
    page.screenshot(path=str(phone))

    menu.click()
    expect(page.locator("#sidebar")).to_be_visible()
    page.wait_for_timeout(400)  # the slide-in transition
    expect(page.get_by_role("button", name="Hide chats")).to_have_attribute("aria-expanded", "true")
    page.screenshot(path=str(output_dir / "chat-phone-sidebar-390x844.png"))
    page.keyboard.press("Escape")
    expect(page.locator("#sidebar")).to_be_hidden()
    for shot in (desktop, phone):
        assert shot.stat().st_size > 10_000


UNNAMED_CONTROLS = """() => [...document.querySelectorAll('button, a, input, select, textarea')]
    .filter((el) => el.offsetParent !== null)
    .filter((el) => {
      const byLabel = el.labels && el.labels.length > 0;
      const text = (el.getAttribute('aria-label') || el.textContent || '').trim();
      return !byLabel && !text && !el.getAttribute('aria-labelledby');
    })
    .map((el) => el.outerHTML.slice(0, 80))"""


def test_every_control_has_a_name(chat_page: Page) -> None:
    page = chat_page
    assert page.evaluate(UNNAMED_CONTROLS) == []
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    assert page.evaluate(UNNAMED_CONTROLS) == []
    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Models")).to_be_visible()
    expect(page.get_by_role("region", name="Models").get_by_role("row")).not_to_have_count(0)
    assert page.evaluate(UNNAMED_CONTROLS) == []


def test_keyboard_reaches_the_composer_with_visible_focus(chat_page: Page) -> None:
    page = chat_page
    page.locator("body").focus()
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        name = page.evaluate("document.activeElement.getAttribute('aria-label')")
        seen.append(name)
        if name == "Message":
            break
    assert "Message" in seen
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_nothing_is_loaded_from_another_host(page: Page, admin_ready: str) -> None:
    hosts: set[str | None] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname))
    log_in(page, admin_ready)
    send(page, "offline please")
    expect(last_reply(page)).to_have_attribute("data-status", "complete", timeout=15_000)
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Admin", exact=True)).to_be_visible()
    assert hosts == {"127.0.0.1"}
