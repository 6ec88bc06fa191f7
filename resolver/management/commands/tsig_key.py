from django.core.management.base import BaseCommand, CommandError

from resolver import rental


class Command(BaseCommand):
    help = (
        "Print a TSIG key of a hosted zone in BIND's key-file format, which `nsupdate -k FILE` takes to send"
        " DNS UPDATE messages (RFC 2136) to the zone's nameservers. The zone's first key, made if it has none;"
        " --new makes another."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("zone", help="the hosted zone's name (example.com) or id (Z0...)")
        parser.add_argument("--new", action="store_true", help="make a new key even if the zone has one")
        parser.add_argument("--name", default="", help="the new key's name (default: update.<zone>)")
        parser.add_argument(
            "--algorithm", default="", help="the new key's algorithm: hmac-sha256 (default), hmac-sha384, hmac-sha512"
        )

    def handle(self, *args, **options) -> None:
        try:
            zone = rental.hosted_zone_named(options["zone"])
            key = rental.zone_tsig_key(zone, new=options["new"], name=options["name"], algorithm=options["algorithm"])
        except rental.RentalError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(rental.key_file(key), ending="")
