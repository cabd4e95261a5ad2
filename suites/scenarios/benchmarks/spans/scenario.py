"""The `spans` scenario: builds trace spans with tags and metrics and, when asked, finishes them
(a duration and their JSON encoding). One pyperf benchmark; its arguments come from one
configuration of config.yaml, which slogate passes as `--key value` words.

    python scenario.py --nspans 200 --ntags 10 --finish true --kinds client server

pyperf starts worker processes with its own command line: `add_cmdline_args` hands them the
scenario's arguments.
"""

import json

import pyperf


def flag(text):
    """A boolean argument as the configuration writes it: `true` or `false`."""
    if text not in ("true", "false"):
        raise ValueError(f"expected true or false, got {text!r}")
    return text == "true"


# The scenario's options: name, argparse settings.
OPTIONS = {
    "nspans": dict(type=int, default=200, help="spans per call"),
    "ntags": dict(type=int, default=0, help="string tags per span"),
    "tag-length": dict(type=int, default=8, help="characters of a tag value"),
    "nmetrics": dict(type=int, default=0, help="numeric metrics per span"),
    "finish": dict(type=flag, default=False, help="true: set a duration and encode the span"),
    "kinds": dict(nargs="+", default=["internal"], help="span kinds, taken in turn"),
    "work-scale": dict(type=float, default=1.0, help="multiplies the spans per call"),
}


def add_cmdline_args(cmd, args):
    for name in OPTIONS:
        value = getattr(args, name.replace("-", "_"))
        if isinstance(value, list):
            cmd.extend([f"--{name}", *value])
        elif isinstance(value, bool):
            cmd.extend([f"--{name}", "true" if value else "false"])
        else:
            cmd.extend([f"--{name}", str(value)])


def build(args):
    tag_value = "v" * args.tag_length
    kinds = args.kinds
    encoded = 0
    for i in range(int(args.nspans * args.work_scale)):
        span = {
            "name": "web.request",
            "span_id": i,
            "kind": kinds[i % len(kinds)],
            "start": i,
            "meta": {f"tag.{t}": tag_value for t in range(args.ntags)},
            "metrics": {f"metric.{m}": float(m) for m in range(args.nmetrics)},
        }
        if args.finish:
            span["duration"] = i + 1
            encoded += len(json.dumps(span))
    return encoded


def main():
    runner = pyperf.Runner(add_cmdline_args=add_cmdline_args)
    for name, settings in OPTIONS.items():
        runner.argparser.add_argument(f"--{name}", **settings)
    args = runner.parse_args()
    runner.bench_func("spans", build, args)


if __name__ == "__main__":
    main()
