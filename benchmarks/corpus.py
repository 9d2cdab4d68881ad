"""Realistic Markdown replies of a chosen length, with probes for measuring lag.

A reply mixes what a chat model really writes: headings, paragraphs with inline
styles, bullet and ordered lists, a table, fenced code in several languages,
block quotes and Chinese paragraphs. English prose carries numbered probe words
(``ref0001``, ``ref0002``, ...), each unique and never wrapped across lines, so
the moment a probe first reaches the terminal can be matched with the moment
the server sent it. The reply ends with a unique sentinel line.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

PROBE_PREFIX = "ref"

_TOPICS = (
    "connection pooling",
    "incremental parsing",
    "back-pressure in streams",
    "cache invalidation",
    "structured logging",
    "retry budgets",
    "terminal rendering",
    "schema migrations",
)

_SENTENCES = (
    "The key idea is to keep **one owner** for every piece of state and pass `handles` around.",
    "In practice the slow path is rarely the algorithm; it is *allocation* and copying.",
    "Measure first, then change one thing at a time, and keep the old numbers for comparison.",
    "A bounded queue turns an overload into a visible delay instead of an unbounded memory leak.",
    "Prefer `monotonic` clocks for intervals; wall clocks jump when NTP corrects them.",
    "When the input is append-only, re-parse only the tail and leave finished blocks alone.",
    "Every retry should carry a deadline, otherwise a retry storm outlives the outage.",
    "See the [reference manual](https://example.com/manual) for the exact guarantees.",
)

_CHINESE = (
    "流式渲染的关键在于只处理新增的内容：已经完成的段落不会再改变，因此可以直接提交，"
    "只有最后一个尚未结束的块需要反复解析。这样每个新片段的开销与尾部的长度成正比，"
    "而不是与整篇回答的长度成正比，长回答也能保持流畅。",
    "在终端里，每一帧都要重新计算布局并输出差异，所以合并多次小的更新非常重要。"
    "如果每收到四个字符就完整重绘一次，一万字的回答会产生数千次重绘，界面自然会越来越慢。",
    "测量时要区分墙钟时间与处理器时间：前者是用户感受到的等待，后者说明客户端本身做了多少工作。"
    "两者都应该取多次运行的中位数，并与最简单的基准程序作比较。",
)

_CODE: tuple[tuple[str, str], ...] = (
    (
        "python",
        """\
async def fetch_all(urls: list[str], limit: int = {n}) -> list[bytes]:
    semaphore = asyncio.Semaphore(limit)

    async def one(url: str) -> bytes:
        async with semaphore, httpx.AsyncClient() as client:
            response = await client.get(url, timeout=10.0)
            response.raise_for_status()
            return response.content

    return await asyncio.gather(*(one(u) for u in urls))""",
    ),
    (
        "rust",
        """\
pub fn merge_sorted(a: &[i64], b: &[i64]) -> Vec<i64> {{
    let (mut i, mut j) = (0usize, 0usize);
    let mut out = Vec::with_capacity(a.len() + b.len() + {n});
    while i < a.len() && j < b.len() {{
        if a[i] <= b[j] {{ out.push(a[i]); i += 1; }} else {{ out.push(b[j]); j += 1; }}
    }}
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}}""",
    ),
    (
        "typescript",
        """\
export function debounce<T extends (...args: unknown[]) => void>(fn: T, ms = {n}): T {{
  let timer: ReturnType<typeof setTimeout> | undefined;
  return ((...args: unknown[]) => {{
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  }}) as T;
}}""",
    ),
    (
        "sql",
        """\
SELECT u.id, u.email, count(o.id) AS orders, sum(o.total_cents) / 100.0 AS revenue
FROM users AS u
LEFT JOIN orders AS o ON o.user_id = u.id AND o.created_at >= now() - interval '{n} days'
GROUP BY u.id, u.email
HAVING count(o.id) > 0
ORDER BY revenue DESC
LIMIT 20;""",
    ),
    (
        "bash",
        """\
#!/usr/bin/env bash
set -euo pipefail
for host in $(cat hosts.txt); do
  if ! ssh -o ConnectTimeout={n} "$host" 'systemctl is-active --quiet app'; then
    echo "restarting app on $host" >&2
    ssh "$host" 'sudo systemctl restart app'
  fi
done""",
    ),
    (
        "go",
        """\
