"""<domain:delete> (RFC 5731 section 3.2.2)."""

from __future__ import annotations

from registry import services
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import domain_name


class DomainDeleteFlow(Flow):
    """Delete a domain; only its sponsor may, and not while hosts live under it."""

    def run(self) -> FlowResult:
        return self.transform(services.delete_domain(self.registrar, domain_name(self), cl_trid=self.cl_trid))
