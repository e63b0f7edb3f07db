#!/usr/bin/env python3
"""tokkit prep --preset fineweb-datatrove against datatrove running the same filters on the same input.

    python3 bench/prep_bench.py [--documents 3000] [--cores N] [--input docs.jsonl] [--binary .build/release/tokkit]

The input (without --input): real documents from $TOKKIT_CORPUS, whole ones, never cut: every Linux
kernel documentation file of public_en.txt (split at its `.. SPDX-License-Identifier` lines) and
every man page of public_multi.txt (German, French, Japanese, Russian, Chinese, Polish, Spanish; split
at the page header lines), sampled evenly down to --documents. Each gets a `url` (one of a few real
sites, so the URL filter parses and looks up every one) and a `language_score` of 0.9 (FineWeb's
reader would bring the score of its language identifier; there is no identifier here).

Both sides run the same chain: URL filter (fixtures/prep/blocklists, Debian's Public Suffix List) →
language score from metadata → Gopher repetition → Gopher quality → C4 quality without the
terminal-punctuation rule → FineWeb quality → PII. datatrove through scripts/reference/prep_datatrove.py
--chain-only, tokkit through its release binary (build it first, in a build slot:
`bash scripts/build-release tokkit`).

1. Equal decisions first: every document's fate (kept, or the stage and reason of its drop) and every
   kept text must be the same on both sides (one process each, so the PII round-robin state matches).
   The bench stops otherwise.
2. One core: CPU time (user + system) of the tokkit process with --threads 1, whole (start-up, reading,
   writing included) against the CPU time of datatrove's filter loop alone (its imports and its JSON
   parsing excluded), interleaved: tokkit, datatrove (x --rounds), then tokkit once more; the ratio
   uses each side's fastest run. CPU time, not wall time: the machine is shared.
3. All cores: wall time of tokkit with --threads N against N datatrove processes over N slices of the
   input, wall time from the first to the last filter loop's end (imports excluded).
Text size = UTF-8 bytes of the documents' text.
"""
import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCKLISTS = os.path.join(ROOT, "fixtures/prep/blocklists")
BAD_WORDS = os.path.join(ROOT, "fixtures/prep/bad_words.txt")
DATATROVE = os.path.join(ROOT, "scripts/reference/prep_datatrove.py")
SITES = ["https://docs.kernel.org/", "https://man7.org/linux/man-pages/", "https://manpages.debian.org/bookworm/",
         "https://www.example.co.uk/docs/", "https://de.wikipedia.org/wiki/"]
MAN_HEADER = re.compile(r"^(\S+)\((\w+)\)\s.*\s\1\(\2\)$")


