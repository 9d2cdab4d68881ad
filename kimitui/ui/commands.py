"""The command palette's persona commands: one per persona, with its description.

Choosing one starts a fresh conversation with that persona's system prompt,
model and temperature. Persona names and descriptions come from the config
file, so they are shown as plain text, never parsed as markup.
"""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from kimitui.personas import Persona
from kimitui.ui.screens.chat import ChatScreen

PREFIX = "Persona: "


class PersonaCommands(Provider):
    """Lists every persona; choosing one switches the chat to it."""

    def _personas(self) -> list[Persona]:
        screen = self.screen
        if not isinstance(screen, ChatScreen):
            # Without a chat (the API key screen) there is nothing to switch.
            return []
        return sorted(screen.settings.personas.values(), key=lambda persona: persona.name)

    async def discover(self) -> Hits:
        """Every persona, in name order."""
        for persona in self._personas():
            yield DiscoveryHit(
                Text(PREFIX + persona.name),
                partial(self._switch, persona),
                text=PREFIX + persona.name,
                help=self._help(persona),
            )

    async def search(self, query: str) -> Hits:
        """The personas whose name matches ``query``, best first."""
        matcher = self.matcher(query)
        for persona in self._personas():
            candidate = PREFIX + persona.name
            score, offsets = matcher.fuzzy_search.match(query, candidate)
            if score <= 0:
                continue
            display = Text(candidate)
            for offset in offsets:
                display.stylize("reverse", offset, offset + 1)
            yield Hit(
                score,
                display,
                partial(self._switch, persona),
                text=candidate,
                help=self._help(persona),
            )

    def _help(self, persona: Persona) -> str:
        # The palette parses help text as markup, hence the escape.
        description = persona.description or "A persona from your config file"
        screen = self.screen
        if isinstance(screen, ChatScreen) and persona.name == screen.persona.name:
            description += " (active)"
        return escape(description)

    async def _switch(self, persona: Persona) -> None:
        screen = self.screen
        if isinstance(screen, ChatScreen):
            await screen.start_conversation(
                persona, notice=f"New conversation with the {persona.name} persona."
            )
