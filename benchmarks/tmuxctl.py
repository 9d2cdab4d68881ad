"""A real terminal for the end-to-end runs: one tmux pane, driven in control mode.

`Pane` starts a private tmux server (its own socket) with one 120x40 pane
running `spawn.py`, attaches a control-mode client and reads its stream: every
``%output`` notification is timestamped as it arrives (optionally keeping the
bytes, to find probe words), and ``capture-pane`` answers what the screen
shows. Control mode avoids forking a tmux client per poll, which would steal
CPU from the client being measured on a 2-core machine.
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import itertools
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_SOCKETS = itertools.count()

SPAWN = Path(__file__).with_name("spawn.py")
WIDTH, HEIGHT = 120, 40


@dataclass(frozen=True)
class Frame:
    """When the screen first reached a state, and what it showed."""

    time: float
    """Best estimate of when the frame reached the terminal: the last output
    notification between the previous poll and the poll that saw it."""
    polled: float
    text: str


class Pane:
    """One client process in a private tmux server; use as a context manager."""

    def __init__(
        self,
        command: Sequence[str],
        env: Mapping[str, str],
        *,
        keep_output: bool = False,
        cwd: str | None = None,
    ) -> None:
        self._dir = tempfile.mkdtemp(prefix="kimitui-bench-")
        # Unique per pane: an id() can be reused while the last server still exits.
        self.socket = f"kimitui-bench-{os.getpid()}-{next(_SOCKETS)}"
        self.go = os.path.join(self._dir, "go")
        self.stats_path = os.path.join(self._dir, "stats.json")
        os.mkfifo(self.go)
        self.keep_output = keep_output
        self.output = bytearray()
        """Everything the client wrote (only if ``keep_output``)."""
        self.output_times: list[float] = []
        self.output_ends: list[int] = []
        self.history: list[tuple[float, str]] = []
        """``(time, screen text)`` of every poll."""
        self._responses: queue.Queue[list[bytes]] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        args = [sys.executable, str(SPAWN), self.go, self.stats_path, "--", *command]
        env_args: list[str] = []
        for key, value in env.items():
            env_args += ["-e", f"{key}={value}"]
        self._tmux(
            "-f", "/dev/null", "new-session", "-d", "-s", "bench", "-x", str(WIDTH),
            "-y", str(HEIGHT), *(["-c", cwd] if cwd else []), *env_args, *args,
            ";", "set-option", "-g", "status", "off",
            ";", "set-option", "-g", "window-size", "manual",
            ";", "set-option", "-g", "default-terminal", "tmux-256color",
        )  # fmt: skip
        self._control = subprocess.Popen(
            ["tmux", "-L", self.socket, "-C", "attach-session", "-t", "bench"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._reader = threading.Thread(target=self._read, name="tmux-control", daemon=True)
        self._reader.start()
        self._responses.get(timeout=10)  # the attach command's own %begin/%end
        self.command("resize-window", "-t", "bench", "-x", str(WIDTH), "-y", str(HEIGHT))

    # ---- lifecycle -----------------------------------------------------------------
    def launch(self) -> None:
        """Let `spawn.py` start the client now."""
        with open(self.go, "w", encoding="utf-8") as f:
            f.write("go\n")

    def stats(self) -> dict[str, float]:
        """What `spawn.py` reported so far (pid and launch time; CPU and RSS after exit)."""
        try:
            data: dict[str, float] = json.loads(Path(self.stats_path).read_text())
        except (OSError, ValueError):
            return {}
        return data

    def pid(self, timeout: float = 10.0) -> int:
        """The client's pid, once it has been started."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.stats().get("pid")
            if pid:
                return int(pid)
            time.sleep(0.005)
        raise TimeoutError("the client did not start")

    def close(self) -> None:
        """Kill the tmux server and the client (if still running)."""
        if self._closed:
            return
        self._closed = True
        pid = self.stats().get("pid")
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            self._control.stdin.close()  # type: ignore[union-attr]
        self._tmux("kill-server", check=False)
        if pid:
            with contextlib.suppress(OSError):
                os.kill(int(pid), 9)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._control.wait(timeout=5)
        # tmux leaves the socket file of a killed server behind.
        socket_dir = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
        for name in (self.go, self.stats_path, socket_dir / self.socket):
            with contextlib.suppress(OSError):
                os.unlink(name)
        with contextlib.suppress(OSError):
            os.rmdir(self._dir)

    def __enter__(self) -> Pane:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- tmux ----------------------------------------------------------------------
    def _tmux(self, *args: str, check: bool = True) -> None:
        subprocess.run(
            ["tmux", "-L", self.socket, *args],
            check=check,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _read(self) -> None:
        stdout = self._control.stdout
        assert stdout is not None
        block: list[bytes] | None = None
        unescape = codecs.escape_decode
        for line in stdout:
            if block is not None:
                if line.startswith((b"%end ", b"%error ")):
                    self._responses.put(block)
                    block = None
                else:
                    block.append(line.rstrip(b"\n"))
            elif line.startswith(b"%output "):
                now = time.monotonic()
                data = line[line.index(b" ", 8) + 1 : -1]
                with self._lock:
                    if self.keep_output:
                        self.output += unescape(data)[0]
                        self.output_ends.append(len(self.output))
                    self.output_times.append(now)
            elif line.startswith(b"%begin "):
                block = []
            elif line.startswith(b"%exit"):
                break

    def command(self, *args: str, timeout: float = 10.0) -> list[str]:
        """Run a tmux command through the control client; return its output lines."""
        stdin = self._control.stdin
        assert stdin is not None
        quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in args)
        stdin.write(quoted.encode() + b"\n")
        stdin.flush()
        lines = self._responses.get(timeout=timeout)
        return [line.decode("utf-8", "replace") for line in lines]

    def screen(self) -> str:
        """The text on screen now (no colours)."""
        return "\n".join(self.command("capture-pane", "-p", "-t", "bench"))

    def type(self, text: str) -> None:
        """Type ``text`` literally."""
        self.command("send-keys", "-t", "bench", "-l", text)

    def key(self, name: str) -> None:
        """Press one key, by tmux name (``Enter``, ``C-q``, ...)."""
        self.command("send-keys", "-t", "bench", name)

    # ---- observing ----------------------------------------------------------------
    def last_output(self) -> float:
        """When the client last wrote anything (0 if never)."""
        with self._lock:
            return self.output_times[-1] if self.output_times else 0.0

    def output_between(self, start: float, end: float) -> float | None:
        """The last output notification in ``(start, end]``, if any."""
        with self._lock:
            i = bisect.bisect_right(self.output_times, end)
            if i and self.output_times[i - 1] > start:
                return self.output_times[i - 1]
        return None

    def first_output_of(self, needle: bytes) -> float | None:
        """When ``needle`` first appeared in the client's output (needs ``keep_output``)."""
        with self._lock:
            at = self.output.find(needle)
            if at < 0:
                return None
            i = bisect.bisect_left(self.output_ends, at + len(needle))
            return self.output_times[i] if i < len(self.output_times) else None

    def last_output_before(self, end: float) -> float | None:
        """The last output notification at or before ``end``, if any."""
        with self._lock:
            i = bisect.bisect_right(self.output_times, end)
            return self.output_times[i - 1] if i else None

    def poll(self) -> tuple[float, str]:
        """Capture the screen now; remembered in `history`."""
        text = self.screen()
        polled = time.monotonic()
        self.history.append((polled, text))
        return polled, text

    def wait_for(
        self,
        predicate: Callable[[str], bool],
        *,
        timeout: float,
        interval: float = 0.02,
        on_poll: Callable[[float], None] | None = None,
    ) -> bool:
        """Poll the screen until ``predicate(text)`` holds; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            polled, text = self.poll()
            if on_poll is not None:
                on_poll(polled)
            if predicate(text):
                return True
            if polled > deadline:
                return False
            time.sleep(interval)

    def settle(
        self,
        *,
        quiet: float,
        timeout: float,
        interval: float = 0.02,
        on_poll: Callable[[float], None] | None = None,
    ) -> Frame:
        """Wait until the screen stays the same for ``quiet`` seconds; return the final frame.

        The final frame is the first poll from which the screen never changed
        again; its time is the last output the client wrote before that poll
        (the output that completed the final screen).
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            polled, text = self.poll()
            if on_poll is not None:
                on_poll(polled)
            first = self._first_of_final()
            if polled - first[0] >= quiet:
                break
            time.sleep(interval)
        polled, text = self._first_of_final()
        arrived = self.last_output_before(polled)
        return Frame(arrived if arrived is not None else polled, polled, text)

    def _first_of_final(self) -> tuple[float, str]:
        final = self.history[-1][1]
        first = self.history[-1]
        for entry in reversed(self.history):
            if entry[1] != final:
                break
            first = entry
        return first
