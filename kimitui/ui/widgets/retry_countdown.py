"""The live "retrying in N s" line shown while the session waits to resend.

The session sleeps inside its event stream, so the reply worker is blocked
and cannot redraw; this widget counts down on its own timer instead.
"""

from __future__ import annotations

import math
import time

from textual.content import Content
from textual.widgets import Static


class RetryCountdown(Static):
    """Shows "<reason> — retrying in N s (attempt a/m) · Esc to cancel", updated each second."""

    def __init__(self, reason: str, delay: float, attempt: int, max_attempts: int) -> None:
        """Create the countdown.

        Args:
            reason: why the request is resent ("Rate limited").
            delay: seconds until the resend.
            attempt: which retry this is, from 1.
            max_attempts: how many retries are allowed in all.
        """
        super().__init__(markup=False)
        self.reason = reason
        self.attempt = attempt
        self.max_attempts = max_attempts
        self._deadline = time.monotonic() + delay

    @property
    def seconds_left(self) -> int:
        """Whole seconds until the resend, rounded up."""
        return max(0, math.ceil(self._deadline - time.monotonic()))

    def on_mount(self) -> None:
        """Draw the first line and start ticking."""
        self._tick()

    def _tick(self) -> None:
        left = self._deadline - time.monotonic()
        if left > 0:
            # Wake when the whole number shown changes, not on a fixed beat
            # that would lag behind it by up to a second.
            self.set_timer((left % 1.0) + 0.01, self._tick)
        self.update(
            Content(
                f"{self.reason} — retrying in {self.seconds_left} s "
                f"(attempt {self.attempt}/{self.max_attempts}) · Esc to cancel"
            )
        )
