"""The foldable "thinking" block of a reasoning model's reply.

Reasoning streams in live above the answer, then folds away once the answer
starts; clicking its title (or Enter on it) unfolds it again. It is rendered
as Markdown through a ``MarkdownStream`` like the answer, so long reasoning
costs the same. Textual's ``Collapsible`` is not used because it scrolls
itself into view when toggled, which would release the transcript's anchor
in the middle of a reply.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream

from kimitui.textsafe import defuse
from kimitui.ui.widgets.reply_markdown import ReplyMarkdown


class ThinkingTitle(Static, can_focus=True):
    """The clickable title line of a ``ThinkingBlock``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space", "toggle_block", "Show/hide thinking", show=False),
    ]

    def action_toggle_block(self) -> None:
        """Fold or unfold the block this title belongs to."""
        if isinstance(self.parent, ThinkingBlock):
            self.parent.toggle()

    def on_click(self, event: events.Click) -> None:
        """Clicking the title toggles the block."""
        event.stop()
        self.action_toggle_block()


class ThinkingBlock(Vertical):
    """A reasoning model's thoughts: open while they stream, folded once the answer begins."""

    def __init__(self) -> None:
        """Create an empty, unfolded block."""
        super().__init__(classes="-streaming")
        self.heading = ThinkingTitle(markup=False)
        """The title line: an arrow and "Thinking…" or "Thoughts"."""
        self.body = ReplyMarkdown()
        """The rendered reasoning."""
        self.text = ""
        """The reasoning received so far."""
        self._label = "Thinking…"
        self._stream: MarkdownStream | None = None

    @property
    def collapsed(self) -> bool:
        """Whether the reasoning is folded away."""
        return self.has_class("-collapsed")

    def compose(self) -> ComposeResult:
        """The title, then the reasoning."""
        yield self.heading
        yield self.body

    def on_mount(self) -> None:
        """Draw the title."""
        self._draw_title()

    def toggle(self) -> None:
        """Fold the reasoning if it is shown, show it if it is folded."""
        self.set_class(not self.collapsed, "-collapsed")
        self._draw_title()

    async def write(self, fragment: str) -> None:
        """Append a piece of reasoning."""
        fragment = defuse(fragment)
        self.text += fragment
        if self._stream is None:
            self._stream = Markdown.get_stream(self.body)
        await self._stream.write(fragment)

    async def finish(self, *, collapse: bool) -> None:
        """Stop streaming and render the reasoning in its final form.

        Args:
            collapse: fold the block away (the answer has started).
        """
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
            await self.body.update(self.text)
        self.remove_class("-streaming")
        self._label = "Thoughts"
        self.set_class(collapse, "-collapsed")
        self._draw_title()

    async def abandon(self) -> None:
        """Stop the stream without rendering (the reply is being thrown away)."""
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()

    def _draw_title(self) -> None:
        arrow = "▶" if self.collapsed else "▼"
        self.heading.update(Content(f"{arrow} {self._label}"))
