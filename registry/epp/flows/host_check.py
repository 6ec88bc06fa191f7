"""<host:check> (RFC 5732 section 3.1.1)."""

from __future__ import annotations

from registry import services
from registry.epp import xml
from registry.epp.errors import RequiredParameterMissing
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.xml import HOST, HOST_E


class HostCheckFlow(Flow):
    """Whether each host name could be created (up to 50)."""

    def run(self) -> FlowResult:
        names = xml.texts(self.target, HOST, "name")
        if not names:
            raise RequiredParameterMissing("<host:check> needs at least one <host:name>")
        cds = []
        for result in services.check_hosts(names):
            cd = HOST_E.cd(HOST_E.name(result.name, avail="1" if result.available else "0"))
            if not result.available:
                cd.append(HOST_E.reason(result.reason or "not available"))
            cds.append(cd)
        return FlowResult(res_data=HOST_E.chkData(*cds))
