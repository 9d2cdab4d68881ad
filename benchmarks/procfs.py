"""Reading a process's CPU time and memory from ``/proc`` (Linux), without psutil."""

from __future__ import annotations

import os
from dataclasses import dataclass

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcSample:
    """CPU seconds (user + system, all threads) and memory of one process at one moment."""

    cpu: float
    rss_kb: int
    hwm_kb: int
    """Peak resident set size so far (``VmHWM``)."""


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` so far, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    # The command name may contain spaces and parentheses: split after the last ')'.
    fields = raw[raw.rindex(b")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _TICKS


def memory_kb(pid: int) -> tuple[int, int] | None:
    """``(VmRSS, VmHWM)`` of ``pid`` in KiB, or None if it is gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1])
    except OSError:
        return None
    return rss, hwm


def sample(pid: int) -> ProcSample | None:
    """CPU and memory of ``pid`` now, or None if it is gone."""
    cpu = cpu_seconds(pid)
    memory = memory_kb(pid)
    if cpu is None or memory is None:
        return None
    return ProcSample(cpu, memory[0], memory[1])


def self_rss_kb() -> int:
    """This process's current resident set size."""
    memory = memory_kb(os.getpid())
    return memory[0] if memory is not None else 0
