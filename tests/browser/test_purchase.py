"""A new visitor buys a domain in Chromium and watches it resolve; then edits its A
record and sees the new address on the trace page; then an operator puts it on
serverHold in the admin and the resolver stops resolving it."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from config import clock

NAME = "firstbuy.com"
FIRST_ADDRESS = "127.53.5.1"
NEW_ADDRESS = "127.53.5.2"
SLOW_MS = 45_000  # registry, TLD zone publication, hosted zone, resolver: a few seconds each at worst


def test_sign_up_buy_watch_it_resolve_edit_the_record_then_the_operator_holds_it(
    page: Page, site, shot, browser
) -> None:
    # Search from the home page and put the name in the cart.
    page.goto("/")
    search = page.get_by_role("search").get_by_role("textbox")
    search.fill(NAME)
    search.press("Enter")
    page.get_by_role("button", name=f"Add {NAME} to the cart").first.click()
    expect(page.locator(".messages")).to_contain_text(f"{NAME} is in your cart")
    shot(page, "search")

    # The cart, then checkout asks a new visitor to log in or sign up.
    page.get_by_role("link", name="Cart", exact=True).click()
    expect(page.locator(f"#cart tr[data-name='{NAME}']")).to_contain_text("Available")
    shot(page, "cart")
    page.get_by_role("link", name="Check out").click()
    expect(page).to_have_url(re.compile(r"/login/\?next=/checkout/$"))
    page.get_by_role("main").get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("newvisitor")
    page.get_by_label("Email").fill("newvisitor@example.net")
    page.get_by_label("Full name").fill("New Visitor")
    page.get_by_label("City").fill("Seoul")
    page.get_by_label("Country code").fill("KR")
    page.get_by_label("Password", exact=True).fill("a-long-enough-passphrase")
    page.get_by_label("Password confirmation").fill("a-long-enough-passphrase")
    shot(page, "sign-up")
    page.get_by_role("button", name="Create my account").click()

    # Checkout: the contact comes from the sign-up; ours nameservers; a first record; the test card.
    expect(page).to_have_url(re.compile(r"/checkout/$"))
    expect(page.get_by_label("City")).to_have_value("Seoul")
    page.get_by_label("Street").fill("1 Sejong-daero")
    expect(page.get_by_label("Ours: we host the zone")).to_be_checked()
    page.get_by_label("Point the apex and www at this IP address").fill(FIRST_ADDRESS)
    expect(page.locator("#test-cards")).to_contain_text("4242 4242 4242 4242")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry year").select_option(str(clock.now().year + 2))
    page.get_by_label("CVC").fill("123")
    shot(page, "checkout")
    page.get_by_role("button", name="Pay and register").click()

    # The order page follows the order to a lookup through the resolver.
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    progress = page.locator("#order-progress")
    expect(progress.locator("[data-finished=true]")).to_be_attached(timeout=SLOW_MS)
    expect(page.locator("#order-state")).to_have_text("Successful")
    steps = progress.locator(f".line[data-domain='{NAME}'] .steps li")
    expect(steps).to_have_count(5)
    for title in ("Paid", "Registered at the registry", "Delegation published", "Zone live", "Resolves through"):
        expect(steps.filter(has_text=title)).to_have_class("done")
    expect(steps.last).to_contain_text(re.compile(rf"{re.escape(NAME)}\.\s+\d+\s+IN\s+A\s+{re.escape(FIRST_ADDRESS)}"))
    shot(page, "order-complete")

    # Edit the apex A record in the record editor; the trace page shows the new address.
    page.get_by_role("link", name=f"Manage {NAME}").click()
    expect(page.locator("#records")).to_contain_text(FIRST_ADDRESS)
    form = page.locator("#record-form")
    form.get_by_label("Name").fill("")
    form.get_by_label("Type").select_option("A")
    form.get_by_label("TTL (seconds)").fill("60")
    form.get_by_label("Values").fill(NEW_ADDRESS)
    form.get_by_role("button", name="Save record set").click()
    expect(page.locator(".messages")).to_contain_text("PENDING until every nameserver serves it")
    expect(page.locator(f"#records tr[data-name='{NAME}.'][data-type='A']")).to_contain_text(NEW_ADDRESS)
    shot(page, "record-editor")
    answer = re.compile(rf"{re.escape(NAME)}\.\s+60\s+IN\s+A\s+{re.escape(NEW_ADDRESS)}")

    def trace_shows(expected: re.Pattern) -> bool:
        page.goto(f"/dns/trace/?name={NAME}&type=A&fresh=1")
        return bool(expected.search(page.locator("#dig-output").inner_text()))

    _eventually(lambda: trace_shows(answer), "the trace page showing the new address")
    shot(page, "trace-new-address")

    # An operator puts the domain on serverHold; the resolver no longer resolves it.
    operator = browser.new_context(base_url=site.base_url, viewport={"width": 1280, "height": 900})
    admin = operator.new_page()
    site.log_in(admin, get_user_model().objects.create_superuser("operator-test", "op@example.net", "x"))
    admin.goto(f"/admin/registry/domain/?q={NAME}")
    admin.get_by_role("row", name=re.compile(NAME)).get_by_role("checkbox").check()
    admin.get_by_label("Action:").select_option(label="Put on serverHold (leaves the TLD zone)")
    admin.get_by_role("button", name="Go").click()
    expect(admin.locator(".messagelist")).to_contain_text(NAME)
    shot(admin, "admin-server-hold")

    def gone() -> bool:
        admin.goto(f"/dns/trace/?name={NAME}&type=A&fresh=1")
        return "NXDOMAIN" in admin.get_by_role("heading", name=re.compile("^Answer")).inner_text()

    _eventually(gone, "the resolver answering NXDOMAIN for the held name")
    shot(admin, "trace-after-hold")
    operator.close()


def _eventually(check, what: str, attempts: int = 30) -> None:
    """Retry a page check about once a second: publication is asynchronous."""
    import time

    for _ in range(attempts):
        if check():
            return
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")
