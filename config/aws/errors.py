"""AWS errors: a code (one of the service model's error shapes, or a common one such as
``InvalidClientTokenId``), a message, and the HTTP status the model gives that code."""

from __future__ import annotations

from typing import Any

# Errors every AWS service answers the same way, by code: (HTTP status, sender's fault).
COMMON: dict[str, tuple[int, bool]] = {
    "MissingAuthenticationToken": (403, True),
    "IncompleteSignature": (403, True),
    "InvalidClientTokenId": (403, True),
    "SignatureDoesNotMatch": (403, True),
    "AccessDenied": (403, True),
    "RequestExpired": (403, True),
    "InvalidAction": (400, True),
    "MalformedInput": (400, True),
    "UnknownOperationException": (400, True),
    "SerializationException": (400, True),
    "ValidationException": (400, True),
    "RequestEntityTooLarge": (413, True),
    "NotImplemented": (501, False),
    "InternalFailure": (500, False),
}


class AwsError(Exception):
    """An error an AWS API answers with. ``status`` defaults to what the service model (or
    ``COMMON``) says for the code, else 400. ``fields`` are extra members of the error
    shape (Route 53's InvalidChangeBatch carries its ``messages``)."""

    def __init__(self, code: str, message: str, *, status: int | None = None, **fields: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.fields = fields

    def http_status(self, model_status: int | None) -> int:
        if self.status is not None:
            return self.status
        if self.code in COMMON:
            return COMMON[self.code][0]
        return model_status or 400

    @property
    def sender(self) -> bool:
        """Whether the client is at fault (AWS's error Type Sender, else Receiver)."""
        return COMMON.get(self.code, (400, True))[1]
