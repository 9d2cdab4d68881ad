"""The cyclic garbage collector is off while kimitui loads.

Loading kimitui and Textual builds about 65,000 objects and almost no
garbage, and the collector would walk them again and again as they pile
up: 3% of the TUI's start-up (counted in instructions). The entry point
(``kimitui.__main__``) pauses it first thing, and it runs again once
loading is done: the TUI resumes it before building its first screen
(``kimitui.ui.heap.settle_after_imports``), the other commands before they
start their work. The few hundred objects of import garbage (about 270 KB)
are kept: collecting them would take 30 ms, several times what the pause
saves.
"""

from __future__ import annotations

import gc

_paused = False


def pause_collection() -> None:
    """Turn the collector off until ``resume_collection`` (if it is on)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_collection() -> None:
    """Turn the collector back on, if ``pause_collection`` turned it off."""
    global _paused
    if _paused:
        _paused = False
        gc.enable()
