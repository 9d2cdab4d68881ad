"""A modal asking which JSON export to import: ``ImportScreen`` dismisses with a path.

The result is the path typed (``~`` expanded), or ``None`` when the user
cancels. Reading and importing the file is the chat screen's job.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Static

from kimitui.ui.screens.dialog import DialogScreen

HINT = "A .json file written by kimitui's export · Enter imports and opens it · Esc cancels"


class ImportScreen(DialogScreen[Path | None]):
    """Takes the path of a JSON export."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="import.cancel"),
    ]

    path_input = getters.query_one("#import-input", Input)

    def compose(self) -> ComposeResult:
        """A heading, the input and a hint."""
        with Vertical(id="import-panel", classes="dialog"):
            yield Static(Content("Import a conversation"), classes="dialog-title")
            yield Input(placeholder="path/to/conversation.json", id="import-input")
            yield Static(Content(HINT), classes="dialog-hint")

    def on_mount(self) -> None:
        """Focus the input."""
        self.path_input.focus()

    @on(Input.Submitted, "#import-input")
    def choose(self, event: Input.Submitted) -> None:
        """Close with the typed path, if any."""
        if event.value.strip():
            self.dismiss(Path(event.value.strip()).expanduser())

    def action_cancel(self) -> None:
        """Close without a path."""
        self.dismiss(None)
