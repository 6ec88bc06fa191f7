"""Registry operator admin. Balances, statuses and expiry dates are shown, never edited
as raw fields: they change only through registry services, which keep the ledger and
the history true."""

from __future__ import annotations

import csv
import io
import secrets
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.validators import RegexValidator
from django.db import models as db_models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from config import clock
from config.admin import ReadOnlyAdmin, ReadOnlyInline
from config.money import format_money
from registry import models, services, zones
from registry.choices import EppStatus, NameList
from registry.errors import RegistryError

FORM_PAGE = "admin/registry/form_page.html"
MAX_IMPORT_BYTES = 2_000_000


def _form_page(
    model_admin: admin.ModelAdmin, request: HttpRequest, obj, title: str, form: forms.Form, help_text: str
) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.model._meta,
        "original": obj,
        "form": form,
        "help_text": help_text,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, FORM_PAGE, context)


def _object_or_404(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str):
    obj = model_admin.get_object(request, object_id)
    if obj is None:
        raise Http404(f"no {model_admin.model._meta.verbose_name} with id {object_id!r}")
    if not model_admin.has_change_permission(request, obj):
        raise PermissionDenied
    return obj


class TldNameserverInline(ReadOnlyInline):
    """The network plan decides which servers run a TLD (settings.NETWORK_PLAN)."""

    model = models.TldNameserver
    readonly_fields = (
        "position",
        "hostname",
    )
    fields = readonly_fields


class ReservedNameInline(admin.TabularInline):
    model = models.ReservedName
    extra = 0


class PremiumNameInline(admin.TabularInline):
    model = models.PremiumName
    extra = 0


class NameListImportForm(forms.Form):
    kind = forms.ChoiceField(label="List", choices=NameList.choices, widget=forms.RadioSelect)
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8. Reserved: label[,reason] per row. Premium: label,fee with the yearly fee in minor "
        "units (cents), e.g. shop,250000 for 2,500.00. An optional first row 'label,...' is a header.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB.")
        return upload

    def rows(self) -> list[list[str]]:
        """The file's CSV rows, or a form error when it is not UTF-8 CSV."""
        try:
            text = self.cleaned_data["file"].read().decode("utf-8-sig")
            return list(csv.reader(io.StringIO(text, newline="")))
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text.") from None
        except csv.Error as exc:
            raise forms.ValidationError(f"The file is not valid CSV: {exc}") from None


