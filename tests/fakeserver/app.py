"""Request routing and chat semantics of the fake server (everything except socket I/O).

Order of checks for `POST /v1/chat/completions` (mirrors a gateway in front of the model):
route → auth → JSON body → RPM window (rejections are not counted) → concurrency →
balance → queued item (a queued HTTP `Fault` answers here) → validation (unknown model 404,
messages, sampling, context budget) → `Reply.context_limit` → completion or stream
(with a queued stream fault applied).  Every admitted chat request counts against the RPM
window, whatever its outcome.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .catalog import AUTO_MODEL, auto_route, model_entry, models_payload
from .completion import completion_body, make_completion, stream_response
from .faults import Fault
from .reply import RecordedRequest, Reply
from .validate import (
    estimate_prompt_tokens,
    max_tokens_of,
    validate_basics,
    validate_budget,
    validate_messages,
    validate_sampling,
)
from .wire import (
    CloseResponse,
    HttpResponse,
    Response,
    dumps,
    error_body,
    url_not_found_body,
)

if TYPE_CHECKING:
    from .server import FakeMoonshot

CHAT_PATH = "/v1/chat/completions"


class SlidingWindow:
    """A real sliding-window request counter (timestamps of admitted requests)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()
        self._clock = clock

    def admit(self, limit: int | None, window: float) -> int | None:
        """Record a request and return None, or return the seconds to wait (>= 1) if full."""
        with self._lock:
            now = self._clock()
            while self._stamps and self._stamps[0] <= now - window:
                self._stamps.popleft()
            if limit is not None and len(self._stamps) >= limit:
                return max(1, math.ceil(self._stamps[0] + window - now))
            self._stamps.append(now)
            return None


def fault_response(fake: FakeMoonshot, fault: Fault, req: RecordedRequest) -> Response:
    """The HTTP answer for a non-stream fault (stream faults on non-stream requests too)."""
    headers = fault.headers
    if fault.kind == "url_not_found":
        body = url_not_found_body(req.method, req.headers.get("user-agent", ""), req.path)
        return HttpResponse(404, body, headers=headers)
    if fault.kind in ("drop", "stall"):
        delay = fault.seconds if fault.kind == "stall" else 0.0
        return CloseResponse(delay=delay, reset=fault.reset)
    if fault.kind == "malformed":
        return HttpResponse(200, b"{not json", headers=headers)
    if fault.body is not None:
        body = fault.body.encode()
    else:
        body = error_body(fault.error_type, fake.fill(fault.message))
    status = 500 if fault.kind == "sse_error" else fault.status
    return HttpResponse(status, body, fault.content_type, headers, delay=fault.seconds)


def dispatch(fake: FakeMoonshot, req: RecordedRequest) -> Response:
    """Answer one recorded request."""
    method, path = req.method, req.path
    if method == "GET" and path.startswith("/v1/models/") and len(path) > len("/v1/models/"):
        route = "model"
    else:
        route = {
            ("POST", CHAT_PATH): "chat",
            ("GET", "/v1/models"): "models",
            ("POST", "/v1/tokenizers/estimate-token-count"): "estimate",
            ("GET", "/v1/users/me/balance"): "balance",
        }.get((method, path), "")
    if not route:
        return fault_response(fake, Fault.url_not_found(), req)
    if req.headers.get("authorization") != f"Bearer {fake.api_key}":
        return fault_response(fake, Fault.auth(), req)
    if route == "chat":
        return _chat(fake, req)
    if route == "models":
        return HttpResponse(200, dumps(models_payload(fake.models, fake.era)))
    if route == "model":
        info = fake.models.get(path.removeprefix("/v1/models/"))
        if info is None:
            return fault_response(fake, Fault.model_not_found(path[len("/v1/models/") :]), req)
        return HttpResponse(200, dumps(model_entry(info, fake.era)))
    if route == "balance":
        b = fake.balance
        data = {
            "available_balance": b.available_balance,
            "voucher_balance": b.voucher_balance,
            "cash_balance": b.cash_balance,
        }
        return HttpResponse(200, dumps({"code": 0, "data": data, "scode": "0x0", "status": True}))
    return _estimate(fake, req)


def _estimate(fake: FakeMoonshot, req: RecordedRequest) -> Response:
    problem = validate_basics(req.json)
    if problem is None:
        if req.json["model"] not in fake.models:
            problem = Fault.model_not_found(req.json["model"])
        else:
            problem = validate_messages(req.json)
    if problem is not None:
        return fault_response(fake, problem, req)
    tokens = estimate_prompt_tokens(req.json["messages"])
    return HttpResponse(200, dumps({"data": {"total_tokens": tokens}}))


def _chat(fake: FakeMoonshot, req: RecordedRequest) -> Response:
    wait = fake.rpm_counter.admit(fake.rpm_limit, fake.rpm_window)
    if wait is not None:
        return fault_response(fake, Fault.rate_limit(after=wait, rpm=fake.rpm_limit or 0), req)
    release = fake.acquire_slot()
    if release is None:
        limit = fake.concurrency_limit or 0
        return fault_response(fake, Fault.rate_limit_concurrency(limit=limit), req)
    try:
        response = _chat_admitted(fake, req)
    except BaseException:
        release()
        raise
    response.release = release
    return response


def _chat_admitted(fake: FakeMoonshot, req: RecordedRequest) -> Response:
    if fake.balance.available_balance <= 0:
        return fault_response(fake, Fault.quota(), req)
    item = fake.next_item()
    if isinstance(item, Fault) and not item.is_stream_fault:
        return fault_response(fake, item, req)
    body: Any = req.json
    problem = validate_basics(body)
    if problem is not None:
        return fault_response(fake, problem, req)
    info = fake.models.get(body["model"])
    if info is None:
        return fault_response(fake, Fault.model_not_found(body["model"]), req)
    prompt = estimate_prompt_tokens(body.get("messages"))
    problem = (
        validate_messages(body)
        or validate_sampling(body, info)
        or (validate_budget(body, info, prompt) if fake.enforce_context else None)
    )
    if problem is not None:
        return fault_response(fake, problem, req)
    reply = item if isinstance(item, Reply) else fake.default_reply
    max_tokens = max_tokens_of(body)
    if reply.context_limit is not None and prompt > reply.context_limit:
        overflow = Fault.context_overflow(reply.context_limit, prompt + (max_tokens or 0))
        return fault_response(fake, overflow, req)
    stream = body.get("stream") is True
    if isinstance(item, Fault) and not stream:
        return fault_response(fake, item, req)
    model = reply.model or body["model"]
    if reply.model is None and body["model"] == AUTO_MODEL:
        model = auto_route(prompt + (max_tokens or 0))[0]
    n = body.get("n")
    completion = make_completion(
        reply,
        model=model,
        prompt_tokens=prompt,
        max_tokens=max_tokens,
        n=n if isinstance(n, int) and not isinstance(n, bool) else 1,
        fingerprint=fake.fingerprint,
    )
    if not stream:
        if reply.gate is not None:
            fake.wait_for(reply.gate)
        return HttpResponse(200, completion_body(completion))
    options = body.get("stream_options")
    include_usage = isinstance(options, Mapping) and options.get("include_usage") is True
    fault = item if isinstance(item, Fault) else None
    cut_at = fault.after_chars if fault is not None else reply.gate_after
    response = stream_response(
        completion, chunk_size=reply.chunk_size, include_usage=include_usage, cut_at=cut_at
    )
    response.delay = reply.delay
    response.cut_at = cut_at
    response.gate = None if fault is not None else reply.gate
    response.fault = fault
    return response


def parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None
