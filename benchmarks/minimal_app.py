"""The start-up reference: the smallest useful Textual app, an input ready for typing.

Run in the same terminal as kimitui, its launch-to-ready time is what Textual
itself costs on this machine; kimitui's start-up is reported as a ratio of it.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input

PLACEHOLDER = "Minimal ready"


class MinimalApp(App[None]):
    """One focused input with a placeholder."""

    def compose(self) -> ComposeResult:
        """Just the input."""
        yield Input(placeholder=PLACEHOLDER)


if __name__ == "__main__":
    MinimalApp().run()
