"""Where the emulator clock keeps its one value, shared by every process."""

from datetime import timedelta

from django.db import models


class EmulatorClock(models.Model):
    """The single row holding how far the emulator clock runs ahead of the system clock.

    The clock reads system time plus ``offset``, so it keeps ticking in normal running;
    moving it forward only ever grows ``offset``.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    offset = models.DurationField(default=timedelta(0))
    moved_at = models.DateTimeField(null=True, blank=True, help_text="System time of the last move.")

    class Meta:
        verbose_name = "emulator clock"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="emulator_clock_single_row")]

    def __str__(self) -> str:
        return f"emulator clock (+{self.offset})"