def real_documents(corpus, count):
    documents = []
    with open(os.path.join(corpus, "public_en.txt"), encoding="utf-8") as f:
        current = []
        for line in f:
            if line.startswith(".. SPDX-License-Identifier") and current:
                documents.append(("en", "".join(current).strip()))
                current = []
            current.append(line)
        documents.append(("en", "".join(current).strip()))
    with open(os.path.join(corpus, "public_multi.txt"), encoding="utf-8") as f:
        current = []
        for line in f:
            if MAN_HEADER.match(line.rstrip("\n")) and current:
                documents.append(("man", "".join(current).strip()))
                current = []
            current.append(line)
        documents.append(("man", "".join(current).strip()))
    documents = [d for d in documents if d[1]]
    # Evenly spread over both corpora (kernel files first, then man pages in package order).
    chosen = [documents[index * len(documents) // count] for index in range(min(count, len(documents)))]
    rng = random.Random(16)
    records = []
    for index, (kind, text) in enumerate(chosen):
        records.append({"id": f"{kind}-{index:05d}", "text": text, "url": rng.choice(SITES) + f"page-{index}.html",
                        "language_score": 0.9})
    return records


def cpu_of(rusage):
    return rusage.ru_utime + rusage.ru_stime


def tokkit_run(binary, source, threads, scratch):
    """Runs tokkit; returns (cpu seconds, wall seconds, {id: text} kept, {id: (stage, reason)} dropped)."""
    output = os.path.join(scratch, f"tokkit-{threads}")
    shutil.rmtree(output, ignore_errors=True)
    started = time.perf_counter()
    process = subprocess.Popen([binary, "prep", "--preset", "fineweb-datatrove", source, "-o", output, "--threads", str(threads),
                                "--blocklists", BLOCKLISTS, "--removed", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, rusage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("tokkit prep failed: " + process.stderr.read().decode())
    kept, dropped = {}, {}
    for name in sorted(os.listdir(output)):
        if name.endswith(".jsonl"):
            for line in open(os.path.join(output, name), encoding="utf-8"):
                record = json.loads(line)
                kept[record["id"]] = record["text"]
    for name in sorted(os.listdir(os.path.join(output, "removed"))):
        for line in open(os.path.join(output, "removed", name), encoding="utf-8"):
            record = json.loads(line)
            metadata = record.get("metadata", record)
            dropped[record["id"]] = (metadata["filter_stage"], metadata["filter_reason"])
    return cpu_of(rusage), wall, kept, dropped


def datatrove_run(source, processes, scratch):
    """Runs datatrove's chain in `processes` processes over slices; returns (loop cpu seconds summed,
    wall seconds to the last loop's end, kept, dropped)."""
    lines = open(source, encoding="utf-8").read().splitlines(keepends=True)
    parts = []
    for index in range(processes):
        part = os.path.join(scratch, f"part-{processes}-{index}.jsonl")
        with open(part, "w", encoding="utf-8") as out:
            out.writelines(lines[index::processes])
        parts.append(part)
    running = [subprocess.Popen([sys.executable, DATATROVE, "--chain-only", "--input", part, "--output", part + ".out",
                                 "--blocklists", BLOCKLISTS, "--bad-words", BAD_WORDS],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for part in parts]
    reports = []
    for process in running:
        out, err = process.communicate()
        if process.returncode != 0:
            raise SystemExit("datatrove run failed: " + err)
        reports.append(json.loads(out.strip().splitlines()[-1]))
    loop_cpu = sum(r["loop_cpu_seconds"] for r in reports)
    wall = max(r["loop_end"] for r in reports) - min(r["loop_start"] for r in reports)
    kept, dropped = {}, {}
    for part in parts:
        for line in open(part + ".out", encoding="utf-8"):
            record = json.loads(line)
            chain = record["chain"]
            if chain["stage"] is None:
                kept[record["id"]] = chain["text"]
            else:
                dropped[record["id"]] = (chain["stage"], chain["reason"])
    return loop_cpu, wall, kept, dropped, reports[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input")
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/tokkit"))
    parser.add_argument("--keep-input", help="also write the generated input here")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        raise SystemExit(f"{args.binary}: build it first: bash scripts/build-release tokkit")
    scratch = tempfile.mkdtemp(prefix="prep-bench-")
    source = args.input
    if source is None:
        source = os.path.join(scratch, "bench.jsonl")
        with open(source, "w", encoding="utf-8") as out:
            for record in real_documents(os.environ["TOKKIT_CORPUS"], args.documents):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        if args.keep_input:
            shutil.copy(source, args.keep_input)
    documents = [json.loads(line) for line in open(source, encoding="utf-8") if line.strip()]
    text_bytes = sum(len(d["text"].encode("utf-8")) for d in documents)
    print(f"input: {len(documents)} documents, {text_bytes / 1e6:.2f} MB of text", flush=True)

    tokkit_cpu, datatrove_cpu = [], []
    for round_index in range(args.rounds):
        cpu, _, t_kept, t_dropped = tokkit_run(args.binary, source, 1, scratch)
        tokkit_cpu.append(cpu)
        d_cpu, _, d_kept, d_dropped, report = datatrove_run(source, 1, scratch)
        datatrove_cpu.append(d_cpu)
        print(f"round {round_index + 1}: tokkit {cpu:.2f} CPU-s, datatrove {d_cpu:.2f} CPU-s", flush=True)
        if round_index == 0:
            # Equal decisions first: every document's fate and every kept text.
            fates_t = {**{i: "kept" for i in t_kept}, **{i: f"{s}/{r}" for i, (s, r) in t_dropped.items()}}
            fates_d = {**{i: "kept" for i in d_kept}, **{i: f"{s}/{r}" for i, (s, r) in d_dropped.items()}}
            same_fate = sum(1 for i in fates_d if fates_t.get(i) == fates_d[i])
            same_text = sum(1 for i in d_kept if t_kept.get(i) == d_kept[i])
            by_stage = {}
            for fate in fates_d.values():
                by_stage[fate] = by_stage.get(fate, 0) + 1
            print(f"equal decisions: same fate (kept, or stage and reason) {same_fate}/{len(fates_d)} documents "
                  f"(tokkit saw {len(fates_t)}); kept {len(d_kept)}, identical kept text {same_text}/{len(d_kept)}")
            print("  datatrove's fates: " + ", ".join(f"{k} {v}" for k, v in sorted(by_stage.items(), key=lambda kv: -kv[1])))
            if same_fate != len(fates_d) or len(fates_t) != len(fates_d) or same_text != len(d_kept):
                for i in sorted(fates_d):
                    if fates_t.get(i) != fates_d[i]:
                        print(f"  differs: {i}: tokkit {fates_t.get(i)} datatrove {fates_d[i]}")
                raise SystemExit("tokkit and datatrove disagree: no timing is reported")
    cpu, _, _, _ = tokkit_run(args.binary, source, 1, scratch)  # once more after datatrove: tokkit on both sides of it
    tokkit_cpu.append(cpu)
    print(f"last: tokkit {cpu:.2f} CPU-s", flush=True)

    t_wall_all = []
    _, wall, _, _ = tokkit_run(args.binary, source, args.cores, scratch)
    t_wall_all.append(wall)
    d_cpu_all, d_wall_all, d_kept_all, _, _ = datatrove_run(source, args.cores, scratch)
    _, wall, _, _ = tokkit_run(args.binary, source, args.cores, scratch)
    t_wall_all.append(wall)

    def rate(seconds):
        return f"{len(documents) / seconds:9.0f} docs/s {text_bytes / seconds / 1e6:8.3f} MB/s"

    load = os.getloadavg()
    t1, d1, tn = min(tokkit_cpu), min(datatrove_cpu), min(t_wall_all)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; "
          f"datatrove {report['datatrove']}, spaCy {report['spacy']}, Python {platform.python_version()}; "
          f"tokkit {args.binary}")
    print(f"one core (CPU time)   tokkit    {rate(t1)}  ({t1:.2f} CPU-s, whole process)")
    print(f"one core (CPU time)   datatrove {rate(d1)}  ({d1:.2f} CPU-s, filter loop only)   ratio {d1 / t1:.1f}x")
    print(f"{args.cores} cores (wall time)   tokkit    {rate(tn)}  ({tn:.2f} s, whole process)")
    print(f"{args.cores} cores (wall time)   datatrove {rate(d_wall_all)}  ({d_wall_all:.2f} s, filter loops; {d_cpu_all:.2f} CPU-s)"
          f"   ratio {d_wall_all / tn:.1f}x")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
