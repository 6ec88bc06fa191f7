from django.core.management.base import BaseCommand, CommandError

from resolver.dns.authoritative.zone import CompiledZone
from resolver.dns.wire import records as rr
from resolver.models import Zone


class Command(BaseCommand):
    help = (
        "Print a published zone as an RFC 1035 master file (named-checkzone accepts it); a routed record set"
        " appears as the union of its healthy members."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("zone", help="zone name, like com or example.com ('.' for the root)")

    def handle(self, *args, **options) -> None:
        try:
            origin = rr.zone_name(options["zone"])
        except rr.BadRecord as exc:
            raise CommandError(str(exc)) from None
        zone = Zone.objects.filter(name=origin.to_text()).first()
        if zone is None:
            known = ", ".join(Zone.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"zone {origin} is not published (published: {known})")
        compiled = CompiledZone(origin, zone.serial, zone.records, zone.routed)
        self.stdout.write(rr.master_file(origin, compiled.transfer_nodes()), ending="")
