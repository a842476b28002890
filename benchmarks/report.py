"""Medians, ratios, goals, ``RESULTS.md``, ``RESULTS.json`` and ``scaling.png``.

Every ratio is ``contender ÷ baseline`` with both measured in the same run,
so lower is better everywhere and a slow or noisy machine moves both sides.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks import dask_sweep
from benchmarks.contenders import CONTENDERS
from benchmarks.harness import REPO_ROOT
from benchmarks.plan import IMPORTS, Workload

__all__ = ["Goal", "describe_machine", "load_average", "write"]

Records = Sequence[dict[str, Any]]

#: The packages whose versions the report records.
PACKAGES = (
    "aiobotocore", "botocore", "aiohttp", "attrs", "boto3", "capo-lightsail", "zapros",
)  # fmt: skip

#: Streaming memory is "flat" when it grows from the first checkpoint to the
#: last by at most this share plus this many MiB (noise from page contents).
FLAT_SHARE, FLAT_MIB = 0.05, 1.0


@dataclass(frozen=True)
class Goal:
    """One performance goal and how this run did against it."""

    name: str
    measured: str
    verdict: str  # PASS, MISS, or n/a when not measured


# ---------------------------------------------------------------- the machine


def load_average() -> str:
    """The 1/5/15-minute load averages, a hint of how busy the machine was."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _git(*args: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - a fixed git command
            ["git", *args],  # noqa: S607 - git from PATH, as a developer runs it
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            check=False,
        )
    except OSError:
        return ""
    return done.stdout.strip()


def describe_machine() -> dict[str, Any]:
    """CPU, cores, memory, OS, Python, package versions, commit and date."""
    import psutil  # type: ignore[import-untyped]  # no stubs installed with it

    import aiolightsail

    model = "unknown"
    with Path("/proc/cpuinfo").open() if Path("/proc/cpuinfo").exists() else open(os.devnull) as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {"aiolightsail": aiolightsail.__version__}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    commit = _git("rev-parse", "--short", "HEAD")
    if _git("status", "--porcelain", "--untracked-files=no"):
        commit += " + uncommitted changes"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": sys.version.split()[0] + f" ({platform.python_implementation()})",
        "packages": versions,
        "commit": commit or "unknown",
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_before": load_average(),
    }


# ---------------------------------------------------------------- medians


def values(
    records: Records, workload: str, contender: str, key: str, variant: int = 0
) -> list[Any]:
    """Every successful run's ``key`` for one (workload, contender, variant)."""
    return [
        r["result"][key]
        for r in records
        if r["workload"] == workload
        and r["contender"] == contender
        and r["variant"] == variant
        and r["result"].get(key) is not None
    ]


def median(
    records: Records, workload: str, contender: str, key: str, variant: int = 0
) -> float | None:
    """The median of :func:`values`, or ``None`` when nothing was measured."""
    found = values(records, workload, contender, key, variant)
    return statistics.median(found) if found else None


def _errors(records: Records, workload: str, contender: str) -> list[str]:
    return [
        r["result"]["error"]
        for r in records
        if r["workload"] == workload and r["contender"] == contender and "error" in r["result"]
    ]


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _ratio(value: float | None, baseline: float | None) -> str:
    if value is None or not baseline:
        return "–"
    return f"{value / baseline:.2f}×"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _runs(records: Records, workload: str, contender: str) -> int:
    return len(
        {r["repeat"] for r in records if r["workload"] == workload and r["contender"] == contender}
    )


# ---------------------------------------------------------------- goals


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def _at_most(value: float | None, limit: float | None, share: float) -> bool | None:
    if value is None or limit is None:
        return None
    return value <= share * limit


def _both(*checks: bool | None) -> bool | None:
    if any(c is None for c in checks):
        return None
    return all(checks)


def _flat(marks: Sequence[dict[str, float]], key: str) -> tuple[float, float] | None:
    found = [m[key] for m in marks if key in m]
    return (found[0], found[-1]) if len(found) >= 2 else None


