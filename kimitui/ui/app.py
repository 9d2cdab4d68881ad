"""The Textual application: wires settings, the provider factory and the screens.

``KimiApp`` does no IO and holds no chat logic. It applies the user's keymap,
opens the API key screen when there is no key (then the chat once one is
saved) and builds the provider once the first frame is on screen: in a
thread, together with the reply widgets' imports, so neither the first frame
nor the first message waits for the SDK (and no request is made until a
message is sent). The conversation store comes from the CLI (which also
closes it): the app hands it to the chat, shows why saving is off or has
stopped, and adds the history and export commands to the palette.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable, Iterable
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen

from kimitui.chat.conversation import Conversation
from kimitui.config import Settings
from kimitui.store import ConversationStore
from kimitui.ui.commands import PersonaCommands
from kimitui.ui.heap import release_collection, settle_after_imports
from kimitui.ui.screens.chat import ChatScreen

if TYPE_CHECKING:
    # Types only: the export code loads when a conversation is first exported,
    # the key screen when there is no key.
    from kimitui.providers.base import ChatProvider
    from kimitui.store.export import Format
    from kimitui.ui.screens.api_key import ApiKeyScreen

ProviderFactory = Callable[[Settings], "ChatProvider"]
"""Builds the chat provider from settings (the CLI passes the Moonshot one).

Called in a background thread after the first frame; once per app, unless it fails.
"""

EXPORT_FORMATS: tuple[tuple[Format, str], ...] = (("md", "Markdown"), ("json", "JSON"))
"""The palette's export commands: file format and its name."""


WARM_LANGUAGES = (
    *("python", "bash", "javascript", "typescript", "json", "rust", "go", "c", "cpp"),
    *("java", "sql", "yaml", "toml", "html", "css", "diff", "text", "plaintext"),
)
"""Code fence languages whose highlighting is loaded ahead of the first reply.

The first fence in a language imports its Pygments lexer and compiles its
patterns: 5-80 ms each (CSS, SQL, JavaScript are the slowest), a hitch in
the middle of a streaming reply. ``text`` is how fences without a language
are shown; ``plaintext``, a label models use that Pygments does not know,
stands for every such name: the first one makes Pygments look through its
plugins (about 20 ms), once. Loaded after the warm-up, one language per
turn of the event loop: on the event loop, because Pygments compiles a
lexer's patterns without a lock, and a reply (or a resumed conversation)
may be highlighting the same language meanwhile.
"""


