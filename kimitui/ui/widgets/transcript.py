"""The scrolling transcript: every message, reply and notice of one conversation.

It is anchored: it follows new text at the bottom until the user scrolls
away, and sending a new message anchors it again. The message widgets are
imported when the first message is added: they bring in Markdown (its parser
and Pygments), which a new, empty chat does not need for its first frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import VerticalScroll
from textual.widget import Widget

from kimitui.ui.widgets.notice import Notice, NoticeKind

if TYPE_CHECKING:
    from kimitui.ui.widgets.message import AssistantMessage, UserMessage


class Transcript(VerticalScroll):
    """The conversation so far, oldest first."""

    def on_mount(self) -> None:
        """Start following the bottom."""
        self.anchor()

    async def add_user(self, text: str) -> UserMessage:
        """Show a message the user sent, and follow the reply that comes next."""
        from kimitui.ui.widgets.message import UserMessage

        message = UserMessage(text)
        await self.mount(message)
        self.anchor()
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
            await self.mount(widget, before=before)
        else:
            await self.mount(widget)

    async def clear(self) -> None:
        """Remove everything, for a fresh conversation."""
        await self.remove_children()
        self.anchor()
