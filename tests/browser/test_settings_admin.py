"""Settings (preferences, own provider keys, access tokens) and the admin area
(users, providers with model sync, models)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tests.browser.conftest import PASSWORD, api_client, log_in, make_user
from tests.browser.pw import expect

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_preferences_theme_and_default_model(page: Page, admin_ready: str) -> None:
    with api_client(admin_ready) as admin:
        demo = admin.get("/api/admin/providers").json()["providers"][0]
        added = admin.post(
            "/api/admin/models",
            json={"providerId": demo["id"], "modelId": "parrot", "displayName": "Parrot"},
        )
        assert added.status_code == 201, added.text
    with make_user(admin_ready, "prefers"):
        pass
    log_in(page, admin_ready, "prefers", PASSWORD)
    picker = page.get_by_role("combobox", name="Model")
    expect(picker.locator("option").first).to_have_attribute("value", "echo")
    page.get_by_role("link", name="Settings").click()
    prefs = page.get_by_role("region", name="Preferences")
    prefs.get_by_label("Default model").select_option("parrot")
    prefs.get_by_label("System prompt for new chats").fill("Answer briefly.")
    prefs.get_by_label("Dark").check()
    prefs.get_by_role("button", name="Save preferences").click()
    expect(prefs.get_by_role("status")).to_contain_text("Saved")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")

    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    prefs = page.get_by_role("region", name="Preferences")
    expect(prefs.get_by_label("System prompt for new chats")).to_have_value("Answer briefly.")
    expect(prefs.get_by_label("Dark")).to_be_checked()

    # A new chat takes the system prompt; the picker offers the default first.
    page.get_by_role("link", name="+ New chat").click()
    expect(picker.locator("option").first).to_have_attribute("value", "parrot")
    expect(picker).to_have_value("parrot")
    box = page.get_by_role("textbox", name="Message")
    box.fill("hi")
    box.press("Enter")
    expect(page.locator("article.msg-assistant").last).to_have_attribute(
        "data-status", "complete", timeout=15_000
    )
    chat_id = page.url.rsplit("/", 1)[-1]
    chat = page.request.get(f"{admin_ready}/api/chats/{chat_id}").json()
    assert chat["systemPrompt"] == "Answer briefly."


def test_own_provider_keys_and_tokens(page: Page, admin_ready: str) -> None:
    with make_user(admin_ready, "keyholder"):
        pass
    log_in(page, admin_ready, "keyholder", PASSWORD)
    page.get_by_role("link", name="Settings").click()
    keys = page.get_by_role("region", name="Your provider keys")
    keys.get_by_label("Provider").select_option("anthropic")
    keys.get_by_label("API key").fill("sk-ant-test-key")
    keys.get_by_role("button", name="Save key").click()
    expect(keys.get_by_text("Anthropic: key stored")).to_be_visible()
    expect(keys.get_by_text("sk-ant-test-key")).to_have_count(0)
    keys.get_by_role("button", name="Remove your anthropic key").click()
    expect(keys.get_by_text("No keys of your own yet")).to_be_visible()

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    tokens = page.get_by_role("region", name="Access tokens for apps (API v1)")
    tokens.get_by_label("Token name").fill("my phone")
    tokens.get_by_role("button", name="Create token").click()
    expect(tokens).to_contain_text("shown only once")
    expect(tokens.get_by_text("my phone")).to_be_visible()
    secret = tokens.locator(".secret code").inner_text()
    tokens.get_by_role("button", name="Copy token").click()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    bearer = {"Authorization": f"Bearer {secret}"}
    with api_client(admin_ready) as app:
        assert app.get("/api/v1/auth/me", headers=bearer).json()["data"]["username"] == "keyholder"
        tokens.get_by_role("button", name="Revoke token my phone").click()
        page.get_by_role("dialog").get_by_role("button", name="Revoke").click()
        expect(tokens.get_by_text("No tokens yet.")).to_be_visible()
        assert app.get("/api/v1/auth/me", headers=bearer).status_code == 401


def test_admin_users_providers_models(page: Page, admin_ready: str, output_dir: Path) -> None:
    log_in(page, admin_ready)
    page.get_by_role("link", name="Admin").click()
    providers = page.get_by_role("region", name="Providers")
    expect(providers.get_by_role("rowheader").first).to_contain_text("demo")
    providers.get_by_role("button", name="Sync the models of").first.click()
    expect(page.locator(".toast").first).to_contain_text("found")

    models = page.get_by_role("region", name="Models")
    expect(models.get_by_role("rowheader").first).to_contain_text("echo")
    models.get_by_role("button", name="Rename Echo").click()
    page.get_by_role("dialog").get_by_label("Display name").fill("Echo bot")
    page.get_by_role("dialog").get_by_role("button", name="Save").click()
    expect(models.get_by_role("rowheader").first).to_contain_text("Echo bot")

    # A provider that cannot be reached is refused, in words, with what to do.
    providers.get_by_label("Kind").select_option("openai-compatible")
    providers.get_by_label("Name", exact=True).fill("nowhere")
    providers.get_by_label("Base URL").fill("http://127.0.0.1:9/v1")
    providers.get_by_role("button", name="Add provider").click()
    error = page.locator(".toast-error").first
    expect(error).to_be_visible(timeout=20_000)
    assert "{" not in error.inner_text()
    page.screenshot(path=str(output_dir / "admin-desktop-1280x800.png"), full_page=True)
