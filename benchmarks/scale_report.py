"""The ``scale`` workload's goals, its section of ``RESULTS.md`` and ``scale.png``.

Goals are judged at 8,192 targets on this run's medians, against the same
run's figures at 512 targets where the goal is a ratio.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path

from benchmarks.plan import SCALE_TARGETS, Workload
from benchmarks.report import Goal, Records, _num, _ratio, _table, _verdict, median, values

__all__ = ["goals", "section"]

W = "scale"
OURS, THEIRS = "aiolightsail", "aiobotocore-shared"

#: The goals, judged at ``GOAL_TARGETS`` (a ``--quick`` run stops short: n/a): worst loop
#: stall and first item; CPU per target and GC-tracked objects held, as a ratio to the same
#: run's figures at ``REFERENCE`` targets.
GOAL_TARGETS = SCALE_TARGETS[-1]
MAX_STALL_MS = 100.0
MAX_FIRST_ITEM_S = 1.0
MAX_CPU_RATIO = 1.25
MAX_OBJECTS_RATIO = 2.0
REFERENCE = 512


def _m(records: Records, key: str, n: int, contender: str = OURS) -> float | None:
    return median(records, W, contender, key, n)


def goals(records: Records) -> list[Goal]:
    """The four scale goals and the watch's memory per instance (information, no goal)."""
    n = GOAL_TARGETS
    at = f"{n:,}"
    stall = _m(records, "stall_ms", n)
    stall_cpu = _m(records, "stall_cpu_ms", n)
    worst = max(values(records, W, OURS, "stall_ms", n), default=None)
    first = _m(records, "first_item_s", n)
    cpu, cpu_ref = _m(records, "cpu_ms_per_target", n), _m(records, "cpu_ms_per_target", REFERENCE)
    objects, objects_ref = _m(records, "gc_objects", n), _m(records, "gc_objects", REFERENCE)

    def within(value: float | None, limit: float | None) -> str:
        return _verdict(None if value is None or limit is None else value <= limit)

    out = [
        Goal(
            f"Worst event-loop stall sweeping {at} targets ≤ {MAX_STALL_MS:.0f} ms without "
            "gc.freeze() (longest gap of a 5 ms ticker, median of runs)",
            f"median {_num(stall, 0)} ms, worst {_num(worst, 0)} ms "
            f"(the process's CPU inside it: median {_num(stall_cpu, 0)} ms)",
            within(stall, MAX_STALL_MS),
        ),
        Goal(
            f"First item sweeping {at} targets ≤ {MAX_FIRST_ITEM_S:g} s",
            f"{_num(first, 2)} s",
            within(first, MAX_FIRST_ITEM_S),
        ),
        Goal(
            f"CPU per target at {at} targets ≤ {MAX_CPU_RATIO}× its value at {REFERENCE}",
            f"{_num(cpu, 2)} ms vs {_num(cpu_ref, 2)} ms ({_ratio(cpu, cpu_ref)})",
            within(cpu, None if cpu_ref is None else cpu_ref * MAX_CPU_RATIO),
        ),
        Goal(
            f"GC-tracked objects in the process, fleet open after sweeping {at} targets, "
            f"≤ {MAX_OBJECTS_RATIO:g}× those at {REFERENCE}",
            f"{_num(_k(objects), 0)} k vs {_num(_k(objects_ref), 0)} k "
            f"({_ratio(objects, objects_ref)})",
            within(objects, None if objects_ref is None else objects_ref * MAX_OBJECTS_RATIO),
        ),
    ]
    watched = _watch(records)
    if watched is not None:
        size, watch, kept = watched
        out.append(
            Goal(
                f"Memory a watch holds per watched instance ({size:,} targets; information, "
                "beside a list keeping the same instances)",
                f"{_num(watch['bytes'] / 1024, 2)} KiB and {_num(watch['objects'], 1)} GC objects "
                f"per instance; a kept list {_num(kept['bytes'] / 1024, 2)} KiB and "
                f"{_num(kept['objects'], 1)} objects ({_ratio(watch['bytes'], kept['bytes'])} "
                "of its memory)",
                "info",
            )
        )
    return out


def _k(value: float | None) -> float | None:
    return None if value is None else value / 1000


def _watch(records: Records) -> tuple[int, dict[str, float], dict[str, float]] | None:
    """The target count the watch was measured at, its figures per instance, a kept list's."""
    for r in records:
        if r["workload"] == W and "watch_bytes_per_instance" in r["result"]:
            n = r["variant"]
            figures = [
                {
                    key: median(records, W, OURS, f"{who}_{key}_per_instance", n) or 0.0
                    for key in ("bytes", "objects")
                }
                for who in ("watch", "kept")
            ]
            return n, figures[0], figures[1]
    return None


