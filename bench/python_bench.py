#!/usr/bin/env python3
"""In-process Python encode benchmark: tokkit (the pip package) against tiktoken, quicktok-v1,
splintr-rs and HF tokenizers, on one long text and on many documents, one thread and all cores.

Every tool's ids are compared with tiktoken's on the same input before its time is reported (a tool
whose ids differ is reported as differing, without a time). The Swift engine alone (TokkitBench, what
the `tokkit` CLI runs) is measured on the same text, for the "Python package ÷ CLI per core" ratio.

Needs: `pip install ./integrations/python` (the release wheel), `pip install tiktoken==0.14.0
tokenizers==0.23.3 quicktok-v1==0.4.0 splintr-rs==0.22.0`, and the public corpus ($TOKKIT_CORPUS).
Writes its table to stdout and, with --write, into bench/RESULTS.md's "Python package" section.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HF_PREFIX = 4 << 20  # HF tokenizers runs at ~1-2 MB/s on one thread: its single-text time is on the first 4 MB
SECTION = "## Python package (`bench/python_bench.py`)"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def timed(function, repeats=1):
    """(best wall seconds, best CPU seconds, result) over `repeats` runs."""
    best_wall = best_cpu = float("inf")
    result = None
    for _ in range(repeats):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, result


def flat(batches):
    return [i for batch in batches for i in batch]


def split_documents(text: str) -> list[str]:
    """Paragraphs (blank-line separated): the size of a typical pre-training document."""
    return [part for part in re.split(r"\n\s*\n", text) if part]


def tokkit_bench(*arguments: str) -> dict:
    """Runs TokkitBench (the CLI's engine, without Python), built from this checkout first (a no-op when
    it is up to date, so a stale binary is never measured), and returns its JSON line."""
    subprocess.run(["swift", "build", "-c", "release", "--product", "TokkitBench"], check=True, cwd=ROOT,
                   stdout=sys.stderr)
    binary = os.path.join(ROOT, ".build", "release", "TokkitBench")
    output = subprocess.run([binary, *arguments], check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def swift_rate(vocab: str, path: str) -> dict:
    """TokkitBench's one-thread encode of the file as one text."""
    return tokkit_bench("encode", "--vocab", vocab, "--file", path, "--threads", "1")


def swift_documents_rate(vocab: str, path: str, repeats: int) -> dict:
    """TokkitBench's one-thread flat batch over the file's lines as documents (`encode-docs`: what
    `tokkit encode --docs lines` runs), best of two runs taken around the Python measurement."""
    return tokkit_bench("encode-docs", "--vocab", vocab, "--file", path, "--threads", "1", "--repeats", str(repeats))


PER_CALL_TEXTS = (("2 bytes", "hi"), ("a sentence", "The quick brown fox jumps over the lazy dog, again and again."),
                  ("a paragraph", None))


