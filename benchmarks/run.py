"""Run aiolightsail's benchmark suite: ``python benchmarks/run.py [--quick]``.

For every workload it starts the emulator in its own process (seeded through
the emulator's API, with injected latency where the workload calls for it),
then runs every contender in a fresh process per repeat, in rotated order,
collecting one JSON result each. It writes ``RESULTS.md`` (medians, ratios to
baselines measured in the same run, goals), ``RESULTS.json`` (every raw
result) and ``scaling.png`` next to this file, and prints PASS/MISS per goal.
A missed goal never fails the run; only a broken harness does.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import dask_sweep, report, scale
from benchmarks.harness import REPO_ROOT, BenchTarget, Job, isolated_env
from benchmarks.plan import ALL_CONTENDERS, IMPORTS, Workload, plan
from benchmarks.server import ServerSpec

#: A contender process that takes longer than this is stopped and recorded as failed.
JOB_TIMEOUT = 600.0


@contextlib.contextmanager
def emulator(spec: ServerSpec) -> Iterator[dict[str, Any]]:
    """Run the emulator process for ``spec``; yield its announcement (URL, accounts)."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "benchmarks.server", spec.to_json()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=isolated_env(),
        cwd=REPO_ROOT,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the emulator process exited ({process.wait()}) before serving")
        yield json.loads(line)
    finally:
        assert process.stdin is not None
        process.stdin.close()  # the server's signal to stop
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def targets_of(announcement: dict[str, Any]) -> list[BenchTarget]:
    """Every (account, region) the emulator serves, account by account."""
    return [
        BenchTarget(
            region=region,
            account_id=account["account_id"],
            access_key_id=account["access_key_id"],
            secret_access_key=account["secret_access_key"],
            endpoint_url=announcement["url"],
        )
        for account in announcement["accounts"]
        for region in announcement["regions"]
    ]


def run_job(job: Job) -> dict[str, Any]:
    """Run one contender process; its result, or ``{"error": ...}``."""
    return _run_module("benchmarks.worker", stdin=job.to_json())


