"""Settings precedence, validation, personas from config, and key storage."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from kimitui.config import (
    DEFAULT_BASE_URL,
    DEFAULT_MODEL,
    CliOverrides,
    Settings,
    load_settings,
    read_sources,
    save_api_key,
)
from kimitui.errors import ConfigError

CONFIG_FILE = Path("/nonexistent/config.toml")


def settings_from(
    cli: CliOverrides | None = None,
    environ: dict[str, str] | None = None,
    dotenv: dict[str, str | None] | None = None,
    config: dict[str, object] | None = None,
) -> Settings:
    return load_settings(
        cli or CliOverrides(), environ or {}, dotenv or {}, config or {}, CONFIG_FILE
    )


def test_defaults() -> None:
    settings = settings_from()
    assert settings.api_key is None
    assert settings.api_key_source == "none"
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.model == DEFAULT_MODEL
    assert settings.temperature == 0.3
    assert settings.persona == "kimi"
    assert settings.stream is True


def test_precedence_cli_env_dotenv_config() -> None:
    config = {"api_key": "sk-config", "base_url": "http://config/v1", "model": "m-config"}
    dotenv: dict[str, str | None] = {
        "MOONSHOT_API_KEY": "sk-dotenv",
        "MOONSHOT_BASE_URL": "http://dotenv/v1",
    }
    environ = {"MOONSHOT_API_KEY": "sk-env", "MOONSHOT_BASE_URL": "http://env/v1"}
    cli = CliOverrides(base_url="http://cli/v1", model="m-cli")

    assert settings_from(config=config).api_key == "sk-config"
    assert settings_from(dotenv=dotenv, config=config).api_key == "sk-dotenv"
    both = settings_from(environ=environ, dotenv=dotenv, config=config)
    assert (both.api_key, both.api_key_source, both.base_url) == (
        "sk-env",
        "environment",
        "http://env/v1",
    )
    top = settings_from(cli=cli, environ=environ, dotenv=dotenv, config=config)
    assert (top.base_url, top.model, top.model_from_cli) == ("http://cli/v1", "m-cli", True)
    assert settings_from(config=config).model == "m-config"


def test_kimi_variables_are_fallbacks() -> None:
    settings = settings_from(environ={"KIMI_API_KEY": "sk-kimi", "KIMI_BASE_URL": "http://k/v1/"})
    assert settings.api_key == "sk-kimi"
    assert settings.base_url == "http://k/v1"
    preferred = settings_from(environ={"KIMI_API_KEY": "sk-kimi", "MOONSHOT_API_KEY": "sk-moon"})
    assert preferred.api_key == "sk-moon"


def test_api_key_never_in_repr() -> None:
    settings = settings_from(environ={"MOONSHOT_API_KEY": "sk-canary-123456789"})
    assert "sk-canary" not in repr(settings)
    assert "sk-canary" not in str(settings)


def test_unknown_persona_lists_valid_ones() -> None:
    with pytest.raises(ConfigError) as raised:
        settings_from(cli=CliOverrides(persona="pirate"))
    assert "pirate" in str(raised.value)
    assert "sarcastic" in str(raised.value) and "kimi" in str(raised.value)


def test_user_persona_from_config_with_preferences() -> None:
    config = {
        "persona": "pirate",
        "personas": {
            "pirate": {
                "system": "Talk like a pirate.",
                "description": "Arr",
                "model": "moonshot-v1-8k",
                "temperature": 0.9,
                "greeting": "Ahoy!",
            }
        },
    }
    settings = settings_from(config=config)
    pirate = settings.active_persona()
    assert (pirate.system, pirate.greeting) == ("Talk like a pirate.", "Ahoy!")
    assert settings.model_for(pirate) == "moonshot-v1-8k"
    assert settings.temperature_for(pirate) == 0.9
    # Flags beat the persona's preferences.
    forced = settings_from(cli=CliOverrides(model="kimi-latest", temperature=0.1), config=config)
    assert forced.model_for(pirate) == "kimi-latest"
    assert forced.temperature_for(pirate) == 0.1
    # Built-ins stay available next to the user's.
    assert {"kimi", "sarcastic", "girlfriend"} <= set(settings.personas)


@pytest.mark.parametrize(
    "config",
    [
        {"temperature": 1.5},
        {"temperature": "hot"},
        {"personas": {"x": {"description": "no system"}}},
        {"personas": {"x": {"system": "s", "temperature": 3}}},
        {"stream": "yes"},
        {"read_timeout": 0},
        {"keymap": {"chat.send": 1}},
    ],
)
def test_invalid_config_values(config: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        settings_from(config=config)


def test_read_sources_reads_dotenv_without_touching_environ(tmp_path: Path) -> None:
    import os

    Path(".env").write_text("MOONSHOT_API_KEY=sk-from-dotenv\n")
    config_file = tmp_path / "c.toml"
    config_file.write_text('model = "moonshot-v1-8k"\n')
    dotenv, config, path = read_sources(config_file)
    assert dotenv["MOONSHOT_API_KEY"] == "sk-from-dotenv"
    assert "MOONSHOT_API_KEY" not in os.environ
    assert config == {"model": "moonshot-v1-8k"}
    assert path == config_file


def test_read_sources_reports_bad_toml_and_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("model = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_sources(broken)
    with pytest.raises(ConfigError, match="does not exist"):
        read_sources(tmp_path / "missing.toml")


def test_save_api_key_creates_0600_file_and_keeps_other_settings(tmp_path: Path) -> None:
    config_file = tmp_path / "dir" / "config.toml"
    save_api_key(config_file, "sk-first")
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    assert tomllib.loads(config_file.read_text())["api_key"] == "sk-first"

    config_file.write_text(
        config_file.read_text() + 'model = "kimi-latest"\n\n[personas.x]\nsystem = "s"\n'
    )
    config_file.chmod(0o644)
    save_api_key(config_file, "sk-second")
    data = tomllib.loads(config_file.read_text())
    assert data["api_key"] == "sk-second"
    assert data["model"] == "kimi-latest"
    assert data["personas"]["x"]["system"] == "s"
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600


def test_save_api_key_rejects_text_that_would_break_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        save_api_key(tmp_path / "c.toml", 'sk-"; evil = 1')


def test_config_example_is_valid_and_documents_defaults() -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    config = tomllib.loads(example.read_text(encoding="utf-8"))
    settings = settings_from(config=config)
    assert settings.base_url == DEFAULT_BASE_URL
    assert settings.model == DEFAULT_MODEL
    assert settings.temperature == 0.3
    assert "pirate" in settings.personas
