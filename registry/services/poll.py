"""Poll messages (RFC 5730 section 2.9.2.3): what the registry tells a registrar it did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from config import clock
from registry.choices import PollKind
from registry.errors import ObjectNotFound
from registry.models import PollMessage, Registrar
from registry.services.results import PollItem


def post_poll(
    registrar: Registrar, kind: PollKind, object_name: str, message: str, data: dict[str, Any], now: datetime
) -> None:
    PollMessage.objects.create(
        registrar=registrar, kind=kind, object_name=object_name, message=message, data=data, created_at=now
    )


def poll_request(registrar: Registrar) -> tuple[int, PollItem | None]:
    """How many messages wait for the registrar, and the oldest of them."""
    queue = PollMessage.objects.filter(registrar=registrar, acked_at=None)
    oldest = queue.order_by("id").first()
    if oldest is None:
        return 0, None
    item = PollItem(
        id=oldest.pk,
        kind=oldest.kind,
        object_name=oldest.object_name,
        message=oldest.message,
        data=oldest.data,
        created_at=oldest.created_at,
    )
    return queue.count(), item


def poll_ack(registrar: Registrar, message_id: int) -> int:
    """Acknowledge (dequeue) one message; the number still waiting."""
    acked = PollMessage.objects.filter(registrar=registrar, pk=message_id, acked_at=None).update(acked_at=clock.now())
    if not acked:
        raise ObjectNotFound(f"no message {message_id} waits in the queue of {registrar.client_id}")
    return PollMessage.objects.filter(registrar=registrar, acked_at=None).count()