func worker(ctx context.Context, jobs <-chan Job, results chan<- Result) {{
	for {{
		select {{
		case <-ctx.Done():
			return
		case job, ok := <-jobs:
			if !ok {{
				return
			}}
			results <- process(job, {n})
		}}
	}}
}}""",
    ),
    (
        "json",
        """\
{{
  "name": "kimitui",
  "retries": {n},
  "endpoints": ["https://api.moonshot.cn/v1", "https://api.moonshot.ai/v1"],
  "stream": true
}}""",
    ),
)


@dataclass(frozen=True)
class Probe:
    """A probe word and the character offset just after it in the reply."""

    word: str
    end: int


@dataclass(frozen=True)
class Corpus:
    """A generated reply."""

    text: str
    sentinel: str
    """Text of the reply's last line; it appears only once the reply is complete."""
    probes: tuple[Probe, ...]


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.probes: list[Probe] = []
        self._probe_ids = itertools.count(1)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def probe(self) -> str:
        word = f"{PROBE_PREFIX}{next(self._probe_ids):04d}"
        return word

    def add_probed(self, before: str, after: str) -> None:
        """Add ``before + probe + after``, recording the probe's end offset."""
        word = self.probe()
        self.probes.append(Probe(word, self.size + len(before) + len(word)))
        self.add(before + word + after)


def _paragraph(b: _Builder, k: int) -> None:
    first = _SENTENCES[k % len(_SENTENCES)]
    second = _SENTENCES[(k * 3 + 1) % len(_SENTENCES)]
    b.add_probed(f"{first} {second} This is covered in ", " below.\n\n")


def _bullets(b: _Builder, k: int) -> None:
    for i in range(4):
        sentence = _SENTENCES[(k + i) % len(_SENTENCES)]
        if i % 2 == 0:
            b.add_probed(f"- {sentence} (", ")\n")
        else:
            b.add(f"- {sentence}\n")
    b.add("\n")


def _ordered(b: _Builder, k: int) -> None:
    for i in range(1, 4):
        b.add(f"{i}. Step {i} of {_TOPICS[k % len(_TOPICS)]}: keep the `{i}` invariant.\n")
    b.add("\n")


def _table(b: _Builder, k: int) -> None:
    b.add("| Approach | Latency (ms) | CPU (s) | Notes |\n|---|---:|---:|---|\n")
    for i in range(5):
        b.add(f"| variant {k}.{i} | {10 + 7 * i} | {0.5 + i / 4:.2f} | `{_TOPICS[i]}` |\n")
    b.add("\n")


def _code(b: _Builder, k: int) -> None:
    lang, body = _CODE[k % len(_CODE)]
    b.add(f"```{lang}\n{body.format(n=k)}\n```\n\n")


def _quote(b: _Builder, k: int) -> None:
    b.add(f"> **Note {k}:** {_SENTENCES[k % len(_SENTENCES)]}\n\n")


def _chinese(b: _Builder, k: int) -> None:
    b.add(_CHINESE[k % len(_CHINESE)] + "\n\n")


def make_reply(size: int, *, tag: str = "") -> Corpus:
    """A reply of about ``size`` characters (never more than ~1% over).

    Args:
        size: the target length in characters.
        tag: makes the sentinel unique to one run.
    """
    b = _Builder()
    sentinel = f"End of the answer, {size} characters{(' ' + tag) if tag else ''}."
    closing = f"That is everything you need.\n\n{sentinel}\n"
    section = 0
    table_every = 6
    while True:
        topic = _TOPICS[section % len(_TOPICS)]
        chunk = _Builder()
        chunk.size = b.size
        chunk._probe_ids = b._probe_ids
        chunk.add(f"## {section + 1}. {topic.capitalize()}\n\n")
        _paragraph(chunk, section)
        _bullets(chunk, section)
        _code(chunk, section)
        _chinese(chunk, section)
        if section % table_every == 0:
            _table(chunk, section)
        if section % 3 == 1:
            _ordered(chunk, section)
        if section % 4 == 2:
            _quote(chunk, section)
        _paragraph(chunk, section + 5)
        if b.size + (chunk.size - b.size) + len(closing) > size and section > 0:
            break
        b.parts.extend(chunk.parts)
        b.probes.extend(chunk.probes)
        b.size = chunk.size
        section += 1
    # Fill the remainder with short paragraphs so every size is close to its target.
    k = 0
    while b.size + len(closing) + 200 < size:
        _paragraph(b, k)
        k += 1
    b.add(closing)
    text = "".join(b.parts)
    assert len(text) == b.size
    return Corpus(text=text, sentinel=sentinel, probes=tuple(b.probes))
