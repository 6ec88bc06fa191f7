"""``manage.py clock show|advance 45d|set 2027-01-01T00:00Z``: read or move the emulator clock."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config import clock


def _stamp(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Command(BaseCommand):
    help = "Show the emulator clock, or move it forward running every sweep that falls due on the way."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("show", help="the emulator time, its offset and the next due work")
        advance = sub.add_parser("advance", help="move forward by a duration: 45d, 12h, 1d12h, 2w, 1y (365 days)")
        advance.add_argument("duration")
        to = sub.add_parser("set", help="move forward to a moment: 2027-01-01T00:00Z (never backward)")
        to.add_argument("moment")

    def handle(self, *args, action, **options):
        try:
            if action == "show":
                return self._show()
            if action == "advance":
                target = clock.now() + clock.parse_duration(options["duration"])
            else:
                target = clock.parse_moment(options["moment"])
            self.stdout.write(
                f"moving from {_stamp(clock.now())} to {_stamp(target)}: each step runs the work due then "
                f"and waits up to {settings.CLOCK_SETTLE_TIMEOUT:g} s for it"
            )
            self.stdout.flush()
            clock.advance_to(target, on_step=self._report)
        except clock.ClockError as exc:
            raise CommandError(str(exc)) from None
        self._show()

    def _report(self, step: clock.Step) -> None:
        work = ", ".join(f"{name} {count}" for name, count in step.ran.items())
        line = f"{_stamp(step.at)}  {work}"
        if step.unsettled:
            line += f"  (still busy after the wait: {', '.join(step.unsettled)})"
        self.stdout.write(line)
        self.stdout.flush()

    def _show(self):
        self.stdout.write(f"now     {_stamp(clock.now())}")
        self.stdout.write(f"offset  {clock.offset()}")
        due = clock.next_due()
        self.stdout.write(f"next    {_stamp(due) if due else 'nothing due'}")
