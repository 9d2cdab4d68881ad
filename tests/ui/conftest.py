"""Fixtures for the UI tests: a fake Moonshot server and apps wired to it.

Every app is built exactly as the CLI builds it: ``KimiApp(settings,
make_provider)`` with the real Moonshot provider (the real ``openai`` SDK over
real HTTP), pointed at a ``FakeMoonshot`` on 127.0.0.1. ``store`` is a
conversation store in the test's own ``KIMITUI_HOME``, where the CLI would
open it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kimitui.cli import make_provider
from kimitui.config import Settings
from kimitui.store import ConversationStore
from kimitui.store.opening import store_path
from kimitui.ui.app import KimiApp
from tests.fakeserver import FakeMoonshot

MakeSettings = Callable[..., Settings]
MakeApp = Callable[..., KimiApp]


@pytest.fixture
def server() -> Iterator[FakeMoonshot]:
    """A fake Moonshot server on a free local port."""
    with FakeMoonshot() as fake:
        yield fake


@pytest.fixture
def make_settings(server: FakeMoonshot, tmp_path: Path) -> MakeSettings:
    """Settings pointing at ``server``; keyword arguments override fields."""

    def build(**overrides: Any) -> Settings:
        fields: dict[str, Any] = {
            "api_key": server.api_key,
            "api_key_source": "environment",
            "base_url": server.base_url,
            "config_file": tmp_path / "config" / "config.toml",
        }
        fields.update(overrides)
        return Settings(**fields)

    return build


@pytest.fixture
def make_app(make_settings: MakeSettings) -> MakeApp:
    """A ``KimiApp`` wired like the CLI wires it; keyword arguments override settings."""

    def build(**overrides: Any) -> KimiApp:
        return KimiApp(make_settings(**overrides), make_provider)

    return build


@pytest.fixture
def store() -> Iterator[ConversationStore]:
    """The conversation store in the test's ``KIMITUI_HOME``, closed afterwards."""
    opened = ConversationStore.open(store_path())
    yield opened
    opened.close()
