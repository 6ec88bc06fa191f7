"""What every flow shares: the context it runs in, the result it returns, the base class."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

from registry import services
from registry.epp import xml
from registry.epp.choices import ResultCode
from registry.epp.session import Session
from registry.models import Registrar


@dataclass
class FlowResult:
    """What a flow answers: the result code and the parts of the response it fills.

    ``sv_trid`` is the transform's own (so a replayed command answers with the first
    svTRID); the runner makes one up when it is None. ``close`` ends the session.
    """

    code: ResultCode = ResultCode.SUCCESS
    res_data: xml.Element | None = None
    extensions: list[xml.Element] = field(default_factory=list)
    msg_q: xml.MessageQueue | None = None
    sv_trid: str | None = None
    message: str | None = None
    close: bool = False


@dataclass
class FlowContext:
    """What a flow runs on: the session it came in on and the parsed command."""

    session: Session
    command: xml.Command

    @cached_property
    def registrar(self) -> Registrar:
        # Fetched for each command rather than kept in the session: a registrar made
        # inactive after its login is refused from its next command on.
        return services.get_registrar(self.session.client_id or "")


class Flow:
    """One EPP command. Subclasses implement ``run`` and say which extension namespaces
    they read (``extensions``); the picker refuses any other with 2103."""

    login_required: ClassVar[bool] = True
    extensions: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, context: FlowContext) -> None:
        self.context = context
        self.session = context.session
        self.command = context.command

    def run(self) -> FlowResult:
        raise NotImplementedError

    @property
    def registrar(self) -> Registrar:
        return self.context.registrar

    @property
    def target(self) -> xml.Element:
        assert self.command.target is not None  # the picker only picks object flows for object commands
        return self.command.target

    @property
    def cl_trid(self) -> str | None:
        return self.command.cl_trid

    def extension(self, uri: str, tag: str) -> xml.Element | None:
        """The command's extension element ``tag`` of namespace ``uri``, if sent."""
        return next(
            (e for e in self.command.extensions if xml.namespace(e) == uri and xml.local(e) == tag),
            None,
        )

    def announces(self, uri: str) -> bool:
        """Whether the client said at login that it understands extension ``uri``: the
        response carries that extension's data only then (RFC 5730 section 2.9.1.1)."""
        return uri in self.session.ext_uris

    @staticmethod
    def transform(result: services.OperationResult, res_data: xml.Element | None = None, **kwargs) -> FlowResult:
        """The result of a transform, answered with the transform's own svTRID."""
        return FlowResult(res_data=res_data, sv_trid=result.sv_trid, **kwargs)
