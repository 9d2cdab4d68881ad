"""Helpers kept once per app neither mix apps up nor keep an ended app alive."""

from __future__ import annotations

import gc
import weakref

from textual.app import App

from kimitui.ui.widgets.per_app import PerApp


class One(PerApp):
    pass


class Other(PerApp):
    pass


def test_one_instance_per_app_and_per_kind() -> None:
    first, second = App[None](), App[None]()
    assert One.get(first) is One.get(first)
    assert One.get(first) is not One.get(second)
    assert One.get(first) is not Other.get(first)
    assert One.get(first)._app is first


def test_a_helper_does_not_keep_its_app_alive() -> None:
    app = App[None]()
    helper = One.get(app)
    gone = weakref.ref(app)
    del app
    gc.collect()
    assert gone() is None
    assert helper._app_ref() is None
