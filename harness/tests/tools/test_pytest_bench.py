"""A tiny pytest-benchmark test for the import tests: WORK_SCALE=1.1 makes `test_sum_loop` do 10% more
work; `test_param` shows parameters becoming the variant."""
import os

import pytest

SCALE = float(os.environ.get("WORK_SCALE", "1"))


def work(n):
    s = 0
    for i in range(n):
        s += i
    return s


def test_sum_loop(benchmark):
    benchmark(work, int(3000 * SCALE))


def test_other(benchmark):
    benchmark(work, 2000)


@pytest.mark.parametrize("size", [500])
def test_param(benchmark, size):
    benchmark(work, size)
