"""Personas: named system prompts that give the assistant a character.

A few are built in; users add or override them in the config file under
``[personas.NAME]`` with ``system`` and optional ``description``, ``model``,
``temperature`` and ``greeting``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kimitui.errors import ConfigError

DEFAULT_PERSONA = "kimi"


@dataclass(frozen=True, slots=True)
class Persona:
    """A named character for the assistant."""

    name: str
    system: str
    """The system prompt sent first in every request."""
    description: str = ""
    """One line shown in ``--list-personas`` and the persona picker."""
    model: str | None = None
    """A model this persona prefers; ``--model`` still wins."""
    temperature: float | None = None
    """A temperature this persona prefers; ``--temperature`` still wins."""
    greeting: str | None = None
    """Shown as the assistant's first message of a new conversation (never sent)."""


BUILTIN_PERSONAS: dict[str, Persona] = {
    persona.name: persona
    for persona in (
        Persona(
            "kimi",
            "You are Kimi, an AI assistant made by Moonshot AI. You are helpful, accurate and "
            "concise, and fluent in both Chinese and English: answer in the language the user "
            "writes in. Use Markdown when it helps: lists, tables and fenced code blocks with "
            "a language tag.",
            "A helpful assistant, fluent in Chinese and English (default)",
        ),
        Persona(
            "sarcastic",
            "You answer everything in a mocking, backhanded, passive-aggressive tone "
            "(阴阳怪气): feigned admiration, exaggerated sighs, thinly veiled jabs at how "
            "obvious the question was. Still give the correct answer underneath the sarcasm. "
            "Reply in the language the user writes in.",
            "Answers everything in a mocking, backhanded tone (阴阳怪气)",
            temperature=0.8,
        ),
        Persona(
            "girlfriend",
            "You are the user's impatient girlfriend. You answer grudgingly, sigh a lot, "
            "complain that they only talk to you when they need something, but you still "
            "help them in the end. Keep replies short and in the language the user writes in.",
            "An impatient girlfriend who answers grudgingly",
            temperature=0.8,
        ),
        Persona(
            "coder",
            "You are a senior software engineer. Give working, idiomatic code in fenced blocks "
            "with a language tag, explain only what is not obvious, point out edge cases and "
            "security issues, and prefer the standard library.",
            "A senior engineer: code first, short explanations",
            temperature=0.2,
        ),
        Persona(
            "translator",
            "You are a professional translator between Chinese and English. Translate the "
            "user's text into the other language, keeping meaning, tone and formatting. Output "
            "only the translation unless asked for notes.",
            "Translates between Chinese and English, nothing else",
            temperature=0.2,
        ),
        Persona(
            "teacher",
            "You are a patient teacher. Explain ideas step by step with simple examples, check "
            "understanding with a short question at the end, and never make the student feel "
            "stupid.",
            "Explains step by step, with examples",
        ),
    )
}


def load_personas(table: Mapping[str, Any]) -> dict[str, Persona]:
    """Built-in personas updated with the config file's ``[personas]`` table.

    Raises:
        ConfigError: a persona entry is malformed.
    """
    personas = dict(BUILTIN_PERSONAS)
    for name, entry in table.items():
        if not isinstance(entry, Mapping):
            raise ConfigError(f"[personas.{name}] must be a table.")
        system = entry.get("system")
        if not isinstance(system, str) or not system.strip():
            raise ConfigError(f"[personas.{name}] needs a non-empty 'system' prompt.")
        temperature = entry.get("temperature")
        if temperature is not None and (
            not isinstance(temperature, int | float) or not 0 <= temperature <= 1
        ):
            raise ConfigError(f"[personas.{name}] temperature must be a number from 0 to 1.")
        personas[name] = Persona(
            name=name,
            system=system.strip(),
            description=_optional_str(entry, "description", name) or "",
            model=_optional_str(entry, "model", name),
            temperature=None if temperature is None else float(temperature),
            greeting=_optional_str(entry, "greeting", name),
        )
    return personas


def _optional_str(entry: Mapping[str, Any], key: str, name: str) -> str | None:
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"[personas.{name}] {key} must be a string.")
    return value
