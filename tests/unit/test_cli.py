"""Command-line parsing: personas, usage errors, version (no network)."""

from __future__ import annotations

import os

import pytest

from kimitui import __version__
from kimitui.cli import main
from kimitui.personas import BUILTIN_PERSONAS


def test_list_personas_shows_every_persona_with_description(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--list-personas"]) == 0
    out = capsys.readouterr().out
    for name, persona in BUILTIN_PERSONAS.items():
        assert name in out
        assert persona.description in out
    assert "* kimi" in out


def test_list_personas_includes_user_personas(capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    config = Path("config.toml")
    config.write_text('[personas.pirate]\nsystem = "Arr"\ndescription = "Talks like a pirate"\n')
    assert main(["--config", str(config), "--list-personas"]) == 0
    assert "pirate  " in capsys.readouterr().out


def test_unknown_persona_exits_2_listing_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--persona", "pirate", "-p", "hi"]) == 2
    err = capsys.readouterr().err
    assert "Unknown persona 'pirate'" in err
    assert "sarcastic" in err and "girlfriend" in err


@pytest.mark.parametrize("value", ["1.5", "-0.1", "hot"])
def test_temperature_outside_range_is_a_usage_error(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--temperature", value, "-p", "hi"])
    assert raised.value.code == 2
    assert "--temperature" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--version"])
    assert raised.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_print_mode_without_key_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-p", "hello"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "MOONSHOT_API_KEY" in err


def test_prompt_without_print_flag_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as raised:
        main(["hello"])
    assert raised.value.code == 2


def test_missing_config_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", "nope.toml", "--list-personas"]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize(("preset", "expected"), [(None, "120"), ("30", "30")])
def test_the_app_draws_up_to_120_frames_a_second_unless_told_otherwise(
    preset: str | None, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kimitui.ui.app import KimiApp

    # Set first, so that the value main() sets is removed after the test too.
    monkeypatch.setenv("TEXTUAL_FPS", "1")
    if preset is None:
        monkeypatch.delenv("TEXTUAL_FPS")
    else:
        monkeypatch.setenv("TEXTUAL_FPS", preset)
    seen: list[str | None] = []
    monkeypatch.setattr(KimiApp, "run", lambda app: seen.append(os.environ.get("TEXTUAL_FPS")))
    assert main([]) == 0
    assert seen == [expected]
