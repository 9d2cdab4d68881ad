"""The two kinds of message in the transcript: what the user sent, and a reply.

A reply's text is model output, so it only ever goes through ``Markdown``
(never through markup), after terminal control characters are made visible.
While it streams, finished blocks are committed once and only the unfinished
tail is re-rendered (see ``AssistantMessage``); when it ends, one full parse
of the tail puts every block, code fences especially, in its exact final form.
Whatever is finished is then frozen: kept as rendered lines in one
``FrozenMarkdown``, so the transcript holds a few widgets per message
however long the conversation gets.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.errors import NoWidget
from textual.widget import Widget
from textual.widgets import Label, Markdown, Static
from textual.widgets.markdown import MarkdownBlock

from kimitui.chat.conversation import MessageState
from kimitui.markdown_blocks import split_finished
from kimitui.textsafe import defuse
from kimitui.ui.widgets.capture import capture, is_ready, top_blocks
from kimitui.ui.widgets.freezer import Freezer
from kimitui.ui.widgets.frozen import FrozenMarkdown
from kimitui.ui.widgets.live_markdown import LiveMarkdown
from kimitui.ui.widgets.reply_markdown import ReplyMarkdown
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
    widget, and the live ``Markdown`` (the tail) keeps only the unfinished
    rest. So every render parses only the tail, and finishing re-parses only
    the tail: the cost per delta no longer grows with the reply.

    Textual lays out every widget of the transcript on every refresh, so
    block widgets are not kept either: as soon as a committed run has been
    laid out, the app's ``Freezer`` captures its lines into ``frozen`` (one
    ``FrozenMarkdown``) and removes its widgets; when the reply ends, the
    tail follows. The margins where two documents meet are set to the
    collapsed margin, so the result looks exactly like the whole text
    rendered by one ``Markdown``. A reply given its text whole is rendered
    at once and frozen the same way, or, if ``lazy``, goes straight into
    ``frozen``, which renders it when it comes into view.
    """

    FLUSH_INTERVAL: ClassVar[float] = 0.03
    """Minimum seconds between two renders while streaming (at most 33 a second)."""

    SHOWN_CHARS: ClassVar[int] = 4_000
    """When more finished text than twice this arrives at once, only about this
    much of its end is rendered (a screenful or more); the rest is far above
    the end, out of view, and is rendered only if it is scrolled to."""

    def __init__(self, text: str = "", *, lazy: bool = False, classes: str | None = None) -> None:
        """Create a reply, empty unless ``text`` is given (a greeting or a saved reply).

        Args:
            text: Markdown to show from the start.
            lazy: render ``text`` only once it comes into view (until then it
                is blank lines of about its height), instead of at once. For
                loading many replies: hundreds of replies rendered at once
                mount thousands of widgets.
            classes: extra CSS classes.
        """
        super().__init__(classes=classes)
        self._parts: list[str] = [defuse(text)]
        lazy = lazy and bool(text)
        self.frozen = FrozenMarkdown(self._parts[0] if lazy else "")
        """The finished part of the answer, as rendered lines; all of it once finished."""
        self._tail_view: LiveMarkdown | None = None if lazy else LiveMarkdown(self._parts[0])
        self.thinking: ThinkingBlock | None = None
        """The reasoning block, once reasoning has arrived."""
        self.state_label = Label("", classes="state-label", markup=False)
        """Says why the reply is marked (waiting, interrupted, incomplete)."""
        self.state_label.display = False
        self._tail = "" if lazy else self._parts[0]
        self._committed_chars = len(self._parts[0]) if lazy else 0
        self._pending: list[str] = []
        self._committed: list[Markdown] = []
        # A streamed tail is final once finish() has rendered it whole.
        self._final = bool(text)
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._abandoned = False
        self._streamed = False

    @property
    def text(self) -> str:
        """The reply's Markdown source received so far."""
        if len(self._parts) > 1:
            self._parts[:] = ["".join(self._parts)]
        return self._parts[0]

    @property
    def body(self) -> Markdown | FrozenMarkdown:
        """The answer's last part: the live tail while streaming, ``frozen`` once frozen.

        Either way ``body.source`` is the Markdown it shows: the unfinished
        tail while streaming, the whole answer once the reply is frozen.
        """
        return self.frozen if self._tail_view is None else self._tail_view

    @property
    def is_frozen(self) -> bool:
        """Whether the whole answer is in ``frozen`` (shortly after it is final and laid out)."""
        return self._tail_view is None and not self._committed

    @property
    def is_settled(self) -> bool:
        """Whether the reply keeps its height until the width changes.

        It does once it is frozen, no lines of it are being rendered, and its
        height was measured since they last changed.
        """
        frozen = self.frozen
        return (
            self.is_frozen
            and not self._lock.locked()
            and not frozen.is_restaging
            and frozen.is_laid_out
        )

    def compose(self) -> ComposeResult:
        """The answer and the (hidden until needed) state label."""
        yield self.frozen
        if self._tail_view is not None:
            yield self._tail_view
        yield self.state_label

    def on_mount(self) -> None:
        """A reply that starts empty says it is waiting, until text arrives."""
        if self.has_class("-streaming") and not self.text:
            self._label(MessageState.STREAMING)
        if self._final:
            self._schedule_freeze()

    def on_frozen_markdown_rendered(self, event: FrozenMarkdown.Rendered) -> None:
        """Join the live documents to the frozen part's last margin, now that it is known."""
        event.stop()
        self._join_margins()

    async def write(self, fragment: str) -> None:
        """Append a piece of the answer; it is on screen within ``FLUSH_INTERVAL``."""
        if self.state_label.display:
            self._label(None)
        if self.thinking is not None and self.thinking.has_class("-streaming"):
            await self.thinking.finish(collapse=True)
        if self._final:
            raise RuntimeError("a reply takes no more text once it has its final form")
        self._streamed = True
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
            await self.mount(self.thinking, before=self.frozen)
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
        if not self._final:
            # Committed runs were rendered from their complete source and are
            # exact already; one full parse of the tail makes the rest exact.
            await self._show_tail(self.text[self._committed_chars :], final=True)
            self._final = True
        # Textual restyles a node's whole subtree when its classes change: up
        # to hundreds of blocks not frozen yet (90 ms after a fast 5k reply).
        # These classes style only the reply's border and its label (app.tcss).
        self.remove_class("-streaming", update=False)
        self.set_class(state is MessageState.INTERRUPTED, "-interrupted", update=False)
        self.set_class(state is MessageState.INCOMPLETE, "-incomplete", update=False)
        self.app.stylesheet.update_nodes([self, self.state_label], animate=False)
        self._label(state)
        # The final form is on screen already, so the reply is done; freezing
        # it, once laid out, changes no cell.
        self._schedule_freeze()

    async def abandon(self) -> None:
        """Stop streaming without rendering (the reply is being thrown away)."""
        if self.thinking is not None:
            await self.thinking.abandon()
        await self._stop_flusher()
        self._abandoned = True

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
        """Commit the finished runs of ``tail`` and show the rest in the live tail."""
        async with self._lock:
            view = self._tail_view
            assert view is not None, "the tail is only frozen once final"
            finished, rest = split_finished(tail)
            behind, finished = _split_behind(finished, self.SHOWN_CHARS)
            # No frame of a half-done change: drawn after a committed run is
            # mounted but before the tail is shortened, it would show it twice.
            with _one_frame(self):
                if final and not behind:
                    # Nothing to commit for: no render follows. The tail's
                    # blocks are kept where they are already exact.
                    await view.finish(tail)
                    finished, rest = "", tail
                else:
                    if behind:
                        await self._defer(behind)
                    if finished:
                        committed = ReplyMarkdown(finished, classes="-committed")
                        await self.mount(committed, before=view)
                        self._committed.append(committed)
                        self._committed_chars += len(finished)
                    if finished or final or appended is None:
                        await view.update(rest)
                    else:
                        await view.append(appended)
                self._tail = rest
                self._join_margins()
        if finished:
            self._schedule_freeze()

    async def _defer(self, source: str) -> None:
        """Put ``source``, after the committed runs not frozen yet, into ``frozen`` unrendered.

        Called with the lock held, when text arrives faster than it can be
        rendered: it is far above the end, out of view, and rendered only
        if it is scrolled to. The committed runs go too, so that ``frozen``
        keeps the text in order (their widgets' work is thrown away).
        """
        stale, self._committed = self._committed, []
        self.frozen.extend_source("".join(document.source for document in stale) + source)
        self._committed_chars += len(source)
        if stale:
            await self.remove_children(stale)

    def freezable(self) -> list[Markdown]:
        """The documents that may be frozen, in order: committed runs, then a final tail."""
        if self._abandoned:
            return []
        if self._final and self._tail_view is not None:
            return [*self._committed, self._tail_view]
        return list(self._committed)

    async def freeze(self, documents: list[Markdown]) -> None:
        """Capture laid-out ``documents`` (a prefix of ``freezable()``) into ``frozen``.

        Their widgets are removed; the caller batches the screen update, so
        the lines appear as the widgets go, not a frame apart.
        """
        if self._lock.locked() or not self.is_attached:
            # Being rendered (the next pass comes back), or gone: nothing to wait for,
            # and waiting would hold the caller's batch, so the whole screen, meanwhile.
            return
        async with self._lock:
            theme = self.app.theme
            done: list[Markdown] = []
            # Re-checked under the lock: the tail may have been re-rendered meanwhile.
            # A streamed reply is kept whole: it was just read, or is about to be
            # (scrolling back up through it must not wait). Of text given whole
            # (a saved chat), lines off screen are only counted, and drawn if
            # scrolled to.
            keep = None if self._streamed else self.screen.region
            for document, expected in zip(self.freezable(), documents, strict=False):
                if document is not expected or not is_ready(document):
                    break
                try:
                    rendering = capture(document, theme, keep=keep)
                except NoWidget:
                    break  # Not placed after all (a layout is due): next pass.
                self.frozen.append(document.source, rendering)
                done.append(document)
            if not done:
                return
            for document in done:
                if document is self._tail_view:
                    self._tail_view = None
                    self._tail = ""
                    self._committed_chars = len(self.text)
                else:
                    self._committed.remove(document)
            self._join_margins()
            await self.remove_children(done)

    def _schedule_freeze(self) -> None:
        """Have the app's freezer freeze what can be frozen, once it is laid out."""
        if self.freezable():
            Freezer.get(self.app).request(self)

    def _join_margins(self) -> None:
        """Give the gap between consecutive documents the collapsed margin.

        Inside one ``Markdown`` the vertical margins of neighbouring blocks
        collapse to the larger one; across two widgets they would add up, and
        the streamed reply would not look like the same text rendered at once.
        So each document but the last drops its last block's bottom margin,
        and the next one's first block gets the larger of the two.
        """
        live = [*self._committed, *([self._tail_view] if self._tail_view is not None else [])]
        documents = [document for document in live if top_blocks(document)]
        self.frozen.trailing_margin = not documents
        above = self.frozen.bottom_margin if self.frozen.has_blocks else None
        for index, document in enumerate(documents):
            blocks = top_blocks(document)
            first, last = blocks[0], blocks[-1]
            top = first.styles.base.margin.top
            _set_margin(first, top=top if above is None else max(above, top))
            bottom = last.styles.base.margin.bottom
            _set_margin(last, bottom=bottom if index == len(documents) - 1 else 0)
            above = bottom

    async def _stop_flusher(self) -> None:
        if self._flusher is not None:
            flusher, self._flusher = self._flusher, None
            self._stop.set()
            self._wake.set()
            await flusher

    def _label(self, state: MessageState | None) -> None:
        text = STATE_LABELS.get(state, "") if state is not None else ""
        self.state_label.update(Content(text))
        self.state_label.display = bool(text)


