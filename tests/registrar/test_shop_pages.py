"""The shop's pages through Django's test client: sign-up, cart, checkout, the order page,
my domains with the record editor, and the account. The browser tests (tests/browser)
walk the same pages in Chromium against the running emulator."""

import re

import pytest
from django.contrib.auth import get_user_model

from config import clock
from registrar import services
from registrar.choices import OrderState
from registrar.models import Customer, CustomerDomain, Order
from resolver.models import Change, HostedZone, RecordSet
from tests.conftest import GOOD_CARD
from tests.registrar.test_checkout import registry_reply

pytestmark = pytest.mark.django_db


def card_fields(number="4242 4242 4242 4242") -> dict:
    return {"card_number": number, "exp_month": 12, "exp_year": clock.now().year + 1, "cvc": "123"}


def contact_fields(customer) -> dict:
    fields = ["name", "organization", "email", "phone", "street", "city", "state", "postal_code", "country_code"]
    return {f"contact-{f}": getattr(customer, f) for f in fields}


def checkout_form(client) -> dict:
    page = client.get("/checkout/").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)
    return {"idempotency_key": key, "nameserver_choice": "ours", "years_0": 1}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def sign_up(client, username: str, **fields):
    data = {
        "username": username,
        "email": f"{username}@example.net",
        "name": username.title(),
        "city": "Oslo",
        "country_code": "NO",
        "password1": "a-long-enough-passphrase",
        "password2": "a-long-enough-passphrase",
    }
    return client.post("/signup/", data | fields)


def test_sign_up_creates_the_customer_logs_in_and_returns_to_the_cart(client, inhouse):
    response = sign_up(client, "carol", name="Carol Example", country_code="kr", next="/checkout/")
    assert response.status_code == 302 and response["Location"] == "/checkout/"
    customer = Customer.objects.get(user__username="carol")
    assert (customer.name, customer.country_code, customer.email) == ("Carol Example", "KR", "carol@example.net")
    assert "Log out carol" in text(client.get("/cart/"))


def test_sign_up_with_bad_input_names_the_field_and_creates_nothing(client, inhouse):
    response = sign_up(client, "dave", country_code="N0")
    assert response.status_code == 200 and "two letters, like US or KR" in text(response)
    assert not get_user_model().objects.filter(username="dave").exists()


def test_sign_up_never_redirects_off_site(client, inhouse):
    assert sign_up(client, "erin", next="https://elsewhere.example/")["Location"] == "/cart/"


def test_the_cart_takes_registrable_names_and_explains_the_rest(client, alpha):
    from registry import services as registry

    registry.create_domain(alpha, "taken.com")
    client.post("/cart/add/", {"name": "Bücher.com"})
    client.post("/cart/add/", {"name": "bücher.com"})  # once only
    refused = client.post("/cart/add/", {"name": "taken.com"}, follow=True)
    assert "taken.com cannot be registered: unavailable" in text(refused)
    page = text(client.get("/cart/"))
    assert page.count('data-name="xn--bcher-kva.com"') == 1 and "bücher.com" in page
    client.post("/cart/remove/", {"name": "xn--bcher-kva.com"})
    assert "Your cart is empty" in text(client.get("/cart/"))


def test_search_results_offer_add_to_cart_for_registrable_names_only(client, alpha):
    page = text(client.get("/search/", {"q": "nic.com"}))
    assert 'aria-label="Add nic.net to the cart"' in page and 'aria-label="Add nic.com to the cart"' not in page


