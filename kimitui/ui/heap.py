"""Garbage collection tuned for a UI that builds and drops widgets all the time.

Python's cyclic collector runs its oldest generation over every live object.
A streaming reply mounts and removes Markdown block widgets (each a web of
cycles: parent, styles, message queue), so the oldest generation is
collected every second or so, and each pass walks the whole app: Textual,
the SDK and every rendered line. Measured at 100 tokens/s on a 5k reply,
that was 13 passes of up to 156 ms, 1.9 s of a 12 s stream, and the cause
of the slowest frames.

So, once per process: what start-up built (modules, classes, the SDK) is
moved out of the collector's sight with ``gc.freeze()`` (it lives as long as
the process anyway), and the youngest generation is collected after 10,000
net new objects instead of 700. Garbage without cycles is freed at once by
reference counting either way; cycles simply wait a little longer.
"""

from __future__ import annotations

import gc
import threading

__all__ = ["GEN0_THRESHOLD", "settle_after_start_up"]

GEN0_THRESHOLD = 10_000
"""Net new container objects between two collections of the youngest generation."""

_lock = threading.Lock()
_settled = False


def settle_after_start_up() -> None:
    """Freeze what exists now and collect less often; only the first call does anything.

    Call it once start-up's imports are done. Safe from any thread. Once
    per process, so that apps started one after another (as in tests) do
    not freeze each other's garbage.
    """
    global _settled
    with _lock:
        if _settled:
            return
        _settled = True
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
