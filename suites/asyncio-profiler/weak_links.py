"""Weak links: a parent creates `--fanout` tasks and never awaits them.

The parent keeps the tasks alive (asyncio holds tasks only weakly) and waits on an unrelated
future that the last finishing child resolves. Nothing links a child to the parent through an
await, so a stack profiler that rebuilds task stacks from await links sees 1 + fanout roots.
"""

import _common  # first: starts the profiler in pyperf workers when enabled

import asyncio


async def weak_fanout(fanout: int) -> None:
    all_done = asyncio.get_running_loop().create_future()
    alive = set()

    def on_done(task: asyncio.Task) -> None:
        alive.discard(task)
        if not alive and not all_done.done():
            all_done.set_result(None)

    for _ in range(fanout):
        task = asyncio.create_task(_common.leaf())
        alive.add(task)
        task.add_done_callback(on_done)
    await all_done


if __name__ == "__main__":
    runner = _common.make_runner(fanout=100)
    args = runner.parse_args()
    runner.bench_async_func(f"weak_links_fanout_{args.fanout}", weak_fanout, args.fanout)
