"""The registrar's web pages: search, sign-up, the cart and checkout, the live order page,
the customer's domains (with the record editor of zones we host, ``registrar.hosting``)
and the account."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config import clock
from registrar import cart, hosting, progress, services
from registrar.choices import DomainRequestKind, DomainRequestState
from registrar.forms import (
    CardForm,
    CheckoutForm,
    ContactForm,
    RecordSetForm,
    RenewForm,
    RestoreForm,
    SignUpForm,
    TransferForm,
    form_problems,
)
from registrar.models import Customer, CustomerDomain, Order, Payment
from registrar.navigation import next_url
from registrar.services import contacts as domain_contacts
from registrar.services import management
from registry import services as registry
from registry.choices import EppStatus
from registry.errors import RegistryError
from resolver.models import HostedZone

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    context: dict[str, Any] = {"q": query, "result": None, "error": "", "in_cart": set(cart.names(request.session))}
    if query:
        try:
            context["result"] = services.search(query)
        except RegistryError as exc:
            context["error"] = exc.message
    return render(request, "registrar/search.html", context, status=400 if context["error"] else 200)


def signup(request: HttpRequest) -> HttpResponse:
    target = next_url(request, reverse("shop:cart"))
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.customer.name}. Your account is ready.")
        return redirect(target)
    return render(request, "registration/signup.html", {"form": form, "next": target})


def _user(request: HttpRequest) -> User:
    """The user logged in; only login_required views ask."""
    user = request.user
    assert user.is_authenticated
    return user


def _customer(request: HttpRequest) -> Customer:
    customer = Customer.objects.filter(user=_user(request)).first()
    if customer is None:  # a staff account without a customer profile
        raise Http404("this account has no customer profile; sign up as a customer to buy domains")
    return customer


# --- cart and checkout --------------------------------------------------------------------------


def cart_page(request: HttpRequest) -> HttpResponse:
    quotes = cart.quotes(request.session)
    return render(request, "registrar/cart.html", {"quotes": quotes, "total": _first_year_total(quotes)})


def _first_year_total(quotes: list[services.Quote]) -> int:
    return sum(q.price_per_year or 0 for q in quotes)


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    try:
        quote = cart.add(request.session, request.POST.get("name", ""))
        messages.success(request, f"{quote.check.unicode} is in your cart.")
    except cart.CartError as exc:
        messages.error(request, str(exc))
    return redirect(next_url(request, reverse("shop:cart")))


@require_POST
def cart_remove(request: HttpRequest) -> HttpResponse:
    cart.remove(request.session, request.POST.get("name", ""))
    return redirect("shop:cart")


@login_required
def checkout(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    quotes = cart.quotes(request.session)
    if not quotes:
        messages.error(request, "Your cart is empty: search for a name first.")
        return redirect("shop:search")
    unavailable = [q for q in quotes if not q.check.registrable]
    today = clock.now().date()
    if request.method == "POST":
        form = CheckoutForm(request.POST, quotes=quotes, today=today)
        contact = ContactForm(request.POST, instance=customer, prefix="contact")
        if not unavailable and form.is_valid() and contact.is_valid():
            contact.save()
            try:
                order, _ = services.place_order(
                    customer, form.order_lines(), form.card(), idempotency_key=form.cleaned_data["idempotency_key"]
                )
            except services.CheckoutError as exc:
                _attach_errors(form, exc.errors)
            else:
                cart.clear(request.session)
                return redirect("shop:order", order.pk)
    else:
        form = CheckoutForm(quotes=quotes, today=today, initial={"idempotency_key": uuid.uuid4().hex})
        contact = ContactForm(instance=customer, prefix="contact")
    context = {"form": form, "contact": contact, "quotes": quotes, "unavailable": unavailable}
    return render(request, "registrar/checkout.html", context, status=400 if form.errors or contact.errors else 200)


def _attach_errors(form: CheckoutForm, errors: dict[str, str]) -> None:
    """The service's field paths (``lines[0].nameservers``, ``card``) on the form's fields."""
    for path, message in errors.items():
        leaf = path.rsplit(".", 1)[-1]
        field = {"card": "card_number", "nameservers": "nameservers", "first_address": "first_address"}.get(leaf)
        if leaf == "years" and path.startswith("lines["):
            field = f"years_{path[6 : path.index(']')]}"
        form.add_error(field if field in form.fields else None, message)


# --- orders -------------------------------------------------------------------------------------


def _order(request: HttpRequest, order_id: int) -> Order:
    return get_object_or_404(
        Order.objects.select_related("payment", "card").prefetch_related("lines__refund"),
        pk=order_id,
        customer=_customer(request),
    )


@login_required
def order_page(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    return render(request, "registrar/order.html", _progress_context(order))


@login_required
def order_progress(request: HttpRequest, order_id: int) -> HttpResponse:
    """The live part of the order page, polled by the page until every step is settled."""
    order = _order(request, order_id)
    return render(request, "registrar/_order_progress.html", _progress_context(order))


def _progress_context(order: Order) -> dict:
    lines = progress.order_progress(order)
    return {"order": order, "lines": lines, "finished": progress.finished(order, lines)}


# --- my domains ---------------------------------------------------------------------------------


@login_required
def domains(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    held = list(customer.domains.filter(released_at=None))
    rows = []
    for domain in held:
        info = _registry_info(domain.name)
        rows.append({"domain": domain, "info": info, "standing": services.standing(domain, info)})
    return render(request, "registrar/domains.html", {"rows": rows})


def _registry_info(name: str) -> registry.DomainInfo | None:
    """The registry's view of a held name, or None when it no longer has it live."""
    try:
        return registry.info_domain(name)
    except RegistryError:
        return None


