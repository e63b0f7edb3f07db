#!/usr/bin/env python3
"""The cost of running tokkit through Ray on one machine: count+train and shard with 1 and 2 Ray
workers against the plain CLI with the same number of cores, outputs verified equal first.

usage: python3 bench/ray_bench.py [--corpus FILE] [--files 48] [--world-size 8] [--tokkit .build/release/tokkit]

CPU seconds are tokkit's own (user + system), from getrusage: on a shared machine they are steadier
than wall time, and the difference between the two is what the engine and the waiting cost.
Ray runs on 127.0.0.1 only: a head node with one CPU ("1 worker"), then a head and a second node with
one CPU each ("2 workers"), started with tokkit_ray.loopback and stopped at the end. The plain CLI gets
--threads 1 and --threads 2. Each figure is the best of --repeat runs. The per-core rates printed at the
end feed the README's arithmetic for a 10 TB run.
"""

import argparse
import filecmp
import glob
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import ray

import tokkit_ray
from tokkit_ray.flow import Flow, FlowSettings
from tokkit_ray.loopback import keep_loopback

VOCAB = 8192
SHARD = ["--shard-tokens", "1000000", "--val-tokens", "1000000"]


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command, env=None):
    """Runs a command; returns (wall seconds, CPU seconds of the command)."""
    started, cpu = time.time(), children_cpu()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr[-2000:]}")
    return time.time() - started, children_cpu() - cpu


