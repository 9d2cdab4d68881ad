"""The two kinds of message in the transcript: what the user sent, and a reply.

A reply's text is model output, so it only ever goes through ``Markdown``
(never through markup), after terminal control characters are made visible.
While it streams, fragments go through one ``MarkdownStream``, which
coalesces them and re-parses only the tail; when it ends, one full update
puts every block, code fences especially, in its exact final form.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Label, Markdown, Static
from textual.widgets.markdown import MarkdownStream

from kimitui.chat.conversation import MessageState
from kimitui.textsafe import defuse
from kimitui.ui.widgets.thinking import ThinkingBlock

STATE_LABELS = {
    MessageState.STREAMING: "waiting for Kimi…",
    MessageState.INTERRUPTED: "interrupted",
    MessageState.INCOMPLETE: "incomplete — the reply broke off",
}
"""The small label under a reply that did not finish normally."""


class UserMessage(Static):
    """A message the user sent, shown verbatim."""

    def __init__(self, text: str) -> None:
        """Create the message.

        Args:
            text: what the user typed.
        """
        super().__init__(Content(text), markup=False)
        self.text = text
        """The message's text."""


class AssistantMessage(Vertical):
    """A reply: optional thinking, the Markdown answer, and a label if it did not finish."""

    def __init__(self, text: str = "", *, classes: str | None = None) -> None:
        """Create a reply, empty unless ``text`` is given (a greeting).

        Args:
            text: Markdown to show from the start.
            classes: extra CSS classes.
        """
        super().__init__(classes=classes)
        self.text = defuse(text)
        """The reply's Markdown source received so far."""
        self.body = Markdown(self.text)
        """The rendered answer."""
        self.thinking: ThinkingBlock | None = None
        """The reasoning block, once reasoning has arrived."""
        self.state_label = Label("", classes="state-label", markup=False)
        """Says why the reply is marked (waiting, interrupted, incomplete)."""
        self.state_label.display = False
        self._stream: MarkdownStream | None = None

    def compose(self) -> ComposeResult:
        """The answer and the (hidden until needed) state label."""
        yield self.body
        yield self.state_label

    def on_mount(self) -> None:
        """A reply that starts empty says it is waiting, until text arrives."""
        if self.has_class("-streaming") and not self.text:
            self._label(MessageState.STREAMING)

    async def write(self, fragment: str) -> None:
        """Append a piece of the answer."""
        if self.state_label.display:
            self._label(None)
        if self.thinking is not None and self.thinking.has_class("-streaming"):
            await self.thinking.finish(collapse=True)
        fragment = defuse(fragment)
        self.text += fragment
        if self._stream is None:
            self.add_class("-streaming")
            self._stream = Markdown.get_stream(self.body)
        await self._stream.write(fragment)

    async def write_reasoning(self, fragment: str) -> None:
        """Append a piece of reasoning, in a thinking block above the answer."""
        if self.state_label.display:
            self._label(None)
        if self.thinking is None:
            self.thinking = ThinkingBlock()
            await self.mount(self.thinking, before=self.body)
        self.add_class("-streaming")
        await self.thinking.write(fragment)

    async def finish(self, state: MessageState) -> None:
        """Stop streaming and show the reply in its final form, marked by ``state``.

        Args:
            state: how the reply ended: complete, interrupted or incomplete.
        """
        if self.thinking is not None and self.thinking.has_class("-streaming"):
            await self.thinking.finish(collapse=bool(self.text))
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        # One full parse, so blocks the stream left half-built are exact.
        await self.body.update(self.text)
        self.remove_class("-streaming")
        self.set_class(state is MessageState.INTERRUPTED, "-interrupted")
        self.set_class(state is MessageState.INCOMPLETE, "-incomplete")
        self._label(state)

    async def abandon(self) -> None:
        """Stop the streams without rendering (the reply is being thrown away)."""
        if self.thinking is not None:
            await self.thinking.abandon()
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()

    def _label(self, state: MessageState | None) -> None:
        text = STATE_LABELS.get(state, "") if state is not None else ""
        self.state_label.update(Content(text))
        self.state_label.display = bool(text)
