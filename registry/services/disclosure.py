"""What a caller may see of a registry object, decided once for every entry point.

EPP, the REST API, RDAP and WHOIS render what these rules let through; none of them
decides on its own. A caller stands in one of three relations to an object:

- its **sponsor** (the registrar that holds it), or, for a transfer, either party;
- one who **holds its auth info** (gave the right one: the gaining registrar of a
  transfer, or the registrant's new registrar);
- **anyone else**: another registrar that gave no auth info, and every anonymous
  RDAP or WHOIS client.

A caller that gives a wrong auth info is refused (InvalidAuthorization: EPP 2202, REST
403 ``invalid_authorization``) rather than answered as anyone else, so a mistyped secret
never looks like a missing one.

| Object   | Sponsor / auth holder       | Anyone else                                               |
|----------|-----------------------------|-----------------------------------------------------------|
| domain   | everything, with auth info  | no auth info, no registrant handle; of the registrant     |
|          | and registrant              | only ``PUBLIC_CONTACT_FIELDS`` (RDAP shows them)           |
| contact  | everything, with auth info  | refused (NotSponsor); RDAP shows ``PUBLIC_CONTACT_FIELDS`` |
| host     | everything (hosts carry no secrets)                                                     |
| transfer | everything                  | refused (NotSponsor)                                      |

WHOIS, like a thin registry, shows no contact at all: less than the table allows.
"""

from __future__ import annotations

import enum
import secrets

from registry.errors import InvalidAuthorization
from registry.models import Contact, Registrar

# The registrant details anyone may see (RFC 9537 redaction keeps the rest back).
PUBLIC_CONTACT_FIELDS = ("state", "country_code")


class Viewer(enum.Enum):
    SPONSOR = "sponsor"
    AUTH_HOLDER = "auth holder"
    ANYONE = "anyone"

    @property
    def sees_secrets(self) -> bool:
        """Whether this caller sees the auth info and the registrant's handle and details."""
        return self is not Viewer.ANYONE


def viewer(
    registrar: Registrar | None, sponsors: tuple[int, ...], secret: str, auth_info: str | None, what: str
) -> Viewer:
    """How ``registrar`` (None: an anonymous client) stands to an object sponsored by (one
    of) ``sponsors`` whose auth info is ``secret``, having given ``auth_info`` (None: none).
    A wrong auth info raises InvalidAuthorization naming ``what``."""
    if registrar is not None and registrar.pk in sponsors:
        return Viewer.SPONSOR
    if auth_info is None:
        return Viewer.ANYONE
    if secrets.compare_digest(auth_info.encode(), secret.encode()):
        return Viewer.AUTH_HOLDER
    raise InvalidAuthorization(f"the auth info given for {what} is wrong")


def public_contact(contact: Contact) -> dict[str, str]:
    """The details of a contact anyone may see."""
    return {field: getattr(contact, field) for field in PUBLIC_CONTACT_FIELDS}
