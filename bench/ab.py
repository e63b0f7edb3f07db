#!/usr/bin/env python3
"""A/B of whole commands, run after run in a rotating order: the harness behind every "A/B" of bench/RESULTS.md.

usage: python3 bench/ab.py [--rounds N] [--metric FIELD] [--same-output] 'COMMAND A' 'COMMAND B' ...

Each round runs every command once, the order rotating by one each round (so neither side always runs first, after
the other has warmed or heated the machine), and records the wall and CPU time (user + system, the child's
getrusage) of each process. `{}` in a command is replaced by a fresh output path on the disk (the file of the run
before is removed first), so that a command writing its output pays for the disk as a user's run does.

--metric FIELD reads a rate from the command's own report instead (the last line of its stdout as JSON, e.g.
`TokkitBench encode ... --warm-up 0 --repeats 1` and `cpu_mbps`): higher is better, and its ratios are B ÷ A
of the rate. Without it the ratios are B ÷ A of seconds: below 1 means B is faster.

--same-output runs each command once before timing and fails unless their outputs (the `{}` file, or every file
under the `{}` folder, else stdout; with --metric, the `{}` output only) are byte for byte the same: an A/B of two
builds is worth nothing if they disagree.

Reported per command: the least, second least and median (the best, second best and median rate with --metric),
then each command against the first. Why these three: on this project's shared 2-core machine a run is slowed at
random, never sped up, so the least is the cleanest reading; the second and the median show whether it was luck.
"""
import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def run(command, output):
    """Runs `command` once (with `{}` → `output`); returns (wall s, CPU s, stdout bytes)."""
    if os.path.isdir(output) and not os.path.islink(output):
        shutil.rmtree(output)  # `tokkit shard write -o {}` makes a folder
    elif os.path.lexists(output):
        os.remove(output)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command.replace("{}", output), shell=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"ab.py: exit {done.returncode}: {command}\n{done.stderr.decode(errors='replace')[-2000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.stdout


def metric(stdout, field, command):
    """`field` of the JSON object on the last non-empty line of `stdout`."""
    lines = [line for line in stdout.decode(errors="replace").splitlines() if line.strip()]
    try:
        return float(json.loads(lines[-1])[field])
    except (IndexError, ValueError, KeyError, TypeError) as error:
        sys.exit(f"ab.py: no JSON field {field!r} on the last line of the output of: {command} ({error})")


def digest(command, output, stdout, use_stdout):
    """SHA-256 of what one run of `command` produced: its `{}` file or folder, else (when `use_stdout`) its stdout."""
    if "{}" in command:
        if not os.path.lexists(output):
            sys.exit(f"ab.py: --same-output: nothing was written at {{}} by: {command}")
        paths = [output]
        if os.path.isdir(output):
            paths = sorted(os.path.join(folder, name) for folder, _, names in os.walk(output) for name in names)
        whole = hashlib.sha256()
        for path in paths:
            whole.update(os.path.relpath(path, output).encode() + b"\0")
            with open(path, "rb") as file:
                whole.update(hashlib.file_digest(file, "sha256").digest())
        return whole.hexdigest()
    if use_stdout:
        return hashlib.sha256(stdout).hexdigest()
    sys.exit(f"ab.py: --same-output with --metric needs {{}} in every command: {command}")


def summary(values, higher_is_better):
    ordered = sorted(values, reverse=higher_is_better)
    return ordered[0], ordered[1] if len(ordered) > 1 else ordered[0], statistics.median(ordered)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--metric", help="a JSON field of the command's last stdout line to compare instead of times")
    parser.add_argument("--same-output", action="store_true", help="fail unless the commands' outputs are identical")
    parser.add_argument("--out-dir", default=None, help="where {} paths are made (default: a new folder in /tmp, on the disk)")
    parser.add_argument("commands", nargs="+")
    args = parser.parse_args()
    if not 2 <= len(args.commands) <= 26:
        parser.error("give two to 26 commands (they are named A to Z)")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    folder = tempfile.mkdtemp(prefix="ab-", dir=args.out_dir or "/tmp")
    output = os.path.join(folder, "out")
    try:
        print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores, {platform.processor() or platform.machine()}; "
              f"load average {os.getloadavg()[0]:.1f} at start; {args.rounds} rounds")
        for k, command in enumerate(args.commands):
            print(f"# {chr(65 + k)}: {command}")
        if args.same_output:
            digests = [digest(command, output, run(command, output)[2], args.metric is None) for command in args.commands]
            if len(set(digests)) != 1:
                sys.exit("ab.py: the outputs differ: " + ", ".join(f"{chr(65 + k)} {d[:12]}" for k, d in enumerate(digests)))
            print(f"# outputs identical (sha256 {digests[0][:16]}…)")
        walls = [[] for _ in args.commands]
        cpus = [[] for _ in args.commands]
        rates = [[] for _ in args.commands]
        count = len(args.commands)
        for round_index in range(args.rounds):
            for k in ((round_index + j) % count for j in range(count)):
                wall, cpu, stdout = run(args.commands[k], output)
                walls[k].append(wall)
                cpus[k].append(cpu)
                if args.metric:
                    rates[k].append(metric(stdout, args.metric, args.commands[k]))
        columns = [("rate " + args.metric, rates, True)] if args.metric else [("wall s", walls, False), ("CPU s", cpus, False)]
        summaries = [(name, [summary(per_command, better) for per_command in values]) for name, values, better in columns]
        for k in range(count):
            cells = "; ".join(f"{name} " + " / ".join(f"{v:.3f}" for v in rows[k]) for name, rows in summaries)
            print(f"{chr(65 + k)}: {cells}   ({'best / second / median' if args.metric else 'least / second / median'})")
        for k in range(1, count):
            cells = "; ".join(f"{name} " + " / ".join(f"{b / a:.3f}" for b, a in zip(rows[k], rows[0])) for name, rows in summaries)
            print(f"{chr(65 + k)} ÷ A: {cells}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
