"""Benchmark kimitui's streaming, start-up and long conversations; print a table (and JSON).

    python benchmarks/run.py [--quick] [--json out.json] [--repeat N] [--only SECTION ...]

Sections (see benchmarks/README.md for what every number means):

- ``startup``: launch → input ready, kimitui vs a minimal Textual app (median of 11),
  and the instructions each executes until then (valgrind, when installed);
- ``fast``: replies of 5k/40k/200k characters sent as fast as the server can:
  wall time to the final frame, client CPU, peak RSS, per client;
- ``held``: 5k and 40k replies with the last 200 characters held back until
  the client has caught up, so "last byte → final frame" is the cost of finishing;
- ``paced``: ~100 tokens/s, started with the client caught up; how far the
  screen trails the stream (p50/p95/max over probe words);
- ``headless``: the render layer alone in ``App.run_test()``, with an exactness check;
- ``long``: one reply as turn 1 and as turn N (``--turns``, default 200).

Clients: ``floor`` (the raw openai-SDK loop), ``print`` (``kimitui -p``) and ``tui``
(``kimitui``). Timings are medians; nothing here is asserted. ``--quick`` runs
the 5k cells once (no paced 40k tail, no long conversation) in under a minute.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.benchserver import BenchServer  # noqa: E402
from benchmarks.corpus import Corpus, make_reply  # noqa: E402
from benchmarks.e2e import (  # noqa: E402
    Client,
    StartupResult,
    StreamResult,
    clients,
    count_startup_instructions,
    measure_startup,
    measure_stream,
)
from benchmarks.report import median, number, percentile, ratio, seconds, table  # noqa: E402

SECTIONS = ("startup", "fast", "held", "paced", "headless", "long")
STARTUP_LAUNCHES = 11
"""Launches of each start-up client: one launch varies by ±15% on a busy machine."""
STREAM_CLIENTS = ("floor", "print", "tui")
TIMEOUTS = {5_000: 30.0, 40_000: 60.0, 200_000: 120.0}
CELL_BUDGET = 30.0
"""Seconds of repeats per (client, size) cell; a slow client gets fewer runs."""
HELD_TAIL = 200
PACED_DELAY = 4 / 400
"""Seconds between 4-character chunks at ~100 tokens/s (1 token = 4 characters)."""
PACED_TAIL = 5_000
"""Characters paced at the end of the 40k reply in ``paced-tail``."""


def log(message: str) -> None:
    """Progress on stderr (the tables go to stdout)."""
    print(message, file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions: dict[str, str] = {}
    for package in ("textual", "rich", "openai"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:  # a missing package is just not reported
            versions[package] = "?"
    tmux = subprocess.run(["tmux", "-V"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "tmux": tmux,
        "terminal": "tmux pane 120x40, TERM=tmux-256color, COLORTERM=truecolor",
        "load_before": os.getloadavg(),
        **versions,
    }


SNAPSHOT_ENV = "KIMITUI_BENCH_SOURCE"
"""Set (to `source()` as JSON) when running from a snapshot of the working tree."""


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout


def source(commit: str | None = None) -> dict[str, Any]:
    """Which kimitui is measured: a commit, or the working tree (commit + a fingerprint
    of its uncommitted changes)."""
    if SNAPSHOT_ENV in os.environ:
        snapshot: dict[str, Any] = json.loads(os.environ[SNAPSHOT_ENV])
        return snapshot
    if commit is not None:
        return {"commit": _git("log", "--oneline", "-1", commit, "--").strip(), "tree": "commit"}
    digest = hashlib.sha1(_git("diff", "HEAD", "--", "kimitui").encode())
    untracked = _git("ls-files", "--others", "--exclude-standard", "--", "kimitui").split()
    for name in sorted(untracked):
        digest.update(name.encode() + (ROOT / name).read_bytes())
    return {
        "commit": _git("log", "--oneline", "-1").strip() or "? (not a git checkout)",
        "tree": "working",
        "changed": _git("diff", "HEAD", "--name-only", "--", "kimitui").split(),
        "untracked": sorted(untracked),
        "fingerprint": digest.hexdigest()[:12],
    }


def other_clients() -> dict[str, bool]:
    """Whether the other terminal chat clients are on PATH (not measured: no `Client` yet)."""
    return {name: shutil.which(name) is not None for name in ("elia", "oterm")}


# ---- sections -----------------------------------------------------------------------------


def run_startup(
    server: BenchServer, repeat: int, *, instructions: bool
) -> tuple[list[StartupResult], dict[str, int | None]]:
    """Alternate minimal app and kimitui launches, ``repeat`` of each; then count instructions.

    All of kimitui's launches share one home, as a user's do.
    """
    all_clients = clients()
    results: list[StartupResult] = []
    counts: dict[str, int | None] = {}
    with tempfile.TemporaryDirectory(prefix="kimitui-home-") as home:
        for name in ("minimal", "tui"):
            # Not counted: the first launch of the copy compiles it to bytecode
            # (and kimitui's creates its database).
            measure_startup(server, all_clients[name], home)
        for i in range(repeat):
            for name in ("minimal", "tui"):
                result = measure_startup(server, all_clients[name], home)
                log(f"startup {name} #{i + 1}: {seconds(result.seconds)}")
                results.append(result)
        if instructions:
            for name in ("minimal", "tui"):
                count = counts[name] = count_startup_instructions(server, all_clients[name], home)
                shown = "-" if count is None else f"{count / 1e6:,.0f} M"
                log(f"startup {name} instructions: {shown}")
    return results, counts


def _cell(
    server: BenchServer,
    client: Client,
    corpus: Corpus,
    size: int,
    repeat: int,
    **kwargs: Any,
) -> list[StreamResult]:
    """Up to ``repeat`` runs of one client and size, within `CELL_BUDGET` seconds."""
    results: list[StreamResult] = []
    started = time.monotonic()
    for i in range(repeat):
        result = measure_stream(server, client, corpus, timeout=TIMEOUTS[size], **kwargs)
        result.size = size  # the nominal size, for grouping
        results.append(result)
        log(
            f"{kwargs.get('mode')} {client.name} {size}: wall {seconds(result.wall)} "
            f"lag {seconds(result.lag)} cpu {number(result.cpu, 2)} {result.error}"
        )
        if result.error or (i < repeat - 1 and time.monotonic() - started > CELL_BUDGET):
            break
    return results


def run_streams(
    server: BenchServer,
    sizes: Sequence[int],
    repeat: int,
    names: Sequence[str],
    mode: str,
    too_slow: Sequence[StreamResult] = (),
) -> list[StreamResult]:
    """The ``fast`` or ``held`` section; clients that timed out in ``too_slow`` are skipped."""
    all_clients = clients()
    results: list[StreamResult] = []
    gave_up: set[str] = set()
    for size in sizes:
        gave_up |= {r.client for r in too_slow if r.size <= size and r.error}
        corpus = make_reply(size)
        for name in names:
            if name in gave_up:
                results.append(
                    StreamResult(name, size, mode, error="skipped (slower size timed out)")
                )
                continue
            n = repeat if size <= 5_000 else min(repeat, 2) if size <= 40_000 else 1
            kwargs: dict[str, Any] = {"mode": mode}
            if mode == "held":
                kwargs["hold_at"] = len(corpus.text) - HELD_TAIL
            cell = _cell(server, all_clients[name], corpus, size, n, **kwargs)
            results += cell
            if any(r.error == "timeout" for r in cell):
                gave_up.add(name)
    return results


def run_paced(server: BenchServer, names: Sequence[str], tail: bool) -> list[StreamResult]:
    """~100 tokens/s: a whole 5k reply, and (``tail``) the last 5k of a 40k reply.

    Pacing always starts with the client caught up: for the 5k reply the
    server holds the stream after its first event until the client has
    settled from sending the request; for the 40k reply the first 35k go flat
    out and the server holds until the client has drawn all of it. So the
    trail measures keeping up with 100 tokens/s, not a backlog.
    """
    all_clients = clients()
    results: list[StreamResult] = []
    cases = [("paced", 5_000, names)]
    if tail:
        # The floor keeps up trivially; its 5k row is the reference.
        cases.append(("paced-tail", 40_000, [n for n in names if n != "floor"]))
    for mode, size, who in cases:
        corpus = make_reply(size)
        burst = 0 if mode == "paced" else len(corpus.text) - PACED_TAIL
        paced_seconds = (len(corpus.text) - burst) / 4 * PACED_DELAY
        for name in who:
            r = measure_stream(
                server,
                all_clients[name],
                corpus,
                mode=mode,
                delay=PACED_DELAY,
                burst=burst,
                hold_at=burst,
                timeout=TIMEOUTS[size] + paced_seconds,
            )
            r.size = size
            log(
                f"{mode} {name} {size}: trail p50 {seconds(percentile(r.trail, 0.5))} "
                f"p95 {seconds(percentile(r.trail, 0.95))} "
                f"max {seconds(max(r.trail, default=None))} caught up {r.caught_up} {r.error}"
            )
            results.append(r)
    return results


def _headless(args: Sequence[str], timeout: float) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.headless", *args]
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"> {timeout:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    data: dict[str, Any] = json.loads(lines[-1])
    return data


HEADLESS_TIMEOUTS = {5_000: 30.0, 40_000: 60.0, 200_000: 120.0}
LONG_TIMEOUT = 120.0
"""Seconds for one long-conversation run (filling the transcript included)."""


def run_headless(sizes: Sequence[int], repeat: int) -> list[dict[str, Any]]:
    """The render layer alone; one process per run, the first of each size checked."""
    results: list[dict[str, Any]] = []
    for size in sizes:
        runs = []
        for i in range(repeat if size <= 5_000 else 1):
            args = ["--size", str(size)]
            if i == 0:
                args.append("--check")
            data = _headless(args, HEADLESS_TIMEOUTS.get(size, 120.0))
            data.setdefault("size", size)
            runs.append(data)
            log(f"headless {size}: cpu {data.get('cpu', data.get('error'))}")
            if "error" in data:
                break
        results.append({"size": size, "runs": runs})
    return results


def run_long(turns: int) -> list[dict[str, Any]]:
    """One 5k reply as turn 1 and as turn ``turns`` (after ``turns - 1`` finished ones)."""
    results: list[dict[str, Any]] = []
    for turn in (1, turns):
        data = _headless(["--size", "5000", "--turns", str(turn - 1)], LONG_TIMEOUT)
        data["turn"] = turn
        log(f"long turn {turn}: wall {data.get('wall', data.get('error'))}")
        results.append(data)
    return results


# ---- tables -------------------------------------------------------------------------------


def _by(results: Sequence[StreamResult], client: str, size: int) -> list[StreamResult]:
    return [r for r in results if r.client == client and r.size == size]


def _med(runs: Sequence[StreamResult], attr: str) -> float | None:
    return median(getattr(r, attr) for r in runs if not r.error)


def summarize(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The printed tables and a summary dict of medians and ratios."""
    out: list[str] = []
    summary: dict[str, Any] = {}
    startup: list[StartupResult] = data.get("startup", [])
    if startup:
        mini = median(r.seconds for r in startup if r.client == "minimal")
        tui = median(r.seconds for r in startup if r.client == "tui")
        early = sum(r.requests_before_ready for r in startup)
        counts = data.get("startup_instructions") or {}
        count_mini, count_tui = counts.get("minimal"), counts.get("tui")
        summary["startup"] = {
            "minimal": mini,
            "tui": tui,
            "ratio": tui / mini if tui and mini else None,
            "requests_before_ready": early,
            "instructions_minimal": count_mini,
            "instructions_tui": count_tui,
            "instructions_ratio": count_tui / count_mini if count_tui and count_mini else None,
        }

        def millions(count: int | None) -> str:
            return "-" if count is None else f"{count / 1e6:,.0f} M"

        def close_ratio(value: float | None) -> str:
            # Two decimals: the target (1.2×) is close to where start-up lands.
            return "-" if value is None else f"{value:.2f}×"

        shown = summary["startup"]
        out.append(
            table(
                "Start-up: launch → input ready (median; instructions counted by valgrind)",
                ["client", "seconds", "vs minimal", "instructions", "vs minimal", "requests"],
                [
                    [
                        "minimal Textual app",
                        seconds(mini),
                        "1.00×",
                        millions(count_mini),
                        "1.00×" if count_mini else "-",
                        "-",
                    ],
                    [
                        "kimitui",
                        seconds(tui),
                        close_ratio(shown["ratio"]),
                        millions(count_tui),
                        close_ratio(shown["instructions_ratio"]),
                        str(early),
                    ],
                ],
            )
        )
    fast: list[StreamResult] = data.get("fast", [])
    if fast:
        sizes = sorted({r.size for r in fast})
        rows = []
        summary["fast"] = {}
        for r_client in STREAM_CLIENTS:
            for size in sizes:
                runs = _by(fast, r_client, size)
                if not runs:
                    continue
                ok = [r for r in runs if not r.error]
                wall = _med(runs, "wall")
                floor = _med(_by(fast, "floor", size), "wall")
                cpu = _med(runs, "cpu")
                error = runs[0].error if not ok else ""
                summary["fast"][f"{r_client}/{size}"] = {
                    "wall": wall,
                    "cpu": cpu,
                    "rss_mb": _med(runs, "rss_mb"),
                    "wall_vs_floor": wall / floor if wall and floor else None,
                    "submit_to_request": _med(runs, "submit_to_request"),
                    "runs": len(ok),
                    "error": error,
                }
                rows.append(
                    [
                        r_client,
                        f"{round(size / 1000)}k",
                        "skipped"
                        if error.startswith("skip")
                        else seconds(wall, timeout=TIMEOUTS.get(size)),
                        ratio(summary["fast"][f"{r_client}/{size}"]["wall_vs_floor"]),
                        number(cpu, 2),
                        number(_med(runs, "rss_mb"), 0),
                        seconds(_med(runs, "submit_to_request")),
                        str(len(ok)),
                    ]
                )
        out.append(
            table(
                "Streaming as fast as the server sends (median): request → final frame",
                [
                    "client",
                    "size",
                    "wall",
                    "vs floor",
                    "CPU s",
                    "peak RSS MB",
                    "Enter→request",
                    "n",
                ],
                rows,
            )
        )
        scaling_rows = []
        summary["scaling"] = {}
        for r_client in STREAM_CLIENTS:
            c5, c40, c200 = (_med(_by(fast, r_client, s), "cpu") for s in (5_000, 40_000, 200_000))
            a = c40 / c5 if c40 and c5 else None
            b = c200 / c40 if c200 and c40 else None
            summary["scaling"][r_client] = {"cpu40k/cpu5k": a, "cpu200k/cpu40k": b}
            if c5 is not None:
                scaling_rows.append([r_client, ratio(a), ratio(b)])
        if any(row[1] != "-" for row in scaling_rows):
            out.append(
                table(
                    "Scaling of client CPU (linear would be 8× and 5×)",
                    ["client", "CPU 40k / 5k", "CPU 200k / 40k"],
                    scaling_rows,
                )
            )
    held: list[StreamResult] = data.get("held", [])
    if held:
        rows = []
        summary["held"] = {}
        for r_client in STREAM_CLIENTS:
            for size in sorted({r.size for r in held}):
                runs = _by(held, r_client, size)
                if not runs:
                    continue
                lag = _med(runs, "lag")
                error = next((r.error for r in runs if r.error), "")
                caught_up = sorted({r.caught_up for r in runs if r.caught_up})
                summary["held"][f"{r_client}/{size}"] = {
                    "lag": lag,
                    "max": max((r.lag for r in runs if r.lag is not None), default=None),
                    "caught_up": caught_up,
                    "runs": len(runs),
                    "error": error,
                }
                rows.append(
                    [
                        r_client,
                        f"{round(size / 1000)}k",
                        seconds(lag),
                        seconds(summary["held"][f"{r_client}/{size}"]["max"]),
                        str(len(runs)),
                        "/".join(caught_up),
                        error,
                    ]
                )
        out.append(
            table(
                f"Finishing: last byte → final frame, the last {HELD_TAIL} characters sent "
                "once the client has caught up",
                ["client", "size", "median", "max", "n", "caught up", "note"],
                rows,
            )
        )
    paced: list[StreamResult] = data.get("paced", [])
    if paced:
        rows = []
        summary["paced"] = {}
        for run in paced:
            key = f"{run.client}/{run.mode}/{run.size}"
            cell: dict[str, Any] = {
                "trail_p50": percentile(run.trail, 0.5),
                "trail_p95": percentile(run.trail, 0.95),
                "trail_max": max(run.trail, default=None),
                "probes": len(run.trail),
                "missing": run.probes_missing,
                "lag": run.lag,
                "cpu_share": run.paced_cpu_share,
                "caught_up": run.caught_up,
                "error": run.error,
            }
            summary["paced"][key] = cell
            rows.append(
                [
                    run.client,
                    run.mode,
                    f"{round(run.size / 1000)}k",
                    seconds(cell["trail_p50"]),
                    seconds(cell["trail_p95"]),
                    seconds(cell["trail_max"]),
                    f"{len(run.trail)}/{len(run.trail) + run.probes_missing}",
                    seconds(run.lag),
                    "-" if run.paced_cpu_share is None else f"{run.paced_cpu_share:.0%}",
                    run.caught_up,
                    run.error,
                ]
            )
        out.append(
            table(
                "~100 tokens/s: how far the screen trails the stream (per probe word)",
                [
                    "client",
                    "mode",
                    "size",
                    "p50",
                    "p95",
                    "max",
                    "probes",
                    "last byte→final",
                    "CPU while paced",
                    "caught up",
                    "note",
                ],
                rows,
            )
        )
    headless: list[dict[str, Any]] = data.get("headless", [])
    if headless:
        rows = []
        summary["headless"] = {}
        for group in headless:
            done = [h for h in group["runs"] if "error" not in h]
            err = next((str(h["error"]) for h in group["runs"] if "error" in h), "")
            exact = next((h.get("exact") for h in done if h.get("exact") is not None), None)
            cell = {
                "wall": median(h["wall"] for h in done),
                "cpu": median(h["cpu"] for h in done),
                "lag": median(h["lag"] for h in done),
                "exact": exact,
                "runs": len(done),
                "error": err,
            }
            summary["headless"][str(group["size"])] = cell
            rows.append(
                [
                    f"{round(group['size'] / 1000)}k",
                    seconds(cell["wall"]) if done else err,
                    number(cell["cpu"], 2),
                    seconds(cell["lag"]),
                    "-" if exact is None else ("yes" if exact else "NO"),
                    str(len(done)),
                ]
            )
        out.append(
            table(
                "Render layer alone (headless run_test, instant provider; median)",
                ["size", "wall", "CPU s", "last delta→done", "exact", "n"],
                rows,
            )
        )
    long_runs: list[dict[str, Any]] = data.get("long", [])
    if len(long_runs) == 2:
        first, last = long_runs
        if "error" in first or "error" in last:
            out.append(f"Long conversation: error {first.get('error') or last.get('error')}")
        else:
            summary["long"] = long_summary(first, last)
            cell = summary["long"]
            steps = cell["bytes_per_char_steps"]
            out.append(
                table(
                    f"Long conversation: one 5k reply as turn 1 vs as turn {last['turn']} "
                    f"(headless; {last['turn'] - 1} finished turns of 2k characters before it)",
                    [
                        "turn 1",
                        f"turn {last['turn']}",
                        "ratio",
                        "RSS MB",
                        "RSS growth",
                        "bytes/char by quarter",
                        "scroll top",
                        "scroll back",
                    ],
                    [
                        [
                            seconds(first["wall"]),
                            seconds(last["wall"]),
                            ratio(cell["ratio"]),
                            number(last["rss_mb"], 0),
                            f"{cell['rss_growth_mb']:.0f} MB for "
                            f"{last['transcript_chars'] / 1e6:.2f} M chars",
                            " ".join(f"{b:.0f}" for b in steps),
                            seconds(last["scroll_top"]),
                            seconds(last["scroll_back"]),
                        ]
                    ],
                )
            )
    return "\n\n".join(out), summary


