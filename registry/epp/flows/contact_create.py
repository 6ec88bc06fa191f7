"""<contact:create> (RFC 5733 section 3.2.1)."""

from __future__ import annotations

from config import clock
from registry import services
from registry.epp import xml
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import contact_fields
from registry.epp.xml import CONTACT, CONTACT_E


class ContactCreateFlow(Flow):
    """Create a contact sponsored by this registrar. The registry makes the contact's auth
    info itself and publishes no contact data, so <contact:authInfo> and <contact:disclose>
    are read past."""

    def run(self) -> FlowResult:
        handle = xml.require_text(self.target, CONTACT, "id")
        result = services.create_contact(
            self.registrar, handle, contact_fields(self.target, partial=False), cl_trid=self.cl_trid
        )
        created = result.data.get("created_at") or clock.now()
        res_data = CONTACT_E.creData(
            CONTACT_E.id(result.data.get("handle", handle)), CONTACT_E.crDate(xml.epp_datetime(created))
        )
        return self.transform(result, res_data)
