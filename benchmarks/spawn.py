"""Run one client inside a terminal pane and report what it cost.

Used as the pane's command: ``python benchmarks/spawn.py GO STATS -- CMD...``.
It waits until a line arrives on the FIFO ``GO`` (so the benchmark can start
listening to the pane first), notes the launch time, runs ``CMD`` in the
pane's terminal, and writes to ``STATS`` (JSON) the child's pid as soon as it
exists and, when it exits, its CPU time and peak RSS from ``wait4``; then it waits to be
killed, so the screen stays as the client left it. Standard
library only, and no imports from the benchmark package, so it starts fast.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time


def _write(path: str, data: dict[str, object]) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    """Entry point: ``GO STATS -- CMD...``."""
    go, stats = argv[0], argv[1]
    command = argv[argv.index("--") + 1 :]
    with open(go, encoding="utf-8") as f:
        f.readline()
    launched = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    _write(stats, {"pid": pid, "launched": launched})
    _, status, usage = os.wait4(pid, 0)
    _write(
        stats,
        {
            "pid": pid,
            "launched": launched,
            "exited": time.monotonic(),
            "status": os.waitstatus_to_exitcode(status),
            "cpu": usage.ru_utime + usage.ru_stime,
            "maxrss_kb": usage.ru_maxrss,
        },
    )
    # Keep the pane (and what the client left on screen) until the benchmark kills it.
    signal.pause()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
