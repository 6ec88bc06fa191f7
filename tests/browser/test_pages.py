"""The public pages in Chromium, against the running emulator: search from the home page,
trace a lookup through the resolver, and the home page at a phone's width."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from config.money import format_money
from registrar import services
from resolver import demo as resolver_demo


def test_search_from_the_home_page_then_trace_a_lookup_and_the_home_page_fits_a_phone(
    page: Page, phone: Page, shot
) -> None:
    page.goto("/")
    shot(page, "home")
    search = page.get_by_role("search").get_by_role("textbox")
    search.press_sequentially("brightfuture.com")
    search.press("Enter")

    expect(page).to_have_url(re.compile(r"/search/\?q=brightfuture\.com$"))
    expect(page.locator("#exact tr[data-name='brightfuture.com']")).to_contain_text("Available")
    net = services.quote(["brightfuture.net"])[0].price_per_year
    expect(page.locator("#across tr[data-name='brightfuture.net']")).to_contain_text(f"{format_money(net)} a year")
    shot(page, "search-results")

    page.goto("/dns/trace/")
    name = page.get_by_label("Name", exact=True)
    name.fill(f"www.{resolver_demo.DEMO_DOMAIN}")
    name.press("Enter")

    expect(page.get_by_role("heading", name=re.compile(r"^Answer: NOERROR"))).to_be_visible()
    expect(page.locator("#dig-output")).to_contain_text(
        re.compile(rf"www\.example\.com\.\s+300\s+IN\s+A\s+{re.escape(resolver_demo.DEMO_ADDRESS)}")
    )
    expect(page.locator("#timeline li[data-zone='example.com.']")).to_have_attribute("data-outcome", "answer")
    shot(page, "trace")

    phone.goto("/")
    expect(phone.get_by_role("search").get_by_role("textbox")).to_be_visible()
    shot(phone, "home-phone")
    for path in ("/", "/search/?q=brightfuture", "/signup/", f"/dns/trace/?name=www.{resolver_demo.DEMO_DOMAIN}"):
        phone.goto(path)
        width, scroll_width = phone.evaluate("[innerWidth, document.documentElement.scrollWidth]")
        assert scroll_width <= width, f"{path} is {scroll_width}px wide on a {width}px screen"
    shot(phone, "trace-phone")
