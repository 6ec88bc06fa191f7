"""<contact:info> (RFC 5733 section 3.1.2)."""

from __future__ import annotations

from registry import services
from registry.epp import xml
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import auth_info, phone, postal_info
from registry.epp.xml import CONTACT, CONTACT_E


class ContactInfoFlow(Flow):
    """A contact's details: personal data, so only for its sponsor or a client that gives
    its auth info (2201 for others, 2202 for a wrong auth info). crID is the sponsor: the
    registry does not record which registrar created an object."""

    def run(self) -> FlowResult:
        info = services.info_contact(
            xml.require_text(self.target, CONTACT, "id"),
            registrar=self.registrar,
            auth_info=auth_info(self.target, CONTACT),
        )
        data = info.data
        parts = [CONTACT_E.id(info.handle), CONTACT_E.roid(info.roid)]
        parts += [CONTACT_E.status(s=status) for status in info.statuses]
        parts.append(postal_info(data))
        if data.get("voice"):
            parts.append(phone("voice", data["voice"]))
        if data.get("fax"):
            parts.append(phone("fax", data["fax"]))
        parts += [
            CONTACT_E.email(data["email"]),
            CONTACT_E.clID(info.registrar),
            CONTACT_E.crID(info.registrar),
            CONTACT_E.crDate(xml.epp_datetime(info.created_at)),
            CONTACT_E.upDate(xml.epp_datetime(info.updated_at)),
        ]
        if info.auth_info is not None:
            parts.append(CONTACT_E.authInfo(CONTACT_E.pw(info.auth_info)))
        return FlowResult(res_data=CONTACT_E.infData(*parts))
