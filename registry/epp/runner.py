"""The flow runner: one frame in, one response out, whatever the frame holds.

``EppHandler.handle`` parses the frame, picks the flow, runs it and renders the response.
Every error becomes a result code: a ``RegistryError`` (the services' and the protocol
layer's own) its ``epp_code`` with its message in <msg>, anything else 2400, logged. The
services own their transactions, so a failed command has written nothing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.db import close_old_connections, connections

from config import clock
from registry.epp import metrics, picker, xml
from registry.epp.choices import ResultCode
from registry.epp.errors import CommandUseError
from registry.epp.flows.base import FlowContext, FlowResult
from registry.epp.session import Session
from registry.errors import RegistryError

log = logging.getLogger(__name__)

OBJECT_NAMES = {xml.DOMAIN: "domain", xml.HOST: "host", xml.CONTACT: "contact"}


def command_name(command: xml.Command) -> str:
    """How metrics name a command: "login", "poll", "domain:create", ..."""
    if command.object_uri is None:
        return command.verb
    return f"{OBJECT_NAMES.get(command.object_uri, 'unknown')}:{command.verb}"


@dataclass(frozen=True)
class Reply:
    """The response bytes and whether the server closes the session after sending them."""

    data: bytes
    close: bool = False


class EppHandler:
    """Answers EPP frames. The server calls ``serve`` on a worker thread; tests call
    ``handle`` directly, inside their own transaction."""

    def __init__(self, *, max_frame: int) -> None:
        self.max_frame = max_frame

    def greeting(self) -> bytes:
        return xml.greeting(clock.now())

    def serve(self, frame: bytes, session: Session) -> Reply:
        """``handle`` on a server worker thread, with a usable database connection."""
        close_old_connections()
        return self.handle(frame, session)

    def release(self) -> None:
        """Close this worker thread's database connections (the server is stopping)."""
        connections.close_all()

    def oversized(self, size: int) -> bytes:
        """The answer to a frame the server read past without keeping (2001)."""
        message = f"the frame has {size} bytes; at most {self.max_frame} are accepted"
        metrics.count("unknown", ResultCode.SYNTAX_ERROR, None)  # read past, never handled
        return self.render(FlowResult(code=ResultCode.SYNTAX_ERROR, message=message), None)

    def handle(self, frame: bytes, session: Session) -> Reply:
        started = time.perf_counter()
        cl_trid: str | None = None
        name = "unknown"
        try:
            root = xml.parse_frame(frame, self.max_frame)
            cl_trid = xml.cl_trid_of(root)
            command = xml.read_command(root)
            if command.verb == "hello":  # not a command: no result code to count
                return Reply(self.greeting())
            name = command_name(command)
            flow = picker.pick(command)
            if flow.login_required and not session.logged_in:
                raise CommandUseError("log in first")
            context = FlowContext(session, command)
            if flow.login_required:
                context.registrar  # noqa: B018 - an inactive registrar is refused before any command
            result = flow(context).run()
        except RegistryError as exc:
            result = FlowResult(code=ResultCode.of(exc.epp_code), message=exc.message)
        except Exception:
            log.exception("EPP command failed (client %s at %s)", session.client_id, session.peer)
            result = FlowResult(code=ResultCode.COMMAND_FAILED)
        close = result.close or result.code.closes_session
        if close:
            session.end()
        reply = Reply(self.render(result, cl_trid), close=close)
        metrics.count(name, result.code, time.perf_counter() - started)
        return reply

    @staticmethod
    def render(result: FlowResult, cl_trid: str | None) -> bytes:
        return xml.response(
            result.code,
            result.message or result.code.label,
            cl_trid=cl_trid,
            sv_trid=result.sv_trid or xml.new_sv_trid(),
            res_data=result.res_data,
            extensions=result.extensions,
            msg_q=result.msg_q,
        )
