#!/usr/bin/env python3
"""Shard throughput: `tokkit shard` against plain `tokkit encode` (the writing overhead) and against llm.c's
fineweb.py approach (bench/fineweb_style_shard.py: tiktoken + multiprocessing + numpy), on the same
documents in the same run, GPT-2 vocabulary, llm.c layout.

  python3 bench/shard_bench.py [--corpus DIR] [--shard-tokens N] [--no-record]

Needs a release build (`bash scripts/build-release tokkit`) and the public corpus
($TOKKIT_CORPUS or /work/corpus: public_en.txt + public_multi.txt). The tokkit pair runs
interleaved (--repeats, default 3), and keeps each one's best wall and CPU time, because the machine may be shared; fineweb.py's approach runs
once with its own process count (max(1, cores - 2)) and once on all cores. Every shard tokkit writes is
compared byte for byte with the fineweb-style shards. Results go to the "Shards" section of
bench/RESULTS.md (other sections are left alone).
"""
import argparse
import datetime
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKKIT = os.path.join(ROOT, ".build", "release", "tokkit")


def run(command):
    """Runs a command; returns (wall seconds, CPU seconds, peak RSS in MiB of the process itself, stderr).
    CPU time (user + system) is steadier than wall time when other work shares the machine."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"failed ({process.returncode}): {' '.join(command)}\n{stderr.decode(errors='replace')}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stderr.decode(errors="replace")


def digests(directory):
    return {name: hashlib.sha256(open(os.path.join(directory, name), "rb").read()).hexdigest()
            for name in sorted(os.listdir(directory)) if name.endswith(".bin")}


def machine():
    model = "unknown CPU"
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = next((int(line.split()[1]) // (1 << 20) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    import numpy
    import tiktoken
    return (f"{model}, {os.cpu_count()} cores, {memory} GiB, {platform.system()} {platform.release()}; {swift}; "
            f"Python {platform.python_version()}, tiktoken {tiktoken.__version__}, numpy {numpy.__version__}")


def record(section):
    path = os.path.join(ROOT, "bench", "RESULTS.md")
    text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
    pattern = re.compile(r"^## Shards\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.environ.get("TOKKIT_CORPUS") or "/work/corpus")
    parser.add_argument("--shard-tokens", type=int, default=4_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    if subprocess.run(["bash", "scripts/build-release", "--check", "tokkit"], cwd=ROOT).returncode != 0:
        sys.exit(1)  # the check says what to run
    inputs = [os.path.join(args.corpus, name) for name in ("public_en.txt", "public_multi.txt")]
    megabytes = sum(os.path.getsize(path) for path in inputs) / 1e6
    for path in inputs:  # warm the page cache so the first timed run does not pay for the disk
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass
    scratch = tempfile.mkdtemp(prefix="shard-bench-")
    try:
        encode = [TOKKIT, "encode", *inputs, "--docs", "paragraphs", "--format", "uint16", "-o", os.path.join(scratch, "ids.u16")]
        shard_dir = os.path.join(scratch, "tokkit")
        shard = [TOKKIT, "shard", *inputs, "--docs", "paragraphs", "--format", "llmc", "--prefix", "fineweb",
                 "--shard-tokens", str(args.shard_tokens), "-o", shard_dir, "--force"]
        encode_times, shard_times, encode_cpu, shard_cpu, encode_rss, shard_rss = [], [], [], [], 0, 0
        for _ in range(args.repeats):
            seconds, cpu, rss, _ = run(encode)
            encode_times.append(seconds)
            encode_cpu.append(cpu)
            encode_rss = max(encode_rss, rss)
            seconds, cpu, rss, _ = run(shard)
            shard_times.append(seconds)
            shard_cpu.append(cpu)
            shard_rss = max(shard_rss, rss)
        tokkit_digests = digests(shard_dir)
        tokens = sum((os.path.getsize(os.path.join(shard_dir, name)) - 1024) // 2 for name in tokkit_digests)

        fineweb = {}
        procs_default = max(1, os.cpu_count() - 2)
        for procs in sorted({procs_default, os.cpu_count()}):
            out = os.path.join(scratch, f"fineweb-{procs}")
            seconds, _, rss, _ = run([sys.executable, os.path.join(ROOT, "bench", "fineweb_style_shard.py"), "--output", out,
                                   "--prefix", "fineweb", "--shard-tokens", str(args.shard_tokens), "--procs", str(procs), *inputs])
            fineweb[procs] = (seconds, rss, digests(out) == tokkit_digests)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    best_encode, best_shard = min(encode_times), min(shard_times)
    overhead = (best_shard / best_encode - 1) * 100
    cpu_overhead = (min(shard_cpu) / min(encode_cpu) - 1) * 100
    rows = [
        ("`tokkit encode --docs paragraphs --format uint16 -o`", best_encode, encode_rss,
         f"baseline: same documents, ids only; {min(encode_cpu):.2f} CPU s"),
        ("`tokkit shard --format llmc` (encode + shards + read-back check + manifest)", best_shard, shard_rss,
         f"writing overhead **{overhead:+.1f}%** wall, **{cpu_overhead:+.1f}%** CPU ({min(shard_cpu):.2f} CPU s)"),
    ]
    for procs, (seconds, rss, same) in fineweb.items():
        note = "fineweb.py's max(1, cores - 2)" if procs == procs_default else "all cores"
        rows.append((f"fineweb.py approach, tiktoken + mp.Pool({procs}) + numpy ({note})", seconds, rss,
                     f"tokkit shard is {seconds / best_shard:.2f}× faster; shards {'byte-identical' if same else 'DIFFER'}"))
    lines = [
        "## Shards",
        "",
        f"`python3 bench/shard_bench.py` on {datetime.date.today().isoformat()}: public_en.txt + public_multi.txt "
        f"({megabytes:.1f} MB, paragraphs as documents), GPT-2, {tokens:,} tokens in llm.c shards of {args.shard_tokens:,}, "
        "release build, default threads (all cores).",
        f"Machine: {machine()}. Shared with other engineers' builds while measured, so tokkit times are the best of "
        f"{args.repeats} interleaved runs, and CPU time (user + system, steadier under contention) is given too.",
        "",
        "| run | seconds | MB/s | peak RSS MiB (main process) | |",
        "|---|---:|---:|---:|---|",
    ]
    for name, seconds, rss, note in rows:
        lines.append(f"| {name} | {seconds:.2f} | {megabytes / seconds:.2f} | {rss:.0f} | {note} |")
    lines += ["", f"All runs (wall / CPU s): encode {', '.join(f'{t:.2f}/{c:.2f}' for t, c in zip(encode_times, encode_cpu))}; "
              f"shard {', '.join(f'{t:.2f}/{c:.2f}' for t, c in zip(shard_times, shard_cpu))}.", ""]
    section = "\n".join(lines) + "\n"
    print(section)
    if not args.no_record:
        record(section)


if __name__ == "__main__":
    main()
