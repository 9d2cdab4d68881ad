"""Request validation and the deterministic token estimate shared by chat and estimate endpoints.

Token estimate (documented contract for tests): ``prompt_tokens`` = ceil(total characters of
the text content of every message / 4) + 1024 per ``image_url``/``video_url`` part.  Only
``content`` counts (not roles, names, tool calls or reasoning).  ``completion_tokens`` =
ceil(characters actually sent, reasoning + content, / 4).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .catalog import AUTO_MODEL, ModelInfo, auto_route
from .faults import Fault

ROLES = ("system", "user", "assistant", "tool")
MEDIA_PART_TOKENS = 1024


def count_tokens(chars: int) -> int:
    return math.ceil(chars / 4)


def _content_size(content: Any) -> tuple[int, int]:
    """(text characters, media parts) of a message ``content``."""
    if isinstance(content, str):
        return len(content), 0
    chars = media = 0
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, Mapping):
                continue
            if part.get("type") == "text" and isinstance(part.get("text"), str):
                chars += len(part["text"])
            elif part.get("type") in ("image_url", "video_url"):
                media += 1
    return chars, media


def estimate_prompt_tokens(messages: Any) -> int:
    chars = media = 0
    if isinstance(messages, list):
        for msg in messages:
            if isinstance(msg, Mapping):
                c, m = _content_size(msg.get("content"))
                chars += c
                media += m
    return count_tokens(chars) + MEDIA_PART_TOKENS * media


def _is_empty(content: Any) -> bool:
    if content is None:
        return True
    if isinstance(content, str):
        return content == ""
    if isinstance(content, list):
        return all(
            isinstance(p, Mapping) and p.get("type") == "text" and not p.get("text")
            for p in content
        )
    return False


def _invalid(details: str) -> Fault:
    return Fault.invalid_request(details)


def validate_messages(body: Mapping[str, Any]) -> Fault | None:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return _invalid("messages must not be empty")
    for i, msg in enumerate(messages):
        if not isinstance(msg, Mapping):
            return _invalid(f"the message at position {i} is not an object")
        role = msg.get("role")
        if role not in ROLES:
            return _invalid(f"the message at position {i} has an unknown role {role!r}")
        content = msg.get("content")
        if content is not None and not isinstance(content, str | list):
            kind = "object" if isinstance(content, Mapping) else type(content).__name__
            return _invalid(
                "the `messages.content` field in the request (expected type []object) is "
                f"illegal, and {kind} is not acceptable"
            )
        if _is_empty(content) and not (role == "assistant" and msg.get("tool_calls")):
            return _invalid(f"the message at position {i} with role '{role}' must not be empty")
    return None


def _number(body: Mapping[str, Any], key: str) -> float | None:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def thinking_enabled(body: Mapping[str, Any]) -> bool:
    thinking = body.get("thinking")
    return not (isinstance(thinking, Mapping) and thinking.get("type") == "disabled")


def default_temperature(model: ModelInfo, body: Mapping[str, Any]) -> float:
    if model.id.startswith("moonshot-v1") or model.id == "kimi-latest":
        return 0.0
    if "thinking" in model.id or (model.fixed_sampling and thinking_enabled(body)):
        return 1.0
    return 0.6


def validate_sampling(body: Mapping[str, Any], model: ModelInfo) -> Fault | None:
    for key in ("temperature", "top_p", "n", "presence_penalty", "frequency_penalty"):
        value = body.get(key)
        if value is not None and _number(body, key) is None:
            return _invalid(f"{key} must be a number")
    temperature = _number(body, "temperature")
    if temperature is not None and not 0.0 <= temperature <= 1.0:
        return _invalid(f"temperature must be in [0, 1], got {temperature:g}")
    top_p = _number(body, "top_p")
    if top_p is not None and not 0.0 <= top_p <= 1.0:
        return _invalid(f"top_p must be in [0, 1], got {top_p:g}")
    if model.fixed_sampling:
        fixed = {
            "temperature": default_temperature(model, body),
            "top_p": 0.95,
            "n": 1.0,
            "presence_penalty": 0.0,
            "frequency_penalty": 0.0,
        }
        for key, allowed in fixed.items():
            value = _number(body, key)
            if value is not None and value != allowed:
                return Fault.http(
                    400,
                    "invalid_request_error",
                    f"invalid {key}: only {allowed:g} is allowed for this model",
                )
    n = _number(body, "n")
    if n is not None:
        if n != int(n) or not 1 <= n <= 5:
            return _invalid("n must be an integer between 1 and 5")
        effective = temperature if temperature is not None else default_temperature(model, body)
        if n > 1 and effective < 0.001:
            return _invalid("n must be 1 when temperature is close to 0")
    return None


def max_tokens_of(body: Mapping[str, Any]) -> int | None:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def validate_budget(body: Mapping[str, Any], model: ModelInfo, prompt: int) -> Fault | None:
    for key in ("max_completion_tokens", "max_tokens"):
        raw = body.get(key)
        if raw is not None and (not isinstance(raw, int) or isinstance(raw, bool) or raw < 1):
            return _invalid(f"{key} must be a positive integer")
    value = max_tokens_of(body)
    requested = prompt + (value or 0)
    limit = auto_route(requested)[1] if model.id == AUTO_MODEL else model.context_length
    if requested > limit:
        return Fault.context_overflow(limit=limit, requested=requested)
    return None


def validate_basics(body: Any) -> Fault | None:
    """Checks that need no model: body shape, ``model``, ``stream``."""
    if not isinstance(body, Mapping):
        return _invalid("the request body is not a valid JSON object")
    if not isinstance(body.get("model"), str) or not body["model"]:
        return _invalid("model is required")
    if "stream" in body and body["stream"] is not None and not isinstance(body["stream"], bool):
        return _invalid("stream must be a boolean")
    return None
