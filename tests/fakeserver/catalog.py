"""Model catalogue of the fake Moonshot server: ids, context windows and `/v1/models` payloads.

Context lengths follow moonshot-api.md §2.1; the two `/v1/models` shapes follow §2.3
(era "A": legacy OpenAI shape with a ``permission`` array; era "B": capability fields).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Era = Literal["A", "B"]

# moonshot-v1-auto routes to the smallest of these that fits (moonshot-api.md §2.2).
AUTO_MODEL = "moonshot-v1-auto"
AUTO_TARGETS: tuple[tuple[str, int], ...] = (
    ("moonshot-v1-8k", 8_192),
    ("moonshot-v1-32k", 32_768),
    ("moonshot-v1-128k", 131_072),
)
DEFAULT_CONTEXT = 131_072


@dataclass(frozen=True)
class ModelInfo:
    """One entry of the model list.

    ``fixed_sampling`` marks k2.5-style models whose temperature/top_p are fixed (§3.1):
    any other value is rejected with 400 ``invalid temperature: only 1 is allowed for this model``.
    """

    id: str
    context_length: int = DEFAULT_CONTEXT
    supports_image_in: bool = False
    supports_video_in: bool = False
    supports_reasoning: bool = False
    fixed_sampling: bool = False
    created: int = 1_709_149_158


DEFAULT_MODELS: tuple[ModelInfo, ...] = (
    ModelInfo("moonshot-v1-8k", 8_192),
    ModelInfo("moonshot-v1-32k", 32_768),
    ModelInfo("moonshot-v1-128k", 131_072),
    ModelInfo(AUTO_MODEL, 131_072),
    ModelInfo("kimi-latest", 131_072, supports_image_in=True),
    ModelInfo("kimi-k2-turbo-preview", 262_144, created=1_753_000_000),
    ModelInfo("kimi-k2-thinking", 262_144, supports_reasoning=True, created=1_762_000_000),
    ModelInfo(
        "kimi-k2.5",
        262_144,
        supports_image_in=True,
        supports_video_in=True,
        supports_reasoning=True,
        fixed_sampling=True,
        created=1_769_000_000,
    ),
)

_KNOWN = {m.id: m for m in DEFAULT_MODELS}


def resolve_models(models: Sequence[str | ModelInfo] | None) -> dict[str, ModelInfo]:
    """Turn constructor input into an ordered ``id -> ModelInfo`` map.

    Plain strings are looked up in the default catalogue; unknown ids get a 128k context.
    """
    if models is None:
        return dict(_KNOWN)
    out: dict[str, ModelInfo] = {}
    for item in models:
        info = item if isinstance(item, ModelInfo) else _KNOWN.get(item, ModelInfo(item))
        out[info.id] = info
    return out


def auto_route(tokens: int) -> tuple[str, int]:
    """Concrete model (and its context) that ``moonshot-v1-auto`` picks for ``tokens``."""
    for name, ctx in AUTO_TARGETS:
        if tokens <= ctx:
            return name, ctx
    return AUTO_TARGETS[-1]


def _permission() -> dict[str, Any]:
    return {
        "created": 0,
        "id": "",
        "object": "",
        "allow_create_engine": False,
        "allow_sampling": False,
        "allow_logprobs": False,
        "allow_search_indices": False,
        "allow_view": False,
        "allow_fine_tuning": False,
        "organization": "public",
        "group": "public",
        "is_blocking": False,
    }


def model_entry(info: ModelInfo, era: Era) -> dict[str, Any]:
    """One ``data[]`` element of `GET /v1/models` (also the body of `GET /v1/models/{id}`)."""
    if era == "A":
        return {
            "created": info.created,
            "id": info.id,
            "object": "model",
            "owned_by": "moonshot",
            "permission": [_permission()],
            "root": "",
            "parent": "",
        }
    return {
        "id": info.id,
        "object": "model",
        "created": info.created,
        "owned_by": "moonshot",
        "context_length": info.context_length,
        "supports_image_in": info.supports_image_in,
        "supports_video_in": info.supports_video_in,
        "supports_reasoning": info.supports_reasoning,
    }


def models_payload(models: dict[str, ModelInfo], era: Era) -> dict[str, Any]:
    """Body of `GET /v1/models` (era A omits the top-level ``object``)."""
    data = [model_entry(m, era) for m in models.values()]
    if era == "A":
        return {"data": data}
    return {"object": "list", "data": data}
