"""Playwright's ``expect`` for the browser tests. Importing this module skips the
importing test module when Chromium or playwright is missing (fails it under
CI=true), before anything imports playwright itself."""

from tests.browser.conftest import require_browser_tools

require_browser_tools()

from playwright.sync_api import expect  # noqa: E402

__all__ = ["expect"]
