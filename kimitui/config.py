"""Settings: one frozen dataclass, built by one pure function.

Precedence, highest first: command-line flags, the environment, a ``.env``
file in the current directory, the config file, built-in defaults.
``load_settings`` takes every source as plain data so it can be tested
without touching the disk; ``read_sources`` gathers them from the system.
The API key never appears in a ``repr``, and the file that stores it is
written with mode 0600.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kimitui.errors import ConfigError
from kimitui.paths import default_config_file
from kimitui.personas import DEFAULT_PERSONA, Persona, load_personas

DEFAULT_BASE_URL = "https://api.moonshot.cn/v1"
DEFAULT_MODEL = "moonshot-v1-auto"
DEFAULT_TEMPERATURE = 0.3
DEFAULT_READ_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 4

API_KEY_VARS = ("MOONSHOT_API_KEY", "KIMI_API_KEY")
BASE_URL_VARS = ("MOONSHOT_BASE_URL", "KIMI_BASE_URL")


@dataclass(frozen=True, slots=True)
class CliOverrides:
    """The settings given as command-line flags (``None``: not given)."""

    api_key: str | None = None
    base_url: str | None = None
    model: str | None = None
    persona: str | None = None
    temperature: float | None = None
    stream: bool | None = None
    save: bool | None = None
    """``False`` with ``--incognito``."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything kimitui needs to know to run, resolved once at start-up."""

    api_key: str | None = field(default=None, repr=False)
    """The Moonshot API key; never shown, logged or put in a ``repr``."""
    api_key_source: str = "none"
    """Where the key came from: flag, environment, .env, config or none."""
    base_url: str = DEFAULT_BASE_URL
    """The OpenAI-compatible endpoint, including ``/v1``."""
    model: str = DEFAULT_MODEL
    """The model to use unless the persona names one."""
    model_from_cli: bool = False
    """True when ``--model`` was given: then it beats the persona's model."""
    persona: str = DEFAULT_PERSONA
    """The persona a new conversation starts with."""
    temperature: float = DEFAULT_TEMPERATURE
    """Sampling temperature, 0 to 1."""
    temperature_from_cli: bool = False
    """True when ``--temperature`` was given: then it beats the persona's."""
    stream: bool = True
    """Stream replies as they are generated."""
    read_timeout: float = DEFAULT_READ_TIMEOUT
    """Seconds without a byte from the server before a reply is abandoned."""
    max_retries: int = DEFAULT_MAX_RETRIES
    """How often a rate-limited, overloaded or failed request is resent."""
    proxy: str | None = None
    """A proxy for every request; unset, the ``*_PROXY`` variables apply."""
    save: bool = True
    """Autosave conversations to the data directory; ``False`` keeps them in memory only."""
    config_file: Path = field(default_factory=lambda: default_config_file())
    """The config file read, and written when a key is saved."""
    personas: Mapping[str, Persona] = field(default_factory=lambda: load_personas({}))
    """Every persona: built-in ones plus the config file's."""
    keymap: Mapping[str, str] = field(default_factory=dict)
    """Binding id to key(s), from the ``[keymap]`` table."""

    def active_persona(self, name: str | None = None) -> Persona:
        """The persona called ``name`` (default: the configured one)."""
        return self.personas[name or self.persona]

    def model_for(self, persona: Persona) -> str:
        """The model a conversation with ``persona`` uses."""
        if self.model_from_cli or persona.model is None:
            return self.model
        return persona.model

    def temperature_for(self, persona: Persona) -> float:
        """The temperature a conversation with ``persona`` uses."""
        if self.temperature_from_cli or persona.temperature is None:
            return self.temperature
        return persona.temperature


