"""Health checks (Route 53's): probing customers' endpoints from several emulated checker
locations, turning their results into a status, and routing around what is unhealthy.

Celery beat runs ``run_due_checks`` every HEALTH_SWEEP_EVERY seconds (half a second); a
check is due every ``interval`` seconds of the emulator clock. Each location probes on
its own and changes its verdict only after ``failure_threshold`` results in a row that
disagree with it; the check is healthy while more than 18% of the locations say so. A
status change is recorded as a HealthEvent, mailed to the owner, passed up to calculated
checks, and republishes every hosted zone whose record sets name the check, so answers
leave out what is unhealthy.

Endpoints are probed only inside the emulated network: the emulator never sends traffic
off the machine (``probes``). One module per concern: ``checks`` (settings, made and
changed by their owner), ``probes`` and ``status``.
"""

from resolver.health.checks import (
    INTERVALS,
    MAX_CHILDREN,
    ROUTE53_REGIONS,
    HealthCheckError,
    check_of,
    create_health_check,
    delete_health_check,
    set_override,
    update_health_check,
)
from resolver.health.probes import BODY_SEARCHED, Probe, inside, probe
from resolver.health.status import HEALTHY_SHARE, locations, record, run_due_checks

__all__ = [
    "BODY_SEARCHED",
    "HEALTHY_SHARE",
    "INTERVALS",
    "MAX_CHILDREN",
    "ROUTE53_REGIONS",
    "HealthCheckError",
    "Probe",
    "check_of",
    "create_health_check",
    "delete_health_check",
    "inside",
    "locations",
    "probe",
    "record",
    "run_due_checks",
    "set_override",
    "update_health_check",
]