@admin.register(models.Tld)
class TldAdmin(admin.ModelAdmin):
    list_display = ["name", "create_fee", "renew_fee", "transfer_fee", "restore_fee", "min_years", "max_years"]
    inlines = [TldNameserverInline, ReservedNameInline, PremiumNameInline]
    change_form_template = "admin/registry/tld/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("<path:object_id>/import/", view, name="registry_tld_import"), *super().get_urls()]

    def import_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Reserved or premium labels from a CSV file: all rows or none."""
        tld = _object_or_404(self, request, object_id)
        form = NameListImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                kind = NameList(form.cleaned_data["kind"])
                result = services.import_name_list(tld.name, kind, form.rows())
            except forms.ValidationError as exc:
                form.add_error("file", exc)
            except RegistryError as exc:
                form.add_error(None, f"Nothing was imported. {exc.message}")
            else:
                self.message_user(
                    request,
                    f".{tld.name} {kind.value} names: {result.created} added, {result.updated} updated.",
                    messages.SUCCESS,
                )
                self.log_change(request, tld, f"Imported {kind.value} names from CSV")
                return HttpResponseRedirect(reverse("admin:registry_tld_change", args=[tld.pk]))
        return _form_page(
            self,
            request,
            tld,
            f"Import reserved or premium names of .{tld.name}",
            form,
            "Rows add labels or update the ones the list has; labels not in the file stay. "
            "One bad row and nothing is imported.",
        )

    def get_readonly_fields(self, request, obj=None):
        return ["name"] if obj else []

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:  # a new TLD: the root delegates it and its own zone is built
            for zone in (zones.ROOT, zones.zone_of_tld(obj.name)):
                zones.request_after_commit(zone)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        zones.request_after_commit(zones.ROOT)


class LedgerInline(ReadOnlyInline):
    model = models.LedgerEntry
    readonly_fields = (
        "created_at",
        "kind",
        "amount",
        "balance_after",
        "object_name",
        "description",
        "operation",
    )
    fields = readonly_fields
    ordering = ["-id"]


class TopUpForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="In major units with up to two decimals: 250.00 adds 25000 minor units (cents).",
    )
    description = forms.CharField(max_length=200, required=False, help_text="Shown in the registrar's ledger.")
    # A fresh id per form: a submit sent twice replays the first top-up instead of paying twice.
    request_id = forms.CharField(widget=forms.HiddenInput, validators=[RegexValidator(r"^[0-9a-f]{16}$")])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = f"Amount ({settings.REGISTRY_CURRENCY}, major units)"

    @property
    def minor_units(self) -> int:
        return int(self.cleaned_data["amount"] * 100)


@admin.register(models.Registrar)
class RegistrarAdmin(admin.ModelAdmin):
    list_display = ["client_id", "name", "iana_id", "balance_shown", "is_active", "is_internal"]
    search_fields = ["client_id", "name"]
    readonly_fields = ["balance", "epp_password", "created_at"]
    inlines = [LedgerInline]
    change_form_template = "admin/registry/registrar/change_form.html"
    formfield_overrides = {db_models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "client_id"] if obj else self.readonly_fields

    @admin.display(description="Balance", ordering="balance")
    def balance_shown(self, obj: models.Registrar) -> str:
        return format_money(obj.balance)

    def get_urls(self):
        view = self.admin_site.admin_view(self.top_up_view)
        return [path("<path:object_id>/top-up/", view, name="registry_registrar_top_up"), *super().get_urls()]

    def top_up_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Add prepaid funds through ``services.top_up``, which writes the ledger entry."""
        registrar = _object_or_404(self, request, object_id)
        form = TopUpForm(request.POST or None, initial={"request_id": secrets.token_hex(8)})
        if request.method == "POST" and form.is_valid():
            staff = request.user.get_username()
            description = form.cleaned_data["description"] or "Top-up"
            try:
                result = services.top_up(
                    registrar,
                    form.minor_units,
                    cl_trid=f"admin-topup-{form.cleaned_data['request_id']}",
                    description=f"{description} (by {staff})",
                )
            except RegistryError as exc:
                form.add_error(None, exc.message)
            else:
                if result.replayed:
                    self.message_user(request, "This top-up was applied already; nothing was added.", messages.WARNING)
                else:
                    self.message_user(
                        request,
                        f"{registrar.client_id}: topped up {format_money(result.data['amount'])}; "
                        f"balance {format_money(result.data['balance'])}.",
                        messages.SUCCESS,
                    )
                    self.log_change(request, registrar, f"Top-up of {format_money(result.data['amount'])}")
                return HttpResponseRedirect(reverse("admin:registry_registrar_change", args=[registrar.pk]))
        return _form_page(
            self,
            request,
            registrar,
            f"Top up {registrar.client_id}",
            form,
            f"Current balance: {format_money(registrar.balance)}. The top-up is one ledger entry.",
        )


@admin.register(models.RegistrarToken)
class RegistrarTokenAdmin(admin.ModelAdmin):
    """API tokens of registrars. Adding one shows its text once; only a digest is kept.
    Tokens are revoked, never edited or deleted, so their use stays traceable."""

    list_display = ["__str__", "registrar", "label", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["registrar"]
    list_select_related = ["registrar"]
    raw_id_fields = ["registrar"]
    fields = ["registrar", "label", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["prefix", "created_at", "last_used_at", "revoked_at"]
        return ["registrar", "label", *fixed] if obj else fixed

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: models.RegistrarToken, form, change: bool) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        token = obj.set_token()
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            f"The new API token of {obj.registrar.client_id} is {token} . Copy it now: it is not shown again.",
            messages.WARNING,
        )

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset) -> None:
        count = queryset.filter(revoked_at=None).update(revoked_at=clock.now())
        self.message_user(request, f"{count} token(s) revoked.", messages.SUCCESS)


