"""<domain:update> with <rgp:restore op="request"> (RFC 3915 section 4.2.5), with the fee
agreement <fee:update> (RFC 8748 section 5.2.5)."""

from __future__ import annotations

from registry import services
from registry.epp import xml
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import domain_name, expected_fee, fee_data
from registry.epp.xml import DOMAIN, FEE, RGP, RGP_E
from registry.errors import ParameterError


def refuse_other_changes(flow: Flow) -> None:
    """A restore carries an empty <domain:chg/> and nothing else (RFC 3915 section 4.2.5)."""
    target = flow.target
    change = xml.child(target, DOMAIN, "chg")
    if xml.child(target, DOMAIN, "add") is not None or xml.child(target, DOMAIN, "rem") is not None:
        raise ParameterError("a restore changes nothing else: send no <domain:add> or <domain:rem>")
    if change is not None and len(change):
        raise ParameterError("a restore changes nothing else: send an empty <domain:chg/>")


class DomainRestoreRequestFlow(Flow):
    """Ask for a domain in its redemption period back; answers rgpStatus pendingRestore (or
    ok where the TLD needs no report)."""

    extensions = frozenset({RGP, FEE})

    def run(self) -> FlowResult:
        refuse_other_changes(self)
        result = services.restore_domain(
            self.registrar, domain_name(self), cl_trid=self.cl_trid, expected_fee=expected_fee(self, "update")
        )
        status = result.data.get("rgp_status") or "ok"
        extensions = [RGP_E.upData(RGP_E.rgpStatus(s=status))] if self.announces(RGP) else []
        extensions += fee_data(self, "updData", "update", result.data.get("fee"))
        return self.transform(result, extensions=extensions)
