"""End-to-end runs in a real terminal: start-up, and one streamed reply per run.

Each run starts a fresh client in its own 120x40 tmux pane (`tmuxctl.Pane`)
against the instrumented fake server (`benchserver.BenchServer`):

- start-up: launch → the input's placeholder is on screen;
- streaming: the server's receipt of the chat request → the frame at which the
  screen first showed its final state (the reply's sentinel line on screen,
  the client finished, and nothing changing for a while afterwards). ``lag``
  is that frame's time minus the server's last byte; ``cpu`` is the client's
  CPU seconds over the same interval; ``rss`` its peak resident set size.
- held streaming stops the server at a chosen character until the client has
  caught up with what it was sent (`_wait_caught_up`), then sends the rest:
  the last 200 characters (finishing cost) or a paced tail;
- paced streaming also matches every probe word's first appearance in the
  client's output with the moment the server sent it ("trail").
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import procfs
from benchmarks.benchserver import BenchServer
from benchmarks.corpus import Corpus
from benchmarks.minimal_app import PLACEHOLDER as MINIMAL_PLACEHOLDER
from benchmarks.tmuxctl import Frame, Pane

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "Explain it all in one long answer"
TUI_PLACEHOLDER = "Message Kimi"
TUI_READY = "● ready"


@dataclass(frozen=True)
class Client:
    """How to run one client in the pane."""

    name: str
    command: tuple[str, ...]
    tui: bool
    """Interactive (prompt typed into it) rather than one-shot (prompt in argv)."""
    ready_text: str = ""
    """For TUIs: text on screen once the input is ready."""
    idle_text: str = ""
    """For TUIs: text on screen once a reply has finished."""
    python: str = sys.executable


def clients() -> dict[str, Client]:
    """The clients this repository can always measure."""
    py = sys.executable
    return {
        "floor": Client("floor", (py, str(ROOT / "benchmarks" / "floor.py"), PROMPT), tui=False),
        "print": Client("print", (py, "-m", "kimitui", "-p", PROMPT), tui=False),
        "tui": Client(
            "tui",
            (py, "-m", "kimitui"),
            tui=True,
            ready_text=TUI_PLACEHOLDER,
            idle_text=TUI_READY,
        ),
        "minimal": Client(
            "minimal",
            (py, str(ROOT / "benchmarks" / "minimal_app.py")),
            tui=True,
            ready_text=MINIMAL_PLACEHOLDER,
        ),
    }


def client_env(server: BenchServer, home: str) -> dict[str, str]:
    """A clean environment: the fake server, a private home, no proxies.

    Bytecode is written and reused, as in an installed copy: the tmux server
    would otherwise pass on a ``PYTHONDONTWRITEBYTECODE`` of the shell running
    the benchmark, and every launch would compile kimitui from source (while
    Textual and the SDK load compiled, from the virtual environment).
    """
    env = {
        "PYTHONDONTWRITEBYTECODE": "",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "COLORTERM": "truecolor",
        "MOONSHOT_API_KEY": server.api_key,
        "MOONSHOT_BASE_URL": server.base_url,
        "KIMITUI_HOME": home,
        "NO_PROXY": "*",
        "PYTHONPATH": str(ROOT),
    }
    return env


@dataclass
class StartupResult:
    """One launch."""

    client: str
    seconds: float | None
    """Launch → input ready; None on timeout."""
    requests_before_ready: int
    """Requests the server received before the first ready frame (should be 0)."""


def measure_startup(
    server: BenchServer, client: Client, home: str, *, timeout: float = 20.0
) -> StartupResult:
    """Launch ``client`` with ``home`` as its ``KIMITUI_HOME``; time until its input is on screen.

    The caller passes the same home to every launch, as a user's launches share
    theirs: only the first creates the conversation database (3 ms more).
    """
    seen = len(server.requests_seen)
    with Pane(client.command, client_env(server, home), cwd=str(ROOT)) as pane:
        pane.launch()
        ok = pane.wait_for(lambda s: client.ready_text in s, timeout=timeout, interval=0.01)
        launched = pane.stats().get("launched", 0.0)
        polled = pane.history[-1][0]
        # The output that completed the first ready screen.
        ready = pane.last_output_before(polled) or polled
    if not ok:
        return StartupResult(client.name, None, 0)
    early = [t for t, _ in server.requests_seen[seen:] if t <= ready]
    return StartupResult(client.name, ready - launched, len(early))


FIRST_FRAME = ROOT / "benchmarks" / "first_frame.py"


def count_startup_instructions(
    server: BenchServer, client: Client, home: str, *, timeout: float = 180.0
) -> int | None:
    """Instructions from launch to the frame showing ``client``'s input, or None.

    Counted by valgrind's callgrind (None when valgrind is not installed or
    the run fails): about 50 times slower than a plain launch, and the same
    count to within 0.2% on every run, however busy the machine (threads and
    timers make it differ slightly). ``first_frame.py`` ends the client as
    Textual hands that frame to its writer thread.
    """
    if shutil.which("valgrind") is None:
        return None
    python, *args = client.command
    with tempfile.TemporaryDirectory(prefix="kimitui-callgrind-") as work:
        out = Path(work) / "callgrind.out"
        command = (
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
            python, str(FIRST_FRAME), client.ready_text, *args,
        )  # fmt: skip
        # A fixed hash seed: string hashing decides dict layouts, and so the count.
        env = {**client_env(server, home), "PYTHONHASHSEED": "0"}
        with Pane(command, env, cwd=str(ROOT)) as pane:
            pane.launch()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                totals = _callgrind_totals(out)
                if totals is not None:
                    return totals
                time.sleep(0.2)
    return None


def _callgrind_totals(path: Path) -> int | None:
    try:
        text = path.read_text()
    except OSError:
        return None
    # The file's last line, so a file still being written is never read as done.
    for line in reversed(text.splitlines()):
        if line.startswith("totals:"):
            return int(line.split()[1])
    return None


@dataclass
class StreamResult:
    """One streamed reply."""

    client: str
    size: int
    mode: str
    wall: float | None = None
    """Request received by the server → final frame (None: timed out)."""
    lag: float | None = None
    """Server's last byte → final frame."""
    cpu: float | None = None
    """Client CPU seconds from the request to the final frame."""
    rss_mb: float | None = None
    """Client peak RSS."""
    submit_to_request: float | None = None
    """TUIs: Enter pressed → request received (first message builds the SDK client)."""
    server_seconds: float | None = None
    """Request → server's last byte."""
    trail: list[float] = field(default_factory=list)
    """Paced runs: per probe, its first appearance on the terminal minus its send time."""
    probes_missing: int = 0
    paced_cpu_share: float | None = None
    """Paced runs: client CPU seconds per second from the end of the burst to the final frame."""
    caught_up: str = ""
    """Held runs: how the client was judged caught up before the rest was sent:
    ``idle`` (under 10% CPU), ``still`` (busy, but the screen unchanged with
    the text before the hold on it), or ``never`` (sent anyway)."""
    error: str = ""


