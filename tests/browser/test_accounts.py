"""First visit creates the admin; log out and in (a wrong password said in words);
change the password; a read-only user sees no admin area."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.browser.conftest import ADMIN, PASSWORD, log_in
from tests.browser.pw import expect

if TYPE_CHECKING:
    from playwright.sync_api import Page


def create_admin_in_page(page: Page, base: str) -> None:
    page.goto(base + "/")
    form_switch = page.get_by_role("button", name="First run? Create the admin account")
    if form_switch.is_visible():
        form_switch.click()
    expect(page.get_by_role("heading", name="Welcome to chatport")).to_be_visible()
    page.get_by_label("Username").fill(ADMIN)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create admin account").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_first_visit_creates_the_admin_then_log_out_and_in(page: Page, fresh_server: str) -> None:
    create_admin_in_page(page, fresh_server)
    expect(page.get_by_role("link", name="Admin")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to chatport")).to_be_visible()

    page.get_by_label("Username").fill(ADMIN)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_second_registration_is_refused_in_words(page: Page, admin_ready: str) -> None:
    page.goto(admin_ready + "/")
    page.get_by_role("button", name="First run? Create the admin account").click()
    page.get_by_label("Username").fill("intruder")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create admin account").click()
    expect(page.get_by_role("alert")).to_contain_text("Registration is disabled")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


def test_change_password(page: Page, fresh_server: str) -> None:
    create_admin_in_page(page, fresh_server)
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Current password").fill("wrong one")
    page.get_by_label("New password", exact=True).fill("another passphrase")
    page.get_by_label("Repeat the new password").fill("another passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("The current password is wrong.")).to_be_visible()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    log_in(page, fresh_server, ADMIN, "another passphrase")


def test_readonly_user_sees_no_admin_area(page: Page, admin_ready: str) -> None:
    log_in(page, admin_ready)
    page.get_by_role("link", name="Admin").click()
    users = page.get_by_role("region", name="Users")
    users.get_by_label("Username", exact=True).fill("reader")
    users.get_by_role("textbox", name="Password").fill(PASSWORD)
    users.get_by_label("Role", exact=True).select_option("readonly")
    users.get_by_role("button", name="Add user").click()
    expect(users.get_by_role("rowheader", name="reader")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    log_in(page, admin_ready, "reader", PASSWORD)
    expect(page.get_by_text("reader (read-only)")).to_be_visible()
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    page.goto(admin_ready + "/#/admin")
    expect(page.get_by_role("textbox", name="Message")).to_be_visible()
    expect(page.get_by_role("heading", name="Admin")).to_have_count(0)


def test_setup_form_comes_first_when_the_server_says_so(page: Page, fresh_server: str) -> None:
    # The answer asked of the web API: a 401 session that says no user exists yet.
    page.route(
        "**/api/auth/session",
        lambda route: route.fulfill(status=401, json={"user": None, "setupRequired": True}),
    )
    page.goto(fresh_server + "/")
    expect(page.get_by_role("heading", name="Welcome to chatport")).to_be_visible()
    expect(page.get_by_role("button", name="I already have an account: log in")).to_have_count(0)
    page.get_by_label("Username").fill(ADMIN)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill("something else")
    page.get_by_role("button", name="Create admin account").click()
    expect(page.get_by_role("alert")).to_have_text("The two passwords differ.")
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create admin account").click()
    expect(page.get_by_role("link", name="Admin")).to_be_visible()
