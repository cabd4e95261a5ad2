"""A tiny pyperf script for the import tests: WORK_SCALE=1.1 makes `sum_loop` do 10% more work.

The loops are timed in CPU time (`time.process_time`, through pyperf's `bench_time_func`): on a
shared machine the wall clock also counts the time other processes hold the CPU, which swings a
process's mean by 10% and more, while the CPU time of the same loop stays within a few percent."""
import os
import time

import pyperf

SCALE = float(os.environ.get("WORK_SCALE", "1"))


def work(n):
    s = 0
    for i in range(n):
        s += i
    return s


def cpu_time(loops, n):
    start = time.process_time()
    for _ in range(loops):
        work(n)
    return time.process_time() - start


runner = pyperf.Runner()
runner.bench_time_func("sum_loop", cpu_time, int(3000 * SCALE))
runner.bench_time_func("other", cpu_time, 2000)
