"""The sidebar: pinned first, folders (create, rename, colour, collapse, move a
chat in and out, delete), archive and restore, rename, delete, and paging."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.browser.conftest import PASSWORD, log_in, make_user
from tests.browser.pw import expect

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


def chat_row(page: Page, title: str) -> Locator:
    return page.locator(".chat-item", has=page.get_by_role("link", name=title, exact=True))


def act_on_chat(page: Page, title: str, action: str) -> None:
    page.get_by_role("button", name=f"Actions for chat {title}").click()
    page.get_by_role("dialog").get_by_role("button", name=action).click()


def test_folders_pins_archive_rename_delete(page: Page, admin_ready: str) -> None:
    with make_user(admin_ready, "organiser") as user:
        for title in ("alpha", "beta", "gamma"):
            assert user.post("/api/chats", json={"title": title}).status_code == 201
    log_in(page, admin_ready, "organiser", PASSWORD)
    chats = page.locator(".chat-list .chat-link")
    expect(chats).to_have_text(["gamma", "beta", "alpha"])

    act_on_chat(page, "alpha", "Pin")
    expect(chats.first).to_have_text("Pinned: alpha")

    page.get_by_role("button", name="New folder").click()
    page.get_by_role("dialog").get_by_label("Folder name").fill("Work")
    page.get_by_role("dialog").get_by_role("button", name="Save").click()
    folder = page.locator(".folder", has_text="Work")
    expect(folder).to_be_visible()

    act_on_chat(page, "beta", "Move to folder")
    page.get_by_role("dialog").get_by_label("Folder").select_option(label="Work")
    page.get_by_role("dialog").get_by_role("button", name="Move").click()
    expect(folder.locator(".chat-link")).to_have_text(["beta"])
    expect(page.locator(".chat-list .chat-link")).to_have_count(2)

    toggle = folder.get_by_role("button", name="Work", exact=True)
    toggle.click()
    expect(folder.get_by_role("button", name="Work", exact=True)).to_have_attribute(
        "aria-expanded", "false"
    )
    expect(folder.locator(".chat-link")).to_have_count(0)
    folder.get_by_role("button", name="Work", exact=True).click()
    expect(folder.locator(".chat-link")).to_have_text(["beta"])

    page.get_by_role("button", name="Actions for folder Work").click()
    page.get_by_role("dialog").get_by_role("button", name="Rename").click()
    page.get_by_role("dialog").get_by_label("Folder name").fill("Projects")
    page.get_by_role("dialog").get_by_role("button", name="Save").click()
    folder = page.locator(".folder", has_text="Projects")
    expect(folder).to_be_visible()

    page.get_by_role("button", name="Actions for folder Projects").click()
    page.get_by_role("dialog").get_by_role("button", name="Colour").click()
    page.get_by_role("dialog").get_by_label("Colour", exact=True).fill("#cc3366")
    page.get_by_role("dialog").get_by_role("button", name="Save").click()
    expect(folder).to_have_css("--folder-color", re.compile("#cc3366", re.IGNORECASE))

    act_on_chat(page, "beta", "Move to folder")
    page.get_by_role("dialog").get_by_label("Folder").select_option(label="No folder")
    page.get_by_role("dialog").get_by_role("button", name="Move").click()
    expect(folder.locator(".chat-link")).to_have_count(0)
    expect(page.locator(".chat-list .chat-link")).to_have_count(3)

    act_on_chat(page, "gamma", "Rename")
    page.get_by_role("dialog").get_by_label("Title").fill("gamma ray")
    page.get_by_role("dialog").get_by_role("button", name="Save").click()
    expect(chat_row(page, "gamma ray")).to_be_visible()

    act_on_chat(page, "gamma ray", "Archive")
    expect(chat_row(page, "gamma ray")).to_have_count(0)
    page.get_by_role("button", name="Show archived").click()
    expect(page.locator(".chat-list .chat-link")).to_have_text(["gamma ray"])
    act_on_chat(page, "gamma ray", "Restore from archive")
    expect(page.locator(".chat-list .chat-link")).to_have_count(0)
    page.get_by_role("button", name="Back to chats").click()
    expect(chat_row(page, "gamma ray")).to_be_visible()

    act_on_chat(page, "gamma ray", "Delete chat")
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(chat_row(page, "gamma ray")).to_have_count(0)

    page.get_by_role("button", name="Actions for folder Projects").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete folder").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.locator(".folder")).to_have_count(0)


def test_the_list_pages_in_as_it_scrolls(page: Page, admin_ready: str) -> None:
    with make_user(admin_ready, "chatty") as user:
        for n in range(45):
            assert user.post("/api/chats", json={"title": f"chat {n:02d}"}).status_code == 201
    log_in(page, admin_ready, "chatty", PASSWORD)
    links = page.locator(".chat-list .chat-link")
    expect(links).to_have_count(30)
    links.last.scroll_into_view_if_needed()
    page.locator(".side-scroll").evaluate("(el) => el.scrollTo(0, el.scrollHeight)")
    expect(links).to_have_count(45)
    expect(links.last).to_have_text("chat 00")
