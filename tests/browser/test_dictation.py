"""Voice dictation with a stubbed Web Speech API (headless Chromium has no
microphone): listening, recognised text, each trouble's message, the language
choice kept across visits, and the unsupported and insecure cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import log_in
from tests.browser.pw import expect

if TYPE_CHECKING:
    from playwright.sync_api import Page

FAKE_RECOGNITION = """
window.__recognitions = [];
class FakeRecognition {
  constructor() { this.lang = ""; window.__recognitions.push(this); }
  start() { this.started = true; setTimeout(() => this.onstart && this.onstart(), 0); }
  stop() { this.stopped = true; setTimeout(() => this.onend && this.onend(), 0); }
  abort() { this.stop(); }
}
window.SpeechRecognition = undefined;
window.webkitSpeechRecognition = FakeRecognition;
window.__hear = (text, isFinal) => {
  const rec = window.__recognitions[window.__recognitions.length - 1];
  const alternative = [{ transcript: text, confidence: 0.9 }];
  alternative.isFinal = isFinal;
  rec.onresult({ resultIndex: 0, results: [alternative] });
};
window.__fail = (code) => {
  const rec = window.__recognitions[window.__recognitions.length - 1];
  rec.onerror({ error: code });
  rec.onend();
};
"""
NO_RECOGNITION = "delete window.SpeechRecognition; delete window.webkitSpeechRecognition;"
INSECURE = "Object.defineProperty(window, 'isSecureContext', { get: () => false });"


def open_chat(page: Page, base: str, script: str) -> None:
    page.add_init_script(script)
    log_in(page, base)


def test_recognised_text_goes_into_the_composer(page: Page, admin_ready: str) -> None:
    open_chat(page, admin_ready, FAKE_RECOGNITION)
    box = page.get_by_role("textbox", name="Message")
    box.fill("Note:")
    page.get_by_role("button", name="Start dictation").click()
    mic = page.get_by_role("button", name="Stop dictation")
    expect(mic).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".dictation-status")).to_contain_text("Listening")
    page.evaluate("window.__hear('hello', false)")
    expect(box).to_have_value("Note: hello")
    page.evaluate("window.__hear('hello world', true)")
    expect(box).to_have_value("Note: hello world")
    assert page.evaluate("window.__recognitions[0].lang") == "en-US"
    mic.click()
    start = page.get_by_role("button", name="Start dictation")
    expect(start).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("window.__recognitions[0].stopped") is True
    expect(box).to_have_value("Note: hello world")


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("not-allowed", "Microphone access denied"),
        ("no-speech", "No speech detected"),
        ("network", "Network error"),
    ],
)
def test_each_trouble_has_its_message(page: Page, admin_ready: str, code: str, words: str) -> None:
    open_chat(page, admin_ready, FAKE_RECOGNITION)
    page.get_by_role("button", name="Start dictation").click()
    expect(page.get_by_role("button", name="Stop dictation")).to_be_visible()
    page.evaluate(f"window.__fail('{code}')")
    status = page.locator(".dictation-status")
    expect(status).to_contain_text(words)
    expect(status).to_have_attribute("data-kind", "error")
    expect(page.get_by_role("button", name="Start dictation")).to_be_enabled()


def test_language_choice_is_kept_across_visits(page: Page, admin_ready: str) -> None:
    open_chat(page, admin_ready, FAKE_RECOGNITION)
    language = page.get_by_role("combobox", name="Dictation language")
    options = language.locator("option").evaluate_all("(os) => os.map((o) => o.value)")
    assert options == ["en-US", "es-CO", "es-ES", "pt-BR", "fr-FR", "de-DE"]
    language.select_option("pt-BR")
    page.reload()
    language = page.get_by_role("combobox", name="Dictation language")
    expect(language).to_have_value("pt-BR")
    assert page.evaluate("localStorage.getItem('chatport.dictationLanguage')") == "pt-BR"
    page.get_by_role("button", name="Start dictation").click()
    expect(page.get_by_role("button", name="Stop dictation")).to_be_visible()
    assert page.evaluate("window.__recognitions[0].lang") == "pt-BR"


def test_unsupported_browser_is_told_to_try_chrome_or_edge(page: Page, admin_ready: str) -> None:
    open_chat(page, admin_ready, NO_RECOGNITION)
    mic = page.get_by_role("button", name="Start dictation")
    expect(mic).to_be_disabled()
    status = page.locator(".dictation-status")
    expect(status).to_contain_text("not supported")
    expect(status).to_contain_text("Chrome or Edge")


def test_mic_is_disabled_without_https(page: Page, admin_ready: str) -> None:
    open_chat(page, admin_ready, FAKE_RECOGNITION + INSECURE)
    mic = page.get_by_role("button", name="Start dictation")
    expect(mic).to_be_disabled()
    expect(page.locator(".dictation-status")).to_contain_text("HTTPS")
    # The explanation is the button's description, for screen readers too.
    described = mic.get_attribute("aria-describedby")
    assert described
    expect(page.locator(f"#{described}")).to_contain_text("secure connection")