def _row(records: Records, n: int, contender: str) -> list[str]:
    stalls = values(records, W, contender, "stall_ms", n)
    return [
        f"{n:,}",
        _num(_m(records, "wall_s", n, contender), 2),
        _num(_m(records, "cpu_ms_per_target", n, contender), 2),
        _num(_m(records, "first_item_s", n, contender), 2),
        (
            f"{_num(statistics.median(stalls), 0)} / {_num(max(stalls), 0)} "
            f"({_num(_m(records, 'stall_cpu_ms', n, contender), 0)})"
            if stalls
            else "–"
        ),
        f"{_num(_m(records, 'gc_ms', n, contender), 0)} / "
        f"{_num(_m(records, 'gc_longest_ms', n, contender), 0)}",
        _num(_m(records, "peak_rss_mib", n, contender), 0),
        _num(_k(_m(records, "gc_objects", n, contender)), 0),
        str(len(values(records, W, contender, "wall_s", n))),
        "; ".join(
            r["result"]["error"]
            for r in records
            if r["workload"] == W
            and r["contender"] == contender
            and r["variant"] == n
            and "error" in r["result"]
        ),
    ]


_HEADER = [
    "targets", "wall s", "CPU ms/target", "first item s",
    "loop stall ms (median / worst; CPU in it)",
    "GC ms (total / longest pause)", "peak RSS MiB", "GC objects held (k)", "runs", "errors",
]  # fmt: skip

#: (key, unit, digits) of the side-by-side table.
_COMPARED = (
    ("wall_s", "s", 2),
    ("cpu_ms_per_target", "ms", 2),
    ("first_item_s", "s", 2),
    ("stall_ms", "ms", 0),
    ("peak_rss_mib", "MiB", 0),
    ("gc_objects", "k", 0),
)


def section(records: Records, workload: Workload, out: Path) -> list[str]:
    """The scale section of ``RESULTS.md``; draws ``scale.png`` into ``out``."""
    sizes = [n for n in workload.variants if values(records, W, OURS, "wall_s", n)]
    lines = [
        f"## {workload.title}",
        "",
        "Each (account, region) is a target with its account's own static keys; the caller "
        "counts the items and keeps none. Times run from entering the fleet to the last item "
        "(first item: to the first); a 5 ms ticker gives the longest loop gap, without "
        "`gc.freeze()`; GC objects are every GC-tracked object in the process after "
        "`gc.collect()`, while the fleet is still open after the sweep. "
        "aiobotocore-shared: one client per target on one shared session, a semaphore of "
        "the same concurrency, every client kept open to the end.",
        "",
        *_table(_HEADER, (_row(records, n, OURS) for n in sizes)),
        "",
    ]
    theirs = [n for n in sizes if values(records, W, THEIRS, "wall_s", n)]
    if theirs:
        rows = []
        for n in theirs:
            row = [f"{n:,}"]
            for key, unit, digits in _COMPARED:
                ours, base = _m(records, key, n), _m(records, key, n, THEIRS)
                if key == "gc_objects":
                    ours, base = _k(ours), _k(base)
                row.append(
                    f"{_num(ours, digits)} vs {_num(base, digits)} {unit} ({_ratio(ours, base)})"
                )
            rows.append(row)
        header = ["targets", "wall", "CPU per target", "first item", "loop stall (median)",
                  "peak RSS", "GC objects held"]  # fmt: skip
        lines += [
            f"aiolightsail beside {THEIRS} in the same run (aiolightsail vs aiobotocore, "
            "and the ratio):",
            "",
            *_table(header, rows),
            "",
        ]
    if plot(records, sizes, theirs, out / "scale.png"):
        lines += ["![the scale curve](scale.png)", ""]
    return lines


def plot(records: Records, sizes: Sequence[int], theirs: Sequence[int], path: Path) -> bool:
    """Six panels against the target count, with the goals drawn in; whether it drew them."""
    if not sizes:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    reference = {
        "cpu_ms_per_target": (_m(records, "cpu_ms_per_target", REFERENCE), MAX_CPU_RATIO),
        "gc_objects": (_m(records, "gc_objects", REFERENCE), MAX_OBJECTS_RATIO),
    }
    panels: list[tuple[str, str, float, float | None]] = [
        ("wall_s", "wall, s", 1.0, None),
        ("cpu_ms_per_target", "CPU per target, ms", 1.0, _scaled(reference, "cpu_ms_per_target")),
        ("first_item_s", "first item, s", 1.0, MAX_FIRST_ITEM_S),
        ("stall_ms", "worst loop stall, ms", 1.0, MAX_STALL_MS),
        ("peak_rss_mib", "peak RSS, MiB", 1.0, None),
        ("gc_objects", "GC objects held, thousands", 1e-3, _scaled(reference, "gc_objects")),
    ]
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.5), dpi=110)
    for ax, (key, label, scale, goal) in zip(axes.flat, panels, strict=True):
        for contender, ns, style in ((OURS, sizes, "o-"), (THEIRS, theirs, "s--")):
            points = [(n, v * scale) for n in ns if (v := _m(records, key, n, contender))]
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot(xs, ys, style, label=contender)
        if goal is not None:
            ax.axhline(goal * scale, color="tab:red", linestyle=":", label="goal")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(list(sizes), [f"{n:,}" for n in sizes])
        ax.set_title(label)
        ax.grid(visible=True, which="both", alpha=0.3)
    axes.flat[0].legend()
    fig.supxlabel(
        "targets (accounts × 16 regions), concurrency 512, 20–50 ms per request; "
        "dotted red: the goal (medians, log scales)"
    )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def _scaled(reference: dict[str, tuple[float | None, float]], key: str) -> float | None:
    """The goal line of a ratio goal: the figure at ``REFERENCE`` times the allowed ratio."""
    value, ratio = reference[key]
    return None if value is None else value * ratio
