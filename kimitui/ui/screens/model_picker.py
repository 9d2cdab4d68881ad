"""The model picker: the models the server lists, or any name typed in.

Opened from the command palette ("Model: switch model"), and suggested when a
request fails because the model does not exist. The list comes from
``/v1/models`` through the provider, in a worker, so the screen opens at once;
if the list cannot be fetched the user can still type a model name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from kimitui.errors import KimituiError
from kimitui.providers.base import ModelInfo

ListModels = Callable[[], Awaitable[list[ModelInfo]]]


def describe(model: ModelInfo) -> Text:
    """One line for ``model``: its id, and its context window when known."""
    line = Text(model.id)
    details = []
    if model.context_length:
        details.append(f"{model.context_length // 1024}k context")
    if model.supports_reasoning:
        details.append("thinking")
    if details:
        line.append(f"  {' · '.join(details)}", style="dim")
    return line


class ModelPicker(ModalScreen[str | None]):
    """Choose the model for this conversation; dismisses with its id, or ``None``."""

    DEFAULT_CSS = """
    ModelPicker {
        align: center middle;

        #model-picker {
            width: 70;
            height: auto;
            max-height: 80%;
            padding: 1 2;
            border: round $primary;
            background: $surface;
        }

        #model-list {
            height: auto;
            max-height: 16;
        }

        #model-status {
            color: $text-muted;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_picker", "Cancel", id="models.cancel"),
    ]

    def __init__(self, list_models: ListModels, current: str) -> None:
        """Create the picker.

        Args:
            list_models: fetches the server's models.
            current: the conversation's model, marked in the list.
        """
        super().__init__()
        self._list_models = list_models
        self._current = current
        self._models: list[ModelInfo] = []

    def compose(self) -> ComposeResult:
        """A filter/name input above the list."""
        with Vertical(id="model-picker"):
            yield Label(Content("Switch model (Enter to choose, Esc to cancel)"))
            yield Input(placeholder="filter, or type a model name", id="model-filter")
            yield OptionList(id="model-list")
            yield Label("", id="model-status", markup=False)

    def on_mount(self) -> None:
        """Fetch the list in the background."""
        self.query_one("#model-status", Label).update("Loading the server's models…")
        self._load()

    @work(exclusive=True, exit_on_error=False, description="List models")
    async def _load(self) -> None:
        status = self.query_one("#model-status", Label)
        try:
            self._models = sorted(await self._list_models(), key=lambda m: m.id)
        except KimituiError as error:
            status.update(f"Could not list the models: {error} Type a name instead.")
            return
        status.update(f"{len(self._models)} models; current: {self._current}")
        self._fill(self.query_one("#model-filter", Input).value)

    def _fill(self, query: str) -> None:
        options = self.query_one("#model-list", OptionList)
        options.clear_options()
        wanted = query.strip().lower()
        options.add_options(
            Option(describe(model), id=model.id)
            for model in self._models
            if wanted in model.id.lower()
        )
        if options.option_count:
            options.highlighted = 0

    @on(Input.Changed, "#model-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#model-filter")
    def _typed(self, event: Input.Submitted) -> None:
        options = self.query_one("#model-list", OptionList)
        highlighted = options.highlighted
        if highlighted is not None and options.option_count:
            self.dismiss(options.get_option_at_index(highlighted).id)
        elif event.value.strip():
            self.dismiss(event.value.strip())

    @on(OptionList.OptionSelected, "#model-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_picker(self) -> None:
        """Close without changing the model."""
        self.dismiss(None)
