"""The collector is held off while a reply's final form is built, and never left off."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from textual.app import App
from textual.widgets import Static

from kimitui.ui.heap import collection_held_until_drawn, release_collection
from tests.ui.conftest import MakeApp
from tests.ui.helpers import wait_until


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    """Every test starts with the collector on, and leaves it on whatever happens."""
    gc.enable()
    yield
    release_collection()
    gc.enable()


async def test_the_collector_runs_again_once_the_next_frame_is_drawn() -> None:
    app: App[None] = App()
    async with app.run_test() as pilot:
        with collection_held_until_drawn(app):
            await app.mount(Static("the final form"))
            assert not gc.isenabled()
        assert not gc.isenabled(), "held until the frame after the block"
        await pilot.pause()
        await wait_until(pilot, gc.isenabled, timeout=0.3)


async def test_a_hold_that_sees_no_frame_ends_after_its_time_limit() -> None:
    app: App[None] = App()
    async with app.run_test() as pilot:
        app.call_after_refresh = lambda callback: True  # type: ignore[method-assign]
        with collection_held_until_drawn(app):
            pass
        await pilot.pause(0.1)
        assert not gc.isenabled()
        await wait_until(pilot, gc.isenabled, timeout=2)


async def test_closing_the_app_while_the_collector_is_held_turns_it_back_on(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test():
        # As if the app closed before the next frame: the release never comes.
        app.call_after_refresh = lambda callback: True  # type: ignore[method-assign]
        with collection_held_until_drawn(app):
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
