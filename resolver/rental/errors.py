"""The rental service's errors: each with a stable ``code`` and HTTP ``status``, which the
customer API, the shop and the AWS facade report alike; and the number check they share."""

from __future__ import annotations

from typing import Any


class RentalError(Exception):
    """A request the rental service refuses, with a stable ``code`` and a message."""

    code = "invalid_request"
    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotFound(RentalError):
    code = "not_found"
    status = 404


class Conflict(RentalError):
    code = "conflict"
    status = 409


class ChangeRejected(RentalError):
    """A change batch that cannot be applied; ``index`` is the change at fault, ``kind``
    the rule it breaks where callers word it their own way (``exists``, ``missing``,
    ``mismatch``, ``outside_zone``, ``cname_apex``, ``cname_conflict``, ``alias_target``),
    ``reason`` the service's words."""

    code = "invalid_change_batch"

    def __init__(self, index: int, change: dict[str, Any], reason: str, *, kind: str = "") -> None:
        self.change = change
        self.reason = reason
        self.kind = kind
        record = change.get("record_set") or {}
        what = f"{change.get('action', '?')} {record.get('name', '?')} {record.get('type', '?')}"
        if record.get("set_identifier"):
            what += f" [{record['set_identifier']}]"
        super().__init__(f"change {index} ({what}): {reason}")
        self.index = index


def whole_number(value: object, field: str, low: int, high: int, error: type[RentalError] = RentalError) -> int:
    """``value`` (a number, or digits as text) as an int from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise error(f"{field}: a whole number from {low} to {high}")
    try:
        number = int(value)
    except ValueError:
        raise error(f"{field}: a whole number from {low} to {high}") from None
    if not low <= number <= high:
        raise error(f"{field}: a whole number from {low} to {high}")
    return number
