"""A deep chain of awaits: `--depth` levels, each awaiting the next, with a busy leaf at the end.

`--link coro`: each level awaits a coroutine, so the whole chain is one task and one (deep)
Python stack, cut by the profiler's frame limit. `--link task`: each level wraps the next in its
own task and awaits it, so the stack a profiler shows must be stitched from `--depth` tasks.
The leaf yields `--yields` times, so samples land while the whole chain is suspended.
"""

import _common  # first: starts the profiler in pyperf workers when enabled

import asyncio


async def chain_coro(depth: int, yields: int) -> int:
    if depth == 0:
        return await _common.leaf(yields=yields)
    return await chain_coro(depth - 1, yields)


async def chain_task(depth: int, yields: int) -> int:
    if depth == 0:
        return await _common.leaf(yields=yields)
    return await asyncio.create_task(chain_task(depth - 1, yields))


CHAINS = {"coro": chain_coro, "task": chain_task}


if __name__ == "__main__":
    runner = _common.make_runner(depth=200, link="task", yields=100)
    args = runner.parse_args()
    if args.link not in CHAINS:
        runner.argparser.error(f"--link must be one of {sorted(CHAINS)}, not {args.link!r}")
    runner.bench_async_func(
        f"deep_chain_{args.link}_{args.depth}", CHAINS[args.link], args.depth, args.yields
    )
