"""Replies render Markdown, and nothing a model or a user writes runs as script:
the payloads go through a real reply (the demo model repeats the message)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.browser.pw import expect
from tests.browser.test_chat import last_reply, send

if TYPE_CHECKING:
    from playwright.sync_api import Dialog, Page

PAYLOADS = "\n".join(
    [
        "payloads:",
        '<img src=x onerror="window.__pwned=1;alert(1)">',
        "<script>window.__pwned=2</script>",
        "[click me](javascript:window.__pwned=3)",
        '<svg onload="window.__pwned=4"><script>alert(4)</script></svg>',
        '<a href="javascript:alert(5)">x</a>',
        "[data](data:text/html,<script>alert(6)</script>)",
        "![pic](javascript:alert(7))",
        '<iframe src="javascript:alert(8)"></iframe>',
        "[fine](https://example.com/a?b=1)",
    ]
)

MARKDOWN = "\n".join(
    [
        "intro",
        "# Big title",
        "",
        "Some **bold**, *italic* and `code` text.",
        "",
        "- one",
        "- two",
        "  - nested",
        "",
        "1. first",
        "2. second",
        "",
        "| name | value |",
        "|:-----|------:|",
        "| a    | 1     |",
        "",
        "```python",
        "def greet(name):",
        '    return "hi " + name  # friendly',
        "```",
    ]
)


def test_script_never_runs_from_a_reply(chat_page: Page) -> None:
    page = chat_page
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    send(page, PAYLOADS)
    reply = last_reply(page)
    expect(reply).to_have_attribute("data-status", "complete", timeout=20_000)
    body = reply.locator(".msg-body")
    expect(body).to_contain_text('<img src=x onerror="window.__pwned=1;alert(1)">')
    expect(body).to_contain_text("<script>window.__pwned=2</script>")
    expect(body).to_contain_text("<svg onload=")
    for link_text in ("click me", "data", "x"):
        for link in page.get_by_text(link_text, exact=True).all():
            link.click()
    messages = page.locator(".messages")
    assert messages.locator("img, script, svg, iframe, object, embed").count() == 0
    hrefs = messages.locator("a").evaluate_all("(links) => links.map((a) => a.href)")
    assert hrefs == ["https://example.com/a?b=1"]
    fine = messages.get_by_role("link", name="fine")
    expect(fine).to_have_attribute("rel", "noopener noreferrer")
    page.reload()
    expect(last_reply(page).locator(".msg-body")).to_contain_text("<script>")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []


def test_markdown_is_rendered(chat_page: Page) -> None:
    page = chat_page
    send(page, MARKDOWN)
    reply = last_reply(page)
    expect(reply).to_have_attribute("data-status", "complete", timeout=20_000)
    body = reply.locator(".msg-body")
    expect(body.locator("h1")).to_have_text("Big title")
    expect(body.locator("strong")).to_have_text("bold")
    expect(body.locator("em")).to_have_text("italic")
    expect(body.locator("p code")).to_have_text("code")
    expect(body.locator(":scope > ul > li")).to_have_count(2)
    expect(body.locator("ul ul > li")).to_have_text("nested")
    expect(body.locator("ol > li")).to_have_text(["first", "second"])
    expect(body.locator("table th")).to_have_text(["name", "value"])
    expect(body.locator("table td").last).to_have_css("text-align", "right")
    code = body.locator("pre code")
    expect(code).to_contain_text('return "hi " + name  # friendly')
    expect(code.locator(".tok-kw").first).to_have_text("def")
    expect(code.locator(".tok-str")).to_have_text('"hi "')
    expect(code.locator(".tok-com")).to_have_text("# friendly")
    expect(body.locator(".code-lang")).to_have_text("python")


HOSTILE_LINKS = [
    "[a](JaVaScRiPt:alert(1))",
    "[a]( javascript:alert(1))",
    "[a](java\tscript:alert(1))",
    "[a](vbscript:msgbox(1))",
    "[a](data:text/html;base64,PHNjcmlwdD4=)",
    "<javascript:alert(1)>",
    "[a](//evil.example/x)",
    "[a](/relative)",
    "![x](https://tracker.example/pixel.png)",
    "<a href=x onclick=alert(1)>x</a>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "| <img src=x onerror=alert(1)> | b |\n|---|---|\n| <svg onload=alert(1)> | c |",
    "**<iframe src=javascript:alert(1)>**",
]


def test_renderer_turns_hostile_markdown_into_text(chat_page: Page) -> None:
    """The renderer on its own, with link tricks a reply could hold."""
    page = chat_page
    found = page.evaluate(
        """async (inputs) => {
          const src = document.querySelector('script[type=module]').src;
          const { renderMarkdown } = await import(new URL('markdown.js', src).href);
          const allowed = new Set(['P', 'A', 'SPAN', 'CODE', 'PRE', 'DIV', 'BUTTON', 'STRONG',
            'EM', 'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD', 'BR']);
          return inputs.map((text) => {
            const box = document.createElement('div');
            box.append(renderMarkdown(text));
            const tags = [...box.querySelectorAll('*')].map((el) => el.tagName);
            const hrefs = [...box.querySelectorAll('a')].map((a) => a.getAttribute('href'));
            const handlers = [...box.querySelectorAll('*')].flatMap((el) =>
              el.getAttributeNames().filter((n) => n.startsWith('on')));
            return { text, odd: tags.filter((t) => !allowed.has(t)), hrefs, handlers,
              shown: box.textContent };
          });
        }""",
        HOSTILE_LINKS,
    )
    for item in found:
        assert item["odd"] == [], item
        assert item["handlers"] == [], item
        assert all(h.startswith("https://") for h in item["hrefs"]), item
    assert "<script>alert(1)</script>" in found[10]["shown"]
    assert "<img src=x onerror=alert(1)>" in found[12]["shown"]
