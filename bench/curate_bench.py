#!/usr/bin/env python3
"""MinHash de-duplication: Tokkit (`tokkit dedup minhash`) against datatrove's four-stage MinHash pipeline.

Input: documents of real text from the public corpus ($TOKKIT_CORPUS): each is two random paragraphs
(seeded), plus planted duplicates (3% exact copies, 3% copies with ~8% of the words replaced).

1. Same input, both sides, interleaved: the first --datatrove-docs documents through Tokkit (1 thread,
   --keep datatrove) and through datatrove (FineWeb's configuration: sha1, 64-bit, 14 x 8, 5-grams, seed
   1, one task per stage). The removed sets must be equal before any number is printed. Documents per
   CPU-second (user + system, children included, from `/usr/bin/time -v`) and peak RSS of each.
2. Tokkit alone on all --docs documents, with 1 thread and with every core; the two outputs (kept
   documents and clusters.tsv) must be byte-identical (clustering is deterministic for any thread count).

Each run covers the same work: read JSONL, sign, find band matches, cluster, write the kept documents.
On a shared, loaded machine wall time means little: per-core rates use CPU seconds.

    python3 bench/curate_bench.py --docs 1000000 --datatrove-docs 30000
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
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([0-9.]+)", result.stderr).group(1)) for kind in ("User", "System"))
    return seconds, cpu, rss


def tokkit_removed(out):
    return set(json.loads(line)["id"] for path in glob.glob(f"{out}/removed/*.jsonl") for line in open(path, encoding="utf-8"))


def digest(out):
    """sha256 of every output file (kept documents and clusters.tsv), by name."""
    import hashlib
    files = sorted(glob.glob(f"{out}/*.jsonl")) + [f"{out}/clusters.tsv"]
    return {os.path.basename(p): hashlib.sha256(open(p, "rb").read()).hexdigest() for p in files}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--datatrove-docs", type=int, default=30_000, help="documents both sides run (datatrove is slow)")
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
        rows = []

        # 1. The same documents through both, Tokkit first, then datatrove; outputs must agree.
        n = args.datatrove_docs
        small = os.path.join(work, "same", "docs.jsonl")
        os.makedirs(os.path.dirname(small))
        write_jsonl(small, docs[:n])
        out = os.path.join(work, "same-tk")
        seconds, cpu, rss = timed([args.tokkit, "dedup", "minhash", small, "-o", out, "--keep", "datatrove", "--removed",
                                   "--threads", "1", "--memory-mb", str(args.memory_mb), "--scratch", os.path.join(work, "scratch-same")])
        ours_removed = tokkit_removed(out)
        rows.append(("Tokkit, 1 thread (same input)", n, seconds, cpu, rss, len(ours_removed)))
        seconds, cpu, rss = timed([sys.executable, reference, "--input", small, "--work", os.path.join(work, "same-dt"),
                                   "--output", os.path.join(work, "same-dt.json")])
        theirs = json.load(open(os.path.join(work, "same-dt.json")))
        ids = [f"doc-{i:07d}" for i in range(n)]
        theirs_removed = set(ids[i] for i in theirs["removed"])
        rows.append(("datatrove, 1 process (same input)", n, seconds, cpu, rss, len(theirs_removed)))
        if ours_removed != theirs_removed:
            sys.exit(f"removed sets differ on {n} documents: only Tokkit {len(ours_removed - theirs_removed)}, "
                     f"only datatrove {len(theirs_removed - ours_removed)}")
        print(f"verified: on the same {n:,} documents Tokkit (--keep datatrove) and datatrove remove the same {len(ours_removed):,} documents")

        # 2. Tokkit on every document, 1 thread and all cores; outputs must be identical.
        digests = []
        for threads in (1, os.cpu_count()):
            out = os.path.join(work, f"tk-{threads}")
            seconds, cpu, rss = timed([args.tokkit, "dedup", "minhash", full, "-o", out, "--threads", str(threads),
                                       "--memory-mb", str(args.memory_mb), "--scratch", os.path.join(work, f"scratch-{threads}")])
            kept = sum(1 for path in glob.glob(f"{out}/*.jsonl") for _ in open(path))
            rows.append((f"Tokkit, {threads} thread(s)", len(docs), seconds, cpu, rss, len(docs) - kept))
            digests.append(digest(out))
            shutil.rmtree(out)
        deterministic = digests[0] == digests[1]

        print()
        load = os.getloadavg()[0]
        print(f"load average at the end: {load:.1f} on {os.cpu_count()} cores (a shared machine: per-core rates use CPU seconds)")
        print("| run | documents | wall s | CPU s | docs per CPU-second | peak RSS | removed |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, count, seconds, cpu, rss, removed in rows:
            print(f"| {name} | {count:,} | {seconds:.1f} | {cpu:.1f} | {count / cpu:,.0f} | {rss / 2**20:,.0f} MiB | {removed:,} |")
        tk, dt = rows[0][1] / rows[0][3], rows[1][1] / rows[1][3]
        print()
        print(f"same {n:,} documents, per core (documents per CPU-second): Tokkit {tk:,.0f} vs datatrove {dt:,.0f} = {tk / dt:.1f}x")
        print(f"same {n:,} documents, peak RSS: Tokkit {rows[0][4] / 2**20:,.0f} MiB vs datatrove {rows[1][4] / 2**20:,.0f} MiB "
              f"({rows[1][4] / rows[0][4]:.1f}x less)")
        print(f"{len(docs):,} documents: 1 thread {rows[2][1] / rows[2][3]:,.0f} docs per CPU-second, peak RSS {rows[2][4] / 2**20:,.0f} MiB "
              f"(--memory-mb {args.memory_mb}); {os.cpu_count()} threads {rows[3][1] / rows[3][2]:,.0f} docs per wall second")
        print(f"clustering deterministic (1 thread vs {os.cpu_count()}: kept documents and clusters.tsv byte-identical): {deterministic}")
        if not deterministic:
            sys.exit("outputs differ between thread counts")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