def long_summary(first: dict[str, Any], last: dict[str, Any]) -> dict[str, Any]:
    """Turn 1 vs turn N, and how RSS grew as the finished turns were mounted."""
    steps: list[list[float]] = last["rss_steps"]
    per_step = [
        (b[1] - a[1]) * 1e6 / (b[0] - a[0]) for a, b in itertools.pairwise(steps) if b[0] > a[0]
    ]
    return {
        "turn": last["turn"],
        "wall_turn1": first["wall"],
        "wall_turnN": last["wall"],
        "cpu_turn1": first["cpu"],
        "cpu_turnN": last["cpu"],
        "ratio": last["wall"] / first["wall"],
        "rss_mb": last["rss_mb"],
        "rss_growth_mb": steps[-1][1] - steps[0][1],
        "transcript_chars": last["transcript_chars"],
        "bytes_per_char_steps": per_step,
        "scroll_top": last["scroll_top"],
        "scroll_back": last["scroll_back"],
    }


def run_snapshot(argv: Sequence[str], commit: str | None) -> int:
    """Copy the code under test and run the benchmark on the copy.

    The copy is of the working tree, or (``commit``) of ``kimitui/`` and
    ``tests/`` at that commit (``git archive``) with the working tree's
    ``benchmarks/``. Other work may change ``kimitui/`` while a run is in
    progress (a full run takes minutes); the copy keeps every measurement on
    the same code, described by `source()`.
    """
    with tempfile.TemporaryDirectory(prefix="kimitui-bench-src-") as tmp:
        copy = Path(tmp)
        skip = shutil.ignore_patterns("__pycache__", "results", "*.pyc")
        shutil.copytree(ROOT / "benchmarks", copy / "benchmarks", ignore=skip)
        if commit is None:
            for name in ("kimitui", "tests"):
                shutil.copytree(ROOT / name, copy / name, ignore=skip)
        else:
            archive = ["git", "archive", "--format=tar", commit, "kimitui", "tests"]
            tar = subprocess.run(archive, cwd=ROOT, capture_output=True, check=True).stdout
            with tarfile.open(fileobj=io.BytesIO(tar)) as files:
                files.extractall(copy, filter="data")
        env = {**os.environ, SNAPSHOT_ENV: json.dumps(source(commit))}
        command = [sys.executable, str(copy / "benchmarks" / "run.py"), *argv]
        return subprocess.run(command, env=env, check=False).returncode


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the tables; optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5k only, one run each (< 60 s)")
    parser.add_argument("--json", type=Path, help="also write every run and the summary here")
    parser.add_argument("--repeat", type=int, help="runs per cell (default 3, quick 1)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument(
        "--turns", type=int, default=200, help="long conversation: the timed reply's turn"
    )
    parser.add_argument(
        "--from-json", type=Path, help="print the tables of an earlier --json file; run nothing"
    )
    parser.add_argument(
        "--commit", help="measure kimitui as committed at this revision (default: working tree)"
    )
    args = parser.parse_args(argv)
    if SNAPSHOT_ENV not in os.environ and not args.from_json:
        return run_snapshot(sys.argv[1:] if argv is None else argv, args.commit)
    if args.from_json:
        earlier = load(args.from_json)
        print(header(earlier))
        print(summarize(earlier)[0])
        return 0
    sections = set(args.only or SECTIONS)
    quick = args.quick
    repeat = args.repeat or (1 if quick else 3)
    sizes = [5_000] if quick else [5_000, 40_000, 200_000]
    data: dict[str, Any] = {
        "machine": machine(),
        "source": source(),
        "others_installed": other_clients(),
        "quick": quick,
        "repeat": repeat,
        "turns": args.turns,
        "section_seconds": {},
    }
    started = time.monotonic()
    clock = started

    def lap(section: str) -> None:
        nonlocal clock
        now = time.monotonic()
        data["section_seconds"][section] = round(now - clock, 1)
        clock = now

    with BenchServer() as server:
        if "startup" in sections:
            data["startup"], data["startup_instructions"] = run_startup(
                server, 2 if quick else STARTUP_LAUNCHES, instructions=not quick
            )
            lap("startup")
        if "fast" in sections:
            data["fast"] = run_streams(server, sizes, repeat, STREAM_CLIENTS, "fast")
            lap("fast")
        if "held" in sections:
            data["held"] = run_streams(
                server, sizes[:2], repeat, STREAM_CLIENTS, "held", data.get("fast", [])
            )
            lap("held")
        if "paced" in sections:
            names = ("tui",) if quick else STREAM_CLIENTS
            data["paced"] = run_paced(server, names, tail=not quick)
            lap("paced")
    if "headless" in sections:
        data["headless"] = run_headless(sizes[:2], repeat)
        lap("headless")
    if "long" in sections and not quick:
        data["long"] = run_long(args.turns)
        lap("long")
    data["machine"]["load_after"] = os.getloadavg()
    data["seconds"] = time.monotonic() - started
    if args.json:
        # Raw runs first, so a failure in the summary never loses a long run.
        args.json.write_text(json.dumps(serialise(data), indent=2, default=str))
    text, summary = summarize(data)
    print(header(data))
    print(text)
    if args.json:
        serial = serialise(data)
        serial["summary"] = summary
        args.json.write_text(json.dumps(serial, indent=2, default=str))
    return 0


