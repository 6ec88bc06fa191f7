"""<contact:delete> (RFC 5733 section 3.2.2)."""

from __future__ import annotations

from registry import services
from registry.epp import xml
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.xml import CONTACT


class ContactDeleteFlow(Flow):
    """Delete a contact no domain names (2305 otherwise); only its sponsor may."""

    def run(self) -> FlowResult:
        handle = xml.require_text(self.target, CONTACT, "id")
        return self.transform(services.delete_contact(self.registrar, handle, cl_trid=self.cl_trid))
