from django.contrib import admin

from registrar import models


class OrderLineInline(admin.TabularInline):
    model = models.OrderLine
    extra = 0
    can_delete = False
    fields = ["kind", "unicode_domain", "years", "price", "state", "failure_reason", "expires_at", "dispatch_count"]
    readonly_fields = fields

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