def _run_module(module: str, *args: str, stdin: str | None = None) -> dict[str, Any]:
    """``python -m module *args``, isolated: its last line, read as JSON, or ``{"error": ...}``."""
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and modules
            [sys.executable, "-m", module, *args],
            input=stdin,
            capture_output=True,
            env=isolated_env(),
            cwd=REPO_ROOT,
            text=True,
            timeout=JOB_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {JOB_TIMEOUT:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"error": f"exit {done.returncode}: {tail[0][:300]}"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def job_for(workload: Workload, contender: str, variant: int, targets: list[BenchTarget]) -> Job:
    """The job of one (workload, contender, variant)."""
    if workload.name == "scale":
        return scale.job(contender, variant, targets, workload.params)
    params = dict(workload.params)
    chosen = targets if variant == 0 else targets[:variant]
    if workload.name == "scaling":
        params["concurrency"] = variant
        params["expected_items"] = variant * params["items_per_target"]
    return Job(contender=contender, workload=workload.name, targets=tuple(chosen), params=params)


def _summary(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"ERROR {result['error']}"
    shown = [
        f"{key}={value:.4g}"
        for key, value in result.items()
        if isinstance(value, float) and key != "pinned"
    ]
    if "checkpoints" in result:
        shown.append(str(result["checkpoints"][-1]))
    return " ".join(shown)


def run_workload(
    workload: Workload, contenders: Sequence[str], repeats: int | None
) -> list[dict[str, Any]]:
    """Every repeat of every contender of ``workload``; raw records."""
    chosen = [c for c in workload.contenders if c in contenders]
    if not chosen:
        return []
    records: list[dict[str, Any]] = []
    rounds = repeats or workload.repeats
    with emulator(workload.server) as announcement:
        print(f"\n== {workload.title}  (emulator seeded in {announcement['seed_seconds']} s)")
        targets = targets_of(announcement)
        for repeat in range(rounds):
            # Rotate the order each round so drift on a noisy machine spreads evenly.
            order = chosen[repeat % len(chosen) :] + chosen[: repeat % len(chosen)]
            for contender in order:
                if repeat > 0 and contender in workload.single and repeats is None:
                    continue
                for variant in workload.variants:
                    if variant > workload.max_variant.get(contender, variant):
                        continue
                    started = time.perf_counter()
                    result = run_job(job_for(workload, contender, variant, targets))
                    took = time.perf_counter() - started
                    label = f"{contender}" + (f" ×{variant}" if variant else "")
                    print(f"  [{repeat + 1}/{rounds}] {label:28} {took:6.1f} s  {_summary(result)}")
                    records.append(
                        {
                            "workload": workload.name,
                            "contender": contender,
                            "variant": variant,
                            "repeat": repeat,
                            "result": result,
                        }
                    )
    return records


def _import_env() -> dict[str, str]:
    """The environment of the import timings, bytecode written: an installed package
    imports from compiled ``.pyc`` files, so a stale one must not add compiling to the
    figure (``PYTHONDONTWRITEBYTECODE`` would make every run compile anew)."""
    env = isolated_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def time_imports(runs: int) -> list[dict[str, Any]]:
    """``import X`` in a fresh interpreter, ``runs`` times each, interleaved (after one
    import of each that writes its bytecode)."""
    print(f"\n== import time, {runs} fresh interpreters per module")
    records: list[dict[str, Any]] = []
    for module in IMPORTS:
        subprocess.run(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", f"import {module}"],
            capture_output=True,
            env=_import_env(),
            cwd=REPO_ROOT,
            check=False,
        )
    for repeat in range(runs):
        for module in IMPORTS:
            code = (
                "import time; t = time.perf_counter(); "
                f"import {module}; print(time.perf_counter() - t)"
            )
            done = subprocess.run(  # noqa: S603 - our own interpreter
                [sys.executable, "-c", code],
                capture_output=True,
                env=_import_env(),
                cwd=REPO_ROOT,
                text=True,
                check=False,
            )
            result: dict[str, Any] = (
                {"import_ms": float(done.stdout.strip()) * 1e3}
                if done.returncode == 0
                else {"error": done.stderr.strip().splitlines()[-1][:300]}
            )
            records.append(
                {
                    "workload": "import",
                    "contender": module,
                    "variant": 0,
                    "repeat": repeat,
                    "result": result,
                }
            )
    records += [
        {
            "workload": "import_self",
            "contender": "aiolightsail",
            "variant": 0,
            "repeat": repeat,
            "result": own_import_time(),
        }
        for repeat in range(runs)
    ]
    for module in IMPORTS:
        times = [
            r["result"]["import_ms"]
            for r in records
            if r["contender"] == module and "import_ms" in r["result"]
        ]
        shown = f"{statistics.median(times):.0f} ms" if times else "failed"
        print(f"  import {module:22} median {shown}")
    own = [r["result"]["self_ms"] for r in records if "self_ms" in r["result"]]
    shown = f"{statistics.median(own):.1f} ms" if own else "failed"
    print(f"  aiolightsail's own modules (self time)  median {shown}")
    return records


def own_import_time() -> dict[str, Any]:
    """``-X importtime`` of ``import aiolightsail`` in a fresh interpreter: the self time
    of aiolightsail's own modules (what the library itself costs to import), in total
    and for the five costliest."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import aiolightsail"],
        capture_output=True,
        env=_import_env(),
        cwd=REPO_ROOT,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1][:300]}
    own: dict[str, float] = {}
    for line in done.stderr.splitlines():
        # "import time:   self [us] |  cumulative | imported package"
        head, _, name = line.rpartition("|")
        fields = head.removeprefix("import time:").split("|")
        name = name.strip()
        if (name == "aiolightsail" or name.startswith("aiolightsail.")) and fields[0].strip():
            own[name] = int(fields[0]) / 1e3
    top = sorted(own.items(), key=lambda item: -item[1])[:5]
    return {"self_ms": sum(own.values()), "top": [[name, ms] for name, ms in top]}


def time_credentials_give_up() -> list[dict[str, Any]]:
    """``benchmarks/credentials_give_up.py`` (about 100 s): one record per case."""
    print("\n== giving up on credentials that never come (about 100 s)")
    results = _run_module("benchmarks.credentials_give_up", "--json")
    if "error" in results:
        results = {"give_up": {"run": results}}
    cases: dict[str, dict[str, Any]] = dict(results.get("give_up", {}))
    if "sweeps" in results:
        cases["processes left after abandoned sweeps"] = results["sweeps"]
    for case, result in cases.items():
        print(f"  {case}: {result}")
    return [
        {"workload": "credentials_give_up", "contender": case, "variant": 0, "repeat": 0,
         "result": result}
        for case, result in cases.items()
    ]  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exits 0 whatever the goals say."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and sizes (~4 min)")
    parser.add_argument(
        "--only",
        action="append",
        choices=[
            "cpu_per_page",
            "cpu_per_page_full",
            "new_target",
            "sweep",
            "sweep_busy",
            "scaling",
            "streaming",
            "held_inventory",
            "sweep_held",
            "scale",
            "import",
            "credentials_give_up",
            "dask",
        ],
        help="run only this workload (repeatable)",
    )
    parser.add_argument(
        "--contenders",
        default=",".join(ALL_CONTENDERS),
        help="comma-separated subset of: " + ", ".join(ALL_CONTENDERS),
    )
    parser.add_argument("--repeats", type=int, help="override every workload's repeats")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent, help="where to write results"
    )
    args = parser.parse_args(argv)
    contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    unknown = set(contenders) - set(ALL_CONTENDERS)
    if unknown:
        parser.error(f"unknown contenders: {', '.join(sorted(unknown))}")

    started = time.perf_counter()
    machine = report.describe_machine()
    records: list[dict[str, Any]] = []
    for workload in plan(quick=args.quick):
        if args.only is None or workload.name in args.only:
            records += run_workload(workload, contenders, args.repeats)
    if args.only is None or "import" in args.only:
        records += time_imports(args.repeats or (5 if args.quick else 10))
    if args.only is None or "credentials_give_up" in args.only:
        records += time_credentials_give_up()
    if args.only is None or "dask" in args.only:
        records += dask_sweep.run(quick=args.quick, repeats=args.repeats)
    elapsed = time.perf_counter() - started

    machine["load_after"] = report.load_average()
    args.out.mkdir(parents=True, exist_ok=True)
    goals = report.write(
        records,
        machine=machine,
        workloads=plan(quick=args.quick),
        quick=args.quick,
        elapsed=elapsed,
        out=args.out,
        repeats=args.repeats,
    )
    print(f"\n== goals  (total {elapsed / 60:.1f} min; results in {args.out / 'RESULTS.md'})")
    for goal in goals:
        print(f"  {goal.verdict:4}  {goal.name}: {goal.measured}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
