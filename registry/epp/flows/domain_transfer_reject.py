"""<transfer op="reject"> of a domain (RFC 5731 section 3.2.4)."""

from __future__ import annotations

from registry import services
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import domain_name, transfer_data


class DomainTransferRejectFlow(Flow):
    """The sponsoring (losing) registrar keeps the domain; the gaining one is refunded."""

    def run(self) -> FlowResult:
        result = services.reject_transfer(self.registrar, domain_name(self), cl_trid=self.cl_trid)
        return self.transform(result, transfer_data(result.data))
