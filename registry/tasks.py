"""Celery tasks of the registry queue."""

from __future__ import annotations

from celery import current_app, shared_task
from django.conf import settings

from config.faults import pause_point
from config.tasks import retrying_task
from registry import commands, zones
from registry.api import operations


@retrying_task("registry.tasks.execute_command")
def execute_command(command: dict) -> None:
    """Run a queued registry command and send the reply where the command asks."""
    reply = commands.execute(command)
    pause_point("registry.after_commit")
    reply_to = command.get("reply_to") if isinstance(command, dict) else None
    if reply_to:
        current_app.send_task(reply_to["task"], args=[*reply_to.get("args", []), reply], queue=reply_to.get("queue"))


@retrying_task("registry.tasks.publish_zone")
def publish_zone(zone: str, whole: bool = False) -> None:
    """Build the root or a TLD zone (what changed, or ``whole``) and send it to the zone
    store; the store asks for a whole build when a part arrives it cannot apply."""
    zones.publish(zone, whole=whole)


@shared_task(name="registry.tasks.publish_stale_zones")
def publish_stale_zones() -> None:
    """Re-send builds that were asked for but never started (their message was lost)."""
    for zone in zones.stale_requests(settings.ZONE_REQUEST_STALE_AFTER):
        publish_zone.delay(zone)


@retrying_task("registry.tasks.run_api_operation")
def run_api_operation(operation_id: str) -> None:
    """Carry out a transform a partner registrar asked for through the REST API."""
    operations.execute(operation_id)


@shared_task(name="registry.tasks.resend_stuck_api_operations")
def resend_stuck_api_operations() -> None:
    """Send again the API operations whose task message was lost."""
    operations.resend_stuck(settings.PIPELINE_STUCK_AFTER)
