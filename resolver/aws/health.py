"""Route 53's health-check operations over the rental service's health checks."""

from __future__ import annotations

from typing import Any

from config.aws.dispatch import Call
from config.aws.errors import AwsError
from resolver import health, rental
from resolver.aws import wire
from resolver.aws.wire import translated
from resolver.choices import HealthCheckKind
from resolver.models import CheckerObservation, HealthCheck

MAX_CHECKS_PER_PAGE = 1000
DEFAULT_CHECKS_PER_PAGE = 100
# Route 53's types, as the rental service's kind and whether the body is searched.
TYPES = {
    "HTTP": (HealthCheckKind.HTTP, False),
    "HTTPS": (HealthCheckKind.HTTPS, False),
    "HTTP_STR_MATCH": (HealthCheckKind.HTTP, True),
    "HTTPS_STR_MATCH": (HealthCheckKind.HTTPS, True),
    "TCP": (HealthCheckKind.TCP, False),
    "CALCULATED": (HealthCheckKind.CALCULATED, False),
}
# Route 53's config members as the rental service names them (and the reverse).
FIELDS = {
    "IPAddress": "ip_address",
    "Port": "port",
    "ResourcePath": "path",
    "FullyQualifiedDomainName": "host",
    "SearchString": "search_string",
    "RequestInterval": "interval",
    "FailureThreshold": "failure_threshold",
    "MeasureLatency": "measure_latency",
    "Inverted": "inverted",
    "Disabled": "disabled",
    "HealthThreshold": "healthy_threshold",
    "ChildHealthChecks": "children",
    "EnableSNI": "enable_sni",
    "Regions": "regions",
}
RESETTABLE = {
    "FullyQualifiedDomainName": "host",
    "Regions": "regions",
    "ResourcePath": "path",
    "ChildHealthChecks": "children",
}


def check_of(call: Call, check_id: str) -> HealthCheck:
    try:
        return health.check_of(call.account, check_id)
    except rental.NotFound:
        raise AwsError("NoSuchHealthCheck", f"A health check with id {check_id} does not exist.") from None


def _settings(config: dict[str, Any]) -> dict[str, Any]:
    """A Route 53 HealthCheckConfig (or update) as the rental service's settings."""
    out = {ours: config[theirs] for theirs, ours in FIELDS.items() if theirs in config}
    unsupported = [m for m in ("AlarmIdentifier", "InsufficientDataHealthStatus", "RoutingControlArn") if m in config]
    if unsupported:
        raise AwsError("InvalidInput", f"{', '.join(unsupported)}: CloudWatch and recovery controls are not emulated")
    return out


def health_check(check: HealthCheck) -> dict[str, Any]:
    """The model's HealthCheck, with the defaults Route 53 fills in."""
    config: dict[str, Any]
    if check.kind == HealthCheckKind.CALCULATED:
        config = {
            "Type": "CALCULATED",
            "HealthThreshold": check.healthy_threshold,
            "ChildHealthChecks": [child.pk for child in check.children.order_by("created_at", "pk")],
        }
    else:
        kind = f"{check.kind}_STR_MATCH" if check.search_string else check.kind
        config = {
            "IPAddress": check.ip_address,
            "Port": check.port,
            "Type": kind,
            "ResourcePath": check.path if check.kind != HealthCheckKind.TCP else None,
            "FullyQualifiedDomainName": check.host or None,
            "SearchString": check.search_string or None,
            "RequestInterval": check.interval,
            "FailureThreshold": check.failure_threshold,
            "MeasureLatency": check.measure_latency,
            "EnableSNI": check.enable_sni,
        }
    config |= {"Inverted": check.inverted, "Disabled": check.disabled}
    if check.regions:
        config["Regions"] = check.regions
    return {
        "Id": check.pk,
        "CallerReference": check.caller_reference or check.pk,
        "HealthCheckConfig": config,
        "HealthCheckVersion": check.version,
    }


@translated
def create_health_check(call: Call) -> dict[str, Any]:
    config = call.params["HealthCheckConfig"]
    if config["Type"] not in TYPES:
        raise AwsError(
            "InvalidInput", f"{config['Type']} health checks (CloudWatch, recovery controls) are not emulated"
        )
    kind, searched = TYPES[config["Type"]]
    settings = _settings(config)
    if searched != bool(settings.get("search_string")):
        raise AwsError(
            "InvalidInput", f"A SearchString goes with HTTP_STR_MATCH and HTTPS_STR_MATCH, not {config['Type']}"
        )
    try:
        check = health.create_health_check(
            call.account, {**settings, "kind": kind, "caller_reference": call.params["CallerReference"]}
        )
    except rental.Conflict as exc:
        if exc.code == "health_check_exists":
            raise AwsError("HealthCheckAlreadyExists", exc.message) from None
        raise
    return {"HealthCheck": health_check(check), "Location": f"{call.endpoint}{wire.PATH}healthcheck/{check.pk}"}


@translated
def get_health_check(call: Call) -> dict[str, Any]:
    return {"HealthCheck": health_check(check_of(call, call.params["HealthCheckId"]))}


@translated
def list_health_checks(call: Call) -> dict[str, Any]:
    size = wire.page_size(call.params.get("MaxItems"), MAX_CHECKS_PER_PAGE, DEFAULT_CHECKS_PER_PAGE)
    checks = HealthCheck.objects.filter(owner=call.account).prefetch_related("children")
    return wire.marker_page(checks, "HealthChecks", call.params.get("Marker"), size, health_check)


@translated
def get_health_check_count(call: Call) -> dict[str, Any]:
    return {"HealthCheckCount": HealthCheck.objects.filter(owner=call.account).count()}


@translated
def update_health_check(call: Call) -> dict[str, Any]:
    params = call.params
    check = check_of(call, params["HealthCheckId"])
    settings = _settings({k: v for k, v in params.items() if k in FIELDS or k in ("AlarmIdentifier",)})
    reset = tuple(RESETTABLE[element] for element in params.get("ResetElements") or [])
    try:
        updated = health.update_health_check(
            call.account, check.pk, settings, version=params.get("HealthCheckVersion"), reset=reset
        )
    except rental.Conflict as exc:
        if exc.code == "health_check_version":
            raise AwsError("HealthCheckVersionMismatch", exc.message) from None
        raise
    return {"HealthCheck": health_check(updated)}


@translated
def delete_health_check(call: Call) -> dict[str, Any]:
    check = check_of(call, call.params["HealthCheckId"])
    health.delete_health_check(call.account, check.pk)
    return {}


def _observations(check: HealthCheck, *, failures: bool) -> list[dict[str, Any]]:
    if check.kind == HealthCheckKind.CALCULATED:
        raise AwsError("InvalidInput", "A calculated health check has no checkers: read the status of its children")
    out = []
    seen: list[CheckerObservation] = list(check.observations.order_by("location"))
    for observation in seen:
        detail, when = observation.detail, observation.observed_at
        if failures:
            if not observation.failed_at:
                continue
            detail, when = observation.last_failure, observation.failed_at
        out.append(
            {
                "Region": observation.location,
                "IPAddress": "127.0.0.1",
                "StatusReport": {"Status": detail, "CheckedTime": when},
            }
        )
    return out


@translated
def get_health_check_status(call: Call) -> dict[str, Any]:
    check = check_of(call, call.params["HealthCheckId"])
    return {"HealthCheckObservations": _observations(check, failures=False)}


@translated
def get_health_check_last_failure_reason(call: Call) -> dict[str, Any]:
    check = check_of(call, call.params["HealthCheckId"])
    return {"HealthCheckObservations": _observations(check, failures=True)}
