"""<host:update> (RFC 5732 section 3.2.5)."""

from __future__ import annotations

from registry import services
from registry.epp import xml
from registry.epp.errors import UnimplementedOption
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.xml import HOST


class HostUpdateFlow(Flow):
    """Add or remove glue addresses, or rename the host; only its sponsor may. Host
    statuses are not kept, so adding or removing one answers 2102."""

    def run(self) -> FlowResult:
        add, remove, change = (xml.child(self.target, HOST, part) for part in ("add", "rem", "chg"))
        if xml.children(add, HOST, "status") or xml.children(remove, HOST, "status"):
            raise UnimplementedOption("host statuses are not kept here")
        result = services.update_host(
            self.registrar,
            xml.require_text(self.target, HOST, "name"),
            add_addresses=xml.texts(add, HOST, "addr"),
            remove_addresses=xml.texts(remove, HOST, "addr"),
            new_name=xml.text(change, HOST, "name"),
            cl_trid=self.cl_trid,
        )
        return self.transform(result)