def _final_predicate(client: Client, corpus: Corpus, pane: Pane) -> Callable[[str], bool]:
    if client.tui:
        return lambda s: corpus.sentinel in s and client.idle_text in s
    return lambda s: corpus.sentinel in s and "exited" in pane.stats()


def measure_stream(
    server: BenchServer,
    client: Client,
    corpus: Corpus,
    *,
    mode: str,
    delay: float = 0.0,
    burst: int = 0,
    hold_at: int | None = None,
    timeout: float = 60.0,
    quiet: float = 0.6,
) -> StreamResult:
    """Run ``client`` on one reply of ``corpus`` and measure it.

    Args:
        mode: label of the pacing (``fast``, ``paced``...).
        delay: seconds between 4-character chunks after ``burst`` characters (0: flat out).
        burst: characters sent flat out before pacing.
        hold_at: send only the first this-many characters, wait until the client has
            caught up (`_wait_caught_up`), then send the rest (paced, if ``delay``). With the
            last characters held, ``lag`` is the cost of finishing; with pacing
            after the hold, the trail has no backlog from the burst in it.
        timeout: give up waiting for the final frame after this many seconds.
        quiet: the screen must stay unchanged this long to count as final.
    """
    result = StreamResult(client.name, len(corpus.text), mode)
    paced = delay > 0
    server.prepare(corpus.text, delay=delay, burst=burst, hold_after=hold_at)
    with tempfile.TemporaryDirectory(prefix="kimitui-home-") as home:
        keep = paced or hold_at is not None
        pane = Pane(client.command, client_env(server, home), keep_output=keep, cwd=str(ROOT))
        with pane:
            cpu_at_request: list[float] = []
            cpu_at_release: list[float] = []
            pid_box: list[int] = []

            def on_request() -> None:
                cpu = procfs.cpu_seconds(pid_box[0]) if pid_box else None
                cpu_at_request.append(cpu if cpu is not None else 0.0)

            server.on_chat_request = on_request
            try:
                pane.launch()
                pid_box.append(pane.pid())
                entered = 0.0
                if client.tui:
                    if not pane.wait_for(lambda s: client.ready_text in s, timeout=30):
                        result.error = "never ready"
                        return result
                    pane.type(PROMPT)
                    # A separate Enter: typed together, the terminal may deliver it as a paste.
                    time.sleep(0.15)
                    entered = time.monotonic()
                    pane.key("Enter")
                samples: dict[float, procfs.ProcSample] = {}

                def on_poll(polled: float) -> None:
                    sample = procfs.sample(pid_box[0])
                    if sample is not None:
                        samples[polled] = sample

                if hold_at is not None:
                    # The server has written everything before the hold, and the
                    # client has processed it all: only then send the rest.
                    if not server.holding.wait(timeout):
                        result.error = "timeout"
                        return result
                    shown = [p.word for p in corpus.probes if p.end <= hold_at][-1:]
                    result.caught_up = _wait_caught_up(
                        pane, pid_box[0], shown[0] if shown else None, CATCH_UP
                    )
                    cpu_at_release.append(procfs.cpu_seconds(pid_box[0]) or 0.0)
                    server.hold.set()
                done = _final_predicate(client, corpus, pane)
                # A final frame is dated by the last output before the first poll
                # that shows it, so output after it (a repaint that changes no
                # text) until that poll is counted too. The finishing runs are
                # short: polled every 5 ms, that error is at most 5 ms there.
                interval = 0.005 if hold_at is not None and not paced else 0.02
                if not pane.wait_for(done, timeout=timeout, on_poll=on_poll, interval=interval):
                    result.error = "timeout"
                    return result
                final = pane.settle(quiet=quiet, timeout=10, on_poll=on_poll, interval=interval)
                if not done(final.text):
                    result.error = "final screen lost the sentinel"
                    return result
                _fill(result, server, pane, client, final, samples, cpu_at_request, entered)
                if paced:
                    _trail(result, server, pane, corpus, burst)
                    if cpu_at_release and result.cpu is not None and cpu_at_request:
                        used = result.cpu + cpu_at_request[0] - cpu_at_release[0]
                        result.paced_cpu_share = used / (final.time - server.current.released)
            finally:
                server.on_chat_request = None
    return result


