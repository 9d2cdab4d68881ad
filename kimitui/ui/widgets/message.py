"""The two kinds of message in the transcript: what the user sent, and a reply.

A reply's text is model output, so it only ever goes through ``Markdown``
(never through markup), after terminal control characters are made visible.
While it streams, finished blocks are committed once and only the unfinished
tail is re-rendered (see ``AssistantMessage``); when it ends, one full parse
of the tail puts every block, code fences especially, in its exact final form.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Label, Markdown, Static
from textual.widgets.markdown import MarkdownBlock

from kimitui.chat.conversation import MessageState
from kimitui.markdown_blocks import split_finished
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
    """A reply: optional thinking, the Markdown answer, and a label if it did not finish.

    While a reply streams, fragments are rendered at most ``FLUSH_INTERVAL``
    seconds apart, however fast they arrive. Once a run of blocks is finished
    (``split_finished``: a blank line outside a fence, not inside a list), it
    is rendered once, from its complete source, as its own ``Markdown``
    widget, and the live ``Markdown`` (``body``) keeps only the unfinished
    tail. So every render parses only the tail, and finishing re-parses only
    the tail: the cost per delta no longer grows with the reply. (Textual's
    ``MarkdownStream`` re-renders as fast as fragments arrive and each render
    lays out the whole transcript; see benchmarks/README.md for the numbers.)
    """

    FLUSH_INTERVAL: ClassVar[float] = 0.05
    """Minimum seconds between two renders while streaming (20 a second)."""

    def __init__(self, text: str = "", *, classes: str | None = None) -> None:
        """Create a reply, empty unless ``text`` is given (a greeting or a saved reply).

        Args:
            text: Markdown to show from the start.
            classes: extra CSS classes.
        """
        super().__init__(classes=classes)
        self._parts: list[str] = [defuse(text)]
        self.body = Markdown(self._parts[0])
        """The live answer: the whole text when not streaming, the unfinished tail while it is."""
        self.thinking: ThinkingBlock | None = None
        """The reasoning block, once reasoning has arrived."""
        self.state_label = Label("", classes="state-label", markup=False)
        """Says why the reply is marked (waiting, interrupted, incomplete)."""
        self.state_label.display = False
        self._tail = self._parts[0]
        self._committed_chars = 0
        self._pending: list[str] = []
        self._bottoms: dict[Markdown, int] = {}
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None

    @property
    def text(self) -> str:
        """The reply's Markdown source received so far."""
        if len(self._parts) > 1:
            self._parts[:] = ["".join(self._parts)]
        return self._parts[0]

    def compose(self) -> ComposeResult:
        """The answer and the (hidden until needed) state label."""
        yield self.body
        yield self.state_label

    def on_mount(self) -> None:
        """A reply that starts empty says it is waiting, until text arrives."""
        if self.has_class("-streaming") and not self.text:
            self._label(MessageState.STREAMING)

    async def write(self, fragment: str) -> None:
        """Append a piece of the answer; it is on screen within ``FLUSH_INTERVAL``."""
        if self.state_label.display:
            self._label(None)
        if self.thinking is not None and self.thinking.has_class("-streaming"):
            await self.thinking.finish(collapse=True)
        fragment = defuse(fragment)
        self._parts.append(fragment)
        self._pending.append(fragment)
        if self._flusher is None:
            self.add_class("-streaming")
            self._stop.clear()
            # Held in self._flusher and awaited in finish()/abandon().
            self._flusher = asyncio.create_task(self._flush_loop())
        self._wake.set()

    async def write_reasoning(self, fragment: str) -> None:
        """Append a piece of reasoning, in a thinking block above the answer."""
        if self.state_label.display:
            self._label(None)
        if self.thinking is None:
            self.thinking = ThinkingBlock()
            await self.mount(self.thinking, before=self._first_answer_widget())
        self.add_class("-streaming")
        await self.thinking.write(fragment)

    async def finish(self, state: MessageState) -> None:
        """Stop streaming and show the reply in its final form, marked by ``state``.

        Args:
            state: how the reply ended: complete, interrupted or incomplete.
        """
        if self.thinking is not None and self.thinking.has_class("-streaming"):
            await self.thinking.finish(collapse=bool(self.text))
        await self._stop_flusher()
        self._pending.clear()
        # Committed runs were rendered from their complete source and are
        # exact already; one full parse of the tail makes the rest exact.
        await self._show_tail(self.text[self._committed_chars :], final=True)
        self.remove_class("-streaming")
        self.set_class(state is MessageState.INTERRUPTED, "-interrupted")
        self.set_class(state is MessageState.INCOMPLETE, "-incomplete")
        self._label(state)

    async def abandon(self) -> None:
        """Stop streaming without rendering (the reply is being thrown away)."""
        if self.thinking is not None:
            await self.thinking.abandon()
        await self._stop_flusher()

    async def _flush_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            await self._wake.wait()
            if self._stop.is_set():
                break
            started = loop.time()
            self._wake.clear()
            # Never cancelled mid-render: _stop_flusher sets _stop and awaits us.
            if self._pending:
                new = "".join(self._pending)
                self._pending.clear()
                await self._show_tail(self._tail + new, final=False, appended=new)
            wait = started + self.FLUSH_INTERVAL - loop.time()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), wait)

    async def _show_tail(self, tail: str, *, final: bool, appended: str | None = None) -> None:
        """Commit the finished runs of ``tail`` and show the rest in ``body``."""
        finished, rest = split_finished(tail)
        if finished:
            await self.mount(Markdown(finished, classes="-committed"), before=self.body)
            self._committed_chars += len(finished)
        if finished or final or appended is None:
            await self.body.update(rest)
        else:
            await self.body.append(appended)
        self._tail = rest
        self._join_margins()

    def _join_margins(self) -> None:
        """Give the gap between consecutive Markdown widgets the collapsed margin.

        Inside one ``Markdown`` the vertical margins of neighbouring blocks
        collapse to the larger one; across two widgets they would add up, and
        the streamed reply would not look like the same text rendered at once.
        """
        documents = [child for child in self.children if isinstance(child, Markdown)]
        for upper, lower in itertools.pairwise(documents):
            above = [c for c in upper.children if isinstance(c, MarkdownBlock)]
            below = [c for c in lower.children if isinstance(c, MarkdownBlock)]
            if not above or not below:
                continue
            last, first = above[-1], below[0]
            if upper not in self._bottoms:
                self._bottoms[upper] = last.styles.margin.bottom
                top, right, _, left = last.styles.margin
                last.styles.margin = (top, right, 0, left)
            gap = max(self._bottoms[upper], first.styles.margin.top)
            top, right, bottom, left = first.styles.margin
            if top != gap:
                first.styles.margin = (gap, right, bottom, left)

    async def _stop_flusher(self) -> None:
        if self._flusher is not None:
            flusher, self._flusher = self._flusher, None
            self._stop.set()
            self._wake.set()
            await flusher

    def _first_answer_widget(self) -> Widget:
        committed = [child for child in self.children if isinstance(child, Markdown)]
        return committed[0] if committed else self.body

    def _label(self, state: MessageState | None) -> None:
        text = STATE_LABELS.get(state, "") if state is not None else ""
        self.state_label.update(Content(text))
        self.state_label.display = bool(text)
