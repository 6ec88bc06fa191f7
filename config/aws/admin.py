"""Access keys in the operators' admin: made for an account (the secret is shown once, as
AWS shows it), switched off and on, deleted; never edited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from config.aws import keys
from config.aws.models import AccessKey

SHOWN = ("user", "access_key_id", "active", "created_at")


class NewKeyForm(forms.ModelForm):
    """A new key names only its account; the id and secret are made for it."""

    class Meta:
        model = AccessKey
        fields = ["user"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user = data.get("user")
        if user is not None and AccessKey.objects.filter(user=user).count() >= keys.KEYS_PER_ACCOUNT:
            raise forms.ValidationError(f"{user} has {keys.KEYS_PER_ACCOUNT} access keys already: delete one first")
        return data


@admin.register(AccessKey)
class AccessKeyAdmin(admin.ModelAdmin):
    list_display = list(SHOWN)
    list_filter = ["active"]
    list_select_related = ["user"]
    search_fields = ["access_key_id", "user__username", "user__email"]
    raw_id_fields = ["user"]
    actions = ["deactivate", "activate"]

    def get_form(self, request: HttpRequest, obj: AccessKey | None = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = NewKeyForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: AccessKey | None = None) -> tuple[str, ...]:
        return SHOWN if obj is not None else ("user",)

    def get_readonly_fields(self, request: HttpRequest, obj: AccessKey | None = None) -> tuple[str, ...]:
        return SHOWN if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: AccessKey, form: Any, change: bool) -> None:
        if change:
            return
        made = keys.create_access_key(obj.user)
        obj.pk, obj.access_key_id, obj.created_at = made.pk, made.access_key_id, made.created_at
        self.message_user(
            request,
            f"Access key {made.access_key_id} for {made.user}; its secret (shown this once): {made.secret_access_key}",
            messages.SUCCESS,
        )

    @admin.action(description="Switch the selected keys off")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[AccessKey]) -> None:
        queryset.update(active=False)

    @admin.action(description="Switch the selected keys on")
    def activate(self, request: HttpRequest, queryset: QuerySet[AccessKey]) -> None:
        queryset.update(active=True)
