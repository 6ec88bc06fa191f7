"""<transfer op="query"> of a domain (RFC 5731 section 3.2.4)."""

from __future__ import annotations

from registry import services
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import auth_info, domain_name, transfer_data
from registry.epp.xml import DOMAIN


class DomainTransferQueryFlow(Flow):
    """The state of the domain's latest transfer, for either party or a client that gives
    the domain's auth info."""

    def run(self) -> FlowResult:
        info = services.transfer_query(
            domain_name(self), registrar=self.registrar, auth_info=auth_info(self.target, DOMAIN)
        )
        return FlowResult(res_data=transfer_data(info.as_dict()))
