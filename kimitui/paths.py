"""Where kimitui keeps its config and data.

``KIMITUI_HOME`` moves both roots (tests and isolated runs use it); otherwise
the platform's user config and data directories are used. Nothing here
creates a directory: callers create what they write, when they write it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "kimitui"


def _home(environ: Mapping[str, str]) -> Path | None:
    home = environ.get("KIMITUI_HOME")
    return Path(home).expanduser() if home else None


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The directory holding ``config.toml``."""
    home = _home(os.environ if environ is None else environ)
    if home is not None:
        return home / "config"
    from platformdirs import user_config_path

    return user_config_path(APP_NAME)


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The directory holding conversations and other data."""
    home = _home(os.environ if environ is None else environ)
    if home is not None:
        return home / "data"
    from platformdirs import user_data_path

    return user_data_path(APP_NAME)


def default_config_file(environ: Mapping[str, str] | None = None) -> Path:
    """The config file used when ``--config`` is not given."""
    return config_dir(environ) / "config.toml"