WARM_UP_WAIT = 0.5
"""Seconds between two checks whether the reply that holds the warm-up back has ended."""


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

    def __init__(
        self,
        settings: Settings,
        make_provider: ProviderFactory,
        *,
        store: ConversationStore | None = None,
        resume: Conversation | None = None,
        pick: bool = False,
        store_warning: str | None = None,
        notice: str | None = None,
    ) -> None:
        """Create the app; nothing is built or contacted until it runs.

        Args:
            settings: the resolved settings.
            make_provider: builds the chat provider; called once, in a thread
                after the first frame (or when a message needs it first).
            store: where conversations are saved; ``None`` saves nothing
                (incognito, or the database could not be opened).
            resume: a saved conversation to show and continue.
            pick: open the history first, to choose a conversation.
            store_warning: why nothing is saved, when the database failed to open.
            notice: something to tell the user at start-up.
        """
        super().__init__()
        self.settings = settings
        """The settings in use (replaced when a key is saved from the key screen)."""
        self.store = store
        """The conversation store, or ``None`` when nothing is saved."""
        self._make_provider = make_provider
        self._provider: ChatProvider | None = None
        # The warm-up thread and a message sent meanwhile must not build two.
        self._provider_lock = threading.Lock()
        self._resume = resume
        self._pick = pick
        self._start_up_notes: list[tuple[str | None, SeverityLevel]] = [
            (store_warning, "warning"),
            (notice, "information"),
        ]

    def get_default_screen(self) -> Screen[None]:
        """The chat, when there is a key: the app's first frame is then the chat's."""
        # The first screen is built before ``on_mount``.
        settle_after_imports()
        if self.settings.api_key is None:
            return super().get_default_screen()
        return self._chat()

    def on_mount(self) -> None:
        """Apply the keymap; ask for a key over the empty first screen when there is none."""
        self.set_keymap(dict(self.settings.keymap))
        if self.store is not None:
            self.store.recorder.on_error = self._saving_stopped
        for note, severity in self._start_up_notes:
            if note:
                self.notify(note, severity=severity, markup=False)
        if self.settings.api_key is None:
            from kimitui.ui.screens.api_key import ApiKeyScreen

            self.push_screen(ApiKeyScreen(self.settings.config_file))

    def on_ready(self, event: events.Ready) -> None:
        """Get ready for the first message once the chat's first frame is on screen."""
        if self.settings.api_key is None:
            # The settings change when a key is saved; the chat that follows
            # builds the provider when it first sends.
            return
        # Ready comes with the first layout. Started now, the warm-up would
        # hold the chat's first frame back (for 100-300 ms); after the next
        # refresh, the chat is on screen.
        self.call_after_refresh(self._start_warm_up)

    def _start_warm_up(self) -> None:
        # A daemon thread, not a thread worker: exit waits for workers' threads,
        # so quitting at once would wait up to a second for the SDK import.
        loop = asyncio.get_running_loop()
        threading.Thread(
            target=self._warm_up, args=(loop,), name="kimitui-warm-up", daemon=True
        ).start()

    def _warm_up(self, loop: asyncio.AbstractEventLoop) -> None:
        """Import the reply code and widgets and build the provider, so Enter sends at once.

        Both take most of a second (Markdown and Pygments; the ``openai`` SDK,
        its models and an SSL context), which would otherwise be spent on the
        event loop between the first Enter and its request. Then the
        highlighting of common languages is loaded, on the event loop.
        """
        import kimitui.chat.session
        import kimitui.ui.reply_events
        import kimitui.ui.widgets.message  # noqa: F401

        # A failure is reported when a message is sent: that builds it again.
        with suppress(Exception):
            self.provider()
        # A plain callback, not call_from_thread's coroutine: if the app has
        # stopped meanwhile, this fails cleanly (nothing is left to warm).
        with suppress(RuntimeError):
            loop.call_soon_threadsafe(self._warm_up_highlighting, WARM_LANGUAGES)

    def _warm_up_highlighting(self, languages: tuple[str, ...]) -> None:
        """Highlight a line of the first of ``languages``, then the others, one per turn.

        Not while a reply streams: it needs the event loop more, and loads
        the languages it uses itself. The rest waits until it has ended.
        """
        from textual.highlight import highlight

        if not languages:
            return
        # Plain event loop calls (highlight needs no app): dropped if the app stops.
        loop = asyncio.get_running_loop()
        if any(isinstance(screen, ChatScreen) and screen.streaming for screen in self.screen_stack):
            loop.call_later(WARM_UP_WAIT, self._warm_up_highlighting, languages)
            return
        with suppress(Exception):
            highlight("x\n", language=languages[0])
        loop.call_later(0.01, self._warm_up_highlighting, languages[1:])

    def _chat(self, notice: str | None = None) -> ChatScreen:
        """The chat screen, showing the conversation to resume (once) if there is one."""
        resume, self._resume = self._resume, None
        pick, self._pick = self._pick, False
        return ChatScreen(
            self.settings,
            self.provider,
            notice=notice,
            store=self.store,
            conversation=resume,
            pick=pick,
        )

    def _saving_stopped(self, message: str) -> None:
        """The store could not save: say so once; the chat carries on in memory."""
        self.notify(message, severity="warning", markup=False, timeout=10)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette's built-in commands, plus history and export in the chat."""
        yield from super().get_system_commands(screen)
        if isinstance(screen, ChatScreen):
            yield SystemCommand(
                "History: browse saved conversations",
                "Open, search, rename, delete or export saved conversations (ctrl+o)",
                screen.action_history,
            )
            yield SystemCommand(
                "Import conversation from a JSON export",
                "Add a conversation exported with kimitui to the history and open it",
                screen.action_import,
            )
            yield SystemCommand(
                "Model: switch model",
                "Choose this conversation's model from the server's list",
                screen.action_pick_model,
            )
            for fmt, name in EXPORT_FORMATS:
                yield SystemCommand(
                    f"Export conversation as {name}",
                    f"Write this conversation to a .{fmt} file in the current directory",
                    partial(screen.export_conversation, fmt),
                )

    def provider(self) -> ChatProvider:
        """The chat provider, built on first use (safe to call from any thread)."""
        with self._provider_lock:
            if self._provider is None:
                self._provider = self._make_provider(self.settings)
            return self._provider

    def on_api_key_screen_key_saved(self, event: ApiKeyScreen.KeySaved) -> None:
        """Use the key that was just saved and open the chat."""
        self.settings = dataclasses.replace(
            self.settings, api_key=event.api_key, api_key_source="config"
        )
        notice = f"Your API key was saved to {event.config_file} (readable only by you)."
        self.switch_screen(self._chat(notice))
        self.call_after_refresh(self._start_warm_up)

    async def on_unmount(self) -> None:
        """Save what the recorder still holds, and close the provider's connections."""
        # Never leave the garbage collector off behind us (see ``collection_held_until_drawn``).
        release_collection()
        if self.store is not None:
            # While the event loop still runs; the CLI closes the store afterwards.
            self.store.recorder.flush()
            self.store.recorder.on_error = None
        if self._provider is not None:
            with suppress(Exception):
                await self._provider.aclose()
