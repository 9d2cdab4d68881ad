"""Print mode: one question in, one reply out, for scripts and pipes.

``kimitui -p "question"`` (plus any text piped on stdin) sends one message
and writes the reply as it arrives: rendered Markdown when stdout is a
terminal, plain text otherwise. Failures are one line on stderr and an exit
code from ``kimitui.cli``. Textual is never imported here.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from kimitui.chat.conversation import Conversation
from kimitui.chat.events import ModelSwitched, Retrying, StreamEvent, TextDelta
from kimitui.chat.recorder import ConversationRecorder
from kimitui.chat.session import ChatSession, RetryPolicy
from kimitui.config import Settings
from kimitui.errors import KimituiError
from kimitui.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_RETRYABLE, EXIT_USAGE
from kimitui.markdown_blocks import split_finished
from kimitui.providers.base import ChatProvider
from kimitui.textsafe import defuse

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.markdown import Markdown

    from kimitui.store import ConversationStore


def compose_message(prompt: str, stdin: TextIO) -> str:
    """The message to send: the prompt, then piped stdin (if any) below it."""
    piped = "" if stdin.isatty() else stdin.read()
    parts = [part for part in (prompt.strip(), piped.strip("\n")) if part]
    return "\n\n".join(parts)


class PlainWriter:
    """Writes deltas as plain text, control characters defused."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(defuse(text))
        self.out.flush()

    def close(self) -> None:
        self.out.write("\n")
        self.out.flush()


class MarkdownWriter:
    """Renders Markdown to a terminal: finished blocks are printed once, the tail is live.

    The live tail is redrawn at most ``INTERVAL`` seconds apart however fast
    deltas arrive, so a fast stream costs a few redraws a second, not one per
    delta; finished blocks are printed once and never redrawn. Text held back
    by the interval is drawn when it ends, whether or not more text comes.
    """

    INTERVAL = 0.05

    def __init__(self, out: TextIO) -> None:
        from rich.console import Console
        from rich.live import Live

        self.console = Console(file=out, highlight=False)
        self.live = Live(console=self.console, auto_refresh=False, vertical_overflow="visible")
        self.tail = ""
        self.pending: list[str] = []
        # Whether the next block needs a blank line above it, as Rich puts
        # between two blocks of one document: the finished runs are printed
        # as documents of their own, and the first block of each has none.
        self.gap = False
        self.drawn_at = 0.0
        self._due: asyncio.TimerHandle | None = None
        self.live.start()

    def _markdown(self, text: str) -> Markdown:
        from rich.markdown import Markdown

        return Markdown(defuse(text))

    def write(self, text: str) -> None:
        self.pending.append(text)
        wait = self.drawn_at + self.INTERVAL - time.monotonic()
        if wait <= 0:
            self._draw()
        elif self._due is None:
            # The stream may pause here (or a held-back ending follow): the
            # text must not wait for the next delta to be drawn.
            # Outside an event loop (RuntimeError), the next write draws it.
            with contextlib.suppress(RuntimeError):
                self._due = asyncio.get_running_loop().call_later(wait, self._draw)

    def _draw(self) -> None:
        if self._due is not None:
            self._due.cancel()
            self._due = None
        self.drawn_at = time.monotonic()
        finished, self.tail = split_finished(self.tail + "".join(self.pending))
        self.pending.clear()
        if finished:
            # Printed above the live area and never redrawn again.
            document = self._markdown(finished)
            self.live.console.print(self._below_gap(document))
            self.gap = _ends_with_gap(document)
        self.live.update(self._below_gap(self._markdown(self.tail)), refresh=True)

    def _below_gap(self, document: Markdown) -> RenderableType:
        """``document`` rendered, after a blank line if the block printed before it needs one.

        Rich starts a document with a blank line of its own (a bare line
        break) when its first block holds others (a list, a quote): that
        line is the gap already.
        """
        if not self.gap:
            return document
        from rich.segment import Segment, Segments

        segments = list(self.console.render(document))
        if segments and segments[0].text != "\n":
            segments.insert(0, Segment.line())
        return Segments(segments)

    def close(self) -> None:
        self._draw()
        self.live.stop()


def _ends_with_gap(document: Markdown) -> bool:
    """Whether Rich puts a blank line after ``document``'s last block, were another to follow.

    Every block but a horizontal rule (and an image) asks for one: Rich's
    ``MarkdownElement.new_line``.
    """
    top_level = [token for token in document.parsed if token.level == 0]
    if not top_level:
        return False
    kind = top_level[-1].type.removesuffix("_close")
    element = document.elements.get(kind) or document.elements.get(f"{kind}_open")
    return element is None or element.new_line


def exit_code_for(error: KimituiError) -> int:
    """1 for final failures, 75 for ones worth retrying later."""
    return EXIT_RETRYABLE if error.retryable else EXIT_FAILED


async def _run(
    settings: Settings,
    message: str,
    provider: ChatProvider,
    writer: PlainWriter | MarkdownWriter,
    err: TextIO,
    conversation: Conversation | None = None,
    recorder: ConversationRecorder | None = None,
) -> int:
    if conversation is None:
        persona = settings.active_persona()
        conversation = Conversation(
            system_prompt=persona.system,
            model=settings.model_for(persona),
            persona=persona.name,
            temperature=settings.temperature_for(persona),
        )
    session = ChatSession(
        conversation,
        provider,
        stream=settings.stream,
        retry_policy=RetryPolicy(max_attempts=settings.max_retries),
        recorder=recorder,
    )
    event: StreamEvent
    try:
        async for event in session.send(message):
            if isinstance(event, TextDelta):
                writer.write(event.text)
            elif isinstance(event, Retrying):
                print(
                    f"kimitui: {event.reason}; retrying in {event.delay:.0f} s "
                    f"({event.attempt}/{event.max_attempts})",
                    file=err,
                )
            elif isinstance(event, ModelSwitched):
                print(f"kimitui: {event.reason}", file=err)
    except KimituiError as error:
        writer.close()
        print(f"kimitui: {error}", file=err)
        return exit_code_for(error)
    finally:
        await provider.aclose()
    writer.close()
    return EXIT_OK


def run_print_mode(
    settings: Settings,
    prompt: str,
    make_provider: Callable[[Settings], ChatProvider],
    *,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    store: ConversationStore | None = None,
    conversation: Conversation | None = None,
) -> int:
    """Send ``prompt`` (and piped stdin), print the reply, return the exit code.

    With a ``store`` the exchange is autosaved as it streams; ``conversation``
    (from ``--continue``/``--resume``) is continued instead of starting anew.
    """
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    err = err or sys.stderr
    if settings.api_key is None:
        print(
            "kimitui: no API key: set MOONSHOT_API_KEY (get one at platform.moonshot.cn "
            "or platform.moonshot.ai)",
            file=err,
        )
        return EXIT_USAGE
    message = compose_message(prompt, stdin)
    if not message:
        print("kimitui: nothing to send: give a prompt or pipe text on stdin", file=err)
        return EXIT_USAGE
    recorder = None
    if store is not None:
        recorder = store.recorder
        recorder.on_error = lambda warning: print(f"kimitui: {warning}", file=err)
    writer = MarkdownWriter(out) if out.isatty() else PlainWriter(out)
    try:
        return asyncio.run(
            _run(settings, message, make_provider(settings), writer, err, conversation, recorder)
        )
    except KeyboardInterrupt:
        print("\nkimitui: interrupted", file=err)
        return EXIT_INTERRUPTED