def _held(request: HttpRequest, name: str) -> CustomerDomain:
    return get_object_or_404(CustomerDomain, customer=_customer(request), name=name, released_at=None)


@login_required
def domain_page(request: HttpRequest, name: str) -> HttpResponse:
    domain = _held(request, name)
    zone = HostedZone.objects.filter(name=f"{domain.name}.", owner=_user(request)).order_by("created_at").first()
    form = RecordSetForm(request.POST or None) if zone else None
    if request.method == "POST" and zone is not None and form is not None and hosting.edit_zone(request, zone, form):
        return redirect("shop:domain", domain.name)
    info = _registry_info(domain.name)
    context: dict[str, Any] = {"domain": domain, "info": info, "zone": zone, "form": form}
    context["standing"] = services.standing(domain, info)
    kept = domain_contacts.of_domain(domain.customer, domain.contacts)
    context["contacts"] = [
        {"role": role, "contact": kept[role], "private": domain.privacy.get(role, True)}
        for role in domain_contacts.ROLES
    ]
    context["renew"] = RenewForm(today=clock.now().date(), initial={"idempotency_key": uuid.uuid4().hex})
    context["restore"] = RestoreForm(today=clock.now().date(), initial={"idempotency_key": uuid.uuid4().hex})
    context["transfer_locked"] = bool(info and EppStatus.CLIENT_TRANSFER_PROHIBITED in info.statuses)
    context["pending_requests"] = list(domain.requests.filter(state=DomainRequestState.PENDING))
    latest = domain.requests.first()
    context["failed_request"] = latest if latest and latest.state == DomainRequestState.FAILED else None
    try:
        context["renewal_price"] = services.renewal_price(domain.name)
    except RegistryError:
        context["renewal_price"] = None
    if zone is not None:
        context |= hosting.zone_context(request, zone)
    status = 400 if form is not None and form.errors else 200
    return render(request, "registrar/domain.html", context, status=status)


@login_required
@require_POST
def auto_renew(request: HttpRequest, name: str) -> HttpResponse:
    domain = _held(request, name)
    on = request.POST.get("auto_renew") == "on"
    management.set_auto_renew(_customer(request), domain.name, on)
    state = "on" if on else "off"
    messages.success(request, f"Auto-renew is {state} for {domain.unicode_name}.")
    return redirect("shop:domain", domain.name)