@admin.register(models.LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "registrar", "kind", "amount", "balance_after", "object_name"]
    list_filter = ["kind", "registrar"]
    list_select_related = ["registrar"]
    search_fields = ["object_name", "registrar__client_id"]


@admin.register(models.Operation)
class OperationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "registrar", "kind", "object_name", "cl_trid", "sv_trid"]
    list_filter = ["kind"]
    list_select_related = ["registrar"]
    search_fields = ["object_name", "cl_trid", "sv_trid"]


class DomainHistoryInline(ReadOnlyInline):
    model = models.DomainHistory
    readonly_fields = (
        "at",
        "kind",
        "registrar",
        "actor",
        "period_years",
        "changes",
        "operation",
    )
    fields = readonly_fields


class DomainStatusInline(ReadOnlyInline):
    model = models.DomainStatus
    readonly_fields = (
        "status",
        "reason",
        "created_at",
    )
    fields = readonly_fields


@admin.register(models.Domain)
class DomainAdmin(ReadOnlyAdmin):
    list_display = ["name", "unicode_name", "registrar", "status_list", "created_at", "expires_at", "deleted_at"]
    list_filter = ["tld", "registrar", "statuses__status"]
    list_select_related = ["registrar"]
    search_fields = ["name", "unicode_name", "registrar__client_id"]
    inlines = [DomainStatusInline, DomainHistoryInline]
    actions = ["put_on_server_hold", "remove_server_hold"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("statuses")

    @admin.display(description="Statuses")
    def status_list(self, obj: models.Domain) -> str:
        return ", ".join(sorted(s.status for s in obj.statuses.all())) or "—"

    def has_server_status_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("registry.change_domain")

    def _server_status(self, request: HttpRequest, queryset, status: EppStatus, on: bool) -> None:
        done, refused = [], []
        for name in queryset.filter(deleted_at=None).values_list("name", flat=True):
            try:
                services.set_server_status(name, status, on=on, actor=request.user.get_username())
            except RegistryError as exc:
                refused.append(exc.message)
            else:
                done.append(name)
        if done:
            verb = "put on" if on else "removed"
            self.message_user(request, f"{status} {verb}: {', '.join(done)}", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)
        if not done and not refused:
            self.message_user(request, "No live domain was selected.", messages.WARNING)

    @admin.action(description="Put on serverHold (leaves the TLD zone)", permissions=["server_status"])
    def put_on_server_hold(self, request: HttpRequest, queryset) -> None:
        self._server_status(request, queryset, EppStatus.SERVER_HOLD, on=True)

    @admin.action(description="Remove serverHold", permissions=["server_status"])
    def remove_server_hold(self, request: HttpRequest, queryset) -> None:
        self._server_status(request, queryset, EppStatus.SERVER_HOLD, on=False)


@admin.register(models.Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ["handle", "name", "email", "registrar"]
    search_fields = ["handle", "name", "email"]
    list_select_related = ["registrar"]


class HostAddressInline(ReadOnlyInline):
    model = models.HostAddress


@admin.register(models.Host)
class HostAdmin(ReadOnlyAdmin):
    list_display = ["name", "registrar", "superordinate", "deleted_at"]
    search_fields = ["name"]
    list_select_related = ["registrar", "superordinate"]
    inlines = [HostAddressInline]


@admin.register(models.ZonePublication)
class ZonePublicationAdmin(ReadOnlyAdmin):
    """Each registry zone: the last build the registry sent to the zone store, and when a
    new one was asked for. What the store serves and what each server answers are the
    resolver's published zones (its admin)."""

    list_display = ["zone", "version", "built_at", "requested_at"]
    search_fields = ["zone"]
    actions = ["publish_now"]

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("registry.change_zonepublication")

    @admin.action(description="Rebuild and publish now", permissions=["publish"])
    def publish_now(self, request: HttpRequest, queryset) -> None:
        queued = [p.zone for p in queryset if zones.request_publication(p.zone)]
        self.message_user(request, f"Queued: {', '.join(queued) or 'none (builds were queued already)'}")
