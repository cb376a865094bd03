"""API errors reach the person in words: a wrong password, a rate limit with the
wait, a provider failure with what to do; never a blank or a raw dump."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.browser.conftest import ADMIN, PASSWORD, log_in
from tests.browser.pw import expect
from tests.browser.test_accounts import create_admin_in_page

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_log_in_rate_limit_says_how_long_to_wait(page: Page, fresh_server: str) -> None:
    create_admin_in_page(page, fresh_server)
    page.get_by_role("button", name="Log out").click()
    alert = page.get_by_role("alert")
    for _ in range(5):
        page.get_by_label("Username").fill(ADMIN)
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Log in").click()
        expect(alert).to_have_text("Wrong username or password.")
        page.evaluate("document.querySelector('.form-error').textContent = ''")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(alert).to_contain_text("Too many")
    expect(alert).to_contain_text("try again in")
    expect(alert).to_contain_text("minute")


def test_error_words_for_each_kind_of_failure(page: Page, admin_ready: str) -> None:
    log_in(page, admin_ready)
    words = page.evaluate(
        """async () => {
          const src = document.querySelector('script[type=module]').src;
          const { explain } = await import(new URL('api.js', src).href);
          return {
            limited: explain(429, { error: 'Too many requests' }, 90),
            provider: explain(502, { error: 'The provider answered 401 Unauthorized' }, null),
            down: explain(503, null, null),
            invalid: explain(400, { error: 'Invalid input', details: [{
              code: 'too_short', message: 'Expected `str` of length >= 8', path: ['password'],
            }] }, null),
            blank: explain(500, null, null),
          };
        }"""
    )
    assert words["limited"] == "Too many requests. Please wait 2 minutes and try again."
    assert "ask an admin" in words["provider"]
    assert "try again in a moment" in words["down"]
    assert words["invalid"] == "Please check the form: password is too short."
    assert "status 500" in words["blank"]


def test_a_failing_send_is_explained_and_the_text_kept(page: Page, admin_ready: str) -> None:
    log_in(page, admin_ready)
    # Every completion request answers as a rate-limited server would.
    page.route(
        "**/completion",
        lambda route: route.fulfill(
            status=429,
            headers={"retry-after": "42", "content-type": "application/json"},
            body='{"error": "Too many replies requested"}',
        ),
    )
    box = page.get_by_role("textbox", name="Message")
    box.fill("please answer")
    box.press("Enter")
    expect(page.locator(".chat-error")).to_have_text(
        "Too many replies requested. Please wait 42 seconds and try again."
    )
    expect(box).to_have_value("please answer")


def frames(*parts: str) -> str:
    return "".join(f"id: {n}\ndata: {part}\n\n" for n, part in enumerate(parts, 1))


def test_a_provider_failure_mid_reply_says_what_to_do(page: Page, admin_ready: str) -> None:
    log_in(page, admin_ready)
    body = (
        frames(
            '{"type":"start","messageId":"m1"}',
            '{"type":"text-delta","id":"m1-text","delta":"Half an ans"}',
            '{"type":"text-end","id":"m1-text"}',
            '{"type":"error","errorText":"The provider rejected the API key (401)"}',
            '{"type":"finish","finishReason":"error"}',
        )
        + "data: [DONE]\n\n"
    )
    page.route(
        "**/completion",
        lambda route: route.fulfill(
            status=200, headers={"content-type": "text/event-stream"}, body=body
        ),
    )
    box = page.get_by_role("textbox", name="Message")
    box.fill("hello")
    box.press("Enter")
    reply = page.locator("article.msg-assistant").last
    expect(reply).to_have_attribute("data-status", "failed")
    expect(reply.locator(".msg-body")).to_have_text("Half an ans")
    note = reply.locator(".msg-note")
    expect(note).to_contain_text("The provider rejected the API key (401)")
    expect(note).to_contain_text("API key")
    expect(reply.get_by_role("button", name="Regenerate the last reply")).to_be_visible()