def test_checkout_asks_to_log_in_first(client, inhouse):
    client.post("/cart/add/", {"name": "fresh.com"})
    response = client.get("/checkout/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/checkout/"


def test_checkout_places_the_order_saves_the_contact_and_empties_the_cart(client, customer, rental_pool):
    client.force_login(customer.user)
    client.post("/cart/add/", {"name": "fresh.com"})
    page = text(client.get("/checkout/"))
    assert "4000 0000 0000 0002" in page and f'value="{customer.street}"' not in page  # a textarea
    assert f'value="{customer.city}"' in page  # the contact comes pre-filled
    form = checkout_form(client) | contact_fields(customer) | card_fields()
    form |= {"contact-city": "Daejeon", "years_0": 2, "first_address": "127.53.5.1"}
    response = client.post("/checkout/", form)
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
    line = order.lines.get()
    assert (line.domain, line.years, line.our_nameservers, line.first_address) == ("fresh.com", 2, True, "127.53.5.1")
    customer.refresh_from_db()
    assert customer.city == "Daejeon"
    assert "Your cart is empty" in text(client.get("/cart/"))
    client.post("/cart/add/", {"name": "fresh.com"})
    client.post("/checkout/", form)  # the same form sent again: the same order, no second charge
    assert Order.objects.count() == 1


def test_checkout_errors_are_shown_on_their_fields_and_nothing_is_charged(client, customer, rental_pool):
    client.force_login(customer.user)
    client.post("/cart/add/", {"name": "fresh.com"})
    base = checkout_form(client) | contact_fields(customer) | card_fields()
    own_without_servers = client.post("/checkout/", base | {"nameserver_choice": "own"})
    assert own_without_servers.status_code == 400 and "give your nameservers, or choose ours" in text(
        own_without_servers
    )
    own_with_record = base | {"nameserver_choice": "own", "nameservers": "ns1.example.org\nns2.example.org"}
    assert "a first record needs our nameservers" in text(
        client.post("/checkout/", own_with_record | {"first_address": "192.0.2.1"})
    )
    bad_servers = client.post("/checkout/", base | {"nameserver_choice": "own", "nameservers": "ns1.example.org"})
    assert bad_servers.status_code == 400 and "2 to 13" in text(bad_servers)
    bad_card = client.post("/checkout/", base | {"card_number": "4242 4242 4242 4241"})
    assert bad_card.status_code == 400 and "card" in text(bad_card).lower()
    assert not Order.objects.exists()


def test_a_declined_card_shows_the_failed_order_with_its_reason(client, customer, rental_pool):
    client.force_login(customer.user)
    client.post("/cart/add/", {"name": "fresh.com"})
    form = checkout_form(client) | contact_fields(customer) | card_fields("4000 0000 0000 0002")
    page = text(client.post("/checkout/", form, follow=True))
    order = Order.objects.get()
    assert order.state == OrderState.FAILED
    assert 'data-finished="true"' in page and "declined" in page and 'class="failed"' in page


def place(customer, domain="fresh.com", **line) -> Order:
    order, _ = services.place_order(
        customer,
        [{"domain": domain, **line}],
        {"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"},
    )
    return order


def test_the_order_page_follows_the_steps_and_is_private(client, customer, second_customer, rental_pool):
    order = place(customer)
    client.force_login(customer.user)
    fragment = text(client.get(f"/orders/{order.pk}/progress/"))
    assert 'data-finished="false"' in fragment
    assert re.search(r'class="done".*Paid.*class="waiting".*Registered at the registry', fragment)
    line = order.lines.get()
    services.apply_registry_result(order.pk, line.pk, registry_reply(line))
    fragment = text(client.get(f"/orders/{order.pk}/progress/"))
    assert re.search(r'class="done"[^>]*> <strong>Registered at the registry', fragment)
    assert "Delegation published in the TLD zone" in fragment  # asked of the TLD servers (none run here)
    client.force_login(second_customer.user)
    assert client.get(f"/orders/{order.pk}/").status_code == 404


def test_the_first_record_points_the_apex_and_www_at_the_address(customer, rental_pool):
    order = place(customer, first_address="127.53.5.2")
    line = order.lines.get()
    services.apply_registry_result(order.pk, line.pk, registry_reply(line))
    zone = HostedZone.objects.get(name="fresh.com.")
    records = {(r.name, r.type, tuple(r.values)) for r in zone.record_sets.all()}
    assert records == {("fresh.com.", "A", ("127.53.5.2",)), ("www.fresh.com.", "A", ("127.53.5.2",))}


@pytest.fixture
def held(customer, rental_pool):
    order = place(customer)
    line = order.lines.get()
    services.apply_registry_result(order.pk, line.pk, registry_reply(line))
    return CustomerDomain.objects.get(name="fresh.com")


def test_my_domains_lists_the_registry_status_and_nameservers(client, customer, held):
    client.force_login(customer.user)
    page = text(client.get("/domains/"))
    assert 'data-name="fresh.com"' in page and "ok" in page
    line = held.order_line
    assert all(ns in page for ns in line.nameservers)


def test_the_record_editor_saves_one_change_batch_per_save(client, customer, second_customer, held):
    client.force_login(customer.user)
    before = Change.objects.count()  # the zone's creation is a change of its own
    response = client.post(
        "/domains/fresh.com/", {"name": "www", "type": "A", "ttl": 60, "values": "127.53.5.1\n127.53.5.2"}
    )
    assert response.status_code == 302
    record = RecordSet.objects.get(name="www.fresh.com.", type="A")
    assert (record.ttl, record.values) == (60, ["127.53.5.1", "127.53.5.2"])
    change = Change.objects.order_by("version").last()
    assert Change.objects.count() == before + 1
    page = text(client.get("/domains/fresh.com/"))
    assert f'data-change="{change.pk}"' in page and "PENDING" in page
    bad = client.post("/domains/fresh.com/", {"name": "www", "type": "A", "ttl": 60, "values": "not-an-address"})
    assert bad.status_code == 400 and "is not a valid A value" in text(bad)
    client.post("/domains/fresh.com/", {"action": "delete", "record_set": record.pk})
    assert not RecordSet.objects.filter(name="www.fresh.com.").exists() and Change.objects.count() == before + 2
    client.force_login(second_customer.user)
    assert client.get("/domains/fresh.com/").status_code == 404


def test_auto_renew_is_toggled_per_domain(client, customer, held):
    client.force_login(customer.user)
    client.post("/domains/fresh.com/auto-renew/", {})
    held.refresh_from_db()
    assert held.auto_renew is False
    client.post("/domains/fresh.com/auto-renew/", {"auto_renew": "on"})
    held.refresh_from_db()
    assert held.auto_renew is True


def test_the_account_lists_orders_payments_and_refunds(client, customer, alpha, rental_pool):
    order = place(customer, "gone.com")
    line = order.lines.get()
    from registry import services as registry

    registry.create_domain(alpha, "gone.com")  # taken before the registry got the order
    services.apply_registry_result(order.pk, line.pk, registry_reply(line))
    client.force_login(customer.user)
    page = text(client.get("/account/"))
    refund = order.payment.refunds.get()
    assert f'href="/orders/{order.pk}/"' in page and refund.reference in page and "Failed" in page


def test_renewing_from_the_domain_page_extends_the_holding_once(client, customer, held, settings):
    from config.money import format_money
    from registry.models import Domain, Tld

    client.force_login(customer.user)
    page = text(client.get("/domains/fresh.com/"))
    key = re.search(r'id="renew-form".*?name="idempotency_key" value="([0-9a-f]+)"', page).group(1)
    per_year = Tld.objects.get(name="com").renew_fee + settings.REGISTRAR_MARGIN_PER_YEAR
    assert f"{format_money(per_year)} a year" in page
    before = held.expires_at
    response = client.post("/domains/fresh.com/renew/", {"years": 2, "idempotency_key": key} | card_fields())
    order = Order.objects.latest("pk")
    assert response["Location"] == f"/orders/{order.pk}/"
    line = order.lines.get()
    assert (line.kind, line.years, line.current_expiry, line.price) == ("renew", 2, before.date(), 2 * per_year)
    reply = registry_reply(line)
    services.apply_registry_result(order.pk, line.pk, reply)
    services.apply_registry_result(order.pk, line.pk, registry_reply(line))  # resent: replayed, not renewed again
    held.refresh_from_db()
    assert held.expires_at == Domain.objects.get(name="fresh.com").expires_at
    assert held.expires_at.year == before.year + 2 and held.expires_at.date().replace(year=before.year) == before.date()
    fragment = text(client.get(f"/orders/{order.pk}/progress/"))
    assert re.search(r'class="done"[^>]*> <strong>Renewed at the registry', fragment)
    assert "Delegation published" not in fragment and 'data-finished="true"' in fragment


def test_a_renewal_the_registry_refuses_is_refunded(customer, held):
    order, _ = services.place_renewal(customer, "fresh.com", 10, {**GOOD_CARD})  # past ten years from today
    line = order.lines.get()
    services.apply_registry_result(order.pk, line.pk, registry_reply(line))
    order.refresh_from_db()
    assert order.state == OrderState.FAILED and order.payment.refunds.get().amount == line.price
    with pytest.raises(services.CheckoutError, match="you hold no domain"):
        services.place_renewal(customer, "other.com", 1, {**GOOD_CARD})


def test_health_checks_are_made_and_listed_with_their_status_on_the_domain_page(client, customer, held):
    from resolver.models import HealthCheck

    client.force_login(customer.user)
    made = client.post(
        "/health-checks/",
        {
            "name": "web",
            "kind": "HTTP",
            "ip_address": "127.53.5.1",
            "path": "/",
            "search_string": "ok",
            "next": "/domains/fresh.com/",
        },
        follow=True,
    )
    check = HealthCheck.objects.get(owner=customer.user)
    assert (check.kind, check.ip_address, check.port, check.search_string) == ("HTTP", "127.53.5.1", 80, "ok")
    page = text(made)
    assert f"Health check {check.pk} made" in page and f'data-check="{check.pk}"' in page and ">Healthy<" in page
    refused = text(
        client.post(
            "/health-checks/",
            {"kind": "TCP", "ip_address": "127.0.0.1", "search_string": "x", "next": "/domains/fresh.com/"},
            follow=True,
        )
    )
    assert "No health check made:" in refused and "only connects" in refused and HealthCheck.objects.count() == 1
    outside = client.post("/health-checks/", {"kind": "TCP", "ip_address": "192.0.2.1", "next": "//evil.example/"})
    assert outside["Location"] == "/zones/"  # accepted (never probed); a foreign next is not followed
    assert HealthCheck.objects.filter(ip_address="192.0.2.1").exists()


def test_every_hosted_zone_of_the_account_has_a_page_with_the_record_editor(client, customer, second_customer):
    from resolver import rental

    zone, _, _ = rental.create_hosted_zone(customer.user, "not-registered-here.org", caller_reference="api")
    theirs, _, _ = rental.create_hosted_zone(second_customer.user, "theirs.org", caller_reference="t")
    client.force_login(customer.user)
    listing = text(client.get("/zones/"))
    assert f'data-zone="{zone.pk}"' in listing and theirs.pk not in listing
    assert client.get(f"/zones/{theirs.pk}/").status_code == 404
    saved = client.post(
        f"/zones/{zone.pk}/", {"name": "www", "type": "A", "ttl": "300", "values": "192.0.2.7"}, follow=True
    )
    assert "Saved as change" in text(saved) and 'data-name="www.not-registered-here.org."' in text(saved)
    assert RecordSet.objects.get(zone=zone).values == ["192.0.2.7"]
    refused = client.post(f"/zones/{zone.pk}/", {"name": "@", "type": "CNAME", "ttl": "300", "values": "x.example."})
    assert refused.status_code == 400 and "cannot sit at the zone apex" in text(refused)


def test_a_zone_page_makes_shows_and_deletes_tsig_keys_for_dns_update(client, customer, second_customer):
    from resolver import rental
    from resolver.models import TsigKey

    zone, _, _ = rental.create_hosted_zone(customer.user, "updates.org", caller_reference="u")
    theirs, _, _ = rental.create_hosted_zone(second_customer.user, "theirs.org", caller_reference="t")
    client.force_login(customer.user)
    assert "No keys: DNS UPDATE messages to this zone are refused." in text(client.get(f"/zones/{zone.pk}/"))
    made = text(
        client.post(f"/zones/{zone.pk}/tsig-keys/", {"action": "create", "algorithm": "hmac-sha512"}, follow=True)
    )
    key = TsigKey.objects.get(zone=zone)
    assert "TSIG key update.updates.org. made" in made and 'data-key="update.updates.org."' in made
    assert f"algorithm hmac-sha512; secret &quot;{key.secret}&quot;;" in made  # the key file, for nsupdate -k
    assert client.post(f"/zones/{theirs.pk}/tsig-keys/", {"action": "create"}).status_code == 404
    assert not TsigKey.objects.filter(zone=theirs).exists()
    gone = text(client.post(f"/zones/{zone.pk}/tsig-keys/", {"action": "delete", "name": key.name}, follow=True))
    assert "TSIG key update.updates.org. deleted" in gone and not TsigKey.objects.exists()


def test_a_zone_page_names_the_zones_secondaries(client, customer, second_customer):
    from resolver import rental

    zone, _, _ = rental.create_hosted_zone(customer.user, "secondaries.org", caller_reference="s")
    theirs, _, _ = rental.create_hosted_zone(second_customer.user, "theirs.org", caller_reference="t")
    key = rental.create_tsig_key(customer.user, zone.pk)
    client.force_login(customer.user)
    body = {"notify": "127.0.0.1:5301, 127.0.0.2", "allow": "127.0.0.0/8", "key": key.name}
    saved = text(client.post(f"/zones/{zone.pk}/secondaries/", body, follow=True))
    assert "Secondaries saved" in saved and 'value="127.0.0.1:5301 127.0.0.2:53"' in saved
    zone.refresh_from_db()
    assert (zone.notify_targets, zone.transfer_allow, zone.transfer_key) == (
        ["127.0.0.1:5301", "127.0.0.2:53"],
        ["127.0.0.0/8"],
        "update.secondaries.org.",
    )
    refused = text(client.post(f"/zones/{zone.pk}/secondaries/", {"notify": "192.0.2.1"}, follow=True))
    assert "Secondaries not changed" in refused and "only loopback addresses" in refused
    assert client.post(f"/zones/{theirs.pk}/secondaries/", body).status_code == 404


def test_the_account_page_makes_switches_and_deletes_access_keys_and_shows_a_secret_once(client, customer):
    from config.aws.models import AccessKey

    client.force_login(customer.user)
    made = text(client.post("/account/access-keys/", {"action": "create"}, follow=True))
    key = AccessKey.objects.get(user=customer.user)
    assert f"Its secret access key, shown this once: {key.secret_access_key}" in made
    page = text(client.get("/account/"))
    assert f'data-key="{key.access_key_id}"' in page and key.secret_access_key not in page
    client.post("/account/access-keys/", {"action": "deactivate", "access_key_id": key.access_key_id})
    key.refresh_from_db()
    assert not key.active
    client.post("/account/access-keys/", {"action": "create"})
    third = text(client.post("/account/access-keys/", {"action": "create"}, follow=True))
    assert "at most 2 access keys" in third and AccessKey.objects.filter(user=customer.user).count() == 2
    client.post("/account/access-keys/", {"action": "delete", "access_key_id": key.access_key_id})
    assert not AccessKey.objects.filter(pk=key.pk).exists()


def test_the_account_page_keeps_a_card_on_file_for_api_orders(client, customer):
    client.force_login(customer.user)
    assert "No card on file." in text(client.get("/account/"))
    form = {
        "card-card_number": "4242 4242 4242 4242",
        "card-exp_month": "12",
        "card-exp_year": str(clock.now().year + 2),
        "card-cvc": "123",
        "card-idempotency_key": "k",
    }
    kept = text(client.post("/account/card/", form, follow=True))
    assert "Visa •••• 4242 is on file." in kept and f"expires 12/{clock.now().year + 2}" in kept
    refused = text(client.post("/account/card/", {**form, "card-card_number": "4242 4242 4242 4241"}, follow=True))
    assert "Card not kept: the card number is not valid (Luhn check failed)" in refused
    assert customer.cards.count() == 1


def test_the_domain_page_shows_each_contact_and_its_privacy(client, customer, held):
    held.contacts = {"tech": {"name": "Alan Turing", "email": "alan@example.net", "country_code": "GB"}}
    held.privacy = {"admin": False}
    held.save()
    client.force_login(customer.user)
    page = client.get("/domains/fresh.com/").content.decode()
    rows = dict(re.findall(r'<tr data-role="(\w+)">(.*?)</tr>', page, re.S))
    assert list(rows) == ["registrant", "admin", "tech", "billing"]
    assert "Alan Turing" in rows["tech"] and "alan@example.net" in rows["tech"]
    assert customer.email in rows["registrant"]  # a role with no contact of its own is the customer
    assert rows["admin"].endswith("<td>off</td>") and rows["billing"].endswith("<td>on</td>")
