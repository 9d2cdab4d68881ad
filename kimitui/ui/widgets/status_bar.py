"""The status bar: active persona, model, token usage and what the chat is doing.

Render-only: the chat screen sets its reactive attributes. Every value is
data (persona and model names come from the config or the server), so the
line is assembled as ``Content`` and never parsed as markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

if TYPE_CHECKING:
    from kimitui.chat.events import Usage


class StatusBar(Widget):
    """One line: persona, model and tokens on the left, the state on the right."""

    persona: reactive[str] = reactive("")
    """The active persona's name."""
    model: reactive[str] = reactive("")
    """The conversation's model."""
    answered_by: reactive[str] = reactive("")
    """The model that produced the last reply, when it differs (``moonshot-v1-auto`` picks one)."""
    prompt_tokens: reactive[int] = reactive(0)
    """Prompt tokens of the last request."""
    completion_tokens: reactive[int] = reactive(0)
    """Completion tokens of the last request."""
    total_tokens: reactive[int] = reactive(0)
    """Tokens used by this conversation so far."""
    state: reactive[str] = reactive("ready")
    """What the chat is doing: ready, waiting, thinking, streaming, retrying, stopped, failed."""

    def record_usage(self, usage: Usage) -> None:
        """Show the token counts of a finished request."""
        self.prompt_tokens = usage.prompt_tokens
        self.completion_tokens = usage.completion_tokens
        self.total_tokens += usage.total_tokens

    def reset_usage(self) -> None:
        """Forget token counts (a new conversation)."""
        self.prompt_tokens = self.completion_tokens = self.total_tokens = 0
        self.answered_by = ""

    def render(self) -> Content:
        """The status line, with the state pushed to the right edge."""
        separator = (" │ ", "$text-muted")
        model = self.model
        if self.answered_by and self.answered_by != self.model:
            model = f"{self.model} → {self.answered_by}"
        tokens = (
            f"{self.prompt_tokens:,} in · {self.completion_tokens:,} out · Σ {self.total_tokens:,}"
            if self.total_tokens
            else "none yet"
        )
        left = Content.assemble(
            ("persona ", "$text-muted"),
            (self.persona, "bold"),
            separator,
            ("model ", "$text-muted"),
            model,
            separator,
            ("tokens ", "$text-muted"),
            tokens,
        )
        right = Content.assemble(("● ", _STATE_STYLES.get(self.state, "")), self.state)
        room = self.size.width - right.cell_length - 1
        if left.cell_length > room:
            left = left.truncate(max(0, room), ellipsis=True)
        gap = max(1, self.size.width - left.cell_length - right.cell_length)
        return Content.assemble(left, " " * gap, right)


_STATE_STYLES = {
    "ready": "$text-success",
    "waiting": "$text-warning",
    "thinking": "$text-accent",
    "streaming": "$text-accent",
    "retrying": "$text-warning",
    "stopped": "$text-warning",
    "failed": "$text-error",
}