def goals(records: Records) -> list[Goal]:
    """The performance goals (``benchmarks/README.md``), judged on this run's medians."""

    def m(workload: str, contender: str, key: str) -> float | None:
        return median(records, workload, contender, key)

    out: list[Goal] = []

    # CPU per listed instance: (workload, page, share of aiobotocore's paginator, of capo).
    for workload, page, of_botocore, of_capo in (
        ("cpu_per_page", "realistic", None, 0.5),
        ("cpu_per_page_full", "fully-populated", 0.15, 0.40),
    ):
        ours, botocore, capo = (
            m(workload, c, "cpu_us_per_item")
            for c in ("aiolightsail", "aiobotocore-shared", "capo-lightsail")
        )
        name = f"CPU per listed instance ({page} page) ≤ {of_capo}× capo-lightsail"
        if of_botocore is not None:
            name += f" and ≤ {of_botocore}× aiobotocore's paginator"
        out.append(
            Goal(
                name,
                f"{_num(ours)} µs vs aiobotocore {_num(botocore)} µs ({_ratio(ours, botocore)}) "
                f"and capo {_num(capo)} µs ({_ratio(ours, capo)})",
                _verdict(
                    _both(
                        _at_most(ours, capo, of_capo),
                        True if of_botocore is None else _at_most(ours, botocore, of_botocore),
                    )
                ),
            )
        )
    ours, botocore = (
        m("held_inventory", c, "gc_ms_held") for c in ("aiolightsail", "aiobotocore-shared")
    )
    out.append(
        Goal(
            "GC cost of a held inventory (a full gc.collect() with 10 000 listed instances "
            "held, minus without) ≤ 0.25× botocore's dicts",
            f"{_num(ours)} ms vs {_num(botocore)} ms ({_ratio(ours, botocore)})",
            _verdict(_at_most(ours, botocore, 0.25)),
        )
    )
    for key, unit, what in (
        ("cpu_ms_per_target", "ms", "CPU"),
        ("rss_kib_per_target", "KiB", "memory (RSS)"),
    ):
        ours, shared, capo = (
            m("new_target", c, key)
            for c in ("aiolightsail", "aiobotocore-shared", "capo-lightsail")
        )
        out.append(
            Goal(
                f"New target {what} ≤ capo-lightsail's (and ≤ 0.5× aiobotocore shared session)",
                f"{_num(ours)} {unit} vs capo {_num(capo)} ({_ratio(ours, capo)}), "
                f"shared {_num(shared)} ({_ratio(ours, shared)})",
                _verdict(_both(_at_most(ours, capo, 1.0), _at_most(ours, shared, 0.5))),
            )
        )
    ours, capo = (m("sweep", c, "wall_s") for c in ("aiolightsail", "capo-lightsail"))
    out.append(
        Goal(
            "Fleet sweep wall time ≤ capo-lightsail's (asyncio.gather of every target)",
            f"{_num(ours, 2)} s vs capo {_num(capo, 2)} s ({_ratio(ours, capo)})",
            _verdict(_at_most(ours, capo, 1.0)),
        )
    )
    stall = m("sweep", "aiolightsail", "stall_ms")
    worst = max(values(records, "sweep", "aiolightsail", "stall_ms"), default=None)
    frozen = m("sweep", "aiolightsail+freeze", "stall_ms")
    out.append(
        Goal(
            "Event-loop stall during the sweep ≤ 30 ms without gc.freeze() "
            "(longest gap of a 5 ms ticker, median)",
            f"median {_num(stall)} ms, worst {_num(worst)} ms"
            + (
                f" (after the README's `gc.freeze()`: median {_num(frozen)} ms)"
                if frozen is not None
                else ""
            ),
            _verdict(None if stall is None else stall <= 30),
        )
    )
    held_stall = m("sweep_held", "aiolightsail", "stall_ms")
    out.append(
        Goal(
            "Event-loop stall during the sweep while the process holds 100 000 instances "
            "≤ 50 ms without gc.freeze() (median)",
            f"median {_num(held_stall)} ms, worst "
            f"{_num(max(values(records, 'sweep_held', 'aiolightsail', 'stall_ms'), default=None))}"
            " ms",
            _verdict(None if held_stall is None else held_stall <= 50),
        )
    )
    runs = values(records, "streaming", "aiolightsail", "checkpoints")
    flat: list[bool] = []
    shown: list[str] = []
    for key, label in (("peak_rss_mib", "peak RSS"), ("traced_peak_mib", "traced peak")):
        ends = _flat(runs[0], key) if runs else None
        if ends is not None:
            first, last = ends
            flat.append(last <= first * (1 + FLAT_SHARE) + FLAT_MIB)
            shown.append(f"{label} {first:.1f} → {last:.1f} MiB")
    out.append(
        Goal(
            "Streaming peak memory flat in item count (10k → 100k instances)",
            ", ".join(shown) or "not measured",
            _verdict(all(flat) if flat else None),
        )
    )
    ours, base = (m("import", module, "import_ms") for module in IMPORTS[:2])
    extra = None if ours is None or base is None else ours - base
    out.append(
        Goal(
            "`import aiolightsail` within 100 ms of `import aiobotocore.session`",
            f"{_num(ours, 0)} ms vs {_num(base, 0)} ms (difference {_num(extra, 0)} ms)",
            _verdict(None if extra is None else extra <= 100),
        )
    )
    own = m("import_self", "aiolightsail", "self_ms")
    out.append(
        Goal(
            "aiolightsail's own modules import in ≤ 30 ms (`-X importtime` self time, median)",
            f"{_num(own)} ms",
            _verdict(None if own is None else own <= 30),
        )
    )
    from benchmarks import scale_report  # it builds on this module's helpers

    return out + scale_report.goals(records)


