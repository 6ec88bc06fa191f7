"""<login> (RFC 5730 section 2.9.1.1), with an optional password change (<newPW>)."""

from __future__ import annotations

from registry import services
from registry.epp import xml
from registry.epp.errors import (
    AuthenticationError,
    AuthenticationErrorClosing,
    CommandUseError,
    SessionLimitExceeded,
    UnimplementedObjectService,
    UnimplementedOption,
    UnimplementedVersion,
)
from registry.epp.flows.base import Flow, FlowResult
from registry.epp.xml import EPP


class LoginFlow(Flow):
    """Authenticate a registrar and open its session.

    Services and options are checked first (2100, 2102, 2307). A client address with too
    many recent failed logins is refused before its password is looked at (2502, closing);
    the failure that reaches the limit answers 2501 and closes. A registrar at its session
    cap is refused with 2502 and the connection closes.
    """

    login_required = False

    def run(self) -> FlowResult:
        if self.session.logged_in:
            raise CommandUseError("this session is logged in already; log out first")
        login = self.command.element
        assert login is not None
        client_id = xml.require_text(login, EPP, "clID")
        password = xml.require(login, EPP, "pw").text or ""
        new_password = xml.text(login, EPP, "newPW")
        options = xml.require(login, EPP, "options")
        version = xml.require_text(options, EPP, "version")
        if version != xml.VERSION:
            raise UnimplementedVersion(f"EPP version {version} is not served; use {xml.VERSION}")
        lang = xml.require_text(options, EPP, "lang")
        if lang not in xml.LANGUAGES:
            raise UnimplementedOption(f"responses are in {', '.join(xml.LANGUAGES)} only, not {lang!r}")
        services_element = xml.require(login, EPP, "svcs")
        for uri in xml.texts(services_element, EPP, "objURI"):
            if uri not in xml.OBJECT_URIS:
                raise UnimplementedObjectService(f"no object service {uri} here")
        ext_uris = xml.texts(xml.child(services_element, EPP, "svcExtension"), EPP, "extURI")
        for uri in ext_uris:
            if uri not in xml.EXTENSION_URIS:
                raise UnimplementedObjectService(f"no extension service {uri} here")

        gate, peer = self.session.gate, self.session.peer
        if gate.login_blocked(peer):
            raise SessionLimitExceeded("too many failed logins from this address; try again later")
        registrar = services.authenticate_epp(client_id, password)
        if registrar is None:
            if gate.record_failure(peer):
                raise AuthenticationErrorClosing("client id or password is wrong; too many failed logins")
            raise AuthenticationError("client id or password is wrong")
        if not gate.acquire(registrar.client_id):
            raise SessionLimitExceeded(f"registrar {registrar.client_id} has {gate.max_sessions} sessions open already")
        try:
            if new_password is not None:
                services.change_epp_password(registrar, new_password)
        except BaseException:
            gate.release(registrar.client_id)
            raise
        gate.record_success(peer)
        self.session.log_in(registrar.client_id, frozenset(ext_uris))
        return FlowResult()
