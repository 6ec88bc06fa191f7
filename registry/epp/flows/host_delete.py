"""<host:delete> (RFC 5732 section 3.2.2)."""

from __future__ import annotations

from registry import services
from registry.epp import xml
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.xml import HOST


class HostDeleteFlow(Flow):
    """Delete a host no domain uses (2305 otherwise); only its sponsor may."""

    def run(self) -> FlowResult:
        name = xml.require_text(self.target, HOST, "name")
        return self.transform(services.delete_host(self.registrar, name, cl_trid=self.cl_trid))
