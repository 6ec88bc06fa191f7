"""The flow picker: from a parsed command to the flow class that carries it out.

The key is (verb, object namespace, op): op is the transfer or poll operation, or for a
domain update the RGP restore operation when the update carries <rgp:update>.
"""

from __future__ import annotations

from registry.epp import xml
from registry.epp.choices import PollOp, RestoreOp, TransferOp
from registry.epp.errors import (
    CommandSyntaxError,
    RequiredParameterMissing,
    UnimplementedCommand,
    UnimplementedExtension,
)
from registry.epp.flows.base import Flow
from registry.epp.flows.contact_check import ContactCheckFlow
from registry.epp.flows.contact_create import ContactCreateFlow
from registry.epp.flows.contact_delete import ContactDeleteFlow
from registry.epp.flows.contact_info import ContactInfoFlow
from registry.epp.flows.contact_update import ContactUpdateFlow
from registry.epp.flows.domain_check import DomainCheckFlow
from registry.epp.flows.domain_create import DomainCreateFlow
from registry.epp.flows.domain_delete import DomainDeleteFlow
from registry.epp.flows.domain_info import DomainInfoFlow
from registry.epp.flows.domain_renew import DomainRenewFlow
from registry.epp.flows.domain_restore_report import DomainRestoreReportFlow
from registry.epp.flows.domain_restore_request import DomainRestoreRequestFlow
from registry.epp.flows.domain_transfer_approve import DomainTransferApproveFlow
from registry.epp.flows.domain_transfer_cancel import DomainTransferCancelFlow
from registry.epp.flows.domain_transfer_query import DomainTransferQueryFlow
from registry.epp.flows.domain_transfer_reject import DomainTransferRejectFlow
from registry.epp.flows.domain_transfer_request import DomainTransferRequestFlow
from registry.epp.flows.domain_update import DomainUpdateFlow
from registry.epp.flows.host_check import HostCheckFlow
from registry.epp.flows.host_create import HostCreateFlow
from registry.epp.flows.host_delete import HostDeleteFlow
from registry.epp.flows.host_info import HostInfoFlow
from registry.epp.flows.host_update import HostUpdateFlow
from registry.epp.flows.login import LoginFlow
from registry.epp.flows.logout import LogoutFlow
from registry.epp.flows.poll_ack import PollAckFlow
from registry.epp.flows.poll_request import PollRequestFlow
from registry.epp.xml import CONTACT, DOMAIN, HOST, RGP

FlowKey = tuple[str, str | None, str | None]

FLOWS: dict[FlowKey, type[Flow]] = {
    ("login", None, None): LoginFlow,
    ("logout", None, None): LogoutFlow,
    ("poll", None, PollOp.REQUEST): PollRequestFlow,
    ("poll", None, PollOp.ACK): PollAckFlow,
    ("check", DOMAIN, None): DomainCheckFlow,
    ("info", DOMAIN, None): DomainInfoFlow,
    ("create", DOMAIN, None): DomainCreateFlow,
    ("update", DOMAIN, None): DomainUpdateFlow,
    ("update", DOMAIN, RestoreOp.REQUEST): DomainRestoreRequestFlow,
    ("update", DOMAIN, RestoreOp.REPORT): DomainRestoreReportFlow,
    ("delete", DOMAIN, None): DomainDeleteFlow,
    ("renew", DOMAIN, None): DomainRenewFlow,
    ("transfer", DOMAIN, TransferOp.REQUEST): DomainTransferRequestFlow,
    ("transfer", DOMAIN, TransferOp.APPROVE): DomainTransferApproveFlow,
    ("transfer", DOMAIN, TransferOp.REJECT): DomainTransferRejectFlow,
    ("transfer", DOMAIN, TransferOp.CANCEL): DomainTransferCancelFlow,
    ("transfer", DOMAIN, TransferOp.QUERY): DomainTransferQueryFlow,
    ("check", HOST, None): HostCheckFlow,
    ("info", HOST, None): HostInfoFlow,
    ("create", HOST, None): HostCreateFlow,
    ("update", HOST, None): HostUpdateFlow,
    ("delete", HOST, None): HostDeleteFlow,
    ("check", CONTACT, None): ContactCheckFlow,
    ("info", CONTACT, None): ContactInfoFlow,
    ("create", CONTACT, None): ContactCreateFlow,
    ("update", CONTACT, None): ContactUpdateFlow,
    ("delete", CONTACT, None): ContactDeleteFlow,
}

_OPS = {"poll": PollOp.values, "transfer": TransferOp.values}
_OBJECTS = {DOMAIN: "domain", HOST: "host", CONTACT: "contact"}


def _key(command: xml.Command) -> FlowKey:
    verb = command.verb
    if verb in _OPS:
        if not command.op:
            raise RequiredParameterMissing(f"<{verb}> needs op")
        if command.op not in _OPS[verb]:
            raise CommandSyntaxError(f"<{verb}> op is one of {', '.join(_OPS[verb])}, not {command.op!r}")
        return verb, command.object_uri, command.op
    if verb == "update" and command.object_uri == DOMAIN:
        rgp = next((e for e in command.extensions if xml.namespace(e) == RGP), None)
        if rgp is not None:
            restore = xml.child(rgp, RGP, "restore")
            op = restore.get("op") if restore is not None else None
            if op not in RestoreOp.values:
                raise CommandSyntaxError('<rgp:update> holds <rgp:restore op="request|report">')
            return verb, DOMAIN, op
    return verb, command.object_uri, None


def pick(command: xml.Command) -> type[Flow]:
    """The flow for ``command``; 2101 when we do not implement it, 2103 when it carries an
    extension the flow does not read."""
    flow = FLOWS.get(_key(command))
    what = f"<{_OBJECTS[command.object_uri]}:{command.verb}>" if command.object_uri else f"<{command.verb}>"
    if flow is None:
        raise UnimplementedCommand(f"{what} is not implemented")
    for extension in command.extensions:
        uri = xml.namespace(extension)
        if uri not in flow.extensions:
            raise UnimplementedExtension(f"{what} takes no extension {uri or '(no namespace)'}")
    return flow
