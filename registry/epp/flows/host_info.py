"""<host:info> (RFC 5732 section 3.1.2)."""

from __future__ import annotations

import ipaddress

from registry import services
from registry.epp import xml
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.xml import HOST, HOST_E


class HostInfoFlow(Flow):
    """A host's data; hosts carry no secrets, so every registrar may read them. crID is
    the sponsor: the registry does not record which registrar created an object."""

    def run(self) -> FlowResult:
        info = services.info_host(xml.require_text(self.target, HOST, "name"), registrar=self.registrar)
        parts = [HOST_E.name(info.name), HOST_E.roid(info.roid)]
        parts += [HOST_E.status(s=status) for status in info.statuses]
        parts += [HOST_E.addr(a, ip=f"v{ipaddress.ip_address(a).version}") for a in info.addresses]
        parts += [
            HOST_E.clID(info.registrar),
            HOST_E.crID(info.registrar),
            HOST_E.crDate(xml.epp_datetime(info.created_at)),
            HOST_E.upDate(xml.epp_datetime(info.updated_at)),
        ]
        return FlowResult(res_data=HOST_E.infData(*parts))
