"""Files in the composer: picked, uploaded at once and shown as chips; a text file
reaching the (echo) model and linked from the message; a refused type, an image for
a model without vision, and a chip removed before sending, all said in words."""

from __future__ import annotations

import json
import re
import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from tests.browser.pw import expect
from tests.browser.test_chat import last_reply

if TYPE_CHECKING:
    from playwright.sync_api import FilePayload, Locator, Page, Route

CONTENT_URL = re.compile(r"^/api/files/[^/]+/content$")


def png_bytes(width: int = 4, height: int = 4) -> bytes:
    """A small, valid, opaque red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\0" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def text_file(name: str, text: str) -> FilePayload:
    return {"name": name, "mimeType": "text/plain", "buffer": text.encode()}


def attach(page: Page, *files: FilePayload) -> None:
    """Through the paperclip button and the browser's file chooser."""
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Attach files").click()
    assert chooser.value.is_multiple()
    chooser.value.set_files(list(files))


def chip(page: Page, name: str) -> Locator:
    return (
        page.get_by_role("list", name="Attached files")
        .get_by_role("listitem")
        .filter(has_text=name)
    )


def composer_box(page: Page) -> Locator:
    return page.get_by_role("textbox", name="Message")


def test_a_text_file_reaches_the_model_and_is_linked_from_the_message(chat_page: Page) -> None:
    page = chat_page
    attach(
        page, {"name": "notes.md", "mimeType": "text/markdown", "buffer": b"remember the milk\n"}
    )
    notes = chip(page, "notes.md")
    expect(notes).to_have_attribute("data-state", "ready")
    expect(notes).to_contain_text("18 B")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()

    composer_box(page).fill("what is in it?")
    composer_box(page).press("Enter")
    reply = last_reply(page)
    expect(reply).to_have_attribute("data-status", "complete", timeout=15_000)
    expect(reply.locator(".msg-body")).to_contain_text("what is in it?")
    expect(reply.locator(".msg-body")).to_contain_text("remember the milk")
    expect(page.get_by_role("list", name="Attached files")).to_be_hidden()

    def shows_the_link() -> None:
        link = page.locator("article.msg-user").get_by_role("link", name="notes.md")
        expect(link).to_be_visible()
        expect(link).to_have_attribute("target", "_blank")
        expect(link).to_have_attribute("rel", "noopener")
        href = link.get_attribute("href") or ""
        assert CONTENT_URL.match(href), href
        served = page.request.get(urljoin(page.url, href))
        assert served.ok and served.body() == b"remember the milk\n"

    shows_the_link()
    page.reload()  # the history shows it too, from the stored message's fileIds
    shows_the_link()

    href = page.locator("article.msg-user a").get_attribute("href") or ""
    gone = page.request.delete(urljoin(page.url, href.removesuffix("/content")))
    assert gone.ok, gone.text()
    page.reload()
    expect(page.locator("article.msg-user .msg-files")).to_have_text("file removed")


QUOTA = "Your files would pass your storage quota of 1.0 GB (1.0 GB used)"
REFUSALS = {
    "limited": [429, {"error": "Too many uploads; try again in 42 seconds"}, 42],
    "quota": [413, {"error": QUOTA}, None],
    "large": [413, None, None],
    "readonly": [403, {"error": "Read-only accounts cannot upload files"}, None],
}


def test_a_refused_file_says_why_on_its_chip_and_nothing_is_sent(chat_page: Page) -> None:
    page = chat_page
    attach(
        page,
        {
            "name": "tool.exe",
            "mimeType": "application/octet-stream",
            "buffer": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff",
        },
    )
    refused = chip(page, "tool.exe")
    expect(refused).to_have_attribute("data-state", "error")
    expect(refused).to_contain_text("This type of file is not accepted")
    expect(refused).to_contain_text("Accepted: images")
    composer_box(page).press("Enter")
    expect(page.locator("article.msg")).to_have_count(0)
    assert "#/c/" not in page.url
    refused.get_by_role("button", name="Remove tool.exe").click()
    expect(page.get_by_role("list", name="Attached files")).to_be_hidden()
    expect(composer_box(page)).to_be_focused()
    # The other refusals, in the words a chip shows.
    words = page.evaluate(
        """async (cases) => {
          const src = document.querySelector('script[type=module]').src;
          const { uploadErrorWords } = await import(new URL('attachments.js', src).href);
          return Object.fromEntries(
            Object.entries(cases).map(([key, args]) => [key, uploadErrorWords(...args)]));
        }""",
        REFUSALS,
    )
    assert words == {
        "limited": "Too many uploads; try again in 42 seconds.",
        "quota": QUOTA + ".",
        "large": "The file is too large to upload.",
        "readonly": "Read-only accounts cannot upload files.",
    }
    page.route(
        "**/api/files",
        lambda route: route.fulfill(
            status=429,
            headers={"retry-after": "42", "content-type": "application/json"},
            body=json.dumps({"error": "Too many uploads; try again in 42 seconds"}),
        ),
    )
    attach(page, text_file("later.txt", "later"))
    expect(chip(page, "later.txt").locator(".chip-error")).to_have_text(
        "Too many uploads; try again in 42 seconds."
    )


