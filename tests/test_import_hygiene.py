"""The layers import only what they may.

``kimitui.chat``, ``kimitui.providers`` and ``kimitui.config`` must load
without Textual (print mode and the core stay light), the UI must never load
the ``openai`` SDK itself, and the CLI must not import the SDK or Textual
before it knows it needs them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kimitui"


def modules_loaded_by(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


@pytest.mark.parametrize(
    "module",
    [
        "kimitui.chat.session",
        "kimitui.chat.conversation",
        "kimitui.providers.moonshot",
        "kimitui.config",
        "kimitui.printmode",
    ],
)
def test_core_does_not_import_textual(module: str) -> None:
    loaded = modules_loaded_by(f"import {module}")
    assert module in loaded
    assert "textual" not in loaded


def test_cli_start_up_imports_neither_sdk_nor_textual() -> None:
    loaded = modules_loaded_by("import kimitui.cli")
    assert "kimitui.cli" in loaded
    assert "openai" not in loaded
    assert "textual" not in loaded


def test_only_the_moonshot_provider_imports_openai() -> None:
    importers = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if any(
            line.strip().startswith(("import openai", "from openai"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    )
    assert importers == ["providers/moonshot.py"]


def test_ui_does_not_load_the_sdk() -> None:
    loaded = modules_loaded_by("import kimitui.ui.app")
    assert "textual" in loaded
    assert "openai" not in loaded


def test_ui_start_up_loads_only_what_the_first_screen_shows() -> None:
    # An empty chat shows no message, so Markdown (markdown-it, Pygments) loads
    # after the first frame, as do the screens only opened later.
    loaded = modules_loaded_by("import kimitui.ui.app")
    assert "kimitui.ui.screens.chat" in loaded
    later = {
        "markdown_it",
        "pygments",
        "kimitui.ui.widgets.message",
        "kimitui.ui.screens.history",
        "kimitui.ui.screens.model_picker",
        "kimitui.ui.screens.api_key",
        "kimitui.store.export",
        # The reply path: loaded by the warm-up after the first frame.
        "kimitui.chat.session",
        "kimitui.chat.events",
        "kimitui.ui.reply_events",
    }
    assert sorted(later & loaded) == []


def test_settings_load_the_file_parsers_only_for_files_that_exist(tmp_path: Path) -> None:
    probe = (
        "import sys; from pathlib import Path; from kimitui.config import read_sources\n"
        "read_sources(None)\n"
        "print('tomllib' in sys.modules, 'dotenv' in sys.modules)\n"
        "Path('.env').write_text('MOONSHOT_API_KEY=sk-env\\n')\n"
        "Path('config.toml').write_text('model = \"moonshot-v1-8k\"\\n')\n"
        "dotenv, config, _ = read_sources(Path('config.toml'))\n"
        "print(dotenv['MOONSHOT_API_KEY'], config['model'])\n"
    )
    env = {**os.environ, "KIMITUI_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    )
    assert result.stdout.split() == ["False", "False", "sk-env", "moonshot-v1-8k"]


def test_only_the_ui_imports_textual() -> None:
    outside = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "ui" not in path.relative_to(PACKAGE).parts[:1]
        and any(
            line.strip().startswith(("import textual", "from textual"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    )
    assert outside == []
