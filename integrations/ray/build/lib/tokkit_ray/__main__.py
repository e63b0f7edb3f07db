"""python -m tokkit_ray: run tokkit's count → reduce → train → shard (and prep) on a Ray cluster."""

import argparse
import json
import os
import sys

import ray

from .binary import TokkitNotFound, find_tokkit
from .flow import Flow, FlowSettings
from .loopback import keep_loopback

EPILOG = """
examples (every path must be visible at the same place on every node):
  python -m tokkit_ray run /data/corpus --work /shared/run1 --vocab-size 32768 --world-size 64
  python -m tokkit_ray shard /data/corpus --vocab /shared/run1/vocab/tokenizer.json --work /shared/run2 --world-size 64 -- --format megatron
  python -m tokkit_ray prep /data/raw --work /shared/prep1 --world-size 64 -- --preset fineweb
Arguments after -- go to tokkit shard (run, shard) or tokkit prep (prep) unchanged.
The cluster: --address (default: $RAY_ADDRESS, else a local Ray started for this run).
The binary: --tokkit-bin, else $TOKKIT_BIN, else tokkit on PATH.
"""


def parser():
    top = argparse.ArgumentParser(prog="python -m tokkit_ray", description=__doc__, epilog=EPILOG,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command", required=True)
    for name, help_text in (("run", "count on every rank, reduce the counts in a tree, train, then shard"),
                            ("shard", "shard with an existing vocabulary (--vocab)"),
                            ("prep", "tokkit prep over the input files, one task per rank")):
        command = commands.add_parser(name, help=help_text, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
        command.add_argument("inputs", nargs="+", help="input files, directories or globs (expanded by tokkit on each node)")
        command.add_argument("--work", required=True, help="the shared work directory (outputs, logs, stats.json)")
        command.add_argument("--world-size", type=int, default=8, help="ranks: tasks per phase; each reads sorted(files)[rank::world_size]")
        command.add_argument("--address", default=os.environ.get("RAY_ADDRESS"), help="Ray cluster address (e.g. 127.0.0.1:6379)")
        command.add_argument("--node-ip-address", default=None,
                             help="this driver's address for Ray (a local Ray started here uses 127.0.0.1)")
        command.add_argument("--tokkit-bin", help="the tokkit binary (default: $TOKKIT_BIN, then PATH)")
        command.add_argument("--threads", type=int, default=1, help="threads and Ray CPUs per task")
        command.add_argument("--retries", type=int, default=3, help="retries of a task whose worker dies or whose tokkit is killed")
        command.add_argument("--docs", default="", help="tokkit --docs: lines, paragraphs or file")
        command.add_argument("--jsonl-field", default="", help="tokkit --jsonl-field")
        if name == "run":
            command.add_argument("--vocab-size", type=int, required=True)
            command.add_argument("--special", action="append", help="special tokens (default: <|endoftext|>)")
            command.add_argument("--pattern", default="gpt2")
            command.add_argument("--fan-in", type=int, default=8, help="count files per reduce task")
        if name == "shard":
            command.add_argument("--vocab", required=True, help="the vocabulary (tokenizer.json, .tiktoken, or a bundled name)")
    return top


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    arguments = parser().parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    try:
        tokkit = find_tokkit(arguments.tokkit_bin)
    except TokkitNotFound as error:
        print(f"tokkit_ray: {error}", file=sys.stderr)
        return 2
    settings = FlowSettings(
        inputs=arguments.inputs, work=arguments.work, tokkit=tokkit, world_size=arguments.world_size,
        threads=arguments.threads, retries=arguments.retries, docs=arguments.docs, jsonl_field=arguments.jsonl_field,
        vocab_size=getattr(arguments, "vocab_size", 0) or 0,
        specials=getattr(arguments, "special", None) or ["<|endoftext|>"],
        pattern=getattr(arguments, "pattern", "gpt2"), fan_in=getattr(arguments, "fan_in", 8),
        vocab=os.path.abspath(arguments.vocab) if getattr(arguments, "vocab", "") and os.path.exists(arguments.vocab) else getattr(arguments, "vocab", ""),
        shard_args=extra if arguments.command in ("run", "shard") else [],
        prep_args=extra if arguments.command == "prep" else [])
    node_ip = arguments.node_ip_address or (None if arguments.address else "127.0.0.1")
    if node_ip == "127.0.0.1" or (arguments.address or "").split(":")[0] in ("127.0.0.1", "localhost"):
        # A cluster on the loopback interface stays there (Ray would otherwise swap in the outward address).
        keep_loopback()
    ray.init(address=arguments.address, _node_ip_address=node_ip, logging_level="warning", log_to_driver=False,
             include_dashboard=False if not arguments.address else None)
    try:
        flow = Flow(settings)
        phases = {"run": ("count", "reduce", "train", "shard"), "shard": ("shard",), "prep": ("prep",)}[arguments.command]
        stats = flow.run(phases)
    finally:
        ray.shutdown()
    summary = {key: stats[key] for key in ("shards", "prep") if key in stats}
    print(json.dumps({"work": settings.work, "stats": os.path.join(settings.work, "stats.json"), **summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