CATCH_UP = 15.0
"""Seconds to wait for a client to catch up with a held stream before sending the rest."""


def _wait_caught_up(pane: Pane, pid: int, needle: str | None, timeout: float) -> str:
    """Wait until the client has drawn everything it was sent so far; say how it was judged.

    ``idle``: the client used under 10% of a CPU over 0.3 s. A client that
    keeps busy while a reply is open never gets there, so ``still`` also
    counts: ``needle`` (the last probe word before the hold) has been drawn
    and the screen's text has not changed for 2 s (a blinking cursor
    changes only colours). ``never``: neither within ``timeout`` seconds.
    """
    window, still = 0.3, 2.0
    deadline = time.monotonic() + timeout
    before = procfs.cpu_seconds(pid)
    since, last = time.monotonic(), ""
    while time.monotonic() < deadline:
        time.sleep(window)
        now = procfs.cpu_seconds(pid)
        if now is None or before is None:
            return "never"
        if now - before < 0.1 * window:
            return "idle"
        before = now
        polled, text = pane.poll()
        if text != last:
            since, last = polled, text
        elif polled - since >= still and (
            needle is None or needle in text or pane.first_output_of(needle.encode())
        ):
            return "still"
    return "never"


def _fill(
    result: StreamResult,
    server: BenchServer,
    pane: Pane,
    client: Client,
    final: Frame,
    samples: dict[float, procfs.ProcSample],
    cpu_at_request: list[float],
    entered: float,
) -> None:
    log = server.current
    result.wall = final.time - log.request
    result.lag = final.time - log.last_byte
    if log.released:
        # Held back: the wall time includes the wait for the client to go idle.
        result.wall = None
    result.server_seconds = log.last_byte - log.request
    if client.tui:
        result.submit_to_request = log.request - entered
        # The sample taken at the poll that first saw the final frame.
        sample = samples.get(final.polled) or procfs.sample(pane.pid())
        if sample is not None and cpu_at_request:
            result.cpu = sample.cpu - cpu_at_request[0]
            result.rss_mb = sample.hwm_kb / 1024
    else:
        stats = pane.stats()
        if cpu_at_request:
            result.cpu = stats.get("cpu", 0.0) - cpu_at_request[0]
        result.rss_mb = stats.get("maxrss_kb", 0.0) / 1024


def _trail(
    result: StreamResult, server: BenchServer, pane: Pane, corpus: Corpus, burst: int
) -> None:
    log = server.current
    for probe in corpus.probes:
        if probe.end <= burst:
            continue
        sent = log.sent_at(probe.end)
        shown = pane.first_output_of(probe.word.encode())
        if shown is None:
            # Never written in one piece (only part of its line was redrawn):
            # the output that completed the first screen showing it.
            polled = next((t for t, text in pane.history if probe.word in text), None)
            shown = pane.last_output_before(polled) if polled is not None else None
        if sent is None or shown is None:
            result.probes_missing += 1
            continue
        result.trail.append(shown - sent)
