"""The shop's search: a name under every TLD with its status and price, and variants."""

import pytest
from django.conf import settings

from config.money import format_money
from registry import services as registry
from registry.models import Tld

pytestmark = pytest.mark.django_db


def tlds_fee(name: str) -> int:
    return Tld.objects.get(name=name).create_fee


def rows(page: str) -> dict[str, str]:
    """data-name -> data-status of every result row."""
    import re

    return dict(re.findall(r'data-name="([^"]+)" data-status="([^"]+)"', page))


def test_a_bare_label_is_looked_up_under_every_tld_with_prices(client, alpha):
    registry.create_domain(alpha, "taken.net")
    page = client.get("/search/", {"q": "taken"}).content.decode()
    assert rows(page) == {
        "taken.com": "available",
        "taken.kr": "available",
        "taken.net": "unavailable",
        "gettaken.com": "available",
        "mytaken.com": "available",
        "takenhq.com": "available",
        "taken-online.com": "available",
        "thetaken.com": "available",
    }
    assert "Under every TLD" in page and "Taken" in page
    com_row = page.split('data-name="taken.com"')[1].split("</tr>")[0]
    retail = format_money(tlds_fee("com") + settings.REGISTRAR_MARGIN_PER_YEAR)
    assert f"{retail} a year" in com_row
    taken_row = page.split('data-name="taken.net"')[1].split("</tr>")[0]
    assert "a year" not in taken_row


def test_a_full_name_comes_first_then_the_other_tlds(client, tlds):
    page = client.get("/search/", {"q": "shop.com"}).content.decode()
    assert page.index('id="exact"') < page.index('id="across"')
    found = rows(page)
    assert found["shop.com"] == "premium" and found["shop.net"] == "available"
    exact = page.split('id="exact"')[1].split("</table>")[0]
    assert "Premium" in exact and "a year" in exact
    reserved = client.get("/search/", {"q": "nic.com"}).content.decode()
    assert rows(reserved)["nic.com"] == "reserved" and "Reserved: registry operations" in reserved


def test_unicode_names_are_shown_as_typed_and_as_punycode(client, tlds):
    page = client.get("/search/", {"q": "bücher.com"}).content.decode()
    assert rows(page)["xn--bcher-kva.com"] == "available"
    assert 'bücher.com <span class="muted">(xn--bcher-kva.com)</span>' in page


def test_invalid_names_say_why_and_an_empty_search_asks_for_a_name(client, tlds):
    page = client.get("/search/", {"q": "-bad-.com"}).content.decode()
    assert rows(page)["-bad-.com"] == "invalid" and "Invalid:" in page
    empty = client.get("/search/", {"q": "  "})
    assert empty.status_code == 200 and 'id="across"' not in empty.content.decode()
    assert client.get("/search/", {"q": "."}).status_code == 400


def test_the_home_page_has_the_search_box(client, tlds):
    page = client.get("/").content.decode()
    assert 'role="search"' in page and 'action="/search/"' in page and '<label for="search-q">' in page
