from django.contrib import admin

from registrar import models

# What an order's page shows of each line, none of it editable.
LINE_FIELDS = ("kind", "unicode_domain", "years", "price", "state", "failure_reason", "expires_at", "dispatch_count")


class OrderLineInline(admin.TabularInline):
    model = models.OrderLine
    extra = 0
    can_delete = False
    fields = LINE_FIELDS
    readonly_fields = LINE_FIELDS

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "state", "total", "created_at", "completed_at"]
    list_filter = ["state"]
    list_select_related = ["customer"]
    search_fields = ["lines__domain", "customer__email"]
    inlines = [OrderLineInline]
    readonly_fields = [f.name for f in models.Order._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(models.Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["reference", "order", "amount", "state", "refunded", "attempts"]
    list_filter = ["state"]
    readonly_fields = [f.name for f in models.Payment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(models.Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "country_code", "created_at"]
    search_fields = ["name", "email"]
    raw_id_fields = ["user"]


@admin.register(models.DomainRequest)
class DomainRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "domain", "kind", "state", "created_at", "completed_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["domain"]
    raw_id_fields = ["domain"]
    readonly_fields = [f.name for f in models.DomainRequest._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(models.RegistryMessage)
class RegistryMessageAdmin(admin.ModelAdmin):
    """The registry's poll messages as the registrar applied them."""

    list_display = ["message_id", "kind", "object_name", "sent_at", "applied_at"]
    list_filter = ["kind"]
    search_fields = ["object_name"]
    readonly_fields = [f.name for f in models.RegistryMessage._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(models.DomainOperation)
class DomainOperationAdmin(admin.ModelAdmin):
    """Customers' operations as Route 53 Domains lists them (their status is their line's or request's)."""

    list_display = ["id", "customer", "domain", "kind", "submitted_at"]
    list_filter = ["kind"]
    search_fields = ["domain", "id"]
    list_select_related = ["customer"]
    readonly_fields = [f.name for f in models.DomainOperation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