def load_settings(
    cli: CliOverrides,
    environ: Mapping[str, str],
    dotenv: Mapping[str, str | None],
    config: Mapping[str, Any],
    config_file: Path,
) -> Settings:
    """Resolve settings from every source, highest precedence first.

    Args:
        cli: flags from the command line.
        environ: the process environment.
        dotenv: the values of ``.env`` in the current directory.
        config: the parsed config file (empty if absent).
        config_file: where the config file lives.

    Raises:
        ConfigError: a value is invalid or the persona is unknown.
    """
    key, key_source = _first(
        ("flag", cli.api_key),
        *(("environment", environ.get(name)) for name in API_KEY_VARS),
        *((".env", dotenv.get(name)) for name in API_KEY_VARS),
        ("config", _config_str(config, "api_key")),
    )
    base_url, _ = _first(
        ("flag", cli.base_url),
        *(("environment", environ.get(name)) for name in BASE_URL_VARS),
        *((".env", dotenv.get(name)) for name in BASE_URL_VARS),
        ("config", _config_str(config, "base_url")),
    )
    personas_table = config.get("personas", {})
    if not isinstance(personas_table, Mapping):
        raise ConfigError("[personas] must be a table of tables.")
    personas = load_personas(personas_table)
    persona = cli.persona or _config_str(config, "persona") or DEFAULT_PERSONA
    if persona not in personas:
        raise ConfigError(
            f"Unknown persona {persona!r}. Choose one of: {', '.join(sorted(personas))}."
        )
    temperature = cli.temperature
    if temperature is None:
        temperature = _config_float(config, "temperature", DEFAULT_TEMPERATURE)
    if not 0 <= temperature <= 1:
        raise ConfigError(f"temperature must be from 0 to 1, not {temperature}.")
    stream = cli.stream if cli.stream is not None else config.get("stream", True)
    if not isinstance(stream, bool):
        raise ConfigError("stream must be true or false.")
    save = cli.save if cli.save is not None else config.get("save", True)
    if not isinstance(save, bool):
        raise ConfigError("save must be true or false.")
    read_timeout = _config_float(config, "read_timeout", DEFAULT_READ_TIMEOUT)
    if read_timeout <= 0:
        raise ConfigError("read_timeout must be a positive number of seconds.")
    max_retries = config.get("max_retries", DEFAULT_MAX_RETRIES)
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ConfigError("max_retries must be a whole number, 0 or more.")
    keymap = config.get("keymap", {})
    if not isinstance(keymap, Mapping) or not all(
        isinstance(value, str) for value in keymap.values()
    ):
        raise ConfigError("[keymap] must map binding ids to key names.")
    return Settings(
        api_key=key,
        api_key_source=key_source,
        base_url=(base_url or DEFAULT_BASE_URL).rstrip("/"),
        model=cli.model or _config_str(config, "model") or DEFAULT_MODEL,
        model_from_cli=cli.model is not None,
        persona=persona,
        temperature=temperature,
        temperature_from_cli=cli.temperature is not None,
        stream=stream,
        read_timeout=read_timeout,
        max_retries=max_retries,
        proxy=_config_str(config, "proxy"),
        save=save,
        config_file=config_file,
        personas=personas,
        keymap=dict(keymap),
    )


def read_sources(config_path: Path | None) -> tuple[dict[str, str | None], dict[str, Any], Path]:
    """Read ``.env`` from the current directory and the config file.

    Returns:
        The ``.env`` values, the parsed config and the config file's path.

    Raises:
        ConfigError: the config file is not valid TOML or cannot be read.
    """
    # The parsers load only for files that exist: most launches have neither
    # file, and the two imports are a few milliseconds of start-up.
    path = config_path or default_config_file()
    env_file = Path.cwd() / ".env"
    dotenv: dict[str, str | None] = {}
    if env_file.is_file():
        from dotenv import dotenv_values

        dotenv = dict(dotenv_values(env_file))
    config: dict[str, Any] = {}
    if config_path is not None and not path.is_file():
        raise ConfigError(f"Config file {path} does not exist.")
    if path.is_file():
        import tomllib

        try:
            config = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"Cannot read config file {path}: {error}") from error
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"Config file {path} is not valid TOML: {error}") from error
    return dotenv, config, path


def save_api_key(config_file: Path, api_key: str) -> None:
    """Store ``api_key`` in the config file, creating it with mode 0600.

    Other settings in the file are kept; an existing top-level ``api_key``
    line is replaced.
    """
    if not re.fullmatch(r"[\x21-\x7e]+", api_key):
        raise ConfigError("An API key is one word of printable characters.")
    line = f'api_key = "{api_key}"'
    text = config_file.read_text(encoding="utf-8") if config_file.is_file() else ""
    pattern = re.compile(r"^api_key\s*=.*$", re.MULTILINE)
    if pattern.search(text.split("\n[", 1)[0]):
        head, sep, tail = text.partition("\n[")
        text = pattern.sub(lambda _: line, head, count=1) + sep + tail
    else:
        text = f"{line}\n{text}"
    config_file.parent.mkdir(parents=True, exist_ok=True)
    # Create with 0600 from the start, so the key is never readable by others.
    fd = os.open(config_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    config_file.chmod(0o600)


def _first(*candidates: tuple[str, str | None]) -> tuple[str | None, str]:
    for source, value in candidates:
        if value:
            return value.strip(), source
    return None, "none"


def _config_str(config: Mapping[str, Any], key: str) -> str | None:
    value = config.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{key} in the config file must be a string.")
    return value


def _config_float(config: Mapping[str, Any], key: str, default: float) -> float:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key} in the config file must be a number.")
    return float(value)
