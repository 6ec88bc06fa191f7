"""The clock in the admin: the emulator time, the next due work, and a form to move it."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse

from config import clock
from config.clock.models import EmulatorClock
from config.clock.tasks import advance_to


class MoveClockForm(forms.Form):
    advance = forms.CharField(required=False, help_text="A duration: 45d, 12h, 1d12h, 2w, 1y (365 days).")
    moment = forms.CharField(
        required=False,
        label="Or set to",
        help_text="A later moment, like 2027-01-01T00:00Z (UTC unless a zone is given).",
    )

    def clean(self):
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        advance, moment = data.get("advance", "").strip(), data.get("moment", "").strip()
        if bool(advance) == bool(moment):
            raise forms.ValidationError("Give either a duration to advance by or a moment to set, not both.")
        try:
            target = clock.now() + clock.parse_duration(advance) if advance else clock.parse_moment(moment)
        except clock.ClockError as exc:
            raise forms.ValidationError(str(exc)) from None
        if target < clock.now():
            raise forms.ValidationError(f"The clock never moves backward; it reads {clock.now():%Y-%m-%d %H:%M:%S}Z.")
        data["target"] = target
        return data


@admin.register(EmulatorClock)
class EmulatorClockAdmin(admin.ModelAdmin):
    """One page instead of a list: there is one clock."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            return super().changelist_view(request, extra_context)
        form = MoveClockForm(request.POST or None)
        if request.method == "POST":
            if not self.has_change_permission(request):
                messages.error(request, "You may look at the clock but not move it.")
            elif form.is_valid():
                target = form.cleaned_data["target"]
                advance_to.delay(target.isoformat())
                messages.success(
                    request,
                    f"Moving the clock to {target:%Y-%m-%d %H:%M:%S}Z: the worker runs every sweep due on the way. "
                    "Reload to follow it.",
                )
                return HttpResponseRedirect(request.path)
        clock.forget()
        context = {
            **self.admin_site.each_context(request),
            "title": "Emulator clock",
            "opts": self.model._meta,
            "now": clock.now(),
            "offset": clock.offset(),
            "next_due": clock.next_due(),
            "sweeps": [s.name for s in clock.SWEEPS],
            "form": form,
            "can_move": self.has_change_permission(request),
        }
        return TemplateResponse(request, "admin/clock/clock.html", context)
