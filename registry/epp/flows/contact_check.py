"""<contact:check> (RFC 5733 section 3.1.1)."""

from __future__ import annotations

from registry import services
from registry.epp import xml
from registry.epp.errors import RequiredParameterMissing
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.xml import CONTACT, CONTACT_E


class ContactCheckFlow(Flow):
    """Whether each contact id could be created (up to 50)."""

    def run(self) -> FlowResult:
        ids = xml.texts(self.target, CONTACT, "id")
        if not ids:
            raise RequiredParameterMissing("<contact:check> needs at least one <contact:id>")
        cds = []
        for result in services.check_contacts(ids):
            cd = CONTACT_E.cd(CONTACT_E.id(result.name, avail="1" if result.available else "0"))
            if not result.available:
                cd.append(CONTACT_E.reason(result.reason or "not available"))
            cds.append(cd)
        return FlowResult(res_data=CONTACT_E.chkData(*cds))
