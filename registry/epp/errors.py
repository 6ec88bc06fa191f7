"""Errors of the EPP protocol layer: a frame that is not EPP, a command used out of turn,
an option or extension we do not implement, a login refused.

They are ``RegistryError`` subclasses with their result code in ``epp_code``, so the
runner turns them and the services' own errors into a response the same way. A 25xx code
ends the session (``ResultCode.closes_session``).
"""

from __future__ import annotations

from registry.errors import RegistryError


class EppError(RegistryError):
    code = "epp_error"
    epp_code = 2400


class UnknownCommand(EppError):
    code = "unknown_command"
    epp_code = 2000
    message = "Unknown command"


class CommandSyntaxError(EppError):
    """The frame is not well-formed XML, or not an EPP message of the shape the schema allows."""

    code = "syntax_error"
    epp_code = 2001
    message = "Command syntax error"


class CommandUseError(EppError):
    code = "use_error"
    epp_code = 2002
    message = "Command use error"


class RequiredParameterMissing(EppError):
    code = "required_parameter_missing"
    epp_code = 2003
    message = "Required parameter missing"


class ParameterValueRange(EppError):
    code = "parameter_value_range"
    epp_code = 2004
    message = "Parameter value range error"


class ParameterValueSyntax(EppError):
    code = "parameter_value_syntax"
    epp_code = 2005
    message = "Parameter value syntax error"


class UnimplementedVersion(EppError):
    code = "unimplemented_version"
    epp_code = 2100
    message = "Unimplemented protocol version"


class UnimplementedCommand(EppError):
    code = "unimplemented_command"
    epp_code = 2101
    message = "Unimplemented command"


class UnimplementedOption(EppError):
    code = "unimplemented_option"
    epp_code = 2102
    message = "Unimplemented option"


class UnimplementedExtension(EppError):
    code = "unimplemented_extension"
    epp_code = 2103
    message = "Unimplemented extension"


class AuthenticationError(EppError):
    code = "authentication_error"
    epp_code = 2200
    message = "Authentication error"


class UnimplementedObjectService(EppError):
    code = "unimplemented_object_service"
    epp_code = 2307
    message = "Unimplemented object service"


class AuthenticationErrorClosing(EppError):
    code = "authentication_error_closing"
    epp_code = 2501
    message = "Authentication error; server closing connection"


class SessionLimitExceeded(EppError):
    code = "session_limit_exceeded"
    epp_code = 2502
    message = "Session limit exceeded; server closing connection"
