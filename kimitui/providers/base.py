"""The provider contract: what the chat core needs from a model server.

``kimitui.chat`` depends only on this Protocol, so tests and benchmarks can
drive the core with any implementation, and the ``openai`` SDK stays inside
``kimitui.providers.moonshot``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from typing import Protocol

from kimitui.chat.events import ProviderEvent


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model the server lists under ``/v1/models``."""

    id: str
    context_length: int | None = None
    supports_reasoning: bool = False


class ChatProvider(Protocol):
    """A chat-completions server."""

    def stream(
        self,
        messages: Sequence[dict[str, str]],
        *,
        model: str,
        temperature: float | None = None,
        stream: bool = True,
    ) -> AsyncGenerator[ProviderEvent, None]:
        """Send one request and yield its events.

        With ``stream=False`` one non-streamed completion is requested and
        yielded as a single text delta, then usage and ``Finished``.

        Raises:
            kimitui.errors.ProviderError: a subclass naming what went wrong.
        """
        ...

    async def list_models(self) -> list[ModelInfo]:
        """The models the server offers."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
