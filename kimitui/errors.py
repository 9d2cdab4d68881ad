"""The typed errors kimitui raises, each with a plain-language message.

Every layer raises these instead of library exceptions, so the UI and print
mode can show one clear sentence, decide whether a retry makes sense, and never
have to know about the ``openai`` SDK. Messages never contain the API key.
"""

from __future__ import annotations

import re


class KimituiError(Exception):
    """Base class: ``str(error)`` is a sentence fit to show a user."""

    retryable: bool = False
    """Whether trying the same request again later may succeed."""


class ConfigError(KimituiError):
    """The configuration file, a flag or an environment variable is invalid."""


class ProviderError(KimituiError):
    """The model server refused or failed a request."""

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(redact(message))
        self.request_id = request_id


class AuthError(ProviderError):
    """The API key was rejected (HTTP 401)."""


class PermissionDenied(ProviderError):
    """The account may not use this endpoint (HTTP 403, not a quota problem)."""


class QuotaExceeded(ProviderError):
    """The account balance is exhausted or the account is suspended."""


class RateLimited(ProviderError):
    """The account hit its concurrency, RPM, TPM or TPD limit."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        daily: bool = False,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, request_id=request_id)
        self.retry_after = retry_after
        """Seconds the server asked us to wait, when it said so."""
        self.daily = daily
        """True for the tokens-per-day limit, which clears only tomorrow."""
        self.retryable = not daily


class Overloaded(ProviderError):
    """Moonshot's engine is overloaded (HTTP 429 ``engine_overloaded_error``)."""

    retryable = True


class ContextOverflow(ProviderError):
    """The conversation no longer fits the model's context window."""

    def __init__(
        self,
        message: str,
        *,
        limit: int | None = None,
        requested: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, request_id=request_id)
        self.limit = limit
        self.requested = requested


class ModelNotFound(ProviderError):
    """The model does not exist or this key may not use it (HTTP 404)."""

    def __init__(
        self,
        message: str,
        *,
        model: str,
        available: tuple[str, ...] = (),
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, request_id=request_id)
        self.model = model
        self.available = available
        """The models the server lists, when they could be fetched."""


class BadBaseURL(ProviderError):
    """The base URL answers, but not as an OpenAI-compatible API (often: missing ``/v1``)."""


class ContentFiltered(ProviderError):
    """Moonshot's content filter refused the request or the reply."""


class BadRequest(ProviderError):
    """The server rejected the request as malformed (HTTP 400)."""


class ServerError(ProviderError):
    """The server failed (HTTP 5xx, a gateway timeout, or a malformed reply)."""

    retryable = True


class Unreachable(ProviderError):
    """The base URL could not be reached: connection refused, DNS, TLS or proxy."""

    retryable = True


class StreamStalled(ProviderError):
    """The server stopped sending in the middle of a reply."""

    retryable = True


class StreamIncomplete(ProviderError):
    """The stream ended before the reply was finished."""

    retryable = True


class NoApiKey(ConfigError):
    """No API key was found in flags, environment, ``.env`` or the config file."""


_ACCOUNT_IDS = re.compile(r"(?:org|ak|proj|user|uid)-[A-Za-z0-9_-]+")
_BEARER_KEYS = re.compile(r"sk-[A-Za-z0-9_-]{6,}")


def redact(text: str) -> str:
    """Remove organisation, project and key identifiers from a server message.

    Moonshot's 429 messages embed ``org-…<ak-…>`` ids; they identify the
    account and its key, so they never reach the screen or a log.
    """
    text = _BEARER_KEYS.sub("sk-***", text)
    return _ACCOUNT_IDS.sub(lambda m: m.group(0).split("-", 1)[0] + "-***", text)