@contextlib.contextmanager
def _one_frame(widget: Widget) -> Iterator[None]:
    """Draw no frame while the block runs, and the next one as soon as it is done.

    ``App.batch_update`` holds every screen update; but a screen whose update
    it held is not woken when the batch ends: it would draw only on its next
    refresh request (in a slowly streaming reply, 100 ms or more later).
    """
    screen = widget.screen if widget.is_attached else None
    try:
        with widget.app.batch_update():
            yield
    finally:
        if screen is not None:
            screen.check_idle()


def _split_behind(finished: str, keep: int) -> tuple[str, str]:
    """``finished`` cut into (the runs before its last ``keep`` characters or so, the rest).

    Nothing is cut off unless ``finished`` is over ``2 * keep`` long. The cut
    is where a block ends (see ``split_finished``), so both parts render as
    they would inside the whole.
    """
    if len(finished) <= 2 * keep:
        return "", finished
    # Whole lines: whether a blank line ends a block depends on the next one.
    end = finished.find("\n", len(finished) - keep) + 1
    behind, _ = split_finished(finished[:end])
    return behind, finished[len(behind) :]


def _set_margin(block: MarkdownBlock, *, top: int | None = None, bottom: int | None = None) -> None:
    """Set a vertical margin of ``block`` if it changes (every change costs a layout)."""
    current = block.styles.margin
    margin = (
        current.top if top is None else top,
        current.right,
        current.bottom if bottom is None else bottom,
        current.left,
    )
    if margin != tuple(current):
        block.styles.margin = margin
