#!/usr/bin/env python3
"""MinHash de-duplication: Tokkit (`tokkit dedup minhash`) against datatrove's four-stage MinHash pipeline.

Input: documents of real text from the public corpus ($TOKKIT_CORPUS): each is two random paragraphs
(seeded), plus planted duplicates (3% exact copies, 3% copies with ~8% of the words replaced).

1. Equal outputs first: on the first --verify-docs documents both run FineWeb's configuration (sha1, 64-bit,
   14 x 8, 5-grams, seed 1); Tokkit with --keep datatrove must remove exactly datatrove's documents.
2. Speed and memory: Tokkit on all --docs documents (1 thread and all threads), datatrove on
   --datatrove-docs documents (scaled down: it runs at a few thousand documents/s per core; the ratio is
   per document). Each side's wall time covers the same work: read JSONL, sign, find band matches, cluster,
   write the kept documents. Peak memory is the maximum RSS of the process (`/usr/bin/time -v`).

    python3 bench/curate_bench.py --docs 1000000 --datatrove-docs 50000
"""
import argparse
import glob
import importlib.metadata
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build_documents(count, seed=7):
    corpus = os.environ.get("TOKKIT_CORPUS", os.path.join(ROOT, ".corpus"))
    text = ""
    for name in ("public_en.txt", "public_multi.txt"):
        with open(os.path.join(corpus, name), encoding="utf-8", errors="replace") as f:
            text += f.read() + "\n\n"
    paragraphs = [p.strip() for p in text.split("\n\n") if len(p.split()) >= 8]
    rng = random.Random(seed)
    docs = []
    planted = 0
    for i in range(count):
        roll = rng.random()
        if docs and roll < 0.03:
            docs.append(rng.choice(docs))
            planted += 1
        elif docs and roll < 0.06:
            words = rng.choice(docs).split(" ")
            for _ in range(max(1, len(words) // 12)):
                words[rng.randrange(len(words))] = rng.choice(paragraphs).split(" ")[0]
            docs.append(" ".join(words))
            planted += 1
        else:
            docs.append(rng.choice(paragraphs) + "\n\n" + rng.choice(paragraphs))
    return docs, planted


def write_jsonl(path, docs):
    with open(path, "w", encoding="utf-8") as f:
        for i, doc in enumerate(docs):
            f.write(json.dumps({"id": f"doc-{i:07d}", "text": doc}) + "\n")


def timed(command, **kwargs):
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True, **kwargs)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr[-3000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) * 1024
    return seconds, rss, result.stderr


def tokkit_removed(out):
    return set(json.loads(line)["id"] for path in glob.glob(f"{out}/removed/*.jsonl") for line in open(path, encoding="utf-8"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--datatrove-docs", type=int, default=50_000)
    ap.add_argument("--verify-docs", type=int, default=20_000)
    ap.add_argument("--tokkit", default=os.path.join(ROOT, ".build/release/tokkit"))
    ap.add_argument("--memory-mb", type=int, default=256)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="curate-bench-")
    try:
        docs, planted = build_documents(args.docs)
        full = os.path.join(work, "full", "docs.jsonl")
        os.makedirs(os.path.dirname(full))
        write_jsonl(full, docs)
        size = os.path.getsize(full)
        print(f"input: {len(docs):,} documents ({planted:,} planted duplicates), {size / 1e6:.0f} MB of JSONL from the public corpus")
        print(f"datatrove {importlib.metadata.version('datatrove')}, spaCy {importlib.metadata.version('spacy')}, "
              f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
        reference = os.path.join(ROOT, "scripts/reference/datatrove_minhash.py")

        # 1. Equal outputs.
        small = os.path.join(work, "verify", "docs.jsonl")
        os.makedirs(os.path.dirname(small))
        write_jsonl(small, docs[: args.verify_docs])
        subprocess.run([sys.executable, reference, "--input", small, "--work", os.path.join(work, "verify-dt"),
                        "--output", os.path.join(work, "verify-dt.json")], check=True, capture_output=True)
        theirs = json.load(open(os.path.join(work, "verify-dt.json")))
        ids = [f"doc-{i:07d}" for i in range(args.verify_docs)]
        theirs_removed = set(ids[i] for i in theirs["removed"])
        subprocess.run([args.tokkit, "dedup", "minhash", small, "-o", os.path.join(work, "verify-tk"), "--keep", "datatrove", "--removed"],
                       check=True, capture_output=True)
        ours_removed = tokkit_removed(os.path.join(work, "verify-tk"))
        if ours_removed != theirs_removed:
            sys.exit(f"removed sets differ on {args.verify_docs} documents: only Tokkit {len(ours_removed - theirs_removed)}, "
                     f"only datatrove {len(theirs_removed - ours_removed)}")
        print(f"verified: on the first {args.verify_docs:,} documents Tokkit (--keep datatrove) and datatrove remove the same "
              f"{len(ours_removed):,} documents")

        # 2. Speed and memory.
        rows = []
        for threads in (1, os.cpu_count()):
            out = os.path.join(work, f"tk-{threads}")
            seconds, rss, log = timed([args.tokkit, "dedup", "minhash", full, "-o", out, "--threads", str(threads),
                                       "--memory-mb", str(args.memory_mb), "--scratch", os.path.join(work, f"scratch-{threads}")])
            kept = sum(1 for path in glob.glob(f"{out}/*.jsonl") for _ in open(path))
            rows.append((f"Tokkit, {threads} thread(s)", len(docs), seconds, rss, len(docs) - kept))
            shutil.rmtree(out)
        dt_input = os.path.join(work, "dt", "docs.jsonl")
        os.makedirs(os.path.dirname(dt_input))
        write_jsonl(dt_input, docs[: args.datatrove_docs])
        seconds, rss, _ = timed([sys.executable, reference, "--input", dt_input, "--work", os.path.join(work, "dt-work"),
                                 "--output", os.path.join(work, "dt.json")])
        dt_removed = len(json.load(open(os.path.join(work, "dt.json")))["removed"])
        rows.append(("datatrove, 1 process", args.datatrove_docs, seconds, rss, dt_removed))

        print()
        print("| run | documents | seconds | docs/s | peak RSS | removed |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, n, seconds, rss, removed in rows:
            print(f"| {name} | {n:,} | {seconds:.1f} | {n / seconds:,.0f} | {rss / 2**20:,.0f} MiB | {removed:,} |")
        tk1 = rows[0][1] / rows[0][2]
        dt = rows[-1][1] / rows[-1][2]
        print()
        print(f"per core: Tokkit {tk1:,.0f} docs/s vs datatrove {dt:,.0f} docs/s = {tk1 / dt:.1f}x "
              f"(datatrove scaled down to {args.datatrove_docs:,} documents)")
        print(f"peak memory: Tokkit {rows[0][3] / 2**20:,.0f} MiB on {len(docs):,} documents (--memory-mb {args.memory_mb}) vs "
              f"datatrove {rows[-1][3] / 2**20:,.0f} MiB on {args.datatrove_docs:,}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
