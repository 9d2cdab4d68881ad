"""Garbage collection tuned for a UI that builds and drops widgets all the time.

Python's cyclic collector runs its oldest generation over every live object.
A streaming reply mounts and removes Markdown block widgets (each a web of
cycles: parent, styles, message queue), so the oldest generation is
collected every second or so, and each pass walks the whole app: Textual,
the SDK and every rendered line. Measured at 100 tokens/s on a 5k reply,
that was 13 passes of up to 156 ms, 1.9 s of a 12 s stream, and the cause
of the slowest frames.

So, once per process, when the app is mounted and before it builds any
screen: what the imports built (modules, classes, Textual's and kimitui's
code) is moved out of the collector's sight with ``gc.freeze()``, and the
youngest generation is collected after 10,000 net new objects instead of
700. Frozen objects are never collected, so nothing that can be dropped
may be frozen: no widget exists yet at that point (freezing later, after
the first screen, would keep a resumed conversation's widgets forever
once they are removed). Garbage without cycles is freed at once by
reference counting either way; cycles simply wait a little longer.
"""

from __future__ import annotations

import gc

__all__ = ["GEN0_THRESHOLD", "settle_after_imports"]

GEN0_THRESHOLD = 10_000
"""Net new container objects between two collections of the youngest generation."""

_settled = False


def settle_after_imports() -> None:
    """Freeze what exists now and collect less often; only the first call does anything.

    Call it once the imports are done and before any widget is built. Once
    per process, so that apps started one after another (as in tests) do
    not freeze each other's widgets.
    """
    global _settled
    if _settled:
        return
    _settled = True
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
