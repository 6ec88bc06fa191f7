"""<poll op="req"> (RFC 5730 section 2.9.2.3)."""

from __future__ import annotations

from registry import services
from registry.choices import PollKind
from registry.epp import xml
from registry.epp.choices import ResultCode
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import transfer_data

TRANSFER_FIELDS = ("name", "status", "gaining", "losing", "requested_at", "act_by")


class PollRequestFlow(Flow):
    """The oldest unacknowledged message (1301) or none (1300). A transfer message carries
    the transfer's <domain:trnData>."""

    def run(self) -> FlowResult:
        count, item = services.poll_request(self.registrar)
        if item is None:
            return FlowResult(code=ResultCode.SUCCESS_NO_MESSAGES)
        res_data = None
        if item.kind == PollKind.TRANSFER and all(item.data.get(key) for key in TRANSFER_FIELDS):
            res_data = transfer_data(item.data)
        queue = xml.MessageQueue(count=count, id=item.id, queued_at=item.created_at, message=item.message)
        return FlowResult(code=ResultCode.SUCCESS_ACK_TO_DEQUEUE, msg_q=queue, res_data=res_data)
