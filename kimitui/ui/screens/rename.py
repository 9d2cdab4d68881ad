"""A modal to rename a saved conversation: ``RenameScreen`` dismisses with the new title.

The result is the text typed (an empty one means "go back to the default
title", the first line the user wrote), or ``None`` when the user cancels.
"""

from __future__ import annotations

from typing import ClassVar

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Static

from kimitui.ui.screens.dialog import DialogScreen

HINT = "Enter saves · an empty title goes back to the first line you wrote · Esc cancels"


class RenameScreen(DialogScreen[str | None]):
    """Takes a new title in an input prefilled with the current one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="rename.cancel"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | enter | Save the title. |
    | escape | Close without renaming. |
    """

    title_input = getters.query_one("#rename-input", Input)

    def __init__(self, current_title: str) -> None:
        """Create the modal.

        Args:
            current_title: the title shown now, to edit.
        """
        super().__init__()
        self.current_title = current_title
        """The title before renaming."""

    def compose(self) -> ComposeResult:
        """A heading, the input and a hint."""
        with Vertical(id="rename-panel", classes="dialog"):
            yield Static(Content("Rename conversation"), classes="dialog-title")
            yield Input(self.current_title, id="rename-input", select_on_focus=False)
            yield Static(Content(HINT), classes="dialog-hint")

    def on_mount(self) -> None:
        """Focus the input, caret at the end."""
        self.title_input.focus()
        self.title_input.cursor_position = len(self.current_title)

    @on(Input.Submitted, "#rename-input")
    def save(self, event: Input.Submitted) -> None:
        """Close with the typed title."""
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        """Close without a title."""
        self.dismiss(None)
