"""<poll op="ack" msgID="..."> (RFC 5730 section 2.9.2.3)."""

from __future__ import annotations

from registry import services
from registry.epp import xml
from registry.epp.errors import RequiredParameterMissing
from registry.epp.flows.base import Flow, FlowResult
from registry.errors import ObjectNotFound


class PollAckFlow(Flow):
    """Dequeue one message; the response's msgQ counts the messages still waiting."""

    def run(self) -> FlowResult:
        assert self.command.element is not None
        raw = (self.command.element.get("msgID") or "").strip()
        if not raw:
            raise RequiredParameterMissing('<poll op="ack"> needs msgID')
        if not (raw.isascii() and raw.isdigit()):
            raise ObjectNotFound(f"no message {raw} waits in the queue")
        message_id = int(raw)
        remaining = services.poll_ack(self.registrar, message_id)
        return FlowResult(msg_q=xml.MessageQueue(count=remaining, id=message_id))
