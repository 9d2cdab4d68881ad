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

Before that, while kimitui and Textual load, the entry point keeps the
collector off (``kimitui.startup``); it is turned back on here, and the
little garbage the imports left is frozen with the rest.

A reply's end builds its final form and the next frame draws it; a
collection in between (5 ms for the youngest generation, 40 ms and more for
the next) delays that frame. ``collection_held_until_drawn`` keeps the
collector off until the frame is drawn, with a time limit; it then runs at once.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from kimitui.startup import resume_collection

if TYPE_CHECKING:
    from textual.app import App

__all__ = [
    "GEN0_THRESHOLD",
    "HOLD_LIMIT",
    "collection_held_until_drawn",
    "release_collection",
    "settle_after_imports",
]

GEN0_THRESHOLD = 10_000
"""Net new container objects between two collections of the youngest generation."""

HOLD_LIMIT = 0.5
"""Seconds after which a held collector (``collection_held_until_drawn``) runs regardless."""

_settled = False
_holding = False


def settle_after_imports() -> None:
    """Freeze what exists now and collect less often, and turn a paused collector back on.

    Call it once the imports are done and before any widget is built. It
    freezes once per process, so that apps started one after another (as in
    tests) do not freeze each other's widgets.
    """
    global _settled
    if not _settled:
        _settled = True
        gc.freeze()
        _, gen1, gen2 = gc.get_threshold()
        gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
    resume_collection()


@contextmanager
def collection_held_until_drawn(app: App[object]) -> Iterator[None]:
    """Keep the cyclic collector off from now until ``app`` has drawn its next frame.

    The frame after the block, that is: the block builds what it shows. At
    most ``HOLD_LIMIT`` seconds: a timer lets the collector run again should
    no frame come, and the app calls ``release_collection`` when it closes.
    """
    global _holding
    if _holding or not gc.isenabled():
        yield
        return
    _holding = True
    gc.disable()
    app.set_timer(HOLD_LIMIT, release_collection)
    try:
        yield
    finally:
        app.call_after_refresh(release_collection)


def release_collection() -> None:
    """Let the collector run again, if ``collection_held_until_drawn`` stopped it."""
    global _holding
    if _holding:
        _holding = False
        gc.enable()
