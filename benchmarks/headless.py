"""The render layer alone: kimitui's real app in ``App.run_test()``, with no network.

A scripted provider yields the corpus as 4-character ``TextDelta``s as fast
as the consumer takes them (yielding to the event loop every ~300 deltas, as
the SDK does when it reads a 64 KiB network batch). Measured in-process:

- ``wall``: first delta → the reply finished and the screen refreshed;
- ``lag``: last delta handed over → the same moment (the final-render cost);
- ``cpu``: process CPU over ``wall``;
- ``exact``: the streamed reply renders exactly like the same text rendered in one go.

``long`` mode fills the transcript with N finished turns first, then times one
more streamed reply, scrolling to the top and back, and the process RSS.

Run one case per process (``python -m benchmarks.headless ...``) so memory and
caches of one case never leak into another; the result is one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import procfs  # noqa: E402
from benchmarks.corpus import make_reply  # noqa: E402
from kimitui.chat.events import Finished, ProviderEvent, TextDelta, Usage  # noqa: E402
from kimitui.config import Settings  # noqa: E402
from kimitui.providers.base import ChatProvider  # noqa: E402
from tests.scripted_provider import ScriptedProvider  # noqa: E402

SIZE = (120, 40)
BATCH = 300
"""Deltas per simulated network read (a 64 KiB SSE batch holds about 300)."""


def _chunks(text: str, model: str, size: int = 4) -> Iterator[ProviderEvent]:
    """``text`` as ``size``-character deltas, then usage and finish (made as they are taken)."""
    for start in range(0, len(text), size):
        yield TextDelta(text[start : start + size])
    yield Usage(10, len(text) // 4, 10 + len(text) // 4)
    yield Finished("stop", model)


@dataclass
class HeadlessResult:
    """One in-process run."""

    size: int
    turns: int = 0
    wall: float = 0.0
    lag: float = 0.0
    cpu: float = 0.0
    exact: bool | None = None
    rss_mb: float = 0.0
    rss_before_mb: float = 0.0
    """Long mode: RSS with the transcript filled, before the timed reply."""
    transcript_chars: int = 0
    rss_steps: list[tuple[int, float]] = field(default_factory=list)
    """Long mode: ``(characters of finished turns, RSS MB)`` as the transcript fills."""
    scroll_top: float = 0.0
    scroll_back: float = 0.0


def _canvas(widget: Any) -> list[str]:
    """Every line ``widget`` occupies, as text, laid out exactly as on screen.

    Leaf widgets are placed at their compositor positions relative to
    ``widget``, so differences in spacing show as well as differences in text.
    """
    from textual.geometry import Region

    screen = widget.screen
    origin = screen.find_widget(widget).region
    rows: dict[int, list[str]] = {}
    for node in widget.query("*"):
        if node.children or not node.display or not node.outer_size.area:
            continue
        region = screen.find_widget(node).region
        lines = node.render_lines(Region(0, 0, region.width, region.height))
        for i, strip in enumerate(lines):
            row = rows.setdefault(region.y - origin.y + i, [" "] * origin.width)
            x = region.x - origin.x
            for j, char in enumerate(strip.text[: origin.width - x]):
                row[x + j] = char
    if not rows:
        return []
    return ["".join(rows.get(y, [])).rstrip() for y in range(max(rows) + 1)]


async def _settled(pilot: Any, scroller: Any, widget: Any, timeout: float = 20.0) -> list[str]:
    """`_canvas` of ``widget`` once all of it has been drawn and it stopped changing.

    A widget may render lazily (only what has been on screen) and in steps, so
    ``scroller`` is scrolled over the whole widget first, as a reader would.
    """
    top, height = widget.virtual_region.y, widget.virtual_region.height
    for y in range(top, top + height, max(1, scroller.size.height)):
        scroller.scroll_to(y=y, animate=False)
        await pilot.pause()
    deadline = time.monotonic() + timeout
    last: list[str] | None = None
    while True:
        await pilot.pause()
        now = _canvas(widget)
        if (now and now == last) or time.monotonic() > deadline:
            return now
        last = now
        await asyncio.sleep(0.05)


async def _wait_frozen(transcript: Any, timeout: float = 60.0) -> None:
    """Wait until every reply in ``transcript`` is frozen, as in an idle chat.

    Replies given their text whole are rendered, then frozen over the next
    second or two; the reply timed after them must not pay for that.
    """
    from kimitui.ui.widgets.message import AssistantMessage

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(reply.is_frozen for reply in transcript.query(AssistantMessage)):
            return
        await asyncio.sleep(0.05)


async def _wait_hidden(transcript: Any, timeout: float = 30.0) -> None:
    """Wait until ``transcript`` has hidden the messages far above its view, as in an idle chat.

    Done when the number hidden has not changed for four of the transcript's
    retries (it tries again every ``RETRY_DELAY`` while some are not settled).
    """
    deadline = time.monotonic() + timeout
    count, since = 0, time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        if len(transcript.hidden) != count:
            count, since = len(transcript.hidden), time.monotonic()
        elif count and time.monotonic() - since > 4 * transcript.RETRY_DELAY:
            return
    if count:
        raise TimeoutError(f"the transcript was still hiding messages after {timeout} s")
    # A short transcript has nothing far above the view to hide.
    print(f"warning: no message hidden after {timeout} s", file=sys.stderr)


def _press_enter(app: Any) -> None:
    """Send Enter as a terminal's driver does.

    Not ``Pilot.press``: after the key it has every widget of the screen, hidden
    ones too, process a callback, work no real key press causes (with 199
    turns, 800 widgets' worth of it, during the timed reply).
    """
    from textual import events

    key = events.Key("enter", "\r")
    key.set_sender(app)
    app._driver.send_message(key)


async def _wait_idle(screen: Any) -> None:
    while screen.streaming:
        await asyncio.sleep(0.001)


async def run_case(size: int, turns: int, check: bool) -> HeadlessResult:
    """Stream one reply of ``size`` characters after ``turns`` finished turns."""
    from kimitui.ui.app import KimiApp
    from kimitui.ui.screens.chat import ChatScreen
    from kimitui.ui.widgets.message import AssistantMessage

    corpus = make_reply(size)
    provider = ScriptedProvider(
        [lambda request: _chunks(corpus.text, request.model)], yield_every=BATCH
    )

    def make_provider(settings: Settings) -> ChatProvider:
        return provider

    settings = Settings(api_key="sk-headless", base_url="http://127.0.0.1:9/v1")
    app = KimiApp(settings, make_provider)
    result = HeadlessResult(len(corpus.text), turns)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        history = make_reply(2000).text
        # Warm up (imports, highlighters, caches) the same way with or without turns,
        # so turn 1 is not charged for what any first reply costs.
        warm = AssistantMessage(history)
        await screen.transcript.mount(warm)
        await pilot.pause()
        await warm.remove()
        await pilot.pause()
        gc.collect()
        result.rss_steps.append((0, procfs.self_rss_kb() / 1024))
        if turns:
            from kimitui.ui.widgets.message import UserMessage

            # In four mounts, noting RSS after each to see whether memory grows like
            # the text. The last turn comes the way a live one does (``add_user``):
            # the transcript then hides what is far above the view, as it does after
            # every turn of a real chat, and the timed reply is not charged for
            # hiding 199 turns at once (work no real chat does at turn 200).
            transcript = screen.transcript
            steps = sorted({turns * k // 4 for k in range(1, 5)} - {0})
            mounted = 0
            for step in steps:
                live = step == turns
                widgets: list[Any] = []
                for i in range(mounted, step - 1 if live else step):
                    widgets += [UserMessage(f"Question {i}"), AssistantMessage(history)]
                await transcript.mount_all(widgets)
                if live:
                    await transcript.add_user(f"Question {turns - 1}")
                    await transcript.mount(AssistantMessage(history))
                await pilot.pause()
                mounted = step
                gc.collect()
                result.rss_steps.append((mounted * len(history), procfs.self_rss_kb() / 1024))
            transcript.anchor()
            result.transcript_chars = turns * len(history)
            await _wait_frozen(transcript)
            await _wait_hidden(transcript)
            await pilot.pause()
            gc.collect()
        result.rss_before_mb = procfs.self_rss_kb() / 1024
        screen.prompt.insert("Explain it all")
        cpu0 = time.process_time()
        _press_enter(app)
        deadline = time.monotonic() + 10
        while not provider.requests:
            if time.monotonic() > deadline:
                raise TimeoutError("Enter sent no request")
            await asyncio.sleep(0.001)
        await _wait_idle(screen)
        # Pilot.pause has every widget process a callback, then draws a frame:
        # sure to include the final frame, at a cost that grows with the widgets
        # (57-100 ms with 199 turns, hidden ones included), charged to turn N.
        await pilot.pause()
        done = time.perf_counter()
        result.cpu = time.process_time() - cpu0
        result.wall = done - provider.started_at
        result.lag = done - provider.last_text_at
        result.rss_mb = procfs.self_rss_kb() / 1024
        replies = [r for r in screen.transcript.query(AssistantMessage)]
        streamed = replies[-1]
        if turns:
            transcript = screen.transcript
            t0 = time.perf_counter()
            transcript.scroll_home(animate=False)
            await pilot.pause()
            t1 = time.perf_counter()
            transcript.scroll_end(animate=False)
            await pilot.pause()
            result.scroll_top = t1 - t0
            result.scroll_back = time.perf_counter() - t1
        if check:
            fresh = AssistantMessage(corpus.text)
            await screen.transcript.mount(fresh)
            a = await _settled(pilot, screen.transcript, streamed)
            b = await _settled(pilot, screen.transcript, fresh)
            result.exact = a == b
            if not result.exact:
                Path("/tmp/canvas_streamed.txt").write_text("\n".join(a))
                Path("/tmp/canvas_fresh.txt").write_text("\n".join(b))
                for i, (x, y) in enumerate(zip(a, b, strict=False)):
                    if x != y:
                        print(f"first difference at line {i}:\n  {x!r}\n  {y!r}", file=sys.stderr)
                        break
                else:
                    print(f"lengths differ: {len(a)} vs {len(b)}", file=sys.stderr)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run one case; print its result as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--turns", type=int, default=0)
    parser.add_argument("--check", action="store_true", help="compare with a one-go render")
    parser.add_argument("--profile", help="write a cProfile of the run to this file")
    args = parser.parse_args(argv)
    coro = run_case(args.size, args.turns, args.check)
    if args.profile:
        import cProfile

        with cProfile.Profile() as profile:
            result = asyncio.run(coro)
        profile.dump_stats(args.profile)
    else:
        result = asyncio.run(coro)
    print(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
