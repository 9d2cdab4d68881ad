"""Freeze the finished Markdown of every reply of an app, in one pass per refresh.

Removing widgets makes Textual lay out the transcript again, and a layout
costs as much as there are widgets in it. Replies that each froze their own
documents would pay one layout each: a saved chat of 200 replies, loaded at
once, would lay out thousands of block widgets 200 times. Here one app-wide
pass captures every document that is ready and removes them all in one
batch, so the screen lays out once.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from typing import Protocol

from textual.app import App
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Markdown

from kimitui.ui.widgets.capture import (
    LAYOUT_POLL,
    UNSETTLED_LIMIT,
    is_ready,
    unsettled_container,
)
from kimitui.ui.widgets.per_app import PerApp

__all__ = ["Freezable", "Freezer"]

MIN_PASS_INTERVAL = 1 / 60
"""Seconds at least between two passes."""
IDLE_PASSES = 600
"""Passes over a shown screen in a row with nothing ready (10 s or more) before giving up."""


class Freezable(Protocol):
    """A widget whose finished ``Markdown`` documents can be frozen."""

    @property
    def is_attached(self) -> bool:
        """Whether it is still in the DOM."""
        ...

    def freezable(self) -> list[Markdown]:
        """The documents that may be frozen now, in order."""
        ...

    async def freeze(self, documents: list[Markdown]) -> None:
        """Capture ``documents`` (a prefix of ``freezable()``, laid out) and remove them."""
        ...


class Freezer(PerApp):
    """The one freezing pass of an app.

    A document is frozen once two refreshes in a row found it laid out at
    the same size, with no scroll bar about to narrow it: lines captured
    before a layout that changes the width would be stale at once.
    """

    def __init__(self, app: App[object]) -> None:
        """Create the app's freezer (use ``Freezer.get``)."""
        super().__init__(app)
        self._owners: dict[Freezable, None] = {}
        self._sizes: weakref.WeakKeyDictionary[Markdown, Size] = weakref.WeakKeyDictionary()
        self._unsettled: weakref.WeakKeyDictionary[Markdown, int] = weakref.WeakKeyDictionary()
        self._running = False

    @property
    def running(self) -> bool:
        """Whether a freezing pass is due (some owner has documents left to freeze)."""
        return self._running

    def request(self, owner: Freezable) -> None:
        """Freeze ``owner``'s documents as soon as they are ready."""
        self._owners[owner] = None
        if not self._running:
            self._running = True
            # Freezing only saves work: a failure leaves block widgets, which
            # look the same, and must never close the app.
            self._app.run_worker(
                self._run(), group="freezer", description="Freeze replies", exit_on_error=False
            )

    async def _run(self) -> None:
        idle = 0
        try:
            while idle < IDLE_PASSES and (
                owners := [owner for owner in self._owners if owner.is_attached]
            ):
                shown = await self._next_refresh(owners[0])
                froze = await self._pass()
                # Only passes over a screen being laid out can tell that nothing
                # is getting ready; give up after many (the widgets stay as they are).
                idle = 0 if froze or not shown else idle + 1
                # An idle screen runs refresh callbacks at once: pace the passes.
                await asyncio.sleep(MIN_PASS_INTERVAL)
        finally:
            self._running = False
            self._owners.clear()

    async def _next_refresh(self, owner: Freezable) -> bool:
        """Wait for the next refresh of ``owner``'s screen; ``False`` if it is not shown."""
        assert isinstance(owner, Widget)
        refreshed = asyncio.Event()
        if owner.call_after_refresh(refreshed.set):
            # The callback is lost if the widget is removed meanwhile: poll too.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(refreshed.wait(), LAYOUT_POLL)
        if not owner.is_attached or not owner.screen.is_current:
            # A background screen is not laid out; its callbacks run at once.
            await asyncio.sleep(LAYOUT_POLL)
            return False
        return True

    async def _pass(self) -> bool:
        """Freeze what is ready, everywhere, in one batch (one layout after it).

        Returns whether anything was ready.
        """
        ready: list[tuple[Freezable, list[Markdown]]] = []
        for owner in list(self._owners):
            documents = owner.freezable() if owner.is_attached else []
            if not documents:
                del self._owners[owner]
                continue
            prefix = self._ready_prefix(documents)
            if prefix:
                ready.append((owner, prefix))
        if not ready:
            return False
        # All of it in one batch, however long it takes: every refresh between
        # two parts would lay out all the block widgets still waiting.
        with self._app.batch_update():
            for owner, documents in ready:
                await owner.freeze(documents)
        return True

    def _ready_prefix(self, documents: list[Markdown]) -> list[Markdown]:
        """The leading documents that are laid out, settled and the same size as last pass."""
        prefix: list[Markdown] = []
        blocked = False
        for document in documents:
            size = document.outer_size if is_ready(document) else None
            stable = size is not None and self._sizes.get(document) == size
            if size is not None:
                self._sizes[document] = size
            if blocked or not stable:
                # Later documents still get their size noted, to be ready next pass.
                blocked = True
                continue
            container = unsettled_container(document)
            unsettled = self._unsettled.get(document, 0)
            if container is not None and unsettled < UNSETTLED_LIMIT:
                container.refresh(layout=True)
                self._unsettled[document] = unsettled + 1
                blocked = True
                continue
            prefix.append(document)
        return prefix
