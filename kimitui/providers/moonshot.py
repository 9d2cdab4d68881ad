"""The Moonshot (and any OpenAI-compatible) provider: the one home of ``openai``.

It builds ``AsyncOpenAI`` with an explicit key and base URL (never falling back
to ``OPENAI_API_KEY``) and ``max_retries=0``, because the SDK retries every 429
blindly, quota errors included; the chat session applies a policy that reads
the error type instead. SDK chunks become ``kimitui.chat.events`` and SDK
exceptions become ``kimitui.errors`` classes with plain-language messages.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

import openai

from kimitui.chat.events import Finished, ProviderEvent, ReasoningDelta, TextDelta, Usage
from kimitui.errors import (
    AuthError,
    BadBaseURL,
    BadRequest,
    ContentFiltered,
    ContextOverflow,
    ModelNotFound,
    Overloaded,
    PermissionDenied,
    ProviderError,
    QuotaExceeded,
    RateLimited,
    ServerError,
    StreamIncomplete,
    StreamStalled,
    Unreachable,
)
from kimitui.providers.base import ModelInfo
from kimitui.proxy import normalize_proxy_environment, normalize_proxy_url

if TYPE_CHECKING:
    from kimitui.config import Settings

CONNECT_TIMEOUT = 10.0
"""Seconds to open a connection: short, so an unreachable server is reported fast."""

# Models whose sampling parameters are fixed server-side: sending a
# temperature to them is a 400, so it is left out.
_FIXED_SAMPLING = re.compile(r"^kimi-(k2\.[5-9]|k3)")


class MoonshotProvider:
    """Streams chat completions from an OpenAI-compatible endpoint."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        read_timeout: float = 60.0,
        proxy: str | None = None,
    ) -> None:
        """Create the provider.

        Args:
            api_key: the key sent as ``Authorization: Bearer``.
            base_url: the endpoint, including ``/v1``.
            read_timeout: seconds without a byte before a reply is abandoned.
            proxy: a proxy for all requests; ``None`` uses the ``*_PROXY``
                environment variables (with ``socks://`` normalised).
        """
        self.base_url = base_url
        self.read_timeout = read_timeout
        if proxy is None:
            normalize_proxy_environment(os.environ)
            http_client = None
        else:
            http_client = openai.DefaultAsyncHttpx2Client(proxy=normalize_proxy_url(proxy))
        self._client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            timeout=openai.Timeout(read_timeout, connect=CONNECT_TIMEOUT),
            http_client=http_client,
        )

    def __repr__(self) -> str:
        return f"MoonshotProvider(base_url={self.base_url!r})"

    async def stream(
        self,
        messages: Sequence[dict[str, str]],
        *,
        model: str,
        temperature: float | None = None,
        stream: bool = True,
    ) -> AsyncGenerator[ProviderEvent, None]:
        """Send one request and yield its events (see ``ChatProvider.stream``)."""
        params: dict[str, Any] = {"model": model, "messages": list(messages)}
        if temperature is not None and not _FIXED_SAMPLING.match(model):
            params["temperature"] = temperature
        started = False
        try:
            if stream:
                async with aclosing(self._stream(params)) as events:
                    async for event in events:
                        started = True
                        yield event
            else:
                for event in await self._complete(params):
                    yield event
        except openai.APIConnectionError as error:
            if started and not isinstance(error, openai.APITimeoutError):
                # The server answered, then the connection broke mid-reply.
                raise StreamIncomplete(
                    "The connection dropped in the middle of the reply."
                ) from error
            raise self._translate(error, model) from error
        except openai.OpenAIError as error:
            raise self._translate(error, model) from error
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ServerError("The server sent a malformed reply chunk.") from error

    async def _stream(self, params: dict[str, Any]) -> AsyncGenerator[ProviderEvent, None]:
        # The chunks come as the JSON objects they are, not as the SDK's
        # ChatCompletionChunk models: building those costs 0.2 ms a chunk
        # (260 ms of a 5k-character reply's 1,230 chunks, on the event loop
        # that draws it), against 0.01 ms for the JSON itself. The SDK still
        # sends the request, decodes the events and raises every error.
        chunks = await self._client.post(
            "/chat/completions",
            body={**params, "stream": True, "stream_options": {"include_usage": True}},
            cast_to=object,
            stream=True,
            stream_cls=openai.AsyncStream[object],
        )
        usage_seen = False
        finished: Finished | None = None
        async with chunks:
            async for chunk in chunks:
                if not isinstance(chunk, dict):
                    raise ServerError("The server sent a malformed reply chunk.")
                choices = chunk.get("choices")
                if not choices:
                    # The include_usage chunk: used only if no choice carried usage.
                    usage = chunk.get("usage")
                    if isinstance(usage, dict) and not usage_seen:
                        usage_seen = True
                        yield _usage(usage)
                    continue
                choice = choices[0] if isinstance(choices, list) else None
                if not isinstance(choice, dict):
                    raise ServerError("The server sent a malformed reply chunk.")
                delta = choice.get("delta")
                if isinstance(delta, dict):
                    reasoning = delta.get("reasoning_content")
                    if reasoning and isinstance(reasoning, str):
                        yield ReasoningDelta(reasoning)
                    content = delta.get("content")
                    if content and isinstance(content, str):
                        yield TextDelta(content)
                choice_usage = choice.get("usage")
                if isinstance(choice_usage, dict) and not usage_seen:
                    usage_seen = True
                    yield _usage(choice_usage)
                reason = choice.get("finish_reason")
                if reason is not None:
                    finished = Finished(str(reason), str(chunk.get("model") or params["model"]))
        # Emitted after the stream closed: a reply is finished only if the
        # server said so; a stream that just stops is incomplete.
        if finished is not None:
            yield finished

    async def _complete(self, params: dict[str, Any]) -> list[ProviderEvent]:
        completion = await self._client.chat.completions.create(**params, stream=False)
        events: list[ProviderEvent] = []
        if not completion.choices:
            raise ServerError("The server returned no reply.")
        choice = completion.choices[0]
        reasoning = getattr(choice.message, "reasoning_content", None)
        if reasoning:
            events.append(ReasoningDelta(reasoning))
        if choice.message.content:
            events.append(TextDelta(choice.message.content))
        if completion.usage is not None:
            events.append(_usage(completion.usage.model_dump()))
        events.append(Finished(choice.finish_reason or "stop", completion.model))
        return events

    async def list_models(self) -> list[ModelInfo]:
        """The models ``/v1/models`` lists."""
        try:
            page = await self._client.models.list()
        except openai.OpenAIError as error:
            raise self._translate(error, "") from error
        return [
            ModelInfo(
                id=model.id,
                context_length=getattr(model, "context_length", None),
                supports_reasoning=bool(getattr(model, "supports_reasoning", False)),
            )
            for model in page.data
        ]

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.close()

    def _translate(self, error: openai.OpenAIError, model: str) -> ProviderError:
        """Turn an SDK exception into a kimitui error with a plain message."""
        if isinstance(error, openai.APITimeoutError):
            return StreamStalled(
                f"No response from the server for {self.read_timeout:g} s; the request was "
                "cancelled."
            )
        if isinstance(error, openai.APIConnectionError):
            cause = error.__cause__ or error
            return Unreachable(
                f"Cannot reach {self.base_url} ({type(cause).__name__}). Check the network "
                "and the base URL; behind a proxy, set HTTPS_PROXY or ALL_PROXY."
            )
        if isinstance(error, openai.APIStatusError):
            return _translate_status(error, model, self.base_url)
        if isinstance(error, openai.APIError):
            # An SSE event carrying an ``error`` object in the middle of a stream.
            message = _server_message(error.body) or error.message
            if error.type == "engine_overloaded_error":
                return Overloaded(f"Kimi is overloaded: {message}")
            return ServerError(f"The server reported an error mid-reply: {message}")
        return ServerError(f"Unexpected error from the SDK: {error}")


