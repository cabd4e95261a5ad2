"""`asyncio.TaskGroup` (Python 3.11+): a two-level tree of task groups.

The parent's group starts `--groups` children; each child runs its own group of
`--fanout / --groups` leaves. A task waiting in `TaskGroup.__aexit__` awaits the group's internal
future, not its children, so the links a profiler must follow differ from `gather`.
"""

import _common  # first: starts the profiler in pyperf workers when enabled

import asyncio


async def inner_group(leaves: int) -> None:
    async with asyncio.TaskGroup() as group:
        for _ in range(leaves):
            group.create_task(_common.leaf())


async def task_group_tree(fanout: int, groups: int) -> None:
    async with asyncio.TaskGroup() as group:
        for _ in range(groups):
            group.create_task(inner_group(fanout // groups))


if __name__ == "__main__":
    runner = _common.make_runner(fanout=1000, groups=10)
    args = runner.parse_args()
    if args.groups < 1 or args.fanout < args.groups:
        runner.argparser.error("need 1 <= --groups <= --fanout")
    runner.bench_async_func(
        f"task_group_{args.groups}x{args.fanout // args.groups}",
        task_group_tree,
        args.fanout,
        args.groups,
    )
