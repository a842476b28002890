"""The workloads, their emulator set-ups and how often each runs (full and ``--quick``).

Sizes and repeats are chosen so that a full run takes about half an hour
and ``--quick`` about five minutes on the project's 2-core machines, busy
with other work. The library and the baselines its goals name run several
times (goals are judged on medians); the contenders ten to a hundred times
slower than it (a fresh aiobotocore session per target, ~0.2 s CPU and
~11 MiB each; boto3 one target after another) run once where their ratio,
not their spread, is the figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmarks.server import ServerSpec

__all__ = [
    "ALL_CONTENDERS",
    "IMPORTS",
    "SCALE_INSTANCES",
    "SCALE_TARGETS",
    "SWEEP_ONLY",
    "Workload",
    "plan",
]

#: aiolightsail with one setting changed, run in the sweeps only (for their loop figures):
#: the README's gc.freeze() advice, and each way CPU-heavy steps can share the loop.
SWEEP_ONLY = (
    "aiolightsail+freeze",
    "aiolightsail+2ms",
    "aiolightsail+10ms",
    "aiolightsail+checkpoints",
    "aiolightsail+nogate",
)
ALL_CONTENDERS = (
    "aiolightsail",
    "aiobotocore-fresh",
    "aiobotocore-shared",
    "boto3",
    "boto3-threads",
    "capo-lightsail",
    *SWEEP_ONLY,
)
#: Everyone but the sweep-only variants.
_MAIN = tuple(c for c in ALL_CONTENDERS if c not in SWEEP_ONLY)
#: The default and the other ways CPU-heavy steps can share the loop, for the busy-loop sweep.
_GATES = (
    "aiolightsail",
    "aiolightsail+2ms",
    "aiolightsail+10ms",
    "aiolightsail+checkpoints",
    "aiolightsail+nogate",
)

#: What `import` is timed for, the first two being the goal's pair.
IMPORTS = ("aiolightsail", "aiobotocore.session", "boto3", "capo_lightsail")

#: Lightsail's GetInstances pages hold 20 instances (aws/aws-sdk-java-v2#2156,
#: "Retrieving all instance is limited to 20"); it has no page-size parameter.
AWS_PAGE_SIZE = 20

#: Regions per account in the multi-target workloads ("8 accounts × 16 regions").
REGIONS = 16

#: CPU seconds the busy-loop sweep's application task burns in every loop iteration.
BUSY_BURN = 0.005

#: The scale workload's target counts (accounts × 16 regions) and the instances of each target.
SCALE_TARGETS = (128, 512, 2048, 8192)
SCALE_INSTANCES = 4


@dataclass(frozen=True)
class Workload:
    """One workload: an emulator set-up, its contenders, and its variants.

    Attributes:
        name: the worker's workload name.
        title: for the report.
        server: what the emulator process serves.
        contenders: who runs it.
        repeats: fresh processes per (contender, variant), in rotated order.
        params: the job's parameters.
        variants: target counts (``scaling``); ``(0,)``: one variant, every target.
        max_variant: per contender, the largest variant it runs (too slow beyond).
        single: contenders that run once instead of ``repeats`` times (too slow).
    """

    name: str
    title: str
    server: ServerSpec
    contenders: tuple[str, ...]
    repeats: int
    params: Mapping[str, Any] = field(default_factory=dict)
    variants: tuple[int, ...] = (0,)
    max_variant: Mapping[str, int] = field(default_factory=dict)
    single: frozenset[str] = frozenset()


def plan(*, quick: bool) -> list[Workload]:
    """The workloads of a full run, or of a ``--quick`` one."""
    scan_items = 1000  # 50 pages of 20
    new_targets, traced_targets = (20, 5) if quick else (50, 10)
    new_target_accounts = -(-(1 + new_targets + traced_targets) // REGIONS)
    scaling = (16, 64, 256) if quick else (16, 64, 128, 256, 512)
    scale = SCALE_TARGETS[:3] if quick else SCALE_TARGETS
    sweep_server = ServerSpec(
        accounts=8,
        regions=REGIONS,
        instances=5 * AWS_PAGE_SIZE,
        page_size=AWS_PAGE_SIZE,
        latency_ms=50,
    )
    sweep_params = {"concurrency": 128, "expected_items": 8 * REGIONS * 5 * AWS_PAGE_SIZE}
    return [
        Workload(
            name="cpu_per_page",
            title="CPU per page and per item (one region, 50 pages of 20 realistic instances)",
            server=ServerSpec(instances=scan_items, page_size=AWS_PAGE_SIZE),
            # boto3's threaded variant parses pages exactly as the sequential one.
            contenders=tuple(c for c in _MAIN if c != "boto3-threads"),
            repeats=2 if quick else 3,
            params={"scans": 2 if quick else 3, "items": scan_items, "page_size": AWS_PAGE_SIZE},
        ),
        Workload(
            name="cpu_per_page_full",
            title="CPU per page and per item (one region, 50 pages of 20 fully-populated "
            "instances: every member of the shape, 4 disks, 12 port rules, 8 tags)",
            server=ServerSpec(instances=scan_items, page_size=AWS_PAGE_SIZE, populated=True),
            contenders=("aiolightsail", "aiobotocore-shared", "capo-lightsail"),
            repeats=2 if quick else 3,
            params={"scans": 2 if quick else 3, "items": scan_items, "page_size": AWS_PAGE_SIZE},
        ),
        Workload(
            name="new_target",
            title=f"Cost of a new target: client + first call, {new_targets} targets kept open",
            server=ServerSpec(
                accounts=new_target_accounts,
                regions=REGIONS,
                instances=AWS_PAGE_SIZE,
                page_size=AWS_PAGE_SIZE,
            ),
            # boto3's threaded variant makes its clients exactly as the sequential one.
            contenders=tuple(c for c in _MAIN if c != "boto3-threads"),
            repeats=1 if quick else 2,
            params={"count": new_targets, "traced_count": traced_targets},
            single=frozenset({"aiobotocore-fresh"}),
        ),
        Workload(
            name="sweep",
            title="Fleet sweep: 8 accounts × 16 regions × 5 pages, 50 ms per request",
            server=sweep_server,
            # boto3 one target after another: 640 requests × 50 ms, half a minute a run.
            contenders=ALL_CONTENDERS
            if not quick
            else tuple(c for c in ALL_CONTENDERS if c != "boto3"),
            # The loop-stall goal is judged on a median of aiolightsail's runs; the
            # ways to share the loop run once here (sweep_busy compares them).
            repeats=1 if quick else 3,
            params=sweep_params,
            single=frozenset(
                {"boto3", "aiobotocore-fresh", "aiobotocore-shared", "boto3-threads", *_GATES[1:]}
            ),
        ),
        Workload(
            name="sweep_busy",
            title="Fleet sweep on a busy loop: the same sweep beside an application task "
            f"that burns {BUSY_BURN * 1e3:.0f} ms of CPU in every loop iteration",
            server=sweep_server,
            contenders=_GATES,
            repeats=1 if quick else 2,
            params={**sweep_params, "busy_burn": BUSY_BURN},
        ),
        Workload(
            name="scaling",
            title="Scaling: wall time for 16 → 512 targets, 2 pages each, 50 ms per request",
            server=ServerSpec(
                accounts=max(scaling) // REGIONS,
                regions=REGIONS,
                instances=2 * AWS_PAGE_SIZE,
                page_size=AWS_PAGE_SIZE,
                latency_ms=50,
            ),
            contenders=tuple(c for c in _MAIN if c != "boto3"),
            repeats=1,
            params={"items_per_target": 2 * AWS_PAGE_SIZE},
            variants=scaling,
            # ~0.2 s CPU and ~11 MiB per target: 512 targets would be ~2 min and ~6 GiB a run.
            max_variant={"aiobotocore-fresh": 64},
        ),
        Workload(
            name="held_inventory",
            title="A held inventory: one full gc.collect() with 10 000 listed realistic "
            "instances held, minus without",
            server=ServerSpec(instances=scan_items, page_size=AWS_PAGE_SIZE),
            contenders=("aiolightsail", "aiobotocore-shared"),
            repeats=2 if quick else 3,
            params={"held": 10 * scan_items},
        ),
        Workload(
            name="sweep_held",
            title="Fleet sweep while the process holds 100 000 realistic instances "
            "from earlier sweeps (a service)",
            server=sweep_server,
            contenders=("aiolightsail",),
            repeats=1 if quick else 3,
            params={**sweep_params, "held": 100_000},
        ),
        Workload(
            name="streaming",
            title="Streaming memory: one region of 100 000 instances, pages of 100",
            server=ServerSpec(instances=100_000, page_size=100),
            contenders=("aiolightsail",) if quick else ("aiolightsail", "aiobotocore-shared"),
            repeats=1,
            params={
                "checkpoints": [10_000, 50_000, 100_000],
                # tracemalloc makes a 100 000-item scan ~70 s instead of ~14 s.
                "tracemalloc_for": () if quick else ("aiolightsail",),
            },
        ),
        Workload(
            name="scale",
            title=f"Scale: {scale[0]:,} → {scale[-1]:,} targets (accounts × {REGIONS} regions, "
            f"each its own keys), one page of {SCALE_INSTANCES} instances each, 20–50 ms per "
            "request, concurrency 512",
            server=ServerSpec(
                accounts=max(scale) // REGIONS,
                regions=REGIONS,
                instances=SCALE_INSTANCES,
                page_size=AWS_PAGE_SIZE,
                latency_ms=20,
                jitter_ms=30,
            ),
            contenders=("aiolightsail", "aiobotocore-shared"),
            repeats=1 if quick else 2,
            params={
                "concurrency": 512,
                "instances_per_target": SCALE_INSTANCES,
                # tracemalloc slows a sweep about fivefold: the watch's memory is measured once.
                "watch_at": [512],
            },
            variants=scale,
            # A client per target costs aiobotocore ~34 ms of CPU and ~1.3 MiB: 2,048 would
            # be minutes and gigabytes a run, and its ratio is the point, not its curve.
            max_variant={"aiobotocore-shared": 512},
            # Its 512-target sweep is ~25 s of CPU (80 s of wall on a busy machine): once.
            single=frozenset({"aiobotocore-shared"}),
        ),
    ]
