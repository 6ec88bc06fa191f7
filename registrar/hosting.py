"""The customer's DNS hosting pages: every hosted zone of the account (registered here or
not, made in the shop or over Route 53's API) with its record editor, changes, health
checks and TSIG keys (DNS UPDATE's), and the account's AWS access keys. The rules are the rental service's
(``resolver.rental``, ``resolver.health``) and ``config.aws.keys``'."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.aws import keys
from config.aws.models import AccessKey
from registrar.forms import HealthCheckForm, RecordSetForm, form_problems
from registrar.navigation import next_url
from resolver import health, rental
from resolver.choices import TsigAlgorithm
from resolver.models import Change, HealthCheck, HostedZone


def _user(request: HttpRequest) -> Any:
    """The user logged in (the pages here require one)."""
    assert request.user.is_authenticated
    return request.user


def edit_zone(request: HttpRequest, zone: HostedZone, form: RecordSetForm) -> bool:
    """Apply the record editor's POST (a record set to save, or one to delete) as one
    change batch; whether it was saved (else the form carries the reason)."""
    batch = None
    if request.POST.get("action") == "delete":
        record_set_id = request.POST.get("record_set")
        record_set = zone.record_sets.filter(pk=record_set_id).first() if record_set_id is not None else None
        if record_set is None:
            messages.error(request, "That record set is gone already.")
        else:
            batch = [{"action": "DELETE", "record_set": rental.Draft.of(record_set).as_dict()}]
    elif form.is_valid():
        batch = [{"action": "UPSERT", "record_set": form.record_set(zone.name)}]
    if batch is None:
        return False
    try:
        change = rental.change_record_sets(request.user, zone.pk, batch, comment="record editor")
    except rental.RentalError as exc:
        form.add_error(None, exc.message)
        return False
    messages.success(request, f"Saved as change {change.pk}: PENDING until every nameserver serves it.")
    return True


def zone_context(request: HttpRequest, zone: HostedZone) -> dict[str, Any]:
    """What the zone section of a page shows: record sets, recent changes, health checks."""
    return {
        "zone": zone,
        "record_sets": list(zone.record_sets.select_related("health_check").order_by("name", "type")),
        "changes": list(Change.objects.filter(zone=zone).order_by("-submitted_at")[:10]),
        "checks": list(HealthCheck.objects.filter(owner=_user(request)).order_by("name", "pk")),
        "check_form": HealthCheckForm(),
        "check_next": request.path,
        "tsig_keys": [(key, rental.key_file(key)) for key in rental.tsig_keys_of(_user(request), zone.pk)],
        "tsig_algorithms": TsigAlgorithm.values,
        "update_server": settings.NETWORK_PLAN.address_of(zone.nameservers[0]),
        "dns_port": settings.NETWORK_PLAN.dns_port,
    }


@login_required
def zones(request: HttpRequest) -> HttpResponse:
    owned = HostedZone.objects.filter(owner=_user(request)).order_by("name", "created_at")
    return render(request, "registrar/zones.html", {"zones": owned})


@login_required
def zone_page(request: HttpRequest, zone_id: str) -> HttpResponse:
    zone = get_object_or_404(HostedZone, pk=zone_id, owner=_user(request))
    form = RecordSetForm(request.POST or None)
    if request.method == "POST" and edit_zone(request, zone, form):
        return redirect("shop:zone", zone.pk)
    context = {**zone_context(request, zone), "form": form}
    return render(request, "registrar/zone.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def tsig_keys(request: HttpRequest, zone_id: str) -> HttpResponse:
    """Make or delete one of the zone's TSIG keys (DNS UPDATE's; not a Route 53 feature)."""
    get_object_or_404(HostedZone, pk=zone_id, owner=_user(request))
    action = request.POST.get("action")
    try:
        if action == "create":
            key = rental.create_tsig_key(request.user, zone_id, algorithm=request.POST.get("algorithm", ""))
            messages.success(request, f"TSIG key {key.name} made: DNS UPDATE messages signed with it change this zone.")
        elif action == "delete":
            name = request.POST.get("name", "")
            rental.delete_tsig_key(request.user, zone_id, name)
            messages.success(request, f"TSIG key {name} deleted: updates signed with it are refused.")
        else:
            messages.error(request, "No such action.")
    except rental.RentalError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("shop:zone", args=[zone_id]) + "#tsig-heading")


@login_required
@require_POST
def secondaries(request: HttpRequest, zone_id: str) -> HttpResponse:
    """Name the zone's secondary servers: whom to NOTIFY, who may transfer it, the key."""
    get_object_or_404(HostedZone, pk=zone_id, owner=_user(request))

    def listed(field: str) -> list[str]:
        return [item for item in request.POST.get(field, "").replace(",", " ").split() if item]

    try:
        rental.set_secondaries(
            request.user, zone_id, notify=listed("notify"), allow=listed("allow"), key=request.POST.get("key", "")
        )
    except rental.RentalError as exc:
        messages.error(request, f"Secondaries not changed: {exc.message}")
    else:
        messages.success(request, "Secondaries saved: the zone is published again with them.")
    return redirect(reverse("shop:zone", args=[zone_id]) + "#secondaries-heading")


@login_required
@require_POST
def add_health_check(request: HttpRequest) -> HttpResponse:
    form = HealthCheckForm(request.POST)
    if form.is_valid():
        try:
            check = health.create_health_check(request.user, form.settings())
        except rental.RentalError as exc:
            messages.error(request, f"No health check made: {exc.message}")
        else:
            messages.success(request, f"Health check {check.pk} made; the checkers probe it now.")
    else:
        messages.error(request, f"No health check made: {form_problems(form)}")
    return redirect(next_url(request, reverse("shop:zones")))


@login_required
@require_POST
def access_keys(request: HttpRequest) -> HttpResponse:
    """Make, switch off or on, or delete one of the account's access keys; a new key's
    secret is shown this once, as AWS shows it."""
    action, key_id = request.POST.get("action"), request.POST.get("access_key_id", "")
    if action == "create":
        try:
            made = keys.create_access_key(request.user)
        except keys.KeyLimitReached as exc:
            messages.error(request, f"No key made: {exc}")
        else:
            messages.success(
                request,
                f"Access key {made.access_key_id} made. Its secret access key, shown this once: "
                f"{made.secret_access_key}",
            )
    elif action in ("deactivate", "activate") and keys.set_active(request.user, key_id, action == "activate"):
        messages.success(request, f"Access key {key_id} is {'on' if action == 'activate' else 'off'}.")
    elif action == "delete" and keys.delete_access_key(request.user, key_id):
        messages.success(request, f"Access key {key_id} deleted.")
    else:
        messages.error(request, "No such access key, or no such action.")
    return redirect(reverse("shop:account") + "#access-keys-heading")


def account_keys(request: HttpRequest) -> list[AccessKey]:
    return list(AccessKey.objects.filter(user=_user(request)))