def header(data: dict[str, Any]) -> str:
    """A few lines about the machine, the code measured, and the run."""
    m = data["machine"]
    code = data.get("source", {})
    lines = [
        f"kimitui benchmark: {m['cpu']} × {m['cores']} cores, Python {m['python']}, "
        f"Textual {m['textual']}, {m['tmux']}; load {m['load_before'][0]:.1f} → "
        f"{m['load_after'][0]:.1f}; {data['seconds']:.0f} s"
        + (" (--quick)" if data.get("quick") else ""),
        f"kimitui as committed at {code.get('commit', '?')}"
        if code.get("tree") == "commit"
        else f"kimitui working tree at {code.get('commit', '?')}; uncommitted changes: "
        f"{', '.join(code.get('changed', []) + code.get('untracked', [])) or 'none'} "
        f"(fingerprint {code.get('fingerprint', '-')}; measured on a copy taken at the start)",
    ]
    missing = [name for name, ok in data.get("others_installed", {}).items() if not ok]
    if missing:
        lines.append(f"Not installed, not measured: {', '.join(missing)}")
    return "\n".join(lines) + "\n"


def serialise(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with result dataclasses turned into dicts."""
    return {
        key: [asdict(r) if isinstance(r, StartupResult | StreamResult) else r for r in value]
        if isinstance(value, list)
        else value
        for key, value in data.items()
    }


def load(path: Path) -> dict[str, Any]:
    """Read a ``--json`` file back into the shapes `summarize` takes."""
    data: dict[str, Any] = json.loads(path.read_text())
    data["startup"] = [StartupResult(**r) for r in data.get("startup", [])]
    for key in ("fast", "held", "paced"):
        data[key] = [StreamResult(**r) for r in data.get(key, [])]
    return data


if __name__ == "__main__":
    raise SystemExit(main())
