"""<logout> (RFC 5730 section 2.9.1.2)."""

from __future__ import annotations

from registry.epp.choices import ResultCode
from registry.epp.flows.base import Flow, FlowResult


class LogoutFlow(Flow):
    """End the session: 1500, and the server closes the connection."""

    def run(self) -> FlowResult:
        self.session.end()
        return FlowResult(code=ResultCode.SUCCESS_ENDING_SESSION, close=True)