def per_call(vocab, enc, ref_enc, peers, paragraph, rounds=5, calls=100_000):
    """µs of CPU time per `encode_ordinary(text)` call on short texts, each tool's calls interleaved
    round by round (the best round counts), ids compared with tiktoken's first. Rows: (text label,
    bytes, {tool: µs or 'differ'})."""
    tools = {"tokkit": enc.encode_ordinary, "tiktoken": ref_enc.encode_ordinary,
             "quicktok-v1": peers["quicktok-v1"].get_encoding(vocab).encode_ordinary,
             "splintr-rs": peers["splintr-rs"].Tokenizer.from_pretrained(vocab).encode_ordinary}
    rows = []
    for label, text in PER_CALL_TEXTS:
        text = text if text is not None else paragraph
        expected = ref_enc.encode_ordinary(text)
        best = {name: float("inf") for name in tools}
        same = {name: list(function(text)) == expected for name, function in tools.items()}
        repeat = max(1000, calls * 60 // max(60, len(text.encode())))
        for _ in range(rounds):
            for name, function in tools.items():
                if not same[name]:
                    continue
                gc.collect()
                start = time.process_time()
                for _ in range(repeat):
                    function(text)
                best[name] = min(best[name], (time.process_time() - start) / repeat * 1e6)
        rows.append((label, len(text.encode()), {name: best[name] if same[name] else "differ" for name in tools}))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=os.environ.get("TOKKIT_CORPUS", "/work/corpus"))
    parser.add_argument("--vocab", action="append", help="encodings to measure (default: cl100k_base, o200k_base)")
    parser.add_argument("--repeats", type=int, default=3, help="tokkit's runs per measurement (best is kept)")
    parser.add_argument("--megabytes", type=float, default=4.0,
                        help="use the first N MB of each corpus file (cut at a line end); 0 = whole files")
    parser.add_argument("--write", action="store_true", help="write the table into bench/RESULTS.md")
    args = parser.parse_args()
    cores = os.cpu_count() or 1

    import numpy as np
    import tiktoken
    import tokenizers
    from tokenizers import Tokenizer as HF

    import tokkit

    if "site-packages" not in tokkit.__file__:
        raise SystemExit(f"tokkit is imported from {tokkit.__file__}: install the wheel (pip install ./integrations/python)")
    peers = {}
    for module, label in (("quicktok", "quicktok-v1"), ("splintr", "splintr-rs")):
        try:
            peers[label] = __import__(module)
        except ImportError:
            raise SystemExit(f"{label} is not installed: pip install {label}")
    from importlib.metadata import version

    versions = {"tiktoken": tiktoken.__version__, "tokenizers": tokenizers.__version__,
                "quicktok-v1": version("quicktok-v1"), "splintr-rs": version("splintr-rs")}
    vocabs = args.vocab or [v for v in ("cl100k_base", "o200k_base") if v in tokkit.list_encoding_names()]
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "")
    out = [SECTION, "",
           f"Machine: {cores} cores, {cpu}, {platform.system()} {platform.release()}, Python {platform.python_version()}; "
           f"{datetime.date.today().isoformat()}; load average at start {os.getloadavg()[0]:.1f} (shared machine). "
           f"Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ". "
           f"Command: `python3 bench/python_bench.py --megabytes {args.megabytes:g} --write` (one run, in one Python process, "
           f"from a venv with the wheel installed). MB/s = 10^6 bytes of UTF-8 input per second; every measurement is the "
           f"best of {args.repeats} (HF tokenizers: one), tokkit's and each peer's taken in the same run one after the other. "
           "Every row's ids were compared with tiktoken's first ('=' in the ids column). The machine is shared and was "
           "loaded: the ratio column uses CPU time (user + sys of the process), which other processes do not inflate. "
           f"One text = the corpus text (the first {args.megabytes:g} MB of each file, cut at a line end) as one str; "
           "documents = its blank-line-separated paragraphs, as a list of str. Outputs are Python lists unless the input "
           "column says numpy. Each row is compared with tokkit's row of the same input column: `one text` with "
           "`encode_ordinary`; `documents, loop` (a Python loop calling the one-text method per document) with tokkit's own "
           "loop; `documents, batch` with `encode_ordinary_batch` (CPU time on one thread / wall clock on all cores); "
           "`documents, all cores` (splintr-rs's `encode_batch` always uses every core) with tokkit's "
           "`encode_ordinary_batch(num_threads=all)` (CPU time = the total work / wall clock); `documents, numpy` with "
           "`encode_batch_to_numpy`; HF rows with tokkit on the same prefix.", ""]
    table = ["| corpus | vocab | input | tool | MB/s (wall) | MB/s (CPU time) | all cores MB/s (wall) | "
             "tokkit ÷ tool (CPU time / all cores wall) | ids |",
             "|---|---|---|---|---|---|---|---|---|"]
    summary = []
    calls = ["| vocab | text | bytes | " + " | ".join(f"{t} µs" for t in ("tokkit", "tiktoken", "quicktok-v1", "splintr-rs"))
             + " | tokkit ÷ tiktoken | tokkit ÷ quicktok-v1 | tokkit ÷ splintr-rs |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for corpus in ("public_en.txt", "public_multi.txt"):
        path = os.path.join(args.corpus, corpus)
        with open(path, "rb") as file:
            raw = file.read()
        if args.megabytes:
            raw = raw[: int(args.megabytes * 1e6)]
            raw = raw[: raw.rfind(b"\n") + 1]
        text = raw.decode("utf-8")
        path = os.path.join("/tmp", f"tokkit-python-bench-{corpus}")
        with open(path, "wb") as file:  # the same bytes for the Swift engine's measurement
            file.write(raw)
        documents = split_documents(text)
        mb = len(raw) / 1e6
        doc_mb = sum(len(d.encode()) for d in documents) / 1e6
        for vocab in vocabs:
            log(f"{corpus} {vocab}: {mb:.1f} MB, {len(documents)} documents")
            enc = tokkit.get_encoding(vocab)
            ref_enc = tiktoken.Encoding(vocab, pat_str=enc._pat_str, mergeable_ranks=enc._mergeable_ranks,
                                        special_tokens=enc._special_tokens)
            _, _, reference = timed(lambda: ref_enc.encode_ordinary(text))
            reference_docs = ref_enc.encode_ordinary_batch(documents, num_threads=cores)
            ref_flat = flat(reference_docs)
            rows = {}

            def add(tool, kind, single, multi, same):
                """single: (wall MB/s, CPU-time MB/s); multi: all-cores wall MB/s or None. Rows of one
                kind are compared with tokkit's row of that kind (KINDS)."""
                rows[(tool, kind)] = (single, multi, same)

            def rate(size, measured):
                return (size / measured[0], size / measured[1])

            r = args.repeats
            # tokkit
            w1, c1, ids = timed(lambda: enc.encode_ordinary(text), r)
            wn, _, ids_n = timed(lambda: enc.encode_to_numpy(text, disallowed_special=(), num_threads=0), r)
            add("**tokkit** encode_ordinary / encode_to_numpy(num_threads=0)", "one text", rate(mb, (w1, c1)), mb / wn,
                ids == reference and np.array_equal(ids_n, np.asarray(reference, dtype=np.uint32)))
            w1n, c1n, ids_1n = timed(lambda: enc.encode_to_numpy(text, disallowed_special=()), r)
            add("**tokkit** encode_to_numpy", "one text, numpy", rate(mb, (w1n, c1n)), None,
                np.array_equal(ids_1n, np.asarray(reference, dtype=np.uint32)))
            p1, cp1, dp = timed(lambda: [enc.encode_ordinary(d) for d in documents], r)
            add("**tokkit** encode_ordinary per document", "documents, loop", rate(doc_mb, (p1, cp1)), None, dp == reference_docs)
            b1, cb1, d1 = timed(lambda: enc.encode_ordinary_batch(documents, num_threads=1), r)
            bn, cbn, dn = timed(lambda: enc.encode_ordinary_batch(documents, num_threads=cores), r)
            add("**tokkit** encode_ordinary_batch (1 thread / all cores)", "documents, batch", rate(doc_mb, (b1, cb1)),
                doc_mb / bn, d1 == reference_docs and dn == reference_docs)
            f1, cf1, (fl1, _) = timed(lambda: enc.encode_batch_to_numpy(documents, num_threads=1, disallowed_special=()), r)
            fn, _, (fln, offn) = timed(lambda: enc.encode_batch_to_numpy(documents, num_threads=0, disallowed_special=()), r)
            add("**tokkit** encode_batch_to_numpy (flat numpy + offsets)", "documents, numpy", rate(doc_mb, (f1, cf1)), doc_mb / fn,
                fl1.tolist() == ref_flat and fln.tolist() == ref_flat and int(offn[-1]) == len(ref_flat))

            # tiktoken
            w, c, _ = timed(lambda: ref_enc.encode_ordinary(text), r)
            add(f"tiktoken {versions['tiktoken']} encode_ordinary", "one text", rate(mb, (w, c)), None, True)
            t1, ct1, r1 = timed(lambda: ref_enc.encode_ordinary_batch(documents, num_threads=1), r)
            tn, _, rn = timed(lambda: ref_enc.encode_ordinary_batch(documents, num_threads=cores), r)
            add("tiktoken encode_ordinary_batch (1 thread / all cores)", "documents, batch", rate(doc_mb, (t1, ct1)), doc_mb / tn,
                r1 == reference_docs and rn == reference_docs)

            # quicktok-v1
            try:
                q = peers["quicktok-v1"].get_encoding(vocab)
                w, c, got = timed(lambda: q.encode_ordinary(text), r)
                add("quicktok-v1 encode_ordinary", "one text", rate(mb, (w, c)), None, list(got) == reference)
                q1, cq1, (qt1, _) = timed(lambda: q.encode_batch(documents, threads=1), r)
                qn, _, (qtn, _) = timed(lambda: q.encode_batch(documents, threads=0), r)
                add("quicktok-v1 encode_batch (flat numpy + offsets)", "documents, numpy", rate(doc_mb, (q1, cq1)), doc_mb / qn,
                    list(qt1) == ref_flat and list(qtn) == ref_flat)
            except Exception as error:
                table.append(f"| {corpus} | {vocab} | — | quicktok-v1 | — | — | failed: {type(error).__name__}: {str(error)[:60]} | |")

            # splintr-rs: its per-document loop and its batch call (rayon, all cores; one thread is not selectable,
            # so its batch row is compared on all cores: wall clock, and CPU time = total work)
            try:
                s = peers["splintr-rs"].Tokenizer.from_pretrained(vocab)
                w, c, got = timed(lambda: s.encode_ordinary(text), r)
                wr, _, gotr = timed(lambda: s.encode_rayon(text), r)
                add("splintr-rs encode_ordinary / encode_rayon", "one text", rate(mb, (w, c)), mb / wr,
                    list(got) == reference and list(gotr) == reference)
                s1, cs1, g1 = timed(lambda: [s.encode_ordinary(d) for d in documents], r)
                add("splintr-rs encode_ordinary per document", "documents, loop", rate(doc_mb, (s1, cs1)), None,
                    [list(x) for x in g1] == reference_docs)
                sn, csn, gn = timed(lambda: s.encode_batch(documents), r)
                rows[("**tokkit** encode_ordinary_batch (all cores)", "documents, all cores")] = ((doc_mb / bn, doc_mb / cbn), doc_mb / bn, True)
                add("splintr-rs encode_batch (all cores)", "documents, all cores", (doc_mb / sn, doc_mb / csn), doc_mb / sn,
                    [list(x) for x in gn] == reference_docs)
            except Exception as error:
                table.append(f"| {corpus} | {vocab} | — | splintr-rs | — | — | failed: {type(error).__name__}: {str(error)[:60]} | |")

            # HF tokenizers, from the tokenizer.json tokkit writes for this vocabulary
            try:
                json_path = os.path.join("/tmp", f"tokkit-python-bench-{vocab}.json")
                enc.save(json_path, "huggingface")
                hf = HF.from_file(json_path)
                prefix = text.encode()[:HF_PREFIX].decode("utf-8", "ignore")
                pmb = len(prefix.encode()) / 1e6
                _, ct_prefix, _ = timed(lambda: enc.encode_ordinary(prefix), r)
                w, c, got = timed(lambda: hf.encode(prefix, add_special_tokens=False).ids)
                rows[("**tokkit** encode_ordinary (first 4 MB)", "one text, HF input")] = (rate(pmb, (ct_prefix, ct_prefix)), None, True)
                add("HF tokenizers encode (first 4 MB)", "one text, HF input", rate(pmb, (w, c)), None, got == ref_enc.encode_ordinary(prefix))
                some = documents[: max(1, len(documents) // 8)]
                some_mb = sum(len(d.encode()) for d in some) / 1e6
                _, ct_some, _ = timed(lambda: [enc.encode_ordinary(d) for d in some], r)
                h1, ch1, g1 = timed(lambda: [e.ids for e in (hf.encode(d, add_special_tokens=False) for d in some)])
                rows[("**tokkit** encode_ordinary per document (first 1/8)", "documents, loop, HF input")] = (rate(some_mb, (ct_some, ct_some)), None, True)
                add("HF tokenizers encode per document (first 1/8 of documents)", "documents, loop, HF input",
                    rate(some_mb, (h1, ch1)), None, g1 == reference_docs[:len(some)])
            except Exception as error:
                table.append(f"| {corpus} | {vocab} | — | HF tokenizers | — | — | failed: {type(error).__name__}: {str(error)[:60]} | |")

            ours = {kind: value for (tool, kind), value in rows.items() if tool.startswith("**tokkit**")}
            for (tool, kind), (single, multi, same) in rows.items():
                if not same:
                    table.append(f"| {corpus} | {vocab} | {kind} | {tool} | — | — | — | — | **differ** |")
                    continue
                mine_single, mine_multi, _ = ours[kind]
                ratio = f"{mine_single[1] / single[1]:.2f}×" + (f" / {mine_multi / multi:.2f}×" if multi and mine_multi else "")
                multi_text = f"{multi:.1f}" if multi else "—"
                table.append(f"| {corpus} | {vocab} | {kind} | {tool} | {single[0]:.1f} | {single[1]:.1f} | {multi_text} | "
                             f"{ratio} | = |")
            if corpus == "public_en.txt":
                paragraph = next(d for d in documents if 400 <= len(d.encode()) <= 600)
                for label, size, micros in per_call(vocab, enc, ref_enc, peers, paragraph):
                    cells = [f"{micros[t]:.3f}" if micros[t] != "differ" else "**differ**"
                             for t in ("tokkit", "tiktoken", "quicktok-v1", "splintr-rs")]
                    ratios = [f"{micros[t] / micros['tokkit']:.2f}×" if "differ" not in (micros[t], micros["tokkit"]) else "—"
                              for t in ("tiktoken", "quicktok-v1", "splintr-rs")]
                    calls.append(f"| {vocab} | {label} | {size} | " + " | ".join(cells + ratios) + " |")
            # Lines as documents, the same bytes for Python's batch calls and the Swift engine's flat batch.
            lines = text.split("\n")[:-1]
            lines_mb = sum(len(line.encode()) for line in lines) / 1e6
            before = swift_documents_rate(vocab, path, r)
            _, cl, lines_ids = timed(lambda: enc.encode_ordinary_batch(lines, num_threads=1), r)
            _, cln, (lines_flat, _) = timed(lambda: enc.encode_batch_to_numpy(lines, num_threads=1, disallowed_special=()), r)
            after = swift_documents_rate(vocab, path, r)
            swift_lines = max(before["batch_cpu_mbps"], after["batch_cpu_mbps"])
            lines_reference = ref_enc.encode_ordinary_batch(lines, num_threads=cores)
            if lines_ids != lines_reference or lines_flat.tolist() != flat(lines_reference) \
                    or before["batch_tokens"] != len(lines_flat):
                raise SystemExit(f"{corpus} {vocab}: the lines' ids differ between tokkit, tiktoken and TokkitBench")
            swift = swift_rate(vocab, path)
            summary.append(f"- {corpus} {vocab}: CPU-time MB/s on one thread: Python `encode_ordinary` (list) "
                           f"{mb / c1:.1f}, `encode_to_numpy` {mb / c1n:.1f}, `encode_ordinary_batch` (list, documents) "
                           f"{doc_mb / cb1:.1f}; the Swift engine (TokkitBench, one text) {swift['cpu_mbps']:.1f}: "
                           f"**{mb / c1 / swift['cpu_mbps'] * 100:.0f}%** / **{mb / c1n / swift['cpu_mbps'] * 100:.0f}%** / "
                           f"**{doc_mb / cb1 / swift['cpu_mbps'] * 100:.0f}%** of the CLI's per-core rate "
                           f"(wall clock: {mb / w1:.1f} / {mb / w1n:.1f} vs {swift['mbps']:.1f} MB/s). "
                           f"Lines as documents ({len(lines)}): `encode_ordinary_batch` (list) {lines_mb / cl:.1f}, "
                           f"`encode_batch_to_numpy` {lines_mb / cln:.1f}; the Swift engine's flat batch on the same lines "
                           f"(TokkitBench encode-docs, one thread) {swift_lines:.1f}: **{lines_mb / cl / swift_lines * 100:.0f}%** / "
                           f"**{lines_mb / cln / swift_lines * 100:.0f}%**.")
    out += table + ["", "Per call: µs of CPU time per `encode_ordinary(text)` call from a Python loop (best of 5 rounds, "
                    "the tools' rounds interleaved; ids compared with tiktoken's first); tokkit ÷ tool = the tool's time "
                    "÷ tokkit's (above 1: tokkit is faster). The paragraph is the corpus's first of 400-600 bytes.", ""]
    out += calls + ["", "Python package ÷ the CLI's engine, per core:", ""] + summary + [""]
    report = "\n".join(out)
    print(report)
    if args.write:
        results = os.path.join(ROOT, "bench", "RESULTS.md")
        existing = open(results).read() if os.path.exists(results) else ""
        if SECTION in existing:
            start = existing.index(SECTION)
            following = existing.find("\n## ", start + len(SECTION))
            existing = existing[:start] + report + (existing[following + 1:] if following >= 0 else "")
        else:
            existing = existing.rstrip("\n") + "\n\n" + report
        with open(results + ".tmp", "w") as file:
            file.write(existing)
        os.replace(results + ".tmp", results)


if __name__ == "__main__":
    main()
