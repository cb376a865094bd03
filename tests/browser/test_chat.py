"""Chatting in the page: a streamed reply, the composer's keys, reply actions,
and re-attaching to a reply that is still running after a reload."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.browser.pw import expect

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

LONG = " ".join(f"word{n}" for n in range(60))
# About seven seconds of reply at the suite's pace: room for a reload on a busy machine.
LONGER = " ".join(f"word{n}" for n in range(120))


def last_reply(page: Page) -> Locator:
    return page.locator("article.msg-assistant").last


def send(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.fill(text)
    box.press("Enter")


def test_reply_streams_token_by_token(chat_page: Page) -> None:
    page = chat_page
    send(page, LONG)
    reply = last_reply(page).locator(".msg-body")
    expect(page.get_by_role("button", name="Stop the reply")).to_be_visible()
    expect(reply).to_contain_text("word5")
    partial = reply.inner_text()
    assert "word59" not in partial, "the reply should still be coming"
    expect(reply).to_contain_text("word59", timeout=15_000)
    assert reply.inner_text().strip() == f"You said: {LONG}"
    expect(page.get_by_role("button", name="Stop the reply")).to_be_hidden()
    # The first message titles the chat, and the sidebar lists it.
    expect(page.locator(".chat-list .chat-link").first).to_contain_text("word0")
    assert "#/c/" in page.url


def test_shift_enter_is_a_new_line_and_enter_sends(chat_page: Page) -> None:
    page = chat_page
    box = page.get_by_role("textbox", name="Message")
    box.type("first line")
    box.press("Shift+Enter")
    box.type("second line")
    assert box.input_value() == "first line\nsecond line"
    box.press("Enter")
    expect(page.locator("article.msg-user").last).to_contain_text("second line")
    expect(last_reply(page)).to_have_attribute("data-status", "complete", timeout=15_000)
    assert box.input_value() == ""


def test_reload_mid_reply_reattaches_and_finishes(chat_page: Page) -> None:
    page = chat_page
    send(page, LONGER)
    reply = last_reply(page).locator(".msg-body")
    expect(reply).to_contain_text("word8")
    page.reload()
    reply = last_reply(page)
    expect(reply).to_have_attribute("data-status", "streaming")
    assert "word119" not in reply.inner_text()
    expect(page.get_by_role("button", name="Stop the reply")).to_be_visible()
    expect(reply).to_have_attribute("data-status", "complete", timeout=20_000)
    assert reply.locator(".msg-body").inner_text().strip() == f"You said: {LONGER}"


def test_stop_keeps_what_arrived(chat_page: Page) -> None:
    page = chat_page
    send(page, LONGER)
    reply = last_reply(page)
    expect(reply.locator(".msg-body")).to_contain_text("word3")
    page.get_by_role("button", name="Stop the reply").click()
    expect(reply).to_have_attribute("data-status", "cancelled", timeout=10_000)
    expect(reply).to_contain_text("Stopped.")
    assert "word119" not in reply.inner_text()


def test_regenerate_delete_and_copy(chat_page: Page) -> None:
    page = chat_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    send(page, "regenerate me")
    reply = last_reply(page)
    expect(reply).to_have_attribute("data-status", "complete", timeout=15_000)
    first_id = reply.get_attribute("data-id")

    page.get_by_role("button", name="Regenerate the last reply").click()
    expect(reply).not_to_have_attribute("data-id", first_id or "", timeout=10_000)
    expect(reply).to_have_attribute("data-status", "complete", timeout=15_000)
    expect(reply.locator(".msg-body")).to_have_text("You said: regenerate me")
    assert page.locator("article.msg-assistant").count() == 1

    reply.get_by_role("button", name="Copy this reply").click()
    expect(page.locator(".toast")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == "You said: regenerate me"

    page.locator("article.msg-user").get_by_role("button", name="Delete this message").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.locator("article.msg-user")).to_have_count(0)
    page.reload()
    expect(page.locator("article.msg-assistant")).to_have_count(1)
    expect(page.locator("article.msg-user")).to_have_count(0)
