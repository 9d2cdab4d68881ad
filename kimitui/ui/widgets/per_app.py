"""A helper object kept once per app: ``Thing.get(app)``, without keeping the app alive.

The instances live in a weak dictionary keyed by the app, so an app that
has ended takes its helpers with it; each instance holds its app weakly in
turn, since a strong reference back from the value would keep the key (and
so every app ever run) alive.
"""

from __future__ import annotations

import weakref
from typing import Any, ClassVar, Self

from textual.app import App

__all__ = ["PerApp"]


class PerApp:
    """Base of an object made once per app; subclasses each keep their own instances."""

    _instances: ClassVar[weakref.WeakKeyDictionary[App[Any], Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._instances = weakref.WeakKeyDictionary()

    def __init__(self, app: App[Any]) -> None:
        """Create the helper of ``app`` (use ``get``)."""
        self._app_ref = weakref.ref(app)

    @classmethod
    def get(cls, app: App[Any]) -> Self:
        """The instance of ``app``, made on first use."""
        instance: Self | None = cls._instances.get(app)
        if instance is None:
            instance = cls._instances[app] = cls(app)
        return instance

    @property
    def _app(self) -> App[Any]:
        app = self._app_ref()
        assert app is not None, "used only while the app that owns it runs"
        return app
