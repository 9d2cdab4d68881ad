"""A yes/no question in a modal: ``ConfirmScreen`` dismisses with ``True`` or ``False``.

The question usually names something from the data (a conversation's title),
so it is shown as plain ``Content``, never parsed as markup.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from kimitui.ui.screens.dialog import DialogScreen


class ConfirmScreen(DialogScreen[bool]):
    """Asks a question; ``y`` or the first button confirms, ``n`` or Escape declines."""

    DEFAULT_CSS = """
    #confirm-panel {
        border: round $error;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | y | Confirm. |
    | n, escape | Decline and close. |
    """

    def __init__(self, question: str, *, confirm_label: str = "Yes") -> None:
        """Create the modal.

        Args:
            question: the question, shown verbatim.
            confirm_label: the confirming button's label (e.g. "Delete").
        """
        super().__init__()
        self.question = question
        """The question asked."""
        self._confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        """The question, then the two buttons."""
        with Vertical(id="confirm-panel", classes="dialog"):
            yield Static(Content(self.question), id="confirm-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content(self._confirm_label), variant="error", id="confirm-yes")
                yield Button(Content("Cancel"), id="confirm-no")

    def on_mount(self) -> None:
        """Start on Cancel, so a stray Enter does nothing destructive."""
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        """A button answers the question."""
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        """Close with ``answer``."""
        self.dismiss(answer)