# ---------------------------------------------------------------- sections


def _contenders_in(records: Records, workload: str) -> list[str]:
    seen = dict.fromkeys(r["contender"] for r in records if r["workload"] == workload)
    return [c for c in CONTENDERS if c in seen]


def _section_cpu(records: Records, w: str = "cpu_per_page") -> list[str]:
    base = median(records, w, "aiobotocore-shared", "cpu_us_per_item")
    rows = []
    for c in _contenders_in(records, w):
        item = median(records, w, c, "cpu_us_per_item")
        rows.append(
            [
                f"**{c}**" if c == "aiolightsail" else c,
                _num(median(records, w, c, "cpu_ms_per_page"), 2),
                _num(item, 0),
                _ratio(item, base),
                _num(median(records, w, c, "wall_ms_per_page"), 2),
                str(_runs(records, w, c)),
                "; ".join(_errors(records, w, c)) or "",
            ]
        )
    return _table(
        ["contender", "CPU ms/page", "CPU µs/item", "÷ aiobotocore paginator", "wall ms/page",
         "runs", "errors"],
        rows,
    )  # fmt: skip


def _section_new_target(records: Records) -> list[str]:
    w = "new_target"
    cpu_f, cpu_s, rss_f, rss_s = (
        median(records, w, c, k)
        for k in ("cpu_ms_per_target", "rss_kib_per_target")
        for c in ("aiobotocore-fresh", "aiobotocore-shared")
    )
    rows = []
    for c in _contenders_in(records, w):
        cpu = median(records, w, c, "cpu_ms_per_target")
        rss = median(records, w, c, "rss_kib_per_target")
        rows.append(
            [
                f"**{c}**" if c == "aiolightsail" else c,
                _num(cpu, 1),
                f"{_ratio(cpu, cpu_f)} / {_ratio(cpu, cpu_s)}",
                _num(rss, 0),
                f"{_ratio(rss, rss_f)} / {_ratio(rss, rss_s)}",
                _num(median(records, w, c, "traced_kib_per_target"), 0),
                _num(median(records, w, c, "wall_ms_per_target"), 1),
                str(_runs(records, w, c)),
                "; ".join(_errors(records, w, c)) or "",
            ]
        )
    return _table(
        ["contender", "CPU ms/target", "÷ fresh / ÷ shared", "RSS KiB/target",
         "÷ fresh / ÷ shared", "traced KiB/target", "wall ms/target", "runs", "errors"],
        rows,
    )  # fmt: skip


def _section_sweep(records: Records) -> list[str]:
    w = "sweep"
    base = median(records, w, "aiobotocore-fresh", "wall_s")
    rows = []
    for c in _contenders_in(records, w):
        wall = median(records, w, c, "wall_s")
        stalls = values(records, w, c, "stall_ms")
        rows.append(
            [
                f"**{c}**" if c == "aiolightsail" else c,
                _num(wall, 2),
                _ratio(wall, base),
                _num(median(records, w, c, "cpu_s"), 2),
                f"{_num(statistics.median(stalls), 0)} / {_num(max(stalls), 0)}"
                if stalls
                else "n/a (blocking)",
                f"{_num(median(records, w, c, 'gc_ms'), 0)} / "
                f"{_num(median(records, w, c, 'gc_longest_ms'), 0)}",
                _num(median(records, w, c, "peak_rss_mib"), 0),
                str(_runs(records, w, c)),
                "; ".join(_errors(records, w, c)) or "",
            ]
        )
    return _table(
        ["contender", "wall s", "÷ aiobotocore fresh", "CPU s", "loop stall ms (median / worst)",
         "GC ms (total / longest pause)", "peak RSS MiB", "runs", "errors"],
        rows,
    )  # fmt: skip


