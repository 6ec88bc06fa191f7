"""<host:create> (RFC 5732 section 3.2.1)."""

from __future__ import annotations

from config import clock
from registry import services
from registry.epp import xml
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.xml import HOST, HOST_E


class HostCreateFlow(Flow):
    """Create a nameserver host; one inside a TLD of this registry needs its domain (the
    registrar's) and glue addresses, one outside takes none."""

    def run(self) -> FlowResult:
        result = services.create_host(
            self.registrar,
            xml.require_text(self.target, HOST, "name"),
            xml.texts(self.target, HOST, "addr"),
            cl_trid=self.cl_trid,
        )
        created = result.data.get("created_at") or clock.now()
        res_data = HOST_E.creData(HOST_E.name(result.data["name"]), HOST_E.crDate(xml.epp_datetime(created)))
        return self.transform(result, res_data)
