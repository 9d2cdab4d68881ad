"""The Textual application: wires settings, the provider factory and the screens.

``KimiApp`` does no IO and holds no chat logic. It applies the user's keymap,
opens the API key screen when there is no key (then the chat once one is
saved) and builds the provider lazily, the first time a message is sent, so
the first frame never waits for the SDK or the network.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from contextlib import suppress
from typing import ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType

from kimitui.config import Settings
from kimitui.providers.base import ChatProvider
from kimitui.ui.commands import PersonaCommands
from kimitui.ui.screens.api_key import ApiKeyScreen
from kimitui.ui.screens.chat import ChatScreen

ProviderFactory = Callable[[Settings], ChatProvider]
"""Builds the chat provider from settings (the CLI passes the Moonshot one)."""


class KimiApp(App[None]):
    """kimitui's terminal user interface."""

    CSS_PATH = "app.tcss"
    TITLE = "kimitui"
    COMMANDS = App.COMMANDS | {PersonaCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | ctrl+q | Quit kimitui. |
    | ctrl+p | Open the command palette (personas, theme, ...). |
    """

    def __init__(self, settings: Settings, make_provider: ProviderFactory) -> None:
        """Create the app; nothing is built or contacted until it runs.

        Args:
            settings: the resolved settings.
            make_provider: builds the chat provider; called once, when the first
                message is sent.
        """
        super().__init__()
        self.settings = settings
        """The settings in use (replaced when a key is saved from the key screen)."""
        self._make_provider = make_provider
        self._provider: ChatProvider | None = None

    def on_mount(self) -> None:
        """Apply the keymap and open the chat, or the key screen when there is no key."""
        self.set_keymap(dict(self.settings.keymap))
        if self.settings.api_key is None:
            self.push_screen(ApiKeyScreen(self.settings.config_file))
        else:
            self.push_screen(ChatScreen(self.settings, self.provider))

    def provider(self) -> ChatProvider:
        """The chat provider, built on first use."""
        if self._provider is None:
            self._provider = self._make_provider(self.settings)
        return self._provider

    @on(ApiKeyScreen.KeySaved)
    def start_chat_with_key(self, event: ApiKeyScreen.KeySaved) -> None:
        """Use the key that was just saved and open the chat."""
        self.settings = dataclasses.replace(
            self.settings, api_key=event.api_key, api_key_source="config"
        )
        notice = f"Your API key was saved to {event.config_file} (readable only by you)."
        self.switch_screen(ChatScreen(self.settings, self.provider, notice=notice))

    async def on_unmount(self) -> None:
        """Close the provider's connections."""
        if self._provider is not None:
            with suppress(Exception):
                await self._provider.aclose()