def _section_sweep_busy(records: Records) -> list[str]:
    w = "sweep_busy"
    rows = []
    for c in _contenders_in(records, w):
        wall = median(records, w, c, "wall_s")
        stalls = values(records, w, c, "stall_ms")
        rows.append(
            [
                f"**{c}**" if c == "aiolightsail" else c,
                _num(wall, 2),
                _ratio(wall, median(records, "sweep", c, "wall_s")),
                _num(median(records, w, c, "cpu_s"), 2),
                _num(median(records, w, c, "iterations"), 0),
                f"{_num(statistics.median(stalls), 0)} / {_num(max(stalls), 0)}" if stalls else "–",
                f"{_num(median(records, w, c, 'gc_ms'), 0)} / "
                f"{_num(median(records, w, c, 'gc_longest_ms'), 0)}",
                str(_runs(records, w, c)),
                "; ".join(_errors(records, w, c)) or "",
            ]
        )
    return _table(
        ["contender", "wall s", "÷ its idle sweep", "CPU s (library)", "loop iterations",
         "loop stall ms (median / worst)", "GC ms (total / longest pause)", "runs", "errors"],
        rows,
    )  # fmt: skip


def _section_scaling(records: Records, workload: Workload | None) -> list[str]:
    w = "scaling"
    variants = workload.variants if workload else ()
    contenders = _contenders_in(records, w)
    rows = []
    for n in variants:
        base = median(records, w, "aiolightsail", "wall_s", n)
        row = [str(n)]
        for c in contenders:
            wall = median(records, w, c, "wall_s", n)
            row.append(
                "–"
                if wall is None
                else f"{wall:.2f}" + ("" if c == "aiolightsail" else f" ({_ratio(wall, base)})")
            )
        rows.append(row)
    stall_rows = [
        [c, *(_num(median(records, w, c, "stall_ms", n), 0) for n in variants)] for c in contenders
    ]
    lines = _table(["targets", *(f"{c} s" for c in contenders)], rows)
    lines += ["", "Longest event-loop gap (ms) by target count:", ""]
    lines += _table(["contender", *(str(n) for n in variants)], stall_rows)
    return lines


def _section_streaming(records: Records) -> list[str]:
    w = "streaming"
    rows = []
    for c in _contenders_in(records, w):
        runs = values(records, w, c, "checkpoints")
        if not runs:
            rows.append([c, "–", "–", "–", "; ".join(_errors(records, w, c))])
            continue
        rows.extend(
            [
                c,
                f"{mark['items']:,}",
                _num(mark.get("peak_rss_mib"), 1),
                _num(mark.get("traced_peak_mib"), 2),
                "",
            ]
            for mark in runs[0]
        )
    return _table(
        ["contender", "items streamed", "peak RSS MiB", "traced peak MiB", "errors"], rows
    )


def _section_held(records: Records) -> list[str]:
    w = "held_inventory"
    base = median(records, w, "aiobotocore-shared", "gc_ms_held")
    rows = []
    for c in _contenders_in(records, w):
        held = median(records, w, c, "gc_ms_held")
        rows.append(
            [
                f"**{c}**" if c == "aiolightsail" else c,
                _num(held, 1),
                _ratio(held, base),
                _num(median(records, w, c, "gc_ms_without"), 1),
                _num(median(records, w, c, "tracked_objects_per_item"), 1),
                str(_runs(records, w, c)),
                "; ".join(_errors(records, w, c)) or "",
            ]
        )
    return _table(
        ["contender", "full GC ms, held − without", "÷ botocore's dicts", "full GC ms without",
         "tracked objects per held item", "runs", "errors"],
        rows,
    )  # fmt: skip


def _section_sweep_held(records: Records) -> list[str]:
    w = "sweep_held"
    rows = []
    for c in _contenders_in(records, w):
        stalls = values(records, w, c, "stall_ms")
        rows.append(
            [
                f"**{c}**" if c == "aiolightsail" else c,
                _num(median(records, w, c, "held"), 0),
                _num(median(records, w, c, "wall_s"), 2),
                f"{_num(statistics.median(stalls), 0)} / {_num(max(stalls), 0)}" if stalls else "–",
                f"{_num(median(records, w, c, 'gc_ms'), 0)} / "
                f"{_num(median(records, w, c, 'gc_longest_ms'), 0)}",
                str(_runs(records, w, c)),
                "; ".join(_errors(records, w, c)) or "",
            ]
        )
    return _table(
        ["contender", "instances held", "wall s", "loop stall ms (median / worst)",
         "GC ms (total / longest pause)", "runs", "errors"],
        rows,
    )  # fmt: skip