@login_required
@require_POST
def renew(request: HttpRequest, name: str) -> HttpResponse:
    domain = _held(request, name)
    form = RenewForm(request.POST, today=clock.now().date())
    if not form.is_valid():
        messages.error(request, f"Not renewed: {form_problems(form)}")
        return redirect("shop:domain", domain.name)
    try:
        order, _ = services.place_renewal(
            _customer(request),
            domain.name,
            form.cleaned_data["years"],
            form.card(),
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except services.CheckoutError as exc:
        messages.error(request, "Not renewed: " + "; ".join(exc.errors.values()))
        return redirect("shop:domain", domain.name)
    return redirect("shop:order", order.pk)


@login_required
@require_POST
def restore(request: HttpRequest, name: str) -> HttpResponse:
    domain = _held(request, name)
    form = RestoreForm(request.POST, today=clock.now().date())
    if not form.is_valid():
        messages.error(request, f"Not restored: {form_problems(form)}")
        return redirect("shop:domain", domain.name)
    try:
        order, _ = services.place_restore(
            _customer(request), domain.name, form.card(), idempotency_key=form.cleaned_data["idempotency_key"]
        )
    except services.CheckoutError as exc:
        messages.error(request, "Not restored: " + "; ".join(exc.errors.values()))
        return redirect("shop:domain", domain.name)
    return redirect("shop:order", order.pk)


@login_required
@require_POST
def reveal_auth_code(request: HttpRequest, name: str) -> HttpResponse:
    return _domain_request(request, name, DomainRequestKind.REVEAL_AUTH_CODE)


@login_required
@require_POST
def transfer_lock(request: HttpRequest, name: str) -> HttpResponse:
    kind = DomainRequestKind.LOCK if request.POST.get("locked") == "on" else DomainRequestKind.UNLOCK
    return _domain_request(request, name, kind)


def _domain_request(request: HttpRequest, name: str, kind: DomainRequestKind) -> HttpResponse:
    domain = _held(request, name)
    try:
        services.request_domain_change(_customer(request), domain.name, kind)
    except services.CheckoutError as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    else:
        messages.success(request, f"{kind.label}: asked the registry; reload the page in a moment to see it done.")
    return redirect("shop:domain", domain.name)


@login_required
def transfer_in(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    today = clock.now().date()
    if request.method == "POST":
        form = TransferForm(request.POST, today=today)
        if form.is_valid():
            try:
                order, _ = services.place_transfer(
                    customer,
                    form.cleaned_data["domain"],
                    form.cleaned_data["auth_code"],
                    form.card(),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except services.CheckoutError as exc:
                for field, message in exc.errors.items():
                    form.add_error({"card": "card_number"}.get(field, field) if field != "lines" else None, message)
            else:
                return redirect("shop:order", order.pk)
    else:
        initial = {"idempotency_key": uuid.uuid4().hex, "domain": request.GET.get("name", "")}
        form = TransferForm(today=today, initial=initial)
    return render(request, "registrar/transfer_in.html", {"form": form}, status=400 if form.errors else 200)


# --- account ------------------------------------------------------------------------------------


@login_required
def account(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    contact = ContactForm(request.POST or None, instance=customer, prefix="contact")
    if request.method == "POST" and contact.is_valid():
        contact.save()
        messages.success(request, "Your contact details are saved; new registrations use them.")
        return redirect("shop:account")
    orders = customer.orders.prefetch_related("lines")
    payments = (
        Payment.objects.filter(order__customer=customer).select_related("order__card").prefetch_related("refunds")
    )
    context = {
        "contact": contact,
        "orders": orders,
        "payments": payments.order_by("-created_at"),
        "access_keys": hosting.account_keys(request),
        "card_on_file": management.current_card(customer),
        "card_form": CardForm(today=clock.now().date(), initial={"idempotency_key": uuid.uuid4().hex}, prefix="card"),
        "key_actions": [("deactivate", "Switch off"), ("activate", "Switch on"), ("delete", "Delete")],
    }
    return render(request, "registrar/account.html", context, status=400 if contact.errors else 200)


@login_required
@require_POST
def keep_card(request: HttpRequest) -> HttpResponse:
    """Put a card on file: Route 53 Domains' orders and the auto-renew sweep charge it."""
    form = CardForm(request.POST, today=clock.now().date(), prefix="card")
    if not form.is_valid():
        messages.error(request, f"Card not kept: {form_problems(form)}")
        return redirect("shop:account")
    try:
        card = management.keep_card(_customer(request), form.card())
    except services.CheckoutError as exc:
        messages.error(request, "Card not kept: " + "; ".join(exc.errors.values()))
    else:
        messages.success(request, f"{card} is on file.")
    return redirect("shop:account")
