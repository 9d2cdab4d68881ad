"""The ``save`` setting: on by default, off with ``save = false`` or ``--incognito``."""

from __future__ import annotations

from pathlib import Path

import pytest

from kimitui.config import CliOverrides, load_settings
from kimitui.errors import ConfigError


def save_setting(cli: CliOverrides, config: dict[str, object]) -> bool:
    return load_settings(cli, {}, {}, config, Path("/nonexistent/config.toml")).save


def test_saving_is_on_by_default() -> None:
    assert save_setting(CliOverrides(), {}) is True


def test_the_config_file_can_turn_saving_off() -> None:
    assert save_setting(CliOverrides(), {"save": False}) is False


def test_incognito_beats_the_config_file() -> None:
    assert save_setting(CliOverrides(save=False), {"save": True}) is False


def test_save_must_be_a_boolean() -> None:
    with pytest.raises(ConfigError, match="save must be true or false"):
        save_setting(CliOverrides(), {"save": "no"})
