"""Quickstart workloads for slogate's `samples` protocol; Python standard library only.

Sample lines: for every measured iteration, one JSON object on its own line,

    {"ns": 1834211}

(the iteration's wall time in integer nanoseconds) appended to the file named by $SLOGATE_SAMPLES,
or printed to stdout when that is unset (to try a workload by hand). Warmup iterations run first
and write nothing: the harness keeps every line it reads.

    python3 workload.py cpu|alloc

Environment:
    SLOGATE_VALUES    measured iterations (default 5)
    SLOGATE_WARMUPS   unmeasured iterations before them (default 1)
    QS_PROFILER       off (default) | cprofile: run under the standard library's cProfile
    QS_WORK_SCALE     multiplies the work of an iteration (default 1.0), to fake a regression
"""

import cProfile
import json
import os
import sys
import time


def collatz_steps(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def cpu(scale):
    """Pure-Python arithmetic with a function call per number (what a profiler hooks)."""
    total = 0
    for n in range(1, int(3000 * scale) + 1):
        total += collatz_steps(n)
    return total


def alloc(scale):
    """Builds and drops containers: a list of small dicts, an index over it, joined strings."""
    rows = [{"id": i, "name": "row-%d" % i, "tags": [i % 7, i % 11]} for i in range(int(16000 * scale))]
    index = {row["name"]: row for row in rows}
    text = ",".join(row["name"] for row in rows if row["id"] % 3 == 0)
    return len(index) + len(text)


WORKLOADS = {"cpu": cpu, "alloc": alloc}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in WORKLOADS:
        sys.exit("usage: workload.py %s" % "|".join(WORKLOADS))
    work = WORKLOADS[sys.argv[1]]
    values = int(os.environ.get("SLOGATE_VALUES", "5"))
    warmups = int(os.environ.get("SLOGATE_WARMUPS", "1"))
    scale = float(os.environ.get("QS_WORK_SCALE", "1.0"))
    profiler = os.environ.get("QS_PROFILER", "off")
    if profiler not in ("off", "cprofile"):
        sys.exit("QS_PROFILER must be off or cprofile, not %r" % profiler)

    profile = cProfile.Profile() if profiler == "cprofile" else None
    if profile:
        profile.enable()
    for _ in range(warmups):
        work(scale)
    samples = []
    for _ in range(values):
        start = time.perf_counter_ns()
        work(scale)
        samples.append(time.perf_counter_ns() - start)
    if profile:
        profile.disable()

    lines = "".join(json.dumps({"ns": ns}) + "\n" for ns in samples)
    path = os.environ.get("SLOGATE_SAMPLES")
    if path:
        with open(path, "a") as out:
            out.write(lines)
    else:
        sys.stdout.write(lines)


if __name__ == "__main__":
    main()
