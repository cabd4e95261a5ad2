"""Strong links: a parent creates `--fanout` tasks and awaits them all through `asyncio.gather`.

The same children as `weak_links.py`, but the parent is suspended on the gather future that
depends on every child, so a profiler can attach each child's stack under the parent.
"""

import _common  # first: starts the profiler in pyperf workers when enabled

import asyncio


async def gather_fanout(fanout: int) -> None:
    await asyncio.gather(*[asyncio.create_task(_common.leaf()) for _ in range(fanout)])


if __name__ == "__main__":
    runner = _common.make_runner(fanout=100)
    args = runner.parse_args()
    runner.bench_async_func(f"gather_fanout_{args.fanout}", gather_fanout, args.fanout)
