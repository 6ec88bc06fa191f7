"""<contact:update> (RFC 5733 section 3.2.5)."""

from __future__ import annotations

from registry import services
from registry.epp import xml
from registry.epp.errors import UnimplementedOption
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import contact_fields
from registry.epp.xml import CONTACT


class ContactUpdateFlow(Flow):
    """Change some of a contact's details; only its sponsor may. EPP names only the fields
    that change: the service merges them under its row lock. Contact statuses and auth
    info are the registry's own here (2102)."""

    def run(self) -> FlowResult:
        handle = xml.require_text(self.target, CONTACT, "id")
        add, remove, change = (xml.child(self.target, CONTACT, part) for part in ("add", "rem", "chg"))
        if xml.children(add, CONTACT, "status") or xml.children(remove, CONTACT, "status"):
            raise UnimplementedOption("contact statuses are not kept here")
        if xml.child(change, CONTACT, "authInfo") is not None:
            raise UnimplementedOption("the registry keeps a contact's auth info; it cannot be changed")
        changes = contact_fields(change, partial=True) if change is not None else {}
        result = services.update_contact(self.registrar, handle, changes, partial=True, cl_trid=self.cl_trid)
        return self.transform(result)
