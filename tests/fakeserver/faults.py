"""Injectable faults: each `Fault` reproduces one real Moonshot failure on the wire.

HTTP faults answer with a compact JSON error envelope (moonshot-api.md §5.1) or a raw body;
stream faults (`drop`, `stall`, `sse_error`, `malformed_chunk`) start a normal 200 SSE
stream and misbehave after ``after_chars`` streamed characters (reasoning + content).
The placeholders ``{account}`` and ``{org}`` in a message are replaced with the server's
``org-…<ak-…>`` and ``org-…`` ids.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["http", "url_not_found", "drop", "stall", "sse_error", "malformed"]
JSON_CT = "application/json; charset=utf-8"
HTML_CT = "text/html"
ACCOUNT = "{account}"
ORG = "{org}"

GATEWAY_TIMEOUT_HTML = (
    "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    "<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class Fault:
    """One injected failure; build it with the classmethods, not the constructor."""

    kind: FaultKind = "http"
    status: int = 500
    error_type: str = "server_error"
    message: str = ""
    body: str | None = None  # raw body instead of the JSON envelope
    content_type: str = JSON_CT
    after_chars: int = 0  # stream faults: characters streamed before misbehaving
    seconds: float = 0.0  # http: delay before answering; stall: length of the silence
    headers: tuple[tuple[str, str], ...] = ()  # extra response headers (robustness tests)
    reset: bool = False  # drop/stall: close with a TCP RST instead of a FIN

    def with_headers(self, **headers: str) -> Fault:
        """Copy with extra response headers, e.g. ``with_headers(**{"Retry-After": "3"})``."""
        return dataclasses.replace(self, headers=self.headers + tuple(headers.items()))

    @property
    def is_stream_fault(self) -> bool:
        return self.kind in ("drop", "stall", "sse_error", "malformed")

    # ---- generic -------------------------------------------------------------------------
    @classmethod
    def http(cls, status: int, error_type: str, message: str, *, delay: float = 0.0) -> Fault:
        """Any ``{"error":{"message":…,"type":…}}`` answer with the given status."""
        return cls(status=status, error_type=error_type, message=message, seconds=delay)

    @classmethod
    def invalid_request(cls, details: str) -> Fault:
        return cls.http(400, "invalid_request_error", f"Invalid request: {details}")

    # ---- 401 / 403 / 404 -----------------------------------------------------------------
    @classmethod
    def auth(cls) -> Fault:
        return cls.http(401, "invalid_authentication_error", "Invalid Authentication")

    @classmethod
    def model_not_found(cls, model: str) -> Fault:
        return cls.http(
            404, "resource_not_found_error", f"Not found the model {model} or Permission denied"
        )

    @classmethod
    def url_not_found(cls) -> Fault:
        """The non-OpenAI ``url.not_found`` 404 envelope (method/ua/url filled per request)."""
        return cls(kind="url_not_found", status=404, error_type="url.not_found")

    # ---- 429 -----------------------------------------------------------------------------
    @classmethod
    def rate_limit(cls, after: int = 1, rpm: int = 3) -> Fault:
        return cls.http(
            429,
            "rate_limit_reached_error",
            f"Your account {ACCOUNT} request reached organization max RPM: {rpm}, "
            f"please try again after {after} seconds",
        )

    @classmethod
    def rate_limit_concurrency(cls, limit: int = 1, after: int = 1) -> Fault:
        return cls.http(
            429,
            "rate_limit_reached_error",
            f"Your account {ACCOUNT} request reached organization max concurrency: {limit}, "
            f"please try again after {after} seconds",
        )

    @classmethod
    def rate_limit_tpd(cls, current: int = 1_500_321, limit: int = 1_500_000) -> Fault:
        return cls.http(
            429,
            "rate_limit_reached_error",
            f"Your account {ACCOUNT} request reached organization TPD rate limit, "
            f"current:{current}, limit:{limit}",
        )

    @classmethod
    def overloaded(cls) -> Fault:
        return cls.http(
            429,
            "engine_overloaded_error",
            "The engine is currently overloaded, please try again later",
        )

    @classmethod
    def quota(cls) -> Fault:
        return cls.http(
            429,
            "exceeded_current_quota_error",
            f"Your account {ACCOUNT} is suspended, please check your plan and billing details",
        )

    @classmethod
    def quota_tokens(cls, credit: int = 0) -> Fault:
        return cls.http(
            429,
            "exceeded_current_quota_error",
            f"You exceeded your current token quota: <{ORG}> {credit}, "
            "please check your account balance",
        )

    @classmethod
    def quota_legacy(cls, state: str = "suspended") -> Fault:
        return cls.http(
            403,
            "exceeded_current_quota_error",
            f"Your account {ACCOUNT} is not active, current state: {state}, "
            "you may consider to check your account balance",
        )

    # ---- 400 -----------------------------------------------------------------------------
    @classmethod
    def content_filter(cls) -> Fault:
        return cls.http(
            400, "content_filter", "The request was rejected because it was considered high risk"
        )

    @classmethod
    def context_overflow(
        cls,
        limit: int = 8192,
        requested: int = 9000,
        spelling: Literal["observed", "docs"] = "observed",
    ) -> Fault:
        if spelling == "docs":
            text = f"Your request exceeded model token limit : {limit}"
        else:
            text = (
                "Invalid request: Your request exceeded model token limit: "
                f"{limit} (requested: {requested})"
            )
        return cls.http(400, "invalid_request_error", text)

    @classmethod
    def input_too_long(cls) -> Fault:
        return cls.http(400, "invalid_request_error", "Input token length too long")

    # ---- 5xx -----------------------------------------------------------------------------
    @classmethod
    def server_error(
        cls, message: str = "invalid state transition", error_type: str = "unexpected_output"
    ) -> Fault:
        return cls.http(500, error_type, message)

    @classmethod
    def gateway_timeout(cls, delay: float = 0.0) -> Fault:
        """504 with an HTML page (as a gateway would send), optionally after ``delay`` s."""
        return cls(
            status=504,
            error_type="",
            body=GATEWAY_TIMEOUT_HTML,
            content_type=HTML_CT,
            seconds=delay,
        )

    # ---- stream faults -------------------------------------------------------------------
    @classmethod
    def drop(cls, after_chars: int = 0, *, reset: bool = False) -> Fault:
        """Stream ``after_chars`` characters, then close the TCP connection mid-body (no
        terminating chunk, no final chunk, no ``[DONE]``); ``reset`` sends an RST."""
        return cls(kind="drop", status=200, after_chars=after_chars, reset=reset)

    @classmethod
    def stall(cls, after_chars: int = 0, seconds: float = 30.0, *, reset: bool = False) -> Fault:
        """Stream ``after_chars`` characters, go silent for ``seconds``, then close abruptly."""
        return cls(kind="stall", status=200, after_chars=after_chars, seconds=seconds, reset=reset)

    @classmethod
    def sse_error(
        cls,
        after_chars: int = 0,
        type: str = "engine_overloaded_error",
        message: str = "The engine is currently overloaded, please try again later",
    ) -> Fault:
        """After ``after_chars`` characters send ``data: {"error":{…}}`` and end the body."""
        return cls(
            kind="sse_error", status=200, error_type=type, message=message, after_chars=after_chars
        )

    @classmethod
    def malformed_chunk(cls, after_chars: int = 0) -> Fault:
        """After ``after_chars`` characters send ``data: {not json``, then continue normally."""
        return cls(kind="malformed", status=200, after_chars=after_chars)