def test_an_image_for_a_model_without_vision_is_stopped_before_sending(chat_page: Page) -> None:
    page = chat_page
    attach(page, {"name": "red.png", "mimeType": "image/png", "buffer": png_bytes()})
    image = chip(page, "red.png")
    expect(image).to_have_attribute("data-state", "ready")
    thumb = image.locator("img")
    expect(thumb).to_have_attribute("src", CONTENT_URL)
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth === 4", arg=thumb.element_handle()
    )
    warning = page.locator(".attach-warning")
    expect(warning).to_contain_text("Echo (demo, offline) (echo) cannot read images")

    composer_box(page).fill("look at this")
    composer_box(page).press("Enter")
    expect(page.locator(".chat-error")).to_contain_text("cannot read images")
    expect(page.locator("article.msg")).to_have_count(0)
    expect(composer_box(page)).to_have_value("look at this")
    expect(image).to_be_visible()
    image.get_by_role("button", name="Remove red.png").click()
    expect(warning).to_be_hidden()
    expect(page.locator(".chat-error")).to_be_hidden()


def claim_vision(route: Route) -> None:
    answer = route.fetch()
    body = answer.json()
    for model in body["models"]:
        model["metadata"]["supports_vision"] = True
    route.fulfill(response=answer, body=json.dumps(body))


def test_the_servers_refusal_of_an_image_is_shown_and_the_chip_kept(chat_page: Page) -> None:
    page = chat_page
    # The page is told the echo model sees images; the server knows better.
    page.route("**/api/models?type=text", claim_vision)
    page.reload()
    attach(page, {"name": "red.png", "mimeType": "image/png", "buffer": png_bytes()})
    expect(chip(page, "red.png")).to_have_attribute("data-state", "ready")
    expect(page.locator(".attach-warning")).to_be_hidden()
    composer_box(page).fill("and now?")
    composer_box(page).press("Enter")
    expect(page.locator(".chat-error")).to_have_text(
        "Echo (demo, offline) (echo) cannot read images: choose a model with vision, "
        "or send the message without the image"
    )
    expect(page.locator("article.msg")).to_have_count(0)
    expect(composer_box(page)).to_have_value("and now?")
    expect(chip(page, "red.png")).to_have_attribute("data-state", "ready")


def test_a_removed_chip_is_not_sent_and_chips_fit_a_phone(
    chat_page: Page, output_dir: Path
) -> None:
    page = chat_page
    page.set_viewport_size({"width": 390, "height": 844})
    held: list[Route] = []  # the uploads wait here until the test lets them go
    page.route("**/api/files", lambda route: held.append(route))
    attach(
        page,
        text_file("first-file-with-a-rather-long-name-to-wrap.txt", "alpha content"),
        text_file("second.txt", "bravo content"),
    )
    first = chip(page, "first-file")
    expect(first).to_have_attribute("data-state", "uploading")
    expect(first).to_contain_text("Uploading")
    send_button = page.get_by_role("button", name="Send")
    expect(send_button).to_be_disabled()
    composer_box(page).fill("too soon")
    composer_box(page).press("Enter")
    expect(page.locator(".chat-error")).to_contain_text("wait until the files finish uploading")
    for _ in range(100):
        if len(held) == 2:
            break
        page.wait_for_timeout(20)
    assert len(held) == 2
    for route in held:
        route.continue_()
    expect(send_button).to_be_enabled()
    expect(page.locator(".chat-error")).to_be_hidden()
    expect(first).to_have_attribute("data-state", "ready")
    expect(chip(page, "second.txt")).to_have_attribute("data-state", "ready")
    form = page.get_by_role("form", name="Send a message").bounding_box()
    box = first.bounding_box()
    assert (
        form
        and box
        and box["x"] >= form["x"]
        and box["x"] + box["width"] <= form["x"] + form["width"]
    )

    first.get_by_role("button", name="Remove first-file").click()
    expect(first).to_have_count(0)
    expect(page.get_by_role("button", name="Remove second.txt")).to_be_focused()
    composer_box(page).fill("only one")
    composer_box(page).press("Enter")
    reply = last_reply(page)
    expect(reply).to_have_attribute("data-status", "complete", timeout=15_000)
    expect(reply.locator(".msg-body")).to_contain_text("bravo content")
    assert "alpha content" not in reply.inner_text()
    links = page.locator("article.msg-user").get_by_role("link")
    expect(links).to_have_count(1)
    expect(links).to_have_text("second.txt")