def _section_import(records: Records) -> list[str]:
    base = median(records, "import", IMPORTS[1], "import_ms")
    rows = []
    for module in IMPORTS:
        found = values(records, "import", module, "import_ms")
        mid = statistics.median(found) if found else None
        rows.append(
            [
                f"`import {module}`",
                _num(mid, 0),
                _num(min(found), 0) if found else "–",
                _ratio(mid, base),
                str(len(found)),
            ]
        )
    own = values(records, "import_self", "aiolightsail", "self_ms")
    if own:
        mid = statistics.median(own)
        rows.append(
            [
                "aiolightsail's own modules (`-X importtime` self time)",
                _num(mid, 1),
                _num(min(own), 1),
                "",
                str(len(own)),
            ]
        )
    return _table(["statement", "median ms", "min ms", "÷ aiobotocore.session", "runs"], rows)


def _section_credentials_give_up(records: Records) -> list[str]:
    rows = []
    for r in records:
        if r["workload"] == "credentials_give_up":
            result = r["result"]
            if "seconds" in result:
                measured, outcome = f"{result['seconds']:.1f} s", result["outcome"]
            elif "left" in result:
                measured, outcome = (
                    f"{result['left']} left",
                    f"while open: {result['running_while_open']}",
                )
            else:
                measured, outcome = "–", str(result.get("error", result))
            rows.append([r["contender"], measured, outcome.replace("|", "\\|")])
    return _table(["case", "measured", "outcome"], rows)


# ---------------------------------------------------------------- output


