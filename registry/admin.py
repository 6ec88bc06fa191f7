"""Registry operator admin. Balances, statuses and expiry dates are shown, never edited
as raw fields: they change only through registry services, which keep the ledger and
the history true."""

from django.contrib import admin

from registry import models, zones


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class TldNameserverInline(ReadOnlyInline):
    """The network plan decides which servers run a TLD (settings.NETWORK_PLAN)."""

    model = models.TldNameserver
    fields = ["position", "hostname"]
    readonly_fields = fields


class ReservedNameInline(admin.TabularInline):
    model = models.ReservedName
    extra = 0


class PremiumNameInline(admin.TabularInline):
    model = models.PremiumName
    extra = 0


@admin.register(models.Tld)
class TldAdmin(admin.ModelAdmin):
    list_display = ["name", "create_fee", "renew_fee", "transfer_fee", "restore_fee", "min_years", "max_years"]
    inlines = [TldNameserverInline, ReservedNameInline, PremiumNameInline]

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
    fields = ["created_at", "kind", "amount", "balance_after", "object_name", "description", "operation"]
    readonly_fields = fields
    ordering = ["-id"]


@admin.register(models.Registrar)
class RegistrarAdmin(admin.ModelAdmin):
    list_display = ["client_id", "name", "iana_id", "balance", "is_active", "is_internal"]
    search_fields = ["client_id", "name"]
    readonly_fields = ["balance", "epp_password", "created_at"]
    inlines = [LedgerInline]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "client_id"] if obj else self.readonly_fields


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
    fields = ["at", "kind", "registrar", "period_years", "changes", "operation"]
    readonly_fields = fields


class DomainStatusInline(ReadOnlyInline):
    model = models.DomainStatus
    fields = ["status", "reason", "created_at"]
    readonly_fields = fields


@admin.register(models.Domain)
class DomainAdmin(ReadOnlyAdmin):
    list_display = ["name", "unicode_name", "registrar", "created_at", "expires_at", "deleted_at"]
    list_filter = ["tld", "registrar", "statuses__status"]
    list_select_related = ["registrar"]
    search_fields = ["name", "unicode_name", "registrar__client_id"]
    inlines = [DomainStatusInline, DomainHistoryInline]


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
