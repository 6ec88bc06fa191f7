"""<transfer op="request"> of a domain (RFC 5731 section 3.2.4), with <fee:transfer>."""

from __future__ import annotations

from registry import services
from registry.choices import TransferStatus
from registry.epp import xml
from registry.epp.choices import ResultCode
from registry.epp.errors import RequiredParameterMissing
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import auth_info, domain_name, expected_fee, fee_data, transfer_data
from registry.epp.xml import DOMAIN, FEE


class DomainTransferRequestFlow(Flow):
    """Ask for a domain to move to this registrar, proving the right with its auth info.
    A pending transfer answers 1001 (action pending)."""

    extensions = frozenset({FEE})

    def run(self) -> FlowResult:
        password = auth_info(self.target, DOMAIN)
        if password is None:
            raise RequiredParameterMissing("a transfer request needs the domain's <domain:authInfo>")
        result = services.request_transfer(
            self.registrar,
            domain_name(self),
            auth_info=password,
            years=xml.period_years(self.target, DOMAIN),
            cl_trid=self.cl_trid,
            expected_fee=expected_fee(self, "transfer"),
        )
        pending = result.data["status"] == TransferStatus.PENDING
        return self.transform(
            result,
            transfer_data(result.data),
            code=ResultCode.SUCCESS_PENDING if pending else ResultCode.SUCCESS,
            extensions=fee_data(self, "trnData", "transfer", result.data.get("fee")),
        )