def plot_scaling(records: Records, workload: Workload | None, path: Path) -> bool:
    """Wall time against target count, one line per contender; whether it drew one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    variants = workload.variants if workload else ()
    contenders = _contenders_in(records, "scaling")
    if not variants or not contenders:
        return False
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    for c in contenders:
        points = [
            (n, wall)
            for n in variants
            if (wall := median(records, "scaling", c, "wall_s", n)) is not None
        ]
        if points:
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, marker="o", linewidth=2.5 if c == "aiolightsail" else 1.5, label=c)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(list(variants), [str(v) for v in variants])
    ax.set_xlabel("targets (accounts × regions), 2 pages each, 50 ms per request")
    ax.set_ylabel("wall time, s (median; log scale)")
    ax.set_title("Listing every instance of N targets")
    ax.grid(visible=True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def write(
    records: Records,
    *,
    machine: dict[str, Any],
    workloads: Sequence[Workload],
    quick: bool,
    elapsed: float,
    out: Path,
    repeats: int | None = None,
) -> list[Goal]:
    """Write RESULTS.md, RESULTS.json and scaling.png into ``out``; return the goals."""
    judged = goals(records)
    by_name = {w.name: w for w in workloads}
    plotted = plot_scaling(records, by_name.get("scaling"), out / "scaling.png")
    (out / "RESULTS.json").write_text(
        json.dumps(
            {"machine": machine, "quick": quick, "elapsed_s": elapsed, "records": list(records)},
            indent=1,
        )
        + "\n"
    )
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items())
    mode = "`--quick`" if quick else "full"
    lines = [
        "# Benchmark results",
        "",
        f"Produced by `python benchmarks/run.py{' --quick' if quick else ''}` ({mode} run, "
        f"{elapsed / 60:.1f} min) on {machine['date']}, commit {machine['commit']}. "
        "Every figure is the median over fresh processes; every ratio divides by a "
        "baseline measured in the same run (lower is better).",
        "",
        "## Machine",
        "",
        f"- CPU: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB",
        f"- OS: {machine['os']}; Python {machine['python']}",
        f"- Packages: {packages}",
        f"- Load average (1/5/15 min) before → after: {machine['load_before']} → "
        f"{machine.get('load_after', '?')}",
        "- The emulator runs in its own process pinned to core 0, each contender in its own "
        "process pinned to core 1.",
        "",
        "## Goals",
        "",
        *_table(
            ["goal", "measured", "verdict"],
            ([g.name, g.measured, f"**{g.verdict}**"] for g in judged),
        ),
        "",
        "## Contenders",
        "",
        *(f"- **{name}**: {desc}" for name, (_, _, desc) in CONTENDERS.items()),
        "",
    ]
    sections = (
        (
            "cpu_per_page",
            _section_cpu,
            "aiolightsail's items are `Instance` models; the others "
            "hand out dicts. The ratio divides by aiobotocore's paginator (shared session).",
        ),
        (
            "cpu_per_page_full",
            lambda records: _section_cpu(records, "cpu_per_page_full"),
            "The same on a page whose instances fill every member of botocore's `Instance` "
            "shape (`benchmarks/populated.py`): ~12.7 KB of JSON each, 49 nested objects.",
        ),
        (
            "new_target",
            _section_new_target,
            "A warm-up target first; then each new target is a "
            "client and its first `GetInstances`, kept open. RSS is measured without tracemalloc; "
            "the traced figure (Python heap only) comes from a few more targets under tracemalloc.",
        ),
        (
            "sweep",
            _section_sweep,
            "Every instance of 128 targets (12 800 instances, 640 "
            "requests), clients included. aiolightsail uses `Fleet(concurrency=128)`; the "
            "gather-based contenders start all targets at once. A ticker task wakes every 5 ms "
            "and records the longest gap between wake-ups; `gc.callbacks` time the garbage "
            "collector, whose full collections walk every live object of every open client.",
        ),
        (
            "sweep_busy",
            _section_sweep_busy,
            "The same sweep while an application task burns CPU in every loop iteration "
            "(`BusyLoop`), as a busy bot or web app does: every extra loop iteration a library "
            "takes costs that much wall time. CPU leaves the application's out; loop iterations "
            "are those the application task saw; the ratio divides by the same contender's "
            "idle-loop sweep in this run.",
        ),
        (
            "held_inventory",
            _section_held,
            "One region listed ten times over and every item kept (aiolightsail's `Instance` "
            "models, botocore's dicts); then a full `gc.collect()` (CPU, median of 7) minus the "
            "same before listing: what every full collection of a program that keeps its "
            "inventory pays.",
        ),
        (
            "sweep_held",
            _section_sweep_held,
            "The sweep above, after earlier sweeps left 100 000 instances in the process "
            "(kept in a list), as a service that holds its inventory; no `gc.freeze()`.",
        ),
        (
            "streaming",
            _section_streaming,
            "One region of 100 000 instances, pages of 100, "
            "items dropped as they arrive; peak RSS at each checkpoint, and tracemalloc's peak "
            "where a contender ran under it (full runs, aiolightsail only: it slows a scan "
            "about fivefold).",
        ),
    )
    for name, render, note in sections:
        if any(r["workload"] == name for r in records):
            lines += [f"## {by_name[name].title}", "", note, "", *render(records), ""]
    if any(r["workload"] == "scaling" for r in records):
        lines += [
            f"## {by_name['scaling'].title}",
            "",
            "Median wall time in seconds (÷ aiolightsail in brackets). "
            + ", ".join(f"{c} stops at {n}" for c, n in by_name["scaling"].max_variant.items())
            + " targets (its cost per target makes larger runs minutes long); boto3 one target "
            "after another is left out (512 × 2 requests × 50 ms is a minute per point).",
            "",
            *_section_scaling(records, by_name["scaling"]),
            "",
        ]
        if plotted:
            lines += ["![wall time against targets](scaling.png)", ""]
    if any(r["workload"] == "scale" for r in records):
        from benchmarks import scale_report  # it builds on this module's helpers

        lines += scale_report.section(records, by_name["scale"], out)
    if any(r["workload"] == "import" for r in records):
        lines += [
            "## Import time",
            "",
            "`import X` timed inside fresh interpreters (interpreter start-up excluded).",
            "",
            *_section_import(records),
            "",
        ]
    if any(r["workload"] == "credentials_give_up" for r in records):
        lines += [
            "## Giving up on credentials that never come",
            "",
            "`benchmarks/credentials_give_up.py`, once, the cases at once (`docs/reliability.md`).",
            "",
            *_section_credentials_give_up(records),
            "",
        ]
    if any(r["workload"] == "dask" for r in records):
        lines += dask_sweep.section(records)
    done = ", ".join(
        f"{w.name} {repeats or w.repeats}"
        + (f" ({', '.join(sorted(w.single))} once)" if w.single and not repeats else "")
        for w in workloads
        if any(r["workload"] == w.name for r in records)
    )
    lines += [
        "## How this was run",
        "",
        f"Repeats per workload: {done}. Full runs take about half an hour on "
        "2 busy cores, `--quick` about five minutes; sizes and repeats are set in "
        "`benchmarks/plan.py`.",
        "",
    ]
    (out / "RESULTS.md").write_text("\n".join(lines))
    return judged
