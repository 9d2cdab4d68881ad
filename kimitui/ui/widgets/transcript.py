"""The scrolling transcript: every message, reply and notice of one conversation.

It is anchored: it follows new text at the bottom until the user scrolls
away, and sending a new message anchors it again. The message widgets are
imported when the first message is added: they bring in Markdown (its parser
and Pygments), which a new, empty chat does not need for its first frame.

Messages far above the view are hidden behind a spacer of exactly their
height (see ``HiddenAbove``), so that a layout, which a streaming reply causes
many of, costs what it costs in a short chat. They are shown again before the
view comes near them, and all of them whenever the width changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.containers import VerticalScroll
from textual.widget import Widget

from kimitui.ui.widgets.hidden_above import HiddenAbove
from kimitui.ui.widgets.notice import Notice, NoticeKind

if TYPE_CHECKING:
    from kimitui.ui.widgets.message import AssistantMessage, UserMessage


class Transcript(VerticalScroll):
    """The conversation so far, oldest first."""

    KEEP_SCREENS: ClassVar[int] = 2
    """Messages within this many screen heights above the view are never hidden."""

    RETRY_DELAY: ClassVar[float] = 0.5
    """Seconds before trying again to hide messages that were not settled yet."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        """Create an empty transcript."""
        super().__init__(id=id, classes=classes)
        self._above: HiddenAbove | None = None
        self._hide_scheduled = False
        self._clearing = False
        self._width = 0

    @property
    def hidden(self) -> list[Widget]:
        """The messages hidden far above the view, oldest first."""
        return [] if self._above is None else list(self._above.messages)

    def on_mount(self) -> None:
        """Start following the bottom."""
        self.anchor()

    def on_resize(self) -> None:
        """Show hidden messages again at a new width: their heights there are unknown."""
        if self.size.width != self._width:
            self._width = self.size.width
            self.show_hidden()
            self._schedule_hide()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Show hidden messages before the view reaches them; hide more back at the bottom."""
        super().watch_scroll_y(old_value, new_value)
        above = self._above
        if above is not None and new_value < above.bottom + self.size.height:
            if new_value < above.bottom:
                self._show_near_view()  # Jumped among them: in this frame.
            else:
                # Near them: once this scroll is drawn. Shown in the same
                # callback, a small scroll step was sometimes not drawn at all
                # (seen with the mouse wheel in a real terminal).
                self.call_after_refresh(self._show_near_view)
        elif new_value >= self.max_scroll_y:
            self._schedule_hide()

    async def add_user(self, text: str) -> UserMessage:
        """Show a message the user sent, and follow the reply that comes next."""
        from kimitui.ui.widgets.message import UserMessage

        message = UserMessage(text)
        await self.mount(message)
        self.anchor()
        self._schedule_hide()
        return message

    async def start_reply(self) -> AssistantMessage:
        """Add an empty reply for the worker to stream into."""
        from kimitui.ui.widgets.message import AssistantMessage

        reply = AssistantMessage(classes="-streaming")
        await self.mount(reply)
        return reply

    async def add_greeting(self, text: str) -> AssistantMessage:
        """Show a persona's greeting, rendered like a reply (it is never sent)."""
        from kimitui.ui.widgets.message import AssistantMessage

        greeting = AssistantMessage(text, classes="-greeting")
        await self.mount(greeting)
        return greeting

    async def add_notice(
        self, text: str, *, kind: NoticeKind = "info", before: Widget | None = None
    ) -> Notice:
        """Add a line of text (shown verbatim, never as markup).

        Args:
            text: the sentence.
            kind: how it is styled.
            before: put it above this widget (a reply still waiting for text)
                instead of at the end.
        """
        notice = Notice(text, kind=kind)
        await self.add(notice, before=before)
        return notice

    async def add(self, widget: Widget, *, before: Widget | None = None) -> None:
        """Add any other line, such as a retry countdown, at the end or above ``before``."""
        if before is not None and before.parent is self:
            if before in self.hidden:
                self.show_hidden()
            await self.mount(widget, before=before)
        else:
            await self.mount(widget)

    async def clear(self) -> None:
        """Remove everything, for a fresh conversation."""
        self._above = None
        # A hide pending meanwhile must not measure (or mount a spacer among)
        # the messages being removed.
        self._clearing = True
        try:
            await self.remove_children()
        finally:
            self._clearing = False
        self.anchor()

    def show_hidden(self) -> None:
        """Show every hidden message again, in the same frame as the spacer goes."""
        above, self._above = self._above, None
        if above is None:
            return
        above.show_all()
        # Not displayed from now: removal completes later, and one frame with
        # both the spacer and the messages would show the view jump.
        above.display = False
        above.remove()

    def _show_near_view(self) -> None:
        """Show the hidden messages that end within ``KEEP_SCREENS`` screens above the view."""
        above = self._above
        if above is None:
            return
        above.show_ending_below(self.scroll_y - self.KEEP_SCREENS * self.size.height)
        if not above.messages:
            self.show_hidden()

    def _schedule_hide(self) -> None:
        """Hide what is far above the view, once the next layout has placed everything."""
        if not self._hide_scheduled:
            self._hide_scheduled = True
            self.call_after_refresh(self._hide_far_above)

    def _hide_far_above(self) -> None:
        """Hide the settled messages ending ``KEEP_SCREENS`` screens or more above the view."""
        self._hide_scheduled = False
        if self._clearing or not self.is_attached or not self.size.height:
            return
        if not self.children:
            # Nothing to hide; and the empty chat's first frames do not wait
            # for the import of the message widgets (and Markdown) below.
            return
        from kimitui.ui.widgets.message import AssistantMessage

        if self.screen.selections:
            # A selection being made or copied covers only displayed widgets.
            return
        limit = self.scroll_y - self.KEEP_SCREENS * self.size.height
        newly: list[Widget] = []
        for child in self.children:
            if child is self._above or not child.display:  # Or hidden already.
                continue
            # Only what was laid out as it is now (a widget not placed yet has
            # no region) and keeps its height while hidden: a reply still
            # streaming or being frozen, or with lines being rendered, would
            # change it, and so could keys sent to a focused one.
            settled = not isinstance(child, AssistantMessage) or child.is_settled
            placed = settled and child.is_on_screen and not child.has_focus_within
            if not placed or child.virtual_region_with_margin.bottom > limit:
                if not placed and child.virtual_region_with_margin.bottom <= limit:
                    # Far above but not settled yet (a saved reply still being
                    # rendered, say): try again shortly.
                    self.set_timer(self.RETRY_DELAY, self._schedule_hide)
                # The first message shown must have been placed: it says
                # how tall the hidden ones are.
                if newly and child.is_on_screen:
                    if self._above is None:
                        self._above = HiddenAbove()
                        self.mount(self._above, before=0)
                    self._above.hide(newly, first_shown=child)
                return
            newly.append(child)
