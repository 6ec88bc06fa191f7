"""<domain:info> (RFC 5731 section 3.1.2), with secDNS infData (RFC 5910 section 5.1.2) and
the grace-period statuses of rgp infData (RFC 3915 section 4.1.2)."""

from __future__ import annotations

from registry import services
from registry.epp import xml
from registry.epp.errors import ParameterValueSyntax
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import auth_info, ds_data
from registry.epp.xml import DOMAIN, DOMAIN_E, RGP, RGP_E, SECDNS, SECDNS_E

HOSTS = ("all", "del", "sub", "none")


class DomainInfoFlow(Flow):
    """A domain's data, as ``registry.services.disclosure`` lets this client see it: the
    auth info and the registrant only for the sponsor or a client that gave the right auth
    info; a client that gave a wrong one is refused with 2202."""

    def run(self) -> FlowResult:
        name_element = xml.require(self.target, DOMAIN, "name")
        name = (name_element.text or "").strip()
        hosts = name_element.get("hosts", "all")
        if hosts not in HOSTS:
            raise ParameterValueSyntax(f"hosts is one of {', '.join(HOSTS)}, not {hosts!r}")
        password = auth_info(self.target, DOMAIN)
        info = services.info_domain(name, registrar=self.registrar, auth_info=password)

        parts = [DOMAIN_E.name(info.name), DOMAIN_E.roid(info.roid)]
        parts += [DOMAIN_E.status(s=status) for status in info.statuses]
        if info.registrant:
            parts.append(DOMAIN_E.registrant(info.registrant))
        if hosts in ("all", "del") and info.nameservers:
            parts.append(DOMAIN_E.ns(*(DOMAIN_E.hostObj(host) for host in info.nameservers)))
        if hosts in ("all", "sub"):
            parts += [DOMAIN_E.host(host) for host in info.hosts]
        parts += [
            DOMAIN_E.clID(info.registrar),
            DOMAIN_E.crDate(xml.epp_datetime(info.created_at)),
            DOMAIN_E.upDate(xml.epp_datetime(info.updated_at)),
            DOMAIN_E.exDate(xml.epp_datetime(info.expires_at)),
        ]
        if info.auth_info is not None:
            parts.append(DOMAIN_E.authInfo(DOMAIN_E.pw(info.auth_info)))
        extensions = []
        if info.ds and self.announces(SECDNS):
            extensions.append(SECDNS_E.infData(*ds_data(info.ds)))
        if info.rgp_statuses and self.announces(RGP):  # RFC 3915 section 4.1.2
            extensions.append(RGP_E.infData(*(RGP_E.rgpStatus(s=status) for status in info.rgp_statuses)))
        return FlowResult(res_data=DOMAIN_E.infData(*parts), extensions=extensions)
