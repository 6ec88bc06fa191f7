"""DNS UPDATE and TSIG keys for run_dns: plain functions its server calls off the event loop
(and off the listeners' threads): ``apply`` with an UPDATE message, returning the reply to
send, and ``keyring``, which finds the key a signed message names. The message
is read and signed by ``resolver.dns.wire.update``; what it does to the zone is the rental
service's (``rental.apply_dns_update``)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import dns.message
import dns.name
import dns.rcode
import dns.tsig
import dns.update
from django.db import close_old_connections

from resolver import rental, services
from resolver.dns.wire import tsig, update
from resolver.models import HostedZone, TsigKey

log = logging.getLogger(__name__)


def apply(wire: bytes, zone_key: Callable[[dns.name.Name], str | None], client: str = "") -> bytes:
    """Act on the UPDATE in ``wire`` and answer it. ``zone_key`` gives the zone store's key
    of the zone of that name served where the message arrived (None: not served there)."""
    close_old_connections()
    keys: dict[dns.name.Name, TsigKey] = {}

    def remembering(message: dns.message.Message, name: dns.name.Name) -> dns.tsig.Key | None:
        key = rental.find_tsig_key(name)
        if key is None:
            return None
        keys[name] = key
        return dns.tsig.Key(name, key.secret, key.algorithm)

    try:
        message = update.read(wire, remembering)
    except tsig.Refusal as refusal:
        log.info("UPDATE from %s refused: %s", client, refusal.reason)
        return refusal.reply
    zone_name = message.zone[0].name.canonicalize()
    key = keys.get(message.keyname) if message.had_tsig and message.keyname else None
    rcode, reason = _act(message, zone_name, zone_key(zone_name), key)
    if rcode == dns.rcode.NOERROR:
        log.info("UPDATE of %s from %s: %s", zone_name, client, reason)
    else:
        log.info("UPDATE of %s from %s answered %s: %s", zone_name, client, dns.rcode.to_text(rcode), reason)
    return update.reply(message, rcode)


def keyring(message: dns.message.Message, name: dns.name.Name) -> dns.tsig.Key | None:
    """The key a signed message names (run_dns checks signed queries, NOTIFYs and transfers
    with it, off its listeners), or None."""
    configured = services.configured_tsig_keys().get(name)  # the operator's secondaries'
    if configured is not None:
        return configured
    close_old_connections()
    key = rental.find_tsig_key(name)
    return None if key is None else dns.tsig.Key(name, key.secret, key.algorithm)


def _act(
    message: dns.update.UpdateMessage, zone_name: dns.name.Name, zone_key: str | None, key: TsigKey | None
) -> tuple[dns.rcode.Rcode, str]:
    if zone_key is None:
        return dns.rcode.NOTAUTH, f"{zone_name} is not served here"
    if not HostedZone.objects.filter(pk=zone_key).exists():
        return dns.rcode.REFUSED, f"{zone_name} is not a hosted zone: only hosted zones take updates"
    if key is None:
        return dns.rcode.REFUSED, "unsigned: an update must be signed with one of the zone's TSIG keys"
    if key.zone_id != zone_key:
        return dns.rcode.REFUSED, f"the key {key.name} is not one of this zone's"
    try:
        change = rental.apply_dns_update(
            zone_key, message.prerequisite, message.update, comment=f"DNS UPDATE signed with {key.name}"
        )
    except rental.UpdateFailed as exc:
        return exc.rcode, exc.message
    except rental.RentalError as exc:  # a rule of the rental service: the change batch is refused
        return dns.rcode.REFUSED, exc.message
    return dns.rcode.NOERROR, f"change {change.id}" if change else "nothing to change"
