#!/usr/bin/env python3
"""Start-up and decode benchmark (issue #14): loading each bundled vocabulary with and without the
rank-table cache, `tokkit encode` of a 1 KB file as a whole process, and decode MB/s against tiktoken.

  python3 bench/startup_decode_bench.py [--before OLD_TOKKIT] [--corpus DIR] [--no-build] [--rounds N]

Load (in process, bench/TokkitBench `load`): a Tokenizer from each bundled vocabulary, cold (the
.tiktoken file read, sha256-checked, parsed and its tables built: `RankTableCache.disabled`) and warm
(the tables taken from a cache file in a temporary folder, checked and copied); best of 5, wall and CPU.

Process (`tokkit encode --vocab V 1k.txt`, the first 1,024 bytes of public_en): the whole command as a
user runs it, a fresh process each time, with an empty cache folder (cold), a filled one (warm), and a
filled one reached through another copy of the vocabulary files (`TOKKIT_VOCABULARIES`, as a second
install or the Python wheel's copy would be), next to `tokkit --version` as the floor; with --before,
an older binary is run interleaved with the new one, round by round. Min and median of --rounds runs;
CPU is the child's user+sys from getrusage.

Decode: the corpus encoded by tokkit, then decoded by tokkit three ways, interleaved (one pass into a reused
buffer on one thread; `appendBytes(threads:)` into a reused buffer on all cores, as `tokkit decode` does; and
`Vocabulary.decodeBytes` into a fresh array on all cores) and by tiktoken `decode_bytes` (one thread), bytes
checked equal to the input and to tiktoken's first; MB of output per CPU-second (one thread) and per wall second
(all cores). Then `tokkit decode --format uint32 --bytes` as a whole process, with --threads 1 and with all
cores, reading tiktoken's ids from a file and writing the text to a file (start-up, vocabulary load, reading
and writing included; output checked equal to the input), best of --rounds, CPU and wall.

The machine is shared: CPU seconds are the measure that other processes' load inflates least.
Writes the "Start-up and decode" section of bench/RESULTS.md (other sections are kept).
"""
import argparse
import datetime
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VOCABS = ["gpt2", "cl100k_base", "o200k_base", "qwen2", "p50k_base"]
SECTION = "## Start-up and decode (issue #14)"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def bench(*args):
    out = subprocess.run([os.path.join(ROOT, ".build/release/TokkitBench"), *args], check=True,
                         capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_timed(args, env):
    """Wall and CPU (user+sys) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{args} failed: {proc.stderr.decode()}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), proc.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=os.environ.get("TOKKIT_CORPUS", "/work/corpus"))
    parser.add_argument("--before", help="an older tokkit binary to time interleaved with this one")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--corpora", nargs="+", default=["public_en.txt", "public_multi.txt"])
    parser.add_argument("--decode-vocabs", nargs="+", default=["gpt2", "cl100k_base", "o200k_base", "qwen2"])
    args = parser.parse_args()
    if not args.no_build:
        subprocess.run(["bash", "scripts/build-release", "TokkitBench", "tokkit"], check=True, cwd=ROOT)
    # The binaries timed are scripts/build-release's (another release build would put slower ones in their place);
    # the check says what to run when they are not.
    if subprocess.run(["bash", "scripts/build-release", "--check", "TokkitBench", "tokkit"], cwd=ROOT).returncode != 0:
        sys.exit(1)
    tokkit = os.path.join(ROOT, ".build/release/tokkit")
    import tiktoken
    load = os.getloadavg()[0]
    lines = [SECTION, "",
             f"`python3 bench/startup_decode_bench.py{' --before OLD' if args.before else ''}` on "
             f"{datetime.date.today()}; {platform.machine()}, {os.cpu_count()} cores; load average {load:.1f} at start "
             f"(shared machine: CPU time is the measure to read); tiktoken {tiktoken.__version__}.", ""]

    # In-process load, cold and warm.
    with tempfile.TemporaryDirectory() as cache:
        loads = bench("load", "--cache", cache, *VOCABS)["vocabularies"]
    lines += ["### Loading a bundled vocabulary into a Tokenizer (in process, best of 5)", "",
              "| vocabulary | no cache: wall ms | no cache: CPU ms | cache: wall ms | cache: CPU ms | ≤ 10 ms |",
              "|---|---:|---:|---:|---:|---|"]
    for row in loads:
        lines.append(f"| {row['name']} | {row['cold_ms']:.1f} | {row['cold_cpu_ms']:.1f} | {row['warm_ms']:.1f} | "
                     f"{row['warm_cpu_ms']:.1f} | {'yes' if row['warm_cpu_ms'] <= 10 else '**no**'} |")
        log(row)

    # Whole process: tokkit encode of 1 KB, as a fresh process each time.
    with tempfile.TemporaryDirectory() as scratch:
        small = os.path.join(scratch, "1k.txt")
        with open(os.path.join(args.corpus, "public_en.txt"), "rb") as src:
            data = src.read(1024)
        with open(small, "wb") as out:
            out.write(data)
        cache = os.path.join(scratch, "cache")
        env = dict(os.environ, TOKKIT_CACHE_DIR=cache)
        # A second copy of the bundled vocabularies (another install, the Python wheel's copy): the cache
        # file records the identity of the copy it was built from, so this one is hashed once, then vouched for.
        copy = os.path.join(scratch, "copy")
        shutil.copytree(os.path.join(ROOT, ".build/release/Tokkit_TokkitFormats.resources/Vocabularies"), copy)
        copy_env = dict(env, TOKKIT_VOCABULARIES=copy)
        lines += ["", f"### `tokkit encode --vocab V 1k.txt` as a fresh process ({args.rounds} rounds, interleaved)", "",
                  "Each round: the cache folder emptied, one cold run (tables built and stored), two warm runs (tables from "
                  "the cache; the second is timed, as the first meets the file just written), two runs through another copy of the vocabulary files (the first hashes that copy once; "
                  "the second is timed), and `tokkit --version`, the floor of any command (process start, dynamic "
                  "linking, argument parsing). Loading costs the warm column minus the floor.", "",
                  "| vocabulary | " + ("before (no cache): CPU ms median | " if args.before else "")
                  + "cold: CPU ms median | warm: wall ms min / median | warm: CPU ms min / median | "
                  "other copy: CPU ms min / median | `--version`: CPU ms min / median | warm − floor, CPU ms (medians) |",
                  "|---|" + ("---:|" if args.before else "") + "---:|---:|---:|---:|---:|---:|"]
        for vocab in VOCABS:
            samples = {"before": [], "cold": [], "warm": [], "copy": [], "version": []}
            reference = None
            for _ in range(args.rounds):
                if args.before:
                    wall, cpu, out = run_timed([args.before, "encode", "--vocab", vocab, small], env)
                    samples["before"].append((wall, cpu))
                    reference = out
                shutil.rmtree(cache, ignore_errors=True)
                wall, cpu, cold_out = run_timed([tokkit, "encode", "--vocab", vocab, small], env)
                samples["cold"].append((wall, cpu))
                run_timed([tokkit, "encode", "--vocab", vocab, small], env)
                wall, cpu, warm_out = run_timed([tokkit, "encode", "--vocab", vocab, small], env)
                samples["warm"].append((wall, cpu))
                run_timed([tokkit, "encode", "--vocab", vocab, small], copy_env)
                wall, cpu, copy_out = run_timed([tokkit, "encode", "--vocab", vocab, small], copy_env)
                samples["copy"].append((wall, cpu))
                samples["version"].append(run_timed([tokkit, "--version"], env)[:2])
                if not (cold_out == warm_out == copy_out) or (reference is not None and reference != warm_out):
                    raise RuntimeError(f"{vocab}: ids differ between runs")
            ms = {k: ([w * 1e3 for w, _ in v], [c * 1e3 for _, c in v]) for k, v in samples.items() if v}
            med = {k: (statistics.median(w), statistics.median(c)) for k, (w, c) in ms.items()}
            row = f"| {vocab} | "
            if args.before:
                row += f"{med['before'][1]:.1f} | "
            row += (f"{med['cold'][1]:.0f} | {min(ms['warm'][0]):.1f} / {med['warm'][0]:.1f} | "
                    f"{min(ms['warm'][1]):.1f} / {med['warm'][1]:.1f} | {min(ms['copy'][1]):.1f} / {med['copy'][1]:.1f} | "
                    f"{min(ms['version'][1]):.1f} / {med['version'][1]:.1f} | {med['warm'][1] - med['version'][1]:.1f} |")
            lines.append(row)
            log(row)

    # Decode.
    lines += ["", "### Decode (MB/s of output bytes; bytes checked equal to the input first)", "",
              "The decode rate is output bytes per second with the ids already in memory (reading an id file is not "
              "counted), best of the rounds. Three tokkit paths, interleaved: `Vocabulary.appendBytes` into a buffer "
              "reused from call to call, one thread, one pass, per CPU-second; `appendBytes(threads: all cores)` into a "
              "reused buffer (the ids cut into one part per core, each part decoded in one pass into its own region of "
              "the buffer, then the parts moved together; what `tokkit decode` does block by block), wall and per "
              "CPU-second; and `Vocabulary.decodeBytes` into a fresh array (two passes over the parts: each part's byte "
              "count, then each part written at its place in new pages), wall. tiktoken's `decode_bytes` is one thread. "
              "Best of max(9, --rounds) for tokkit, of 3 for tiktoken. On a loaded machine even CPU time moves by ±20% "
              "from run to run (shared caches, frequency), and the wall columns need all cores free: read them from a "
              "run at load below 1.", "",
              "| corpus | vocab | ids | bytes per id | one thread, reused buffer: MB per CPU-second | all cores, reused buffer: wall MB/s | "
              "all cores, reused: MB per CPU-second | all cores, fresh array: wall MB/s | tiktoken decode_bytes per CPU-second | "
              "tokkit (one thread) ÷ tiktoken | ≥ 2 GB/s: one thread per CPU-second | ≥ 2 GB/s: all cores, reused, wall |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    processes = []
    for corpus in args.corpora:
        path = os.path.join(args.corpus, corpus)
        with open(path, "rb") as f:
            raw = f.read()
        for vocab in args.decode_vocabs:
            result = bench("decode", "--vocab", vocab, "--file", path, "--repeats", str(max(9, args.rounds)))
            enc = tiktoken.Encoding(name=f"{vocab}-bench", **_constructor(vocab))
            ids = enc.encode_ordinary(raw.decode())
            best_cpu = float("inf")
            for _ in range(3):
                c = time.process_time()
                out = enc.decode_bytes(ids)
                best_cpu = min(best_cpu, time.process_time() - c)
            if out != raw or len(ids) != result["tokens"]:
                raise RuntimeError(f"{corpus} {vocab}: tiktoken's ids or bytes differ from tokkit's")
            tk_cpu = len(raw) / best_cpu / 1e6
            one_pass = result["reused_cpu_mbps"]
            parallel = result["parallel_reused_mbps"]
            row = (f"| {corpus} | {vocab} | {result['tokens']:,} | {len(raw) / result['tokens']:.2f} | {one_pass:.0f} | "
                   f"{parallel:.0f} | {result['parallel_reused_cpu_mbps']:.0f} | {result['mbps']:.0f} | {tk_cpu:.0f} | "
                   f"{one_pass / tk_cpu:.1f}× | {'yes' if one_pass >= 2000 else '**no**'} | "
                   f"{'yes' if parallel >= 2000 else '**no**'} |")
            lines.append(row)
            log(row)
            processes.append(_decode_process(tokkit, corpus, vocab, ids, raw, args.rounds))
    lines += ["", f"### `tokkit decode --vocab V --format uint32 --bytes ids.u32 -o out --threads T` as a whole process (best of {args.rounds})", "",
              "Start-up, loading the vocabulary from the cache, reading the id file (a uint32 file is read straight into the "
              "decoder's id array) and writing the output file included; "
              "the output is checked equal to the input. `tokkit --version` alone is the process's fixed cost. "
              f"--threads 1 per CPU-second, and --threads {os.cpu_count()} (all cores, the default) per wall second.", "",
              "| corpus | vocab | ids file MB | 1 thread: CPU ms | 1 thread: MB of output per CPU-second | all cores: wall ms | "
              "all cores: wall MB/s | all cores: CPU ms | `tokkit --version` CPU ms |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in processes:
        lines.append(row)
    write_section(lines)
    print("\n".join(lines))


def _decode_process(tokkit, corpus, vocab, ids, raw, rounds):
    """One row: `tokkit decode` of tiktoken's ids (uint32) to a file, as a user runs it; warm cache."""
    import array
    with tempfile.TemporaryDirectory() as scratch:
        id_file, out_file = os.path.join(scratch, "ids.u32"), os.path.join(scratch, "out.txt")
        packed = array.array("I", ids)
        if sys.byteorder != "little":
            packed.byteswap()
        with open(id_file, "wb") as f:
            f.write(packed.tobytes())
        command = [tokkit, "decode", "--vocab", vocab, "--format", "uint32", "--bytes", id_file, "-o", out_file]
        env = dict(os.environ)
        run_timed(command, env)  # fills the rank-table cache and the page cache
        best = {threads: (float("inf"), float("inf")) for threads in (1, os.cpu_count())}
        version_cpu = float("inf")
        for _ in range(rounds):
            for threads in best:  # interleaved
                os.remove(out_file)
                wall, cpu, _ = run_timed(command + ["--threads", str(threads)], env)
                best[threads] = (min(best[threads][0], wall), min(best[threads][1], cpu))
                with open(out_file, "rb") as f:
                    if f.read() != raw:
                        raise RuntimeError(f"{corpus} {vocab}: tokkit decode --threads {threads}'s output differs from the input")
            version_cpu = min(version_cpu, run_timed([tokkit, "--version"], env)[1])
        one_cpu, (all_wall, all_cpu) = best[1][1], best[os.cpu_count()]
        row = (f"| {corpus} | {vocab} | {os.path.getsize(id_file) / 1e6:.1f} | {one_cpu * 1e3:.0f} | "
               f"{len(raw) / one_cpu / 1e6:.0f} | {all_wall * 1e3:.0f} | {len(raw) / all_wall / 1e6:.0f} | "
               f"{all_cpu * 1e3:.0f} | {version_cpu * 1e3:.0f} |")
        log(row)
        return row


def _constructor(vocab):
    """tiktoken's definition of a bundled encoding, read from the same file tokkit ships (no network)."""
    from tiktoken.load import load_tiktoken_bpe
    sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
    import make_golden
    patterns = {"gpt2": make_golden.GPT2_PATTERN, "p50k_base": make_golden.GPT2_PATTERN,
                "cl100k_base": make_golden.CL100K_PATTERN, "o200k_base": make_golden.O200K_PATTERN,
                "qwen2": make_golden.QWEN2_PATTERN}
    ranks = load_tiktoken_bpe(os.path.join(ROOT, "vocabularies", f"{vocab}.tiktoken"))
    return {"pat_str": patterns[vocab], "mergeable_ranks": ranks, "special_tokens": {}}


def write_section(lines):
    path = os.path.join(ROOT, "bench", "RESULTS.md")
    with open(path) as f:
        text = f.read()
    start = text.find(SECTION)
    body = "\n".join(lines) + "\n"
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + body
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + body + ("\n" + text[end + 1:] if end >= 0 else "")
    tmp = path + ".partial"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
