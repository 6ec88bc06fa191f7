"""The registry operator admin: CSV imports of reserved and premium names, registrar
top-ups, serverHold actions and the zone publication list, each going through the
registry services."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.urls import reverse
from rest_framework.test import APIClient

from registry import services, zones
from registry.choices import EppStatus, LedgerKind, OperationKind
from registry.models import (
    Domain,
    DomainHistory,
    LedgerEntry,
    PremiumName,
    Registrar,
    RegistrarToken,
    ReservedName,
    ZonePublication,
)


@pytest.fixture
def operator(client, staff):
    client.force_login(staff)
    return client


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("names.csv", text.encode(), content_type="text/csv")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- TLDs: CSV import -------------------------------------------------------------------------


def test_the_tld_page_links_to_the_csv_import(operator, tlds):
    com = tlds["com"]
    url = reverse("admin:registry_tld_import", args=[com.pk])
    assert url == f"/admin/registry/tld/{com.pk}/import/"
    assert url in operator.get(reverse("admin:registry_tld_change", args=[com.pk])).content.decode()
    page = operator.get(url)
    assert page.status_code == 200
    assert "Import reserved or premium names of .com" in page.content.decode()


def test_reserved_names_are_imported_from_csv(operator, tlds):
    com = tlds["com"]
    url = reverse("admin:registry_tld_import", args=[com.pk])
    upload = csv_file("label,reason\nnic,registry operations\nwhois\n\nbücher,trademark\n")
    response = operator.post(url, {"kind": "reserved", "file": upload}, follow=True)
    assert response.redirect_chain == [(reverse("admin:registry_tld_change", args=[com.pk]), 302)]
    assert messages_of(response) == [".com reserved names: 2 added, 1 updated."]
    assert dict(ReservedName.objects.filter(tld=com).values_list("label", "reason")) == {
        "nic": "registry operations",
        "whois": "",
        "xn--bcher-kva": "trademark",
    }


def test_premium_names_are_imported_from_csv(operator, tlds):
    com = tlds["com"]
    url = reverse("admin:registry_tld_import", args=[com.pk])
    response = operator.post(url, {"kind": "premium", "file": csv_file("gold,99900\r\nshop,70000\r\n")})
    assert response.status_code == 302
    assert dict(PremiumName.objects.filter(tld=com).values_list("label", "annual_fee")) == {
        "gold": 99900,
        "shop": 70000,
    }


def test_a_bad_csv_row_is_named_and_nothing_is_imported(operator, tlds):
    com = tlds["com"]
    url = reverse("admin:registry_tld_import", args=[com.pk])
    before = list(PremiumName.objects.values_list("tld__name", "label", "annual_fee"))
    upload = csv_file("label,fee\ngold,99900\nsilver,twelve\nbronze,100\n")
    response = operator.post(url, {"kind": "premium", "file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported. row 3: the fee &#x27;twelve&#x27; is not a positive whole number" in page
    assert list(PremiumName.objects.values_list("tld__name", "label", "annual_fee")) == before


def test_a_file_that_is_not_utf8_is_refused(operator, tlds):
    url = reverse("admin:registry_tld_import", args=[tlds["com"].pk])
    upload = SimpleUploadedFile("names.csv", "caf\xe9\n".encode("latin-1"))
    response = operator.post(url, {"kind": "reserved", "file": upload})
    assert "The file is not UTF-8 text." in response.content.decode()
    assert list(ReservedName.objects.values_list("label", flat=True)) == ["nic"]


# --- registrars: top-up -----------------------------------------------------------------------


def test_a_top_up_writes_one_ledger_entry_and_the_balance_follows(operator, alpha):
    url = reverse("admin:registry_registrar_top_up", args=[alpha.pk])
    assert url in operator.get(reverse("admin:registry_registrar_change", args=[alpha.pk])).content.decode()
    assert "Amount (USD, major units)" in operator.get(url).content.decode()
    entries = LedgerEntry.objects.filter(registrar=alpha).count()
    data = {"amount": "250.00", "description": "Wire 42", "request_id": "0123456789abcdef"}
    response = operator.post(url, data, follow=True)
    assert messages_of(response) == ["alpha-reg: topped up 250.00 USD; balance 1,250.00 USD."]
    entry = LedgerEntry.objects.filter(registrar=alpha).latest("id")
    assert LedgerEntry.objects.filter(registrar=alpha).count() == entries + 1
    assert (entry.kind, entry.amount, entry.description) == (LedgerKind.TOPUP, 25_000, "Wire 42 (by staff)")
    alpha = Registrar.objects.get(pk=alpha.pk)
    assert alpha.balance == 125_000 == alpha.ledger.aggregate(total=Sum("amount"))["total"]

    # The same form sent again (a double click) replays the first top-up.
    response = operator.post(url, data, follow=True)
    assert messages_of(response) == ["This top-up was applied already; nothing was added."]
    assert LedgerEntry.objects.filter(registrar=alpha).count() == entries + 1


@pytest.mark.parametrize("amount", ["0", "-5.00", "1.234", "ten"])
def test_a_bad_top_up_amount_writes_nothing(operator, alpha, amount):
    url = reverse("admin:registry_registrar_top_up", args=[alpha.pk])
    response = operator.post(url, {"amount": amount, "request_id": "0123456789abcdef"})
    assert response.status_code == 200 and response.context["form"].errors["amount"]
    assert Registrar.objects.get(pk=alpha.pk).balance == 100_000
    assert LedgerEntry.objects.filter(registrar=alpha).count() == 1


def test_staff_without_change_permission_cannot_top_up(client, alpha):
    clerk = get_user_model().objects.create_user("clerk", "clerk@example.net", "clerk-password", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_registrar"))
    client.force_login(clerk)
    url = reverse("admin:registry_registrar_top_up", args=[alpha.pk])
    response = client.post(url, {"amount": "10.00", "request_id": "0123456789abcdef"})
    assert response.status_code == 403
    assert Registrar.objects.get(pk=alpha.pk).balance == 100_000


def test_the_balance_is_not_an_editable_field(operator, alpha):
    form = operator.get(reverse("admin:registry_registrar_change", args=[alpha.pk])).context["adminform"].form
    assert "balance" not in form.fields and "client_id" not in form.fields


# --- domains: serverHold ----------------------------------------------------------------------


def delegations(name: str) -> list[str]:
    records, _ = zones.build_tld("com")
    return [r[3] for r in records if r[0] == f"{name}." and r[2] == "NS"]


def test_server_hold_from_the_admin_takes_the_domain_out_of_the_zone_and_back(
    operator, alpha, django_capture_on_commit_callbacks, monkeypatch
):
    asked = []
    monkeypatch.setattr(zones, "request_publication", lambda zone, names=None: asked.append(zone))
    services.create_domain(alpha, "held.com", nameservers=["a.example.org", "b.example.org"])
    domain = Domain.objects.get(name="held.com")
    url = reverse("admin:registry_domain_changelist")
    assert delegations("held.com") == ["a.example.org.", "b.example.org."]

    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(url, {"action": "put_on_server_hold", "_selected_action": [domain.pk]}, follow=True)
    assert messages_of(response) == ["serverHold put on: held.com"]
    assert domain.stored_statuses() == {EppStatus.SERVER_HOLD}
    history = DomainHistory.objects.get(domain=domain, kind=OperationKind.DOMAIN_SERVER_STATUS)
    assert (history.actor, history.changes) == ("staff", {"statuses": [[], ["serverHold"]]})
    assert delegations("held.com") == []
    assert asked == ["com."]

    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(url, {"action": "remove_server_hold", "_selected_action": [domain.pk]}, follow=True)
    assert messages_of(response) == ["serverHold removed: held.com"]
    assert domain.stored_statuses() == set()
    assert delegations("held.com") == ["a.example.org.", "b.example.org."]
    assert asked == ["com.", "com."]
    actors = DomainHistory.objects.filter(kind=OperationKind.DOMAIN_SERVER_STATUS).values_list("actor", flat=True)
    assert list(actors) == ["staff", "staff"]
    page = operator.get(reverse("admin:registry_domain_change", args=[domain.pk])).content.decode()
    assert "Domain server status (registry staff)" in page


def test_holding_a_domain_on_hold_again_is_reported_and_changes_nothing(operator, alpha):
    services.create_domain(alpha, "held.com")
    services.set_server_status("held.com", EppStatus.SERVER_HOLD, on=True, actor="staff")
    domain = Domain.objects.get()
    url = reverse("admin:registry_domain_changelist")
    response = operator.post(url, {"action": "put_on_server_hold", "_selected_action": [domain.pk]}, follow=True)
    assert messages_of(response) == ["domain held.com already has status serverHold"]
    assert DomainHistory.objects.filter(kind=OperationKind.DOMAIN_SERVER_STATUS).count() == 1


def test_domain_statuses_and_expiry_are_not_editable(operator, alpha):
    services.create_domain(alpha, "held.com")
    domain = Domain.objects.get()
    page = operator.get(reverse("admin:registry_domain_change", args=[domain.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    response = operator.post(reverse("admin:registry_domain_change", args=[domain.pk]), {"expires_at": "2099-01-01"})
    assert response.status_code == 403
    assert Domain.objects.get().expires_at == domain.expires_at


# --- zone publication -------------------------------------------------------------------------


def test_the_zone_publication_list_shows_the_registrys_builds_and_queues_a_rebuild(operator, db, monkeypatch):
    asked = []
    monkeypatch.setattr(zones, "request_publication", lambda zone, names=None: asked.append(zone) or True)
    publication = ZonePublication.objects.create(zone="com.", version=4)
    url = reverse("admin:registry_zonepublication_changelist")
    page = operator.get(url).content.decode()
    assert '<td class="field-version">4</td>' in page
    assert "Served serial" not in page  # what the servers answer is the resolver's published zones list
    response = operator.post(url, {"action": "publish_now", "_selected_action": [publication.pk]}, follow=True)
    assert asked == ["com."] and messages_of(response) == ["Queued: com."]


# --- Registrar API tokens ---------------------------------------------------------------------


def test_an_operator_issues_a_token_shown_once_and_revokes_it(operator, alpha):
    response = operator.post(
        reverse("admin:registry_registrartoken_add"), {"registrar": alpha.pk, "label": "billing system"}, follow=True
    )
    (message,) = [m for m in messages_of(response) if "new API token" in m]
    token = message.split(" is ")[1].split(" ")[0]
    row = RegistrarToken.objects.get(label="billing system")
    assert token.startswith(f"nsm_{row.prefix}_") and token not in row.digest
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/registry/v1/balance/").json()["registrar"] == "alpha-reg"
    operator.post(
        reverse("admin:registry_registrartoken_changelist"), {"action": "revoke", "_selected_action": [row.pk]}
    )
    assert api.get("/api/registry/v1/balance/").status_code == 401
