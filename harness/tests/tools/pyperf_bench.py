"""A tiny pyperf script for the import tests: WORK_SCALE=1.1 makes `sum_loop` do 10% more work."""
import os

import pyperf

SCALE = float(os.environ.get("WORK_SCALE", "1"))


def work(n):
    s = 0
    for i in range(n):
        s += i
    return s


runner = pyperf.Runner()
runner.bench_func("sum_loop", work, int(3000 * SCALE))
runner.bench_func("other", work, 2000)
