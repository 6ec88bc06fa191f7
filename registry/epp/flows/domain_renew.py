"""<domain:renew> (RFC 5731 section 3.2.3), with the fee agreement <fee:renew> (RFC 8748)."""

from __future__ import annotations

from registry import services
from registry.epp import xml
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import domain_name, expected_fee, fee_data
from registry.epp.xml import DOMAIN, DOMAIN_E, FEE


class DomainRenewFlow(Flow):
    """Extend a domain by its period. curExpDate must be the current expiry date, so a
    renewal sent twice cannot extend the domain twice."""

    extensions = frozenset({FEE})

    def run(self) -> FlowResult:
        current_expiry = xml.parse_date(xml.require_text(self.target, DOMAIN, "curExpDate"), "curExpDate")
        result = services.renew_domain(
            self.registrar,
            domain_name(self),
            current_expiry=current_expiry,
            years=xml.period_years(self.target, DOMAIN),
            cl_trid=self.cl_trid,
            expected_fee=expected_fee(self, "renew"),
        )
        data = result.data
        res_data = DOMAIN_E.renData(DOMAIN_E.name(data["name"]), DOMAIN_E.exDate(xml.epp_datetime(data["expires_at"])))
        return self.transform(result, res_data, extensions=fee_data(self, "renData", "renew", data.get("fee")))
