"""The key bar at the bottom of the chat: the keys that work now, as one line of text.

Textual's ``Footer`` is a container with a widget per key, each sized by
rendering it, rebuilt (removed and mounted again) after the next refresh
whenever the bindings change: work at start-up, and a frame of its own
(15-30 ms of rebuilding, then a layout) each time a reply starts or ends
("Stop" comes and goes). This bar is one widget that
renders the screen's active bindings as one ``Content`` line, in the
footer's theme colours; a change of bindings only repaints it, in the same
frame as whatever changed them. Clicking a key presses it, as in the footer.
"""

from __future__ import annotations

from typing import NamedTuple

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.widget import Widget

KEY_STYLE = "bold $footer-key-foreground on $footer-key-background"
DESCRIPTION_STYLE = "$footer-description-foreground on $footer-description-background"
DISABLED_STYLE = "dim"
SEPARATOR_STYLE = "$foreground 20%"


class _Key(NamedTuple):
    """A key shown in the bar, and the cells it takes."""

    key: str
    enabled: bool
    start: int
    end: int


class KeyBar(Widget, can_focus=False):
    """The keys of the screen's active bindings; the command palette's at the right edge."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
    }
    """

    def __init__(self) -> None:
        """Create the bar (it reads the bindings of the screen it is on)."""
        super().__init__()
        self._keys: list[_Key] = []

    def on_mount(self) -> None:
        """Repaint when the screen's bindings change (focus moves, an action is allowed)."""
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        """Stop listening to the screen."""
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: object) -> None:
        self.refresh()

    def render(self) -> Content:
        """The keys on the left, the command palette key on the right."""
        shown: dict[str, tuple[int, Binding, bool]] = {}
        palette: tuple[Binding, bool] | None = None
        for node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.key == self.app.COMMAND_PALETTE_BINDING and self.app.ENABLE_COMMAND_PALETTE:
                palette = (binding, enabled)
            elif binding.show:
                # One key per action, the first bound (as the footer does).
                depth = len(node.ancestors_with_self)
                shown.setdefault(binding.action, (depth, binding, enabled))
        keys: list[_Key] = []
        parts: list[Content] = []
        width = 0
        # The focused widget's keys first, the app's last. A priority binding
        # replaces a key of the focused widget in place, which would put it
        # first (the chat's page keys before Send, say).
        for _depth, binding, enabled in sorted(shown.values(), key=lambda item: -item[0]):
            part = self._label(binding, enabled)
            keys.append(_Key(binding.key, enabled, width, width + part.cell_length))
            parts.append(part)
            width += part.cell_length
        left = Content("").join(parts)
        right = Content("")
        if palette is not None:
            binding, enabled = palette
            # As the footer draws it: a thin rule, then the key in a tighter label.
            right = Content.assemble(
                ("▏", SEPARATOR_STYLE), self._label(binding, enabled, compact=True), " "
            )
        if right.cell_length > self.size.width:
            right, palette = Content(""), None  # Too narrow for it: keys only.
        room = self.size.width - right.cell_length
        if left.cell_length > room:
            left = left.truncate(max(0, room))
            keys = [key for key in keys if key.end <= room]
        gap = max(0, self.size.width - left.cell_length - right.cell_length)
        if palette is not None:
            start = left.cell_length + gap + 1
            keys.append(_Key(palette[0].key, palette[1], start, start + right.cell_length - 2))
        self._keys = keys
        return Content.assemble(left, " " * gap, right)

    def _label(self, binding: Binding, enabled: bool, *, compact: bool = False) -> Content:
        """`` key description `` in the footer's styles, dimmed if the key does nothing now."""
        key, description = self.app.get_key_display(binding), binding.description
        label = Content.assemble(
            (key if compact else f" {key} ", KEY_STYLE),
            # Without a description, the key alone (as the footer shows it).
            (f" {description}" if compact else f"{description} ", DESCRIPTION_STYLE)
            if description
            else "",
        )
        return label if enabled else label.stylize(DISABLED_STYLE)

    def on_click(self, event: events.Click) -> None:
        """Press the key under the pointer (a bell if it does nothing now)."""
        for key in self._keys:
            if key.start <= event.x < key.end:
                if key.enabled:
                    self.app.simulate_key(key.key)
                else:
                    self.app.bell()
                return
