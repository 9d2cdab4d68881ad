"""Hermetic defaults for every test.

Each test gets its own ``KIMITUI_HOME`` and runs with no API key and no proxy
in the environment, in a fresh working directory, so no test can read the
user's files, pick up a real key or reach the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

SECRET_VARS = (
    "MOONSHOT_API_KEY",
    "KIMI_API_KEY",
    "OPENAI_API_KEY",
    "MOONSHOT_BASE_URL",
    "KIMI_BASE_URL",
    "OPENAI_BASE_URL",
)
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Isolate the test from the user's config, keys and network settings."""
    home = tmp_path / "kimitui-home"
    monkeypatch.setenv("KIMITUI_HOME", str(home))
    for name in (*SECRET_VARS, *PROXY_VARS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    yield home
