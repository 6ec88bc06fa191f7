"""<domain:update> with <rgp:restore op="report"> (RFC 3915 section 4.2.5)."""

from __future__ import annotations

from registry import services
from registry.epp import xml
from registry.epp.errors import RequiredParameterMissing
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.flows.common import domain_name
from registry.epp.flows.domain_restore_request import refuse_other_changes
from registry.epp.xml import RGP


class DomainRestoreReportFlow(Flow):
    """The restore report a registrar files after its restore request: the domain's data
    before the delete and after the restore, when each happened, why, and statements."""

    extensions = frozenset({RGP})

    def run(self) -> FlowResult:
        refuse_other_changes(self)
        update = self.extension(RGP, "update")
        restore = xml.child(update, RGP, "restore")
        report = xml.child(restore, RGP, "report")
        if report is None:
            raise RequiredParameterMissing('<rgp:restore op="report"> needs <rgp:report>')
        statements = xml.texts(report, RGP, "statement")
        if not statements:
            raise RequiredParameterMissing("<rgp:report> needs at least one <rgp:statement>")
        data = {
            "pre_data": xml.require_text(report, RGP, "preData"),
            "post_data": xml.require_text(report, RGP, "postData"),
            "deleted_at": xml.require_text(report, RGP, "delTime"),
            "restored_at": xml.require_text(report, RGP, "resTime"),
            "reason": xml.require_text(report, RGP, "resReason"),
            "statements": statements,
            "other": xml.text(report, RGP, "other") or "",
        }
        result = services.report_restore(self.registrar, domain_name(self), data, cl_trid=self.cl_trid)
        return self.transform(result)
