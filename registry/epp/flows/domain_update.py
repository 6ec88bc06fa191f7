"""<domain:update> (RFC 5731 section 3.2.5), with secDNS update (RFC 5910 section 5.2.5).

An update carrying <rgp:update> is a restore and goes to the restore flows instead.
"""

from __future__ import annotations

from registry import services
from registry.epp import xml
from registry.epp.errors import UnimplementedOption
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import (
    auth_info,
    domain_name,
    ds_records,
    nameservers,
    refuse_contacts,
    refuse_key_data,
)
from registry.epp.xml import DOMAIN, SECDNS

TRUE = ("1", "true")


class DomainUpdateFlow(Flow):
    """Add or remove nameservers, client statuses and DS records; change the registrant
    or the auth info. Only the sponsor may."""

    extensions = frozenset({SECDNS})

    def run(self) -> FlowResult:
        target = self.target
        add, remove, change = (xml.child(target, DOMAIN, part) for part in ("add", "rem", "chg"))
        refuse_contacts(add)
        refuse_contacts(remove)
        add_ds, remove_ds, remove_all_ds = self.ds_changes()
        result = services.update_domain(
            self.registrar,
            domain_name(self),
            add_nameservers=nameservers(add),
            remove_nameservers=nameservers(remove),
            add_statuses=[s.get("s", "") for s in xml.children(add, DOMAIN, "status")],
            remove_statuses=[s.get("s", "") for s in xml.children(remove, DOMAIN, "status")],
            registrant=xml.text(change, DOMAIN, "registrant"),
            auth_info=auth_info(change, DOMAIN),
            add_ds=add_ds,
            remove_ds=remove_ds,
            remove_all_ds=remove_all_ds,
            cl_trid=self.cl_trid,
        )
        return self.transform(result)

    def ds_changes(self) -> tuple[list[dict], list[dict], bool]:
        update = self.extension(SECDNS, "update")
        if update is None:
            return [], [], False
        if update.get("urgent") in TRUE:
            raise UnimplementedOption("urgent secDNS updates are not supported")
        remove, add, change = (xml.child(update, SECDNS, part) for part in ("rem", "add", "chg"))
        refuse_key_data(remove)
        refuse_key_data(add)
        refuse_key_data(change)
        remove_all = xml.text(remove, SECDNS, "all") in TRUE
        return ds_records(add), ds_records(remove), remove_all