def split(corpus, folder, files):
    os.makedirs(folder)
    data = open(corpus, "rb").read()
    lines = data.splitlines(keepends=True)
    per = -(-len(lines) // files)
    for index in range(files):
        with open(os.path.join(folder, f"part-{index:03d}.txt"), "wb") as out:
            out.writelines(lines[index * per:(index + 1) * per])
    return len(data)


def same_tree(left, right):
    for path in glob.glob(os.path.join(left, "*")):
        name = os.path.basename(path)
        if os.path.isdir(path):
            continue
        other = os.path.join(right, name)
        if name == "manifest.json":
            a, b = json.load(open(path)), json.load(open(other))
            for m in (a, b):
                m.pop("command")
                m["settings"]["vocabulary"].pop("source")
            if a != b:
                return False
        elif not filecmp.cmp(path, other, shallow=False):
            return False
    return True


def cli_run(tokkit, inputs, work, threads):
    """(count+train wall, shard wall, count+train CPU, shard CPU)."""
    os.makedirs(work)
    count = run([tokkit, "count", inputs, "-o", f"{work}/all.counts", "--threads", str(threads), "--quiet"])
    train = run([tokkit, "train", "--counts", f"{work}/all.counts", "--vocab-size", str(VOCAB), "--special", "<|endoftext|>",
                 "-o", f"{work}/vocab", "--quiet"])
    shard = run([tokkit, "shard", inputs, "--vocab", f"{work}/vocab/tokenizer.json", *SHARD, "-o", f"{work}/shards",
                 "--threads", str(threads)])
    return count[0] + train[0], shard[0], count[1] + train[1], shard[1]


def ray_run(tokkit, inputs, work, world_size, address):
    settings = FlowSettings(inputs=[inputs], work=work, tokkit=tokkit, world_size=world_size, vocab_size=VOCAB, shard_args=SHARD)
    ray.init(address=address, _node_ip_address="127.0.0.1", logging_level="warning", log_to_driver=False)
    try:
        flow = Flow(settings)
        started = time.time()
        total = flow.reduce(flow.count())
        vocab = flow.train(total)
        count_train = time.time() - started
        started = time.time()
        out = flow.path("shards")
        flow._map("shard", [(flow._label(r), ["shard", inputs, "--vocab", vocab, *SHARD, "--rank", str(r), "--world-size", str(world_size),
                                              "-o", out, "--threads", "1"]) for r in range(world_size)])
        flow._map("merge", [(flow._label(r), ["shard", "merge", out, "--rank", str(r), "--world-size", str(world_size)]) for r in range(world_size)])
        flow._map("finalize", [("finalize", ["shard", "merge", out, "--finalize"])])
        shard = time.time() - started
        phases = flow.stats["phases"]
        cpu_count = sum(phases[p]["tokkit_cpu_seconds"] for p in ("count", "reduce", "train"))
        cpu_shard = sum(phases[p]["tokkit_cpu_seconds"] for p in ("shard", "merge", "finalize"))
    finally:
        ray.shutdown()
    return count_train, shard, cpu_count, cpu_shard


def start_cluster(nodes):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    common = ["--node-ip-address=127.0.0.1", "--num-cpus=1", "--object-store-memory=80000000", "--disable-usage-stats"]
    run([sys.executable, "-m", "tokkit_ray.loopback", "start", "--head", f"--port={port}", "--include-dashboard=false", *common], env)
    for _ in range(nodes - 1):
        run([sys.executable, "-m", "tokkit_ray.loopback", "start", f"--address=127.0.0.1:{port}", *common], env)
    return f"127.0.0.1:{port}"


def stop_cluster():
    subprocess.run([sys.executable, "-m", "tokkit_ray.loopback", "stop", "--force"], capture_output=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=os.path.join(os.environ.get("TOKKIT_CORPUS", "/work/corpus"), "public_en.txt"))
    parser.add_argument("--files", type=int, default=48)
    parser.add_argument("--world-size", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--tokkit", default=".build/release/tokkit")
    arguments = parser.parse_args()
    tokkit = os.path.abspath(arguments.tokkit)
    keep_loopback()
    scratch = tempfile.mkdtemp(prefix="ray-bench-")
    try:
        inputs = os.path.join(scratch, "in")
        size = split(arguments.corpus, inputs, arguments.files)
        megabytes = size / 1e6
        version = subprocess.run([tokkit, "--version"], capture_output=True, text=True).stdout.strip()
        print(f"# {os.path.basename(arguments.corpus)} ({megabytes:.1f} MB) in {arguments.files} files; vocab {VOCAB}; "
              f"Ray world size {arguments.world_size}; best of {arguments.repeat}")
        print(f"# tokkit {version} (release), ray {ray.__version__}, tokkit_ray {tokkit_ray.__version__}, Python {platform.python_version()}, "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start, {time.strftime('%Y-%m-%d')}")
        rows = []
        reference = None
        for cores in (1, 2):
            best = [float("inf")] * 4
            for attempt in range(arguments.repeat):
                work = os.path.join(scratch, f"cli{cores}-{attempt}")
                best = [min(a, b) for a, b in zip(best, cli_run(tokkit, inputs, work, cores))]
                reference = reference or work
            rows.append((f"CLI --threads {cores}", cores, *best))
            address = start_cluster(cores)
            try:
                best_ray = [float("inf")] * 4
                for attempt in range(arguments.repeat):
                    work = os.path.join(scratch, f"ray{cores}-{attempt}")
                    best_ray = [min(a, b) for a, b in zip(best_ray, ray_run(tokkit, inputs, work, arguments.world_size, address))]
                    assert filecmp.cmp(f"{reference}/vocab/tokenizer.json", f"{work}/vocab/tokenizer.json", shallow=False), "vocabulary differs"
                    assert same_tree(f"{reference}/shards", f"{work}/shards"), "shards differ"
            finally:
                stop_cluster()
            rows.append((f"Ray, {cores} worker{'s' if cores > 1 else ''} ({cores} node{'s' if cores > 1 else ''})", cores, *best_ray))
        print("outputs: every Ray run's vocabulary and shards byte-identical to the CLI's")
        print()
        print("| run | cores | count+train s | MB/s | shard s | MB/s | Ray / CLI wall (count+train, shard) | tokkit CPU s (count+train, shard) |")
        print("|---|---:|---:|---:|---:|---:|---|---|")
        cli = {}
        for name, cores, count_train, shard, cpu_count, cpu_shard in rows:
            if name.startswith("CLI"):
                cli[cores] = (count_train, shard)
                ratio = "—"
            else:
                ratio = f"{count_train / cli[cores][0]:.2f}×, {shard / cli[cores][1]:.2f}×"
            print(f"| {name} | {cores} | {count_train:.2f} | {megabytes / count_train:.2f} | {shard:.2f} | {megabytes / shard:.2f} | {ratio} | {cpu_count:.2f}, {cpu_shard:.2f} |")
        one = [row for row in rows if row[0] == "CLI --threads 1"][0]
        print()
        print(f"per-core rates (CLI, 1 thread): wall: count+train {megabytes / one[2]:.2f} MB/s, shard {megabytes / one[3]:.2f} MB/s; "
              f"per CPU-second: count+train {megabytes / one[4]:.2f} MB/s, shard {megabytes / one[5]:.2f} MB/s")
    finally:
        stop_cluster()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
