"""Registrar services: the retail registrar's rules, one module per concern.

- ``errors``: CheckoutError and TransientPaymentError.
- ``quotes``: quotes and the search page, and what renewals, transfers and restores cost.
- ``holdings``: who holds a name with us, and where a held domain stands.
- ``checkout``: orders (register, renew, restore, transfer in), saved and charged at once.
- ``charging``: the card charge and what its outcome means for the order.
- ``commands``: the registry commands of order lines, and sending them.
- ``pipeline``: the order pipeline after checkout (see its docstring), and its recovery sweep.
- ``domain_requests``: free requests about a held domain (auth code, transfer lock).
- ``lifecycle``: the registrar's sweeps of the emulator clock: renewal reminders,
  auto-renew, and the registry's poll messages.
- ``contacts``: a held domain's contacts by role, checked by the registry's rules.
- ``operations``: every order line and domain request as an operation of its owner's
  (Route 53 Domains' GetOperationDetail and ListOperations).
- ``management``: what an owner does through an API that names no card (Route 53
  Domains): orders charged to the card on file, a held domain's settings, tags, billing.
  Its adapters import it as a module (``from registrar.services import management``).

Callers use this package (``from registrar import services``; ``services.place_order``):
what the app, its tasks and its tests call is re-exported here. Helpers the modules share
among themselves (the charge steps, sending commands) are imported from the module that
owns them.
"""

from registrar.services.checkout import MAX_LINES, place_order, place_renewal, place_restore, place_transfer
from registrar.services.commands import (
    PROCESS_ORDER_TASK,
    REGISTRY_COMMAND_TASK,
    RESTORE_STATEMENTS,
    RESULT_TASK,
    registry_command,
)
from registrar.services.domain_requests import (
    REQUEST_RESULT_TASK,
    apply_request_result,
    request_command,
    request_domain_change,
)
from registrar.services.errors import CheckoutError, TransientPaymentError
from registrar.services.holdings import Standing, holds_any, standing
from registrar.services.lifecycle import (
    POLL_RESULT_TASK,
    apply_message,
    apply_poll_reply,
    auto_renew,
    auto_renew_busy,
    auto_renew_due,
    auto_renew_next_due,
    card_for,
    poll_busy,
    register_sweeps,
    reminders_next_due,
    send_reminders,
    start_poll,
)
from registrar.services.pipeline import (
    apply_registry_result,
    dispatch_order,
    process_order,
    recover_stuck_work,
    settle_transfer,
    tell_auto_renew_failed,
)
from registrar.services.quotes import (
    VARIANT_FORMS,
    Price,
    Quote,
    Search,
    quote,
    renewal_cost,
    renewal_price,
    restore_price,
    search,
    transfer_cost,
)

__all__ = [
    "MAX_LINES",
    "POLL_RESULT_TASK",
    "PROCESS_ORDER_TASK",
    "REGISTRY_COMMAND_TASK",
    "REQUEST_RESULT_TASK",
    "RESTORE_STATEMENTS",
    "RESULT_TASK",
    "VARIANT_FORMS",
    "CheckoutError",
    "Price",
    "Quote",
    "Search",
    "Standing",
    "TransientPaymentError",
    "apply_message",
    "apply_poll_reply",
    "apply_registry_result",
    "apply_request_result",
    "auto_renew",
    "auto_renew_busy",
    "auto_renew_due",
    "auto_renew_next_due",
    "card_for",
    "dispatch_order",
    "holds_any",
    "place_order",
    "place_renewal",
    "place_restore",
    "place_transfer",
    "poll_busy",
    "process_order",
    "quote",
    "recover_stuck_work",
    "register_sweeps",
    "registry_command",
    "reminders_next_due",
    "renewal_cost",
    "renewal_price",
    "request_command",
    "request_domain_change",
    "restore_price",
    "search",
    "send_reminders",
    "settle_transfer",
    "standing",
    "start_poll",
    "tell_auto_renew_failed",
    "transfer_cost",
]
