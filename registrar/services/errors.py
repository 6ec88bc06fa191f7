"""The registrar's own errors: a checkout (or request) the shop refuses, and a card
processor failure worth retrying."""

from __future__ import annotations


class CheckoutError(Exception):
    """A checkout that cannot be accepted; ``errors`` maps a field path to the reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class TransientPaymentError(Exception):
    """The card processor failed in a way worth retrying."""
