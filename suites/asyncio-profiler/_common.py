"""Shared pieces of the asyncio-profiler workloads.

Import this module before `asyncio` and `pyperf`: it starts the Datadog profiler first, so the
profiler's asyncio hooks are in place before any event loop or task exists.

Why the explicit start: `DD_PROFILING_ENABLED=true` only takes effect under `ddtrace-run` (or an
import of `ddtrace.auto`); a plain `python script.py` ignores it. The profiler is started only in
pyperf's worker processes (the ones that run the timed code and report `mem_max_rss`), never in
pyperf's parent process, which only spawns workers and collects their results.
"""

import os
import sys


def _profiler_wanted() -> bool:
    enabled = os.environ.get("DD_PROFILING_ENABLED", "").strip().lower()
    return enabled in ("1", "true", "yes", "on") and "--worker" in sys.argv


if _profiler_wanted():
    import ddtrace.profiling.auto  # noqa: F401,E402  (starts the profiler on import)

import asyncio  # noqa: E402

import pyperf  # noqa: E402

# CPU work done by every leaf task between its suspension points: enough for the profiler's
# 100 Hz sampler to land inside task code, small enough to keep each task around 10 µs.
LEAF_WORK = 40
# Suspension points per leaf task: each `await asyncio.sleep(0)` hands control back to the loop,
# so at any sample many tasks are alive and suspended, which is what the task-link walk has to do.
LEAF_YIELDS = 2


def spin(n: int) -> int:
    """A little pure-Python work the sampler can attribute to the calling task."""
    total = 0
    for i in range(n):
        total += i * i
    return total


async def leaf(work: int = LEAF_WORK, yields: int = LEAF_YIELDS) -> int:
    """A short task body: compute, yield to the loop, compute again."""
    total = 0
    for _ in range(yields):
        total += spin(work)
        await asyncio.sleep(0)
    return total + spin(work)


def make_runner(**options) -> pyperf.Runner:
    """A pyperf runner that accepts `--<name> VALUE` for each keyword; the keyword's value is the
    default and its type the option's type (`int` or `str`).

    pyperf re-runs this script for each worker with only its own options, so the workload's
    options are passed on to the workers through `add_cmdline_args`.
    """

    def pass_on(cmd: list, args) -> None:
        for name in options:
            cmd.extend([f"--{name.replace('_', '-')}", str(getattr(args, name))])

    runner = pyperf.Runner(add_cmdline_args=pass_on)
    for name, default in options.items():
        flag = f"--{name.replace('_', '-')}"
        runner.argparser.add_argument(flag, type=type(default), default=default)
    runner.metadata["profiler"] = profiler_label()
    return runner


def profiler_label() -> str:
    """Recorded in each benchmark's metadata so a result file says which variant produced it."""
    return "ddtrace" if "ddtrace.profiling.auto" in sys.modules else "off"
