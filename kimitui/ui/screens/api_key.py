"""The first-run screen shown when no API key was found.

It explains where to get a Moonshot key and takes one in a masked input.
The key is saved to the config file (mode 0600) and never shown; the app is
told with ``ApiKeyScreen.KeySaved`` and moves on to the chat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from textual import getters, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from kimitui.config import save_api_key
from kimitui.errors import ConfigError
from kimitui.ui.widgets.notice import Notice

INSTRUCTIONS = """\
[b]kimitui needs a Moonshot API key to talk to Kimi.[/b]

Get one from the Moonshot platform:
  • [b]https://platform.moonshot.cn[/b] for keys used with api.moonshot.cn (mainland China)
  • [b]https://platform.moonshot.ai[/b] for keys used with api.moonshot.ai (international)
These are separate accounts: a key from one does not work on the other.
Keys start with [b]sk-[/b].

Either set [b]MOONSHOT_API_KEY[/b] in your environment and restart, or paste the key below.
It will be saved to [b]$config_file[/b], readable only by you.\
"""


class ApiKeyScreen(Screen[None]):
    """Explains how to get a key and saves the one the user pastes."""

    key_input = getters.query_one("#api-key", Input)

    @dataclass
    class KeySaved(Message):
        """A key was saved to ``config_file``; the app can start chatting with it."""

        api_key: str = field(repr=False)
        """The key (kept out of every repr and log)."""
        config_file: Path = field(default_factory=Path)
        """Where it was saved."""

    def __init__(self, config_file: Path) -> None:
        """Create the screen.

        Args:
            config_file: the file the key is saved to.
        """
        super().__init__()
        self.config_file = config_file
        """Where a pasted key is saved."""

    def compose(self) -> ComposeResult:
        """Instructions, a masked input and a line for problems."""
        with Vertical(id="api-key-panel"):
            # The path is data, so it is substituted as a variable, never as markup.
            yield Static(
                Content.from_markup(INSTRUCTIONS, config_file=str(self.config_file)),
                id="api-key-instructions",
            )
            yield Input(
                placeholder="Paste your key (sk-…) and press Enter",
                password=True,
                id="api-key",
            )
            yield Notice("", kind="error")
        yield Footer()

    def on_mount(self) -> None:
        """Focus the input; the problem line stays hidden until there is one."""
        self.query_one(Notice).display = False
        self.key_input.focus()

    @on(Input.Submitted, "#api-key")
    def save_key(self, event: Input.Submitted) -> None:
        """Check and save the key, then hand it to the app."""
        key = event.value.strip()
        problem = self._problem_with(key)
        if problem is None:
            try:
                save_api_key(self.config_file, key)
            except (ConfigError, OSError) as error:
                problem = f"Could not save the key: {error}"
        if problem is not None:
            notice = self.query_one(Notice)
            notice.update(Content(problem))
            notice.display = True
            return
        self.post_message(self.KeySaved(key, self.config_file))

    @staticmethod
    def _problem_with(key: str) -> str | None:
        if not key:
            return "Paste a key first."
        if not key.startswith("sk-"):
            return "That does not look like a Moonshot key: keys start with sk-."
        if any(character.isspace() for character in key):
            return "A key has no spaces or line breaks in it."
        return None
