"""<domain:create> (RFC 5731 section 3.2.1), with secDNS create (RFC 5910 section 5.2.1)
and the fee agreement <fee:create> (RFC 8748 section 5.2.1)."""

from __future__ import annotations

from registry import services
from registry.epp import xml
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import (
    auth_info,
    domain_name,
    ds_records,
    expected_fee,
    fee_data,
    nameservers,
    refuse_contacts,
    refuse_key_data,
)
from registry.epp.xml import DOMAIN, DOMAIN_E, FEE, SECDNS


class DomainCreateFlow(Flow):
    """Register a domain for its period, charging the registrar; the fee the client
    agreed to (if it sent one) must match."""

    extensions = frozenset({SECDNS, FEE})

    def run(self) -> FlowResult:
        target = self.target
        refuse_contacts(target)
        secdns = self.extension(SECDNS, "create")
        refuse_key_data(secdns)
        result = services.create_domain(
            self.registrar,
            domain_name(self),
            years=xml.period_years(target, DOMAIN),
            nameservers=nameservers(target),
            registrant=xml.text(target, DOMAIN, "registrant") or None,
            auth_info=auth_info(target, DOMAIN),
            ds=ds_records(secdns),
            cl_trid=self.cl_trid,
            expected_fee=expected_fee(self, "create"),
        )
        data = result.data
        res_data = DOMAIN_E.creData(
            DOMAIN_E.name(data["name"]),
            DOMAIN_E.crDate(xml.epp_datetime(data["created_at"])),
            DOMAIN_E.exDate(xml.epp_datetime(data["expires_at"])),
        )
        return self.transform(result, res_data, extensions=fee_data(self, "creData", "create", data.get("fee")))
