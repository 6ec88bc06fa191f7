"""Operator admin for the DNS side: published zones (with what their servers answer for
them), customers' hosted zones and their changes, health checks, and the demo origins.
Record sets change only through change batches (the customer API), health only through
the checkers or an override, so these pages show them and offer actions, not raw edits
or deletes (which would bypass the zone store)."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from config.admin import ReadOnlyAdmin, ReadOnlyInline
from resolver import health, models, origins
from resolver.dns.wire import probe
from resolver.rental import RECORD_SET_FIELDS

# How long the published zones list waits for the servers' SOA answers, all told.
SERVED_SERIAL_TIMEOUT = 0.3
NOT_PLANNED = "not in the network plan"


@admin.register(models.Zone)
class ZoneAdmin(ReadOnlyAdmin):
    """What run_dns serves: each zone's last published version, and what each of its
    servers answers for it right now (asked on the list page only, one UDP query per
    server, all at once with one short deadline)."""

    list_display = ["name", "kind", "serial", "version", "record_count", "published_at", "served"]
    list_filter = ["kind"]
    search_fields = ["name"]
    fields = ["name", "kind", "serial", "version", "servers", "records", "routed", "published_at"]

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        changelist = super().get_changelist_instance(request)
        changelist.result_list = list(changelist.result_list)
        plan = settings.NETWORK_PLAN
        addresses = {server.name: server.address for server in plan.dns_servers()}
        targets = [
            probe.Target(zone.name, name, addresses[name])
            for zone in changelist.result_list
            for name in zone.servers
            if name in addresses
        ]
        served = probe.served_serials(targets, plan.dns_port, timeout=SERVED_SERIAL_TIMEOUT)
        answers = {(answer.target.zone, answer.target.server): answer for answer in served}
        for zone in changelist.result_list:
            zone.served_answers = [
                answers.get((zone.name, name)) or probe.Served(probe.Target(zone.name, name, ""), None, NOT_PLANNED)
                for name in zone.servers
            ]
        return changelist

    @admin.display(description="Served serial per server")
    def served(self, obj: models.Zone) -> str:
        answers = getattr(obj, "served_answers", None)
        if answers is None:  # only the list page asks the servers
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "{}: {}",
            (
                (
                    a.target.server.rstrip("."),
                    a.problem
                    if a.serial is None
                    else f"{a.serial}" + ("" if a.serial == obj.serial else " (not the published serial)"),
                )
                for a in answers
            ),
        )


class RecordSetInline(ReadOnlyInline):
    model = models.RecordSet
    fields = readonly_fields = ("name", "type", *RECORD_SET_FIELDS)


class ChangeInline(ReadOnlyInline):
    model = models.Change
    fields = readonly_fields = ("id", "status", "comment", "version", "serial", "submitted_at", "insync_at")
    ordering = ["-submitted_at"]


@admin.register(models.HostedZone)
class HostedZoneAdmin(ReadOnlyAdmin):
    list_display = ["name", "id", "owner", "version", "created_at"]
    list_select_related = ["owner"]
    search_fields = ["name", "id", "owner__username"]
    fields = ["id", "name", "owner", "nameservers", "comment", "caller_reference", "version", "created_at"]
    inlines = [RecordSetInline, ChangeInline]


class ObservationInline(ReadOnlyInline):
    model = models.CheckerObservation
    fields = readonly_fields = ("location", "healthy", "last_ok", "detail", "observed_at")


class EventInline(ReadOnlyInline):
    model = models.HealthEvent
    fields = readonly_fields = ("at", "status", "reason")


@admin.register(models.HealthCheck)
class HealthCheckAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "owner", "kind", "ip_address", "port", "status", "override", "status_changed_at"]
    list_filter = ["kind", "status", "override"]
    list_select_related = ["owner"]
    search_fields = ["id", "name", "owner__username", "ip_address"]
    inlines = [ObservationInline, EventInline]
    actions = ["force_unhealthy", "force_healthy", "clear_override"]

    def _override(self, request, queryset, value: str) -> None:
        for check in queryset:
            health.set_override(check.owner, check.pk, value)
        self.message_user(request, f"{queryset.count()} health checks: override {value or 'removed'}")

    @admin.action(description="Force unhealthy (override)")
    def force_unhealthy(self, request, queryset) -> None:
        self._override(request, queryset, "UNHEALTHY")

    @admin.action(description="Force healthy (override)")
    def force_healthy(self, request, queryset) -> None:
        self._override(request, queryset, "HEALTHY")

    @admin.action(description="Let the checkers decide (remove the override)")
    def clear_override(self, request, queryset) -> None:
        self._override(request, queryset, "")


@admin.register(models.DemoOrigin)
class DemoOriginAdmin(ReadOnlyAdmin):
    """The demo web servers: stopping one fails its health check, and DNS fails over."""

    list_display = ["name", "running", "changed_at"]
    actions = ["stop", "start"]

    def _set(self, request, queryset, running: bool) -> None:
        for origin in queryset:
            try:
                origins.set_running(origin.name, running)
            except ValueError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
        self.message_user(request, f"{', '.join(o.name for o in queryset)}: {'started' if running else 'stopped'}")

    @admin.action(description="Stop (its port refuses connections)")
    def stop(self, request, queryset) -> None:
        self._set(request, queryset, False)

    @admin.action(description="Start")
    def start(self, request, queryset) -> None:
        self._set(request, queryset, True)
