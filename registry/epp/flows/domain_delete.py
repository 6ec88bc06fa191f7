"""<domain:delete> (RFC 5731 section 3.2.2)."""

from __future__ import annotations

from registry import services
from registry.epp.choices import ResultCode
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import domain_name


class DomainDeleteFlow(Flow):
    """Delete a domain; only its sponsor may, and not while hosts live under it. Within
    the add grace period it goes at once (1000); otherwise it enters its redemption
    period and the answer is 1001, action pending (RFC 3915 section 3)."""

    def run(self) -> FlowResult:
        result = services.delete_domain(self.registrar, domain_name(self), cl_trid=self.cl_trid)
        code = ResultCode.SUCCESS_PENDING if result.data.get("pending") else ResultCode.SUCCESS
        return self.transform(result, code=code)
