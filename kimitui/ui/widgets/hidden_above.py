"""Messages far above the view, hidden behind one spacer of exactly their height.

Textual lays out every displayed widget of a container on each layout, and a
streaming reply causes many: with 200 turns above it, 25-30 ms each. Hidden
widgets (``display: none``) cost nothing there. ``HiddenAbove`` is the first
child of the transcript: it hides a run of messages from the top and takes
their place at the height they had, so nothing on screen or on the
scrollbar moves. It knows where each of them started, so it can show them
again a few at a time, from the bottom of the run, as the view comes near.

Heights are only valid at the width they were laid out at, and for messages
that do not change on their own: the transcript hides only settled ones and
shows everything again when its width changes.
"""

from __future__ import annotations

import bisect

from textual.widget import Widget


def box_top(widget: Widget) -> int:
    """Where ``widget``'s box, top margin included, starts in its container's content."""
    return widget.virtual_region.y - widget.styles.margin.top


class HiddenAbove(Widget):
    """Stands in for the messages hidden above the first shown one."""

    DEFAULT_CSS = """
    HiddenAbove {
        height: 0;
    }
    """

    def __init__(self) -> None:
        """Create the spacer, hiding nothing yet."""
        super().__init__()
        self.messages: list[Widget] = []
        """The hidden messages, oldest first."""
        self._tops: list[int] = []
        self.bottom = 0
        """Where the first message shown after the hidden ones starts (the spacer's height)."""

    def hide(self, messages: list[Widget], first_shown: Widget) -> None:
        """Hide ``messages``, which come right after those hidden already.

        Args:
            messages: laid-out messages, in order.
            first_shown: the message after them, which must not move.
        """
        # Measured before anything is hidden, from the last layout.
        self._tops.extend(box_top(message) for message in messages)
        # The spacer has no margin, so the first shown message's top margin is
        # its own again, whatever it collapsed with before.
        self.bottom = box_top(first_shown)
        self.styles.height = self.bottom
        for message in messages:
            message.display = False
        self.messages.extend(messages)

    def show_ending_below(self, y: float) -> None:
        """Show again every hidden message that ends below ``y``."""
        # A hidden message ends where the next one (or the first shown) starts.
        ends = [*self._tops[1:], self.bottom]
        first = bisect.bisect_right(ends, y)
        if first == len(self.messages):
            return
        shown = self.messages[first:]
        self.bottom = self._tops[first]
        del self.messages[first:], self._tops[first:]
        # The spacer shrinks in the same frame as they appear: the view does not move.
        self.styles.height = self.bottom
        for message in shown:
            message.display = True

    def show_all(self) -> None:
        """Show every hidden message again."""
        self.show_ending_below(-1)
