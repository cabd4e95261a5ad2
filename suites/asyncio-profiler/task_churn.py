"""Task churn: a long-running loop that starts a short task every iteration, `--tasks` times.

The loop does not await each task; it yields once per iteration so the new task runs, and only a
few tasks are alive at any moment. A profiler that tracks tasks sees them come and go at a high
rate, which stresses its bookkeeping of created and finished tasks.
"""

import _common  # first: starts the profiler in pyperf workers when enabled

import asyncio


async def churn(tasks: int) -> None:
    alive = set()
    for _ in range(tasks):
        task = asyncio.create_task(_common.leaf(yields=1))
        alive.add(task)
        task.add_done_callback(alive.discard)
        await asyncio.sleep(0)
    if alive:
        await asyncio.wait(alive)


if __name__ == "__main__":
    runner = _common.make_runner(tasks=1000)
    args = runner.parse_args()
    runner.bench_async_func(f"task_churn_{args.tasks}", churn, args.tasks)
