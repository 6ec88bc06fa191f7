"""<domain:check> (RFC 5731 section 3.1.1), with <fee:check> (RFC 8748 section 3.1.1)."""

from __future__ import annotations

from registry import services
from registry.choices import CheckStatus
from registry.epp import xml
from registry.epp.errors import ParameterValueSyntax, RequiredParameterMissing, UnimplementedOption
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import check_currency, currency
from registry.epp.xml import DOMAIN, DOMAIN_E, FEE, FEE_E
from registry.errors import RegistryError


class DomainCheckFlow(Flow):
    """Availability of up to 50 names: avail="1" for names that can be registered now
    (premium ones included), avail="0" with the reason otherwise. With <fee:check>, the
    fee of each asked command for each name, and whether the name is premium."""

    extensions = frozenset({FEE})

    def run(self) -> FlowResult:
        names = xml.texts(self.target, DOMAIN, "name")
        if not names:
            raise RequiredParameterMissing("<domain:check> needs at least one <domain:name>")
        results = services.check(names)
        cds = []
        for result in results:
            cd = DOMAIN_E.cd(DOMAIN_E.name(result.name, avail="1" if result.registrable else "0"))
            if not result.registrable:
                cd.append(DOMAIN_E.reason(result.reason or str(result.status)))
            cds.append(cd)
        extensions = []
        fee_check = self.extension(FEE, "check")
        if fee_check is not None:
            extensions.append(self.fee_check_data(fee_check, results))
        return FlowResult(res_data=DOMAIN_E.chkData(*cds), extensions=extensions)

    def fee_check_data(self, request: xml.Element, results: list[services.NameCheck]) -> xml.Element:
        check_currency(request)
        commands = xml.children(request, FEE, "command")
        if not commands:
            raise RequiredParameterMissing("<fee:check> needs at least one <fee:command>")
        asked: list[tuple[str, int | None]] = []
        for command in commands:
            name = command.get("name", "")
            if name == "custom":
                raise UnimplementedOption("custom fee commands are not priced here")
            if name not in services.PRICED + services.FREE:
                raise ParameterValueSyntax(
                    f"fee command {name!r} is not one of {', '.join(services.PRICED + services.FREE)}"
                )
            if command.get("phase") or command.get("subphase"):
                raise UnimplementedOption("this registry has no launch phases")
            asked.append((name, xml.period_years(command, FEE) if name in services.PERIODIC else None))
        cds = [self.fee_cd(result, asked) for result in results]
        return FEE_E.chkData(FEE_E.currency(currency()), *cds)

    def fee_cd(self, result: services.NameCheck, asked: list[tuple[str, int | None]]) -> xml.Element:
        if result.status in (CheckStatus.INVALID, CheckStatus.RESERVED) or result.ascii is None:
            # No command can be carried out on such a name, so no fee applies.
            return FEE_E.cd(FEE_E.objID(result.name), FEE_E.reason(result.reason), avail="0")
        try:
            fees = services.fees_for(result)
        except RegistryError as exc:
            return FEE_E.cd(FEE_E.objID(result.name), FEE_E.reason(exc.message), avail="0")
        parts = [FEE_E.objID(result.name), getattr(FEE_E, "class")(fees.fee_class.value)]
        for name, years in asked:
            fee = fees.total(name, years or 1)
            element = FEE_E.command(name=name)
            if years is not None:
                element.append(FEE_E.period(str(years), unit="y"))
            element.append(FEE_E.fee(xml.fee_text(fee)))
            parts.append(element)
        return FEE_E.cd(*parts, avail="1")
