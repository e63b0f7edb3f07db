#!/usr/bin/env python3
"""tokkit prep --preset fineweb-datatrove against datatrove running the same filters, same input.

    python3 bench/prep_bench.py [--input docs.jsonl] [--cores N]

Without --input it builds the parity test set (scripts/reference/prep_testset.py) from $TOKKIT_CORPUS.
Runs, on the same JSONL:
  - tokkit (release build) with --threads 1 and with --threads N;
  - datatrove's filter chain (scripts/reference/prep_datatrove.py --chain-only: URL filter, language
    score, Gopher repetition, Gopher quality, C4 quality without the terminal-punctuation rule, FineWeb
    quality, PII) in one process, and in N processes over N slices of the input.
First checks that both keep the same documents with the same text, then prints documents/s, MB/s and
the ratios, with versions. Text size is the UTF-8 bytes of the documents' text.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCKLISTS = os.path.join(ROOT, "fixtures/prep/blocklists")
BAD_WORDS = os.path.join(ROOT, "fixtures/prep/bad_words.txt")


def run(command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def tokkit_run(binary, source, threads, scratch):
    output = os.path.join(scratch, f"tokkit-{threads}")
    shutil.rmtree(output, ignore_errors=True)
    started = time.perf_counter()
    run([binary, "prep", "--preset", "fineweb-datatrove", source, "-o", output, "--threads", str(threads),
         "--blocklists", BLOCKLISTS, "--quiet"])
    elapsed = time.perf_counter() - started
    kept = {}
    for name in sorted(os.listdir(output)):
        if name.endswith(".jsonl"):
            for line in open(os.path.join(output, name), encoding="utf-8"):
                record = json.loads(line)
                kept[record["id"]] = record["text"]
    return elapsed, kept


def datatrove_run(source, processes, scratch):
    lines = open(source, encoding="utf-8").read().splitlines(keepends=True)
    parts = []
    for index in range(processes):
        part = os.path.join(scratch, f"part-{processes}-{index}.jsonl")
        with open(part, "w", encoding="utf-8") as out:
            out.writelines(lines[index::processes] if processes > 1 else lines)
        parts.append(part)
    started = time.perf_counter()
    running = [subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts/reference/prep_datatrove.py"), "--chain-only",
                                 "--input", part, "--output", part + ".out", "--blocklists", BLOCKLISTS, "--bad-words", BAD_WORDS],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for part in parts]
    for process in running:
        if process.wait() != 0:
            raise SystemExit("datatrove run failed")
    elapsed = time.perf_counter() - started
    kept = {}
    for part in parts:
        for line in open(part + ".out", encoding="utf-8"):
            record = json.loads(line)
            if record["chain"]["stage"] is None:
                kept[record["id"]] = record["chain"]["text"]
    return elapsed, kept


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input")
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="prep-bench-")
    source = args.input
    if source is None:
        source = os.path.join(scratch, "testset.jsonl")
        run([sys.executable, os.path.join(ROOT, "scripts/reference/prep_testset.py"), "--corpus", os.environ["TOKKIT_CORPUS"],
             "--output", source])
    documents = [json.loads(line) for line in open(source, encoding="utf-8") if line.strip()]
    text_bytes = sum(len(d["text"].encode("utf-8")) for d in documents)
    run(["swift", "build", "-c", "release", "--product", "tokkit"], cwd=ROOT)
    binary = os.path.join(ROOT, ".build/release/tokkit")

    # Equal outputs first (the PII round-robin differs between one and N datatrove processes, so
    # the check uses the one-process runs).
    tokkit_one, tokkit_kept = tokkit_run(binary, source, 1, scratch)
    datatrove_one, datatrove_kept = datatrove_run(source, 1, scratch)
    same_ids = set(tokkit_kept) == set(datatrove_kept)
    same_text = sum(1 for i in tokkit_kept if datatrove_kept.get(i) == tokkit_kept[i])
    print(f"equal outputs: kept {len(tokkit_kept)} (tokkit) vs {len(datatrove_kept)} (datatrove), "
          f"same ids {same_ids}, identical texts {same_text}/{len(datatrove_kept)}")
    tokkit_all, _ = tokkit_run(binary, source, args.cores, scratch)
    datatrove_all, _ = datatrove_run(source, args.cores, scratch)

    def rate(seconds):
        return f"{len(documents) / seconds:9.0f} docs/s {text_bytes / seconds / 1e6:7.3f} MB/s"

    print(f"input: {len(documents)} documents, {text_bytes / 1e6:.2f} MB of text; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores; datatrove {version('datatrove')}, spaCy {version('spacy')}, Python {platform.python_version()}")
    print(f"one core   tokkit    {rate(tokkit_one)}  ({tokkit_one:.2f} s)")
    print(f"one core   datatrove {rate(datatrove_one)}  ({datatrove_one:.2f} s)   ratio {datatrove_one / tokkit_one:.1f}x")
    print(f"{args.cores} cores    tokkit    {rate(tokkit_all)}  ({tokkit_all:.2f} s)")
    print(f"{args.cores} cores    datatrove {rate(datatrove_all)}  ({datatrove_all:.2f} s)   ratio {datatrove_all / tokkit_all:.1f}x")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