def _translate_status(error: openai.APIStatusError, model: str, base_url: str) -> ProviderError:
    status = error.status_code
    kind = error.type
    message = _server_message(error.body) or f"HTTP {status}"
    request_id = error.response.headers.get("msh-request-id")
    if kind == "exceeded_current_quota_error":
        return QuotaExceeded(
            "Your Moonshot balance is exhausted or the account is suspended; top up on the "
            f"platform, then retry. (Server: {message})",
            request_id=request_id,
        )
    if status == 401:
        return AuthError(
            "The API key was rejected. Keys from platform.moonshot.cn and platform.moonshot.ai "
            f"are separate accounts: check that the key belongs to {base_url}. "
            "Set a new key with MOONSHOT_API_KEY or in the config file.",
            request_id=request_id,
        )
    if status == 403:
        return PermissionDenied(f"Permission denied: {message}", request_id=request_id)
    if status == 429:
        if kind == "engine_overloaded_error":
            return Overloaded("Kimi is overloaded right now.", request_id=request_id)
        after = re.search(r"after\s+(\d+(?:\.\d+)?)\s*s", message)
        daily = "TPD" in message
        return RateLimited(
            "Rate limit reached: the daily token limit (TPD) is used up until tomorrow."
            if daily
            else f"Rate limit reached: {_without_account(message)}",
            retry_after=float(after.group(1)) if after else None,
            daily=daily,
            request_id=request_id,
        )
    if status == 404:
        if error.body == "url.not_found" or (
            isinstance(error.body, dict) and error.body.get("error") == "url.not_found"
        ):
            return BadBaseURL(
                f"{base_url} is not an OpenAI-compatible API (404 url.not_found). "
                "Does the base URL end in /v1?",
                request_id=request_id,
            )
        return ModelNotFound(
            f"Model {model} is not available with this key.", model=model, request_id=request_id
        )
    if status == 400:
        if kind == "content_filter":
            return ContentFiltered(
                "The request was refused by Moonshot's content filter.", request_id=request_id
            )
        overflow = re.search(
            r"exceeded model token limit\s*:\s*(\d+)(?:\s*\(requested:\s*(\d+)\))?",
            message,
            re.IGNORECASE,
        )
        if overflow or "input token length too long" in message.lower():
            return ContextOverflow(
                f"The conversation is too long for {model}.",
                limit=int(overflow.group(1)) if overflow else None,
                requested=int(overflow.group(2)) if overflow and overflow.group(2) else None,
                request_id=request_id,
            )
        return BadRequest(f"The server rejected the request: {message}", request_id=request_id)
    if status >= 500:
        detail = message if isinstance(error.body, dict) else f"HTTP {status}"
        return ServerError(f"The server failed ({detail}).", request_id=request_id)
    return ServerError(f"Unexpected HTTP {status} from the server: {message}")


def _without_account(message: str) -> str:
    """Drop Moonshot's "Your account org-…<ak-…>" preamble: ids mean nothing to a user."""
    return re.sub(r"^Your account \S+\s*(?:/\s*\S+\s*)?(?:<[^>]*>\s*)?", "", message)


def _server_message(body: object) -> str | None:
    if isinstance(body, dict):
        message = body.get("message")
        return message if isinstance(message, str) else None
    return None


def _usage(data: dict[str, Any]) -> Usage:
    details = data.get("prompt_tokens_details") or {}
    cached = data.get("cached_tokens") or (details.get("cached_tokens") if details else 0) or 0
    return Usage(
        prompt_tokens=int(data.get("prompt_tokens") or 0),
        completion_tokens=int(data.get("completion_tokens") or 0),
        total_tokens=int(data.get("total_tokens") or 0),
        cached_tokens=int(cached),
    )


def build_provider(settings: Settings) -> MoonshotProvider:
    """The provider for ``settings`` (which must hold an API key)."""
    if settings.api_key is None:
        raise ValueError("build_provider needs settings with an API key")
    return MoonshotProvider(
        api_key=settings.api_key,
        base_url=settings.base_url,
        read_timeout=settings.read_timeout,
        proxy=settings.proxy,
    )
