#!/usr/bin/env python3
"""In-process Python encode benchmark: tokkit (the pip package) against tiktoken, quicktok-v1,
splintr-rs and HF tokenizers, on one long text and on many documents, one thread and all cores.

Each corpus file is cut into consecutive texts; every tool is warmed on the first and then timed once
on each of the others, the tools taking turns (a tool with a piece cache is never timed on a text it
has already seen). Every tool's ids are compared with tiktoken's on every text before its time is
reported (a tool whose ids differ is reported as differing, without a ratio). The Swift engine alone
(TokkitBench encode-warm, what the `tokkit` CLI runs) is timed the same way in the same rounds, for the
"Python package ÷ CLI per core" ratios. The report's header states these rules.

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
SECTION = "## Python package (`bench/python_bench.py`)"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def flat(batches):
    return [i for batch in batches for i in batch]


def split_documents(text: str) -> list[str]:
    """Paragraphs (blank-line separated): the size of a typical pre-training document."""
    return [part for part in re.split(r"\n\s*\n", text) if part]


_built = False


def build_release() -> None:
    """Builds TokkitBench and the `tokkit` CLI from this checkout (once per run; a no-op when they are up to
    date, so a stale binary is never measured)."""
    global _built
    if not _built:
        subprocess.run(["bash", "scripts/build-release", "TokkitBench", "tokkit"], check=True, cwd=ROOT, stdout=sys.stderr)
        _built = True


def tokkit_bench(*arguments: str) -> dict:
    """Runs TokkitBench (the CLI's engine, without Python) and returns its JSON line."""
    build_release()
    binary = os.path.join(ROOT, ".build", "release", "TokkitBench")
    output = subprocess.run([binary, *arguments], check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def cli_encode(vocab: str, path: str, documents: bool) -> tuple[float, list[int]]:
    """Runs the `tokkit encode` CLI as a user would, one process, on one thread: `tokkit encode FILE --vocab V
    --ordinary --format uint32 --threads 1` (with `--docs lines` for documents), writing to a file. Returns the
    process's CPU time (user + sys, from the children's rusage) and the ids it wrote."""
    build_release()
    import resource

    output = path + ".ids"
    command = [os.path.join(ROOT, ".build", "release", "tokkit"), "encode", path, "--vocab", vocab, "--ordinary",
               "--format", "uint32", "--threads", "1", "--quiet", "-o", output]
    if documents:
        command[5:5] = ["--docs", "lines"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(output, "rb") as file:
        data = file.read()
    os.remove(output)
    return cpu, [int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data), 4)]


def tiny_file(vocab: str) -> str:
    """A 12-byte text: what the CLI's fixed cost (process start, loading the vocabulary from the rank-table cache,
    writing an output) is measured on."""
    path = os.path.join("/tmp", f"tokkit-python-bench-tiny-{vocab}.txt")
    with open(path, "wb") as file:
        file.write(b"hello world\n")
    return path


# The order of the CLI's runs in a round: each kind twice, mirrored, so that a machine speeding up or slowing down
# over the round (this machine's speed moves by 2x between minutes) weighs on both kinds alike.
CLI_ORDER = ("one", "lines", "lines", "one")


def cli_round(vocab: str, path: str) -> dict:
    """One round of the CLI on the text at `path`, as one text and as lines: for each kind, the mean CPU time of its
    runs and the mean of the start-up runs that bracket them, and the ids it wrote. Every run on the text is
    bracketed by a run of the same command on the tiny file right before and right after it, and its start-up is the
    mean of the two: measured at the speed the run ran at, and a mean like the run it is subtracted from (the least of
    several start-up runs, as before, is an estimate biased low, and the difference then left in the CLI's time
    favoured the Python rows)."""
    tiny = tiny_file(vocab)
    runs = {kind: [] for kind in CLI_ORDER}
    ids = {}
    for kind in CLI_ORDER:
        documents = kind == "lines"
        before = cli_encode(vocab, tiny, documents)[0]
        seconds, ids[kind] = cli_encode(vocab, path, documents)
        after = cli_encode(vocab, tiny, documents)[0]
        runs[kind].append((seconds, (before + after) / 2))
    return {kind: (sum(s for s, _ in pairs) / len(pairs), sum(t for _, t in pairs) / len(pairs), ids[kind])
            for kind, pairs in runs.items()}


PER_CALL_TEXTS = (("2 bytes", "hi"), ("a sentence", "The quick brown fox jumps over the lazy dog, again and again."),
                  ("a paragraph", None))


def per_call(vocab, enc, ref_enc, peers, paragraph, rounds=5, calls=100_000):
    """µs of CPU time per call on short texts, each tool's calls interleaved round by round (the best
    round counts), ids compared with tiktoken's first: `encode_ordinary(text)` as a loop over documents
    calls it, and `encode(text)` with its default arguments, the call most users write (tiktoken's and
    tokkit's refuse special-token text, quicktok-v1's too; splintr-rs's matches it as special tokens: on
    these texts, which hold none, every tool's ids are the same). Each call is written `obj.method(text)`,
    the attribute looked up every time, as user code does. Rows: (text label, bytes, {tool: µs or 'differ'})."""
    objects = {"tokkit": enc, "tiktoken": ref_enc, "quicktok-v1": peers["quicktok-v1"].get_encoding(vocab),
               "splintr-rs": peers["splintr-rs"].Tokenizer.from_pretrained(vocab)}

    def loop(obj, method, text, repeat):
        if method == "encode":
            for _ in range(repeat):
                obj.encode(text)
        else:
            for _ in range(repeat):
                obj.encode_ordinary(text)

    rows = []
    for method in ("encode_ordinary", "encode"):
        for label, text in PER_CALL_TEXTS:
            text = text if text is not None else paragraph
            expected = ref_enc.encode_ordinary(text)
            best = {name: float("inf") for name in objects}
            same = {name: list(getattr(obj, method)(text)) == expected for name, obj in objects.items()}
            repeat = max(1000, calls * 60 // max(60, len(text.encode())))
            for _ in range(rounds):
                for name, obj in objects.items():
                    if not same[name]:
                        continue
                    gc.collect()
                    start = time.process_time()
                    loop(obj, method, text, repeat)
                    best[name] = min(best[name], (time.process_time() - start) / repeat * 1e6)
            rows.append((f"`{method}`, {label}", len(text.encode()),
                         {name: best[name] if same[name] else "differ" for name in objects}))
    return rows


def per_call_rows(vocab, enc, ref_enc, peers, paragraph) -> list[str]:
    """The per-call table's rows for one vocabulary (`per_call`'s measurements, ratios = the tool's time ÷ tokkit's)."""
    rows = []
    for label, length, micros in per_call(vocab, enc, ref_enc, peers, paragraph):
        cells = [f"{micros[t]:.3f}" if micros[t] != "differ" else "**differ**"
                 for t in ("tokkit", "tiktoken", "quicktok-v1", "splintr-rs")]
        ratios = [f"{micros[t] / micros['tokkit']:.2f}×" if "differ" not in (micros[t], micros["tokkit"]) else "—"
                  for t in ("tiktoken", "quicktok-v1", "splintr-rs")]
        rows.append(f"| {vocab} | {label} | {length} | " + " | ".join(cells + ratios) + " |")
    return rows


PER_CALL_START, PER_CALL_END = "<!-- python_bench: per-call rows -->", "<!-- python_bench: end of per-call rows -->"


def per_call_report(args, tiktoken, tokkit, peers, vocabs, size, rounds, calls) -> None:
    """`--per-call-only`: the per-call rows alone, on the same paragraph the full run picks (the first of 400-600
    bytes in round 1's text of public_en.txt), printed and, with --write, put into their own block of the section."""
    with open(os.path.join(args.corpus, "public_en.txt"), "rb") as file:
        raw = file.read()
    round_one = line_slices(raw, size, rounds + 1)[1].decode("utf-8")
    paragraph = next(d for d in split_documents(round_one) if 400 <= len(d.encode()) <= 600)
    for vocab in vocabs:
        enc = tokkit.get_encoding(vocab)
        ref_enc = tiktoken.Encoding(vocab, pat_str=enc._pat_str, mergeable_ranks=enc._mergeable_ranks,
                                    special_tokens=enc._special_tokens)
        calls += per_call_rows(vocab, enc, ref_enc, peers, paragraph)
    command = "python3 bench/python_bench.py" + "".join(f" --vocab {v}" for v in vocabs) + " --per-call-only --write"
    block = [PER_CALL_START, "### Per call, re-run alone", "",
             f"{datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, load average at start {os.getloadavg()[0]:.1f}, "
             f"{os.cpu_count()} cores. Command: `{command}`. The rules of the per-call table above (µs of CPU time per "
             "call, best of 5 rounds, the tools' rounds interleaved, ids compared with tiktoken's first; tokkit ÷ tool = "
             "the tool's time ÷ tokkit's).", ""] + calls + [PER_CALL_END]
    print("\n".join(block))
    if args.write:
        write_section(lambda section: replace_block(section, "\n".join(block), PER_CALL_START, PER_CALL_END))


def line_slices(raw: bytes, size: int, count: int) -> list[bytes]:
    """`count` consecutive pieces of `raw`, each about `size` bytes, cut at line ends."""
    slices, start = [], 0
    for _ in range(count):
        end = raw.rfind(b"\n", start, start + size) + 1
        if end <= start or start + size > len(raw):
            raise SystemExit(f"the corpus file has fewer than {count} pieces of {size} bytes: lower --megabytes or --rounds")
        slices.append(raw[start:end])
        start = end
    return slices


class Row:
    """One tool's measurement of one kind: CPU and wall seconds summed over the rounds, and whether
    every round's ids were equal to tiktoken's."""

    def __init__(self, tool, kind, run, check, size, all_cores=False):
        self.tool, self.kind, self.run, self.check, self.size, self.all_cores = tool, kind, run, check, size, all_cores
        # A batch returning lists: tokkit makes its lists with the collector paused, so the collection that walks
        # them (every id reference) comes after the call, where a peer's collections run while it builds its lists.
        # One young-generation collection inside the clock charges every tool for its lists at least once.
        self.collect = kind.startswith("documents, batch")
        self.cpu = self.wall = self.bytes = 0.0
        self.same = True
        self.per_round = []  # (wall MB/s, CPU MB/s) of each round, for the spread

    def measure(self, piece):
        """Times one call on this round's text (the result is freed after the clock stops)."""
        inputs = Inputs(piece)
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        result = self.run(inputs)
        if self.collect:
            gc.collect(0)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        self.cpu += cpu
        self.wall += wall
        self.bytes += self.size(piece)
        self.per_round.append((self.size(piece) / 1e6 / wall, self.size(piece) / 1e6 / cpu))
        self.same = self.same and self.check(result, piece)

    def rates(self):
        return self.bytes / 1e6 / self.wall, self.bytes / 1e6 / self.cpu

    def spread(self):
        """The lowest and highest round, on the clock that row's ratio uses (wall for all-core rows)."""
        return spread([wall if self.all_cores else cpu for wall, cpu in self.per_round])


def spread(rates) -> str:
    return f"{min(rates):.1f}–{max(rates):.1f}" if rates else "—"


def rotated(steps, index, rounds):
    """`steps` started at an offset that moves by 1/rounds of their number each round, so that over the rounds
    every tool runs early and late in a round: a slow minute at a round's start or end falls on each in turn."""
    k = index * len(steps) // max(1, rounds) % len(steps) if steps else 0
    return steps[k:] + steps[:k]


class Inputs:
    """One measurement's str objects, decoded afresh from the round's bytes before the clock starts.

    Why afresh: CPython keeps a str's UTF-8 once something asked for it, and every tool here asks for it
    (converting a non-ASCII str costs about 3 ms per 4 MB). With shared str objects the first tool timed
    would pay that for all the others; a user encoding text read from a file pays it once, so each tool does.
    """

    def __init__(self, piece):
        self.text = piece.raw.decode("utf-8")
        self.documents = [d.decode("utf-8") for d in piece.encoded_documents]
        self.prefix = piece.prefix.decode("utf-8")
        self.prefix_documents = [d.decode("utf-8") for d in piece.prefix_documents]


class Piece:
    """One round's text: the str, its paragraphs, tiktoken's ids of both, and the files the Swift
    engine reads."""

    def __init__(self, raw: bytes, ref_enc, cores: int, index: int, tag: str):
        self.raw, self.text = raw, raw.decode("utf-8")
        self.documents = split_documents(self.text)
        self.encoded_documents = [d.encode() for d in self.documents]
        self.doc_bytes = sum(len(d) for d in self.encoded_documents)
        self.ids = ref_enc.encode_ordinary(self.text)
        self.doc_ids = ref_enc.encode_ordinary_batch(self.documents, num_threads=cores)
        self.flat_ids = flat(self.doc_ids)
        # The first MB (HF tokenizers' rows: it runs at about 1 MB/s), as one text and as documents.
        self.prefix = raw[: raw.rfind(b"\n", 0, 1 << 20) + 1]
        self.prefix_ids = ref_enc.encode_ordinary(self.prefix.decode("utf-8"))
        self.prefix_documents, total = [], 0
        for document in self.encoded_documents:
            if total >= 1 << 20:
                break
            self.prefix_documents.append(document)
            total += len(document)
        # The text's lines (what `tokkit encode --docs lines` takes as documents: each line without its newline).
        self.line_ids = flat(ref_enc.encode_ordinary_batch(self.text.split("\n")[:-1], num_threads=cores))
        self.path = os.path.join("/tmp", f"tokkit-python-bench-{tag}-{index}.txt")
        self.docs_path = self.path + ".documents"
        self.boundaries_path = self.path + ".boundaries"
        with open(self.path, "wb") as file:
            file.write(raw)
        with open(self.docs_path, "wb") as file:
            file.write(b"".join(self.encoded_documents))
        bounds, total = [0], 0
        for document in self.encoded_documents:
            total += len(document)
            bounds.append(total)
        with open(self.boundaries_path, "wb") as file:
            file.write(b"".join(b.to_bytes(8, "little") for b in bounds))


def fresh_tokkit(tokkit, vocab):
    """A new handle on a bundled vocabulary (get_encoding shares one): each measured kind gets its own
    mergers, so no kind reads the piece cache another kind filled with this round's text."""
    from tokkit import registry

    file, sha256, pattern, specials, n_vocab = registry.DEFINITIONS[vocab]
    return tokkit.Encoding._from_file(vocab, os.path.join(registry.vocabulary_directory(), file), pat_str=pattern,
                                      special_tokens=specials, sha256=sha256, explicit_n_vocab=n_vocab)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=os.environ.get("TOKKIT_CORPUS", "/work/corpus"))
    parser.add_argument("--vocab", action="append", help="encodings to measure (default: cl100k_base, o200k_base)")
    parser.add_argument("--rounds", type=int, default=3, help="texts measured per corpus (each tool sees each once)")
    parser.add_argument("--megabytes", type=float, default=4.0, help="size of each round's text (and of the warm-up text)")
    parser.add_argument("--write", action="store_true", help="write the table into bench/RESULTS.md")
    parser.add_argument("--all-cores-only", action="store_true",
                        help="only the all-core rows (wall clock, for a quiet machine); with --write they replace only "
                             "the quiet re-run block of the section")
    parser.add_argument("--per-call-only", action="store_true",
                        help="only the per-call rows (2 bytes, a sentence, a paragraph; ids checked first); with --write "
                             "they replace only the per-call block of the section")
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
    size = int(args.megabytes * 1e6)
    load = os.getloadavg()[0]
    rounds = args.rounds
    command = "python3 bench/python_bench.py" + "".join(f" --vocab {v}" for v in vocabs) + \
        f" --megabytes {args.megabytes:g} --rounds {rounds} --write"
    out = [SECTION, "",
           f"Machine: {cores} cores, {cpu}, {platform.system()} {platform.release()}, Python {platform.python_version()}; "
           f"{datetime.date.today().isoformat()} {datetime.datetime.utcnow():%H:%M} UTC; load average at start "
           f"{os.getloadavg()[0]:.1f} (shared machine). Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) +
           f". Command: `{command}` (one run, in one Python process, from a venv with the wheel installed).", "",
           "How it measures (the same for every tool):",
           f"- **Same bytes, text never seen before.** Each corpus file is cut (at line ends) into {rounds + 1} consecutive "
           f"texts of {args.megabytes:g} MB. Every tool is warmed on the first (untimed), then timed once on each of the "
           f"other {rounds}, the tools taking turns within a round (every row, the engine's processes and the CLI's "
           "each once a round, starting from a place that moves by 1/rounds of the list each round, so that no tool "
           "always runs first or last: this machine's speed moves by 2× between minutes). Tokkit and splintr-rs keep a piece cache between "
           "calls: timing the best of several runs on one text would time a cache that already holds all of that text "
           "(tokkit ran 1.5-2x faster on a second call), so no tool is timed twice on a text, and each measured kind has "
           "its own encoder object (its own cache). A rate is the bytes of all rounds over their summed time; "
           "'lowest–highest round' gives the slowest and fastest round's rate (CPU time; wall for all-core rows), so a "
           "reader sees how much the machine moved.",
           "- **Same output kind.** `one text` rows return a list of ints (numpy rows say so); `documents` are the "
           "text's blank-line-separated paragraphs as a list of str, returned as a list of lists (or flat numpy + "
           "offsets where the row says numpy). The result is freed after the clock stops, for every tool. Each call gets "
           "str objects decoded afresh from the bytes before the clock starts, so every tool pays CPython's str → UTF-8 "
           "conversion (about 3 ms per 4 MB of non-ASCII text) as a user encoding text read from a file does; with "
           "shared str objects the first tool timed would pay it for the others.",
           "- **CPU time per core.** The machine is shared and loaded: ratios use CPU time (user + sys of the process), "
           "which other processes do not inflate. All-core rows give wall clock (tokkit ÷ tool on wall time); their CPU "
           "column is the total work.",
           "- **Lists are collected.** For the batch rows that return lists, one young-generation collection "
           "(`gc.collect(0)`) runs inside the clock after the call, for every tool: tokkit builds its lists with the "
           "collector paused, so the collection that walks them (each id reference) would otherwise come after the "
           "clock stops, while a peer's collections run inside its call.",
           "- **ids checked.** Every row's ids are compared with tiktoken's on every round ('=' in the ids column); a "
           "tool that differs gets no ratio.",
           "- **The CLI's engine** (TokkitBench `encode-warm`, Swift only, what `tokkit encode` runs) is timed the same "
           "way, in the same rounds: one process per round, warmed on the same earlier texts, then one encode of the "
           "round's text, as one text and as the same paragraphs in one flat batch (`Tokenizer.encodeDocuments`, one "
           "thread); its token counts are checked against tiktoken's.", ""]
    table = ["| corpus | vocab | input | tool | MB/s (wall) | MB/s (CPU time) | lowest–highest round | tokkit ÷ tool | ids |",
             "|---|---|---|---|---|---|---|---|---|"]
    summary = []
    cli_summary = []
    calls = ["| vocab | text | bytes | " + " | ".join(f"{t} µs" for t in ("tokkit", "tiktoken", "quicktok-v1", "splintr-rs"))
             + " | tokkit ÷ tiktoken | tokkit ÷ quicktok-v1 | tokkit ÷ splintr-rs |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    if args.per_call_only:
        per_call_report(args, tiktoken, tokkit, peers, vocabs, size, rounds, calls)
        return
    for corpus in ("public_en.txt", "public_multi.txt"):
        with open(os.path.join(args.corpus, corpus), "rb") as file:
            raw = file.read()
        texts = line_slices(raw, size, rounds + 1)
        for vocab in vocabs:
            enc = tokkit.get_encoding(vocab)
            ref_enc = tiktoken.Encoding(vocab, pat_str=enc._pat_str, mergeable_ranks=enc._mergeable_ranks,
                                        special_tokens=enc._special_tokens)
            log(f"{corpus} {vocab}: {rounds} rounds of {args.megabytes:g} MB, references from tiktoken")
            warm = Piece(texts[0], ref_enc, cores, 0, f"{corpus}-{vocab}")
            pieces = [Piece(t, ref_enc, cores, i + 1, f"{corpus}-{vocab}") for i, t in enumerate(texts[1:])]
            np_ref = {id(p): np.asarray(p.flat_ids, dtype=np.uint32) for p in pieces + [warm]}

            def one(p):
                return len(p.raw)

            def docs(p):
                return p.doc_bytes

            def ids_list(result, p):
                return list(result) == p.ids

            def ids_numpy(result, p):
                return np.array_equal(result, np.asarray(p.ids, dtype=np.uint32))

            def doc_lists(result, p):
                return [list(x) for x in result] == p.doc_ids

            def doc_numpy(result, p):
                flat_ids, offsets = result
                return np.array_equal(flat_ids, np_ref[id(p)]) and int(offsets[-1]) == len(p.flat_ids)

            t = {kind: fresh_tokkit(tokkit, vocab) for kind in ("one", "numpy", "all", "loop", "batch", "batch_all", "np1", "npall")}
            sp = {kind: peers["splintr-rs"].Tokenizer.from_pretrained(vocab) for kind in ("one", "rayon", "loop", "batch")}
            q = peers["quicktok-v1"].get_encoding(vocab)
            rows = [
                Row("**tokkit** encode_ordinary", "one text", lambda i: t["one"].encode_ordinary(i.text), ids_list, one),
                Row(f"tiktoken {versions['tiktoken']} encode_ordinary", "one text", lambda i: ref_enc.encode_ordinary(i.text), ids_list, one),
                Row("quicktok-v1 encode_ordinary", "one text", lambda i: q.encode_ordinary(i.text), ids_list, one),
                Row("splintr-rs encode_ordinary", "one text", lambda i: sp["one"].encode_ordinary(i.text), ids_list, one),
                Row("**tokkit** encode_to_numpy", "one text, numpy",
                    lambda i: t["numpy"].encode_to_numpy(i.text, disallowed_special=()), ids_numpy, one),
                Row("**tokkit** encode_ordinary(num_threads=0)", "one text, all cores",
                    lambda i: t["all"].encode_ordinary(i.text, num_threads=0), ids_list, one, all_cores=True),
                Row("splintr-rs encode_rayon", "one text, all cores", lambda i: sp["rayon"].encode_rayon(i.text), ids_list, one,
                    all_cores=True),
                Row("**tokkit** encode_ordinary per document", "documents, loop",
                    lambda i: [t["loop"].encode_ordinary(d) for d in i.documents], doc_lists, docs),
                Row("splintr-rs encode_ordinary per document", "documents, loop",
                    lambda i: [sp["loop"].encode_ordinary(d) for d in i.documents], doc_lists, docs),
                Row("**tokkit** encode_ordinary_batch(num_threads=1)", "documents, batch, 1 thread",
                    lambda i: t["batch"].encode_ordinary_batch(i.documents, num_threads=1), doc_lists, docs),
                Row("tiktoken encode_ordinary_batch(num_threads=1)", "documents, batch, 1 thread",
                    lambda i: ref_enc.encode_ordinary_batch(i.documents, num_threads=1), doc_lists, docs),
                Row(f"**tokkit** encode_ordinary_batch(num_threads={cores})", "documents, batch, all cores",
                    lambda i: t["batch_all"].encode_ordinary_batch(i.documents, num_threads=cores), doc_lists, docs,
                    all_cores=True),
                Row("splintr-rs encode_batch", "documents, batch, all cores", lambda i: sp["batch"].encode_batch(i.documents),
                    doc_lists, docs, all_cores=True),
                Row(f"tiktoken encode_ordinary_batch(num_threads={cores})", "documents, batch, all cores",
                    lambda i: ref_enc.encode_ordinary_batch(i.documents, num_threads=cores), doc_lists, docs, all_cores=True),
                Row("**tokkit** encode_batch_to_numpy(num_threads=1)", "documents, numpy, 1 thread",
                    lambda i: t["np1"].encode_batch_to_numpy(i.documents, num_threads=1, disallowed_special=()), doc_numpy, docs),
                Row("quicktok-v1 encode_batch(threads=1)", "documents, numpy, 1 thread",
                    lambda i: q.encode_batch(i.documents, threads=1), doc_numpy, docs),
                Row("**tokkit** encode_batch_to_numpy(num_threads=0)", "documents, numpy, all cores",
                    lambda i: t["npall"].encode_batch_to_numpy(i.documents, num_threads=0, disallowed_special=()), doc_numpy,
                    docs, all_cores=True),
                Row("quicktok-v1 encode_batch(threads=0)", "documents, numpy, all cores",
                    lambda i: q.encode_batch(i.documents, threads=0), doc_numpy, docs, all_cores=True),
            ]
            if args.all_cores_only:
                rows = [row for row in rows if row.all_cores]
            for row in rows:  # warm-up on the first text, untimed, with each row's own call
                row.run(Inputs(warm))
            # CPU seconds and bytes summed over the rounds, and each round's MB/s (for the spread).
            engine = {"one": [0.0, 0, []], "documents": [0.0, 0, []]}
            # The CLI as a process: one text and --docs lines, each run's fixed start-up (measured on a tiny file
            # beside it, in the same round) subtracted.
            cli = {kind: [0.0, 0, []] for kind in ("one", "lines", "raw one", "raw lines")}
            startups = []

            def add(totals, seconds, size):
                totals[0] += seconds
                totals[1] += size
                totals[2].append(size / 1e6 / seconds)

            def swift_engine(index, piece):
                history = [warm.path] + [p.path for p in pieces[:index]]
                warm_args = [a for path in history for a in ("--warm", path)]
                swift_one = tokkit_bench("encode-warm", "--vocab", vocab, "--file", piece.path, *warm_args)
                swift_docs = tokkit_bench("encode-warm", "--vocab", vocab, "--file", piece.docs_path,
                                          "--documents", piece.boundaries_path, *warm_args)
                if swift_one["tokens"] != len(piece.ids) or swift_docs["tokens"] != len(piece.flat_ids):
                    raise SystemExit(f"{corpus} {vocab}: TokkitBench's token counts differ from tiktoken's")
                add(engine["one"], swift_one["cpu_seconds"], len(piece.raw))
                add(engine["documents"], swift_docs["cpu_seconds"], piece.doc_bytes)

            def swift_cli(piece):
                measured = cli_round(vocab, piece.path)
                for kind, expected in (("one", piece.ids), ("lines", piece.line_ids)):
                    seconds, startup, ids = measured[kind]
                    if ids != expected:
                        raise SystemExit(f"{corpus} {vocab}: `tokkit encode` ({kind}) ids differ from tiktoken's")
                    startups.append(startup)
                    add(cli["raw " + kind], seconds, len(piece.raw))
                    add(cli[kind], seconds - startup, len(piece.raw))

            for index, piece in enumerate(pieces):
                log(f"  round {index + 1}/{rounds}")
                # Every row, the engine's processes and the CLI's each take their turn, from a place that moves
                # each round.
                steps = [lambda row=row: row.measure(piece) for row in rows]
                if not args.all_cores_only:
                    steps += [lambda: swift_engine(index, piece), lambda: swift_cli(piece)]
                for step in rotated(steps, index, rounds):
                    step()

            if args.all_cores_only:
                for row in rows:
                    mine = next(r for r in rows if r.kind == row.kind and r.tool.startswith("**tokkit**"))
                    ratio = f"{mine.rates()[0] / row.rates()[0]:.2f}×" if row.same and mine.same else "—"
                    table.append(f"| {corpus} | {vocab} | {row.kind} | {row.tool} | {row.rates()[0]:.1f} | "
                                 f"{row.rates()[1]:.1f} | {row.spread()} | {ratio} (wall) | {'=' if row.same else '**differ**'} |")
                continue
            # HF tokenizers (about 1 MB/s): the first MB of round 1's text and of its documents, against a tokkit
            # handle timed on the same bytes in the same way (warmed on the first MB of the warm-up text).
            try:
                json_path = os.path.join("/tmp", f"tokkit-python-bench-{vocab}.json")
                enc.save(json_path, "huggingface")
                hf, hf_tokkit = HF.from_file(json_path), fresh_tokkit(tokkit, vocab)

                prefix_bytes = lambda p: len(p.prefix)  # noqa: E731
                prefix_doc_bytes = lambda p: sum(len(d) for d in p.prefix_documents)  # noqa: E731
                hf_rows = [
                    Row("**tokkit** encode_ordinary (first MB)", "one text, HF input", lambda i: hf_tokkit.encode_ordinary(i.prefix),
                        lambda r, p: r == p.prefix_ids, prefix_bytes),
                    Row("HF tokenizers encode (first MB)", "one text, HF input",
                        lambda i: hf.encode(i.prefix, add_special_tokens=False).ids, lambda r, p: r == p.prefix_ids, prefix_bytes),
                    Row("**tokkit** encode_ordinary per document (first MB)", "documents, loop, HF input",
                        lambda i: [hf_tokkit.encode_ordinary(d) for d in i.prefix_documents],
                        lambda r, p: r == p.doc_ids[:len(r)], prefix_doc_bytes),
                    Row("HF tokenizers encode per document (first MB)", "documents, loop, HF input",
                        lambda i: [e.ids for e in (hf.encode(d, add_special_tokens=False) for d in i.prefix_documents)],
                        lambda r, p: r == p.doc_ids[:len(r)], prefix_doc_bytes),
                ]
                for row in hf_rows:
                    row.run(Inputs(warm))
                    row.measure(pieces[0])
                rows += hf_rows
            except Exception as error:
                table.append(f"| {corpus} | {vocab} | — | HF tokenizers | — | — | — | failed: {type(error).__name__}: {str(error)[:60]} | |")

            ours = {row.kind: row for row in rows if row.tool.startswith("**tokkit**")}
            for row in rows:
                if not row.same:
                    table.append(f"| {corpus} | {vocab} | {row.kind} | {row.tool} | — | — | — | — | **differ** |")
                    continue
                mine = ours[row.kind]
                wall, cpu_rate = row.rates()
                mine_wall, mine_cpu = mine.rates()
                ratio = f"{mine_wall / wall:.2f}× (wall)" if row.all_cores else f"{mine_cpu / cpu_rate:.2f}×"
                table.append(f"| {corpus} | {vocab} | {row.kind} | {row.tool} | {wall:.1f} | {cpu_rate:.1f} | {row.spread()} | {ratio} | = |")
            if corpus == "public_en.txt":
                paragraph = next(d for d in pieces[0].documents if 400 <= len(d.encode()) <= 600)
                calls += per_call_rows(vocab, enc, ref_enc, peers, paragraph)
            cli_rates = {kind: cli[kind][1] / 1e6 / cli[kind][0] for kind in cli}
            swift_one_rate = engine["one"][1] / 1e6 / engine["one"][0]
            swift_docs_rate = engine["documents"][1] / 1e6 / engine["documents"][0]

            def share(kind, against):
                return f"**{ours[kind].rates()[1] / against * 100:.0f}%**"

            summary.append(
                f"| {corpus} | {vocab} | {swift_one_rate:.1f} ({spread(engine['one'][2])}) | "
                f"{swift_docs_rate:.1f} ({spread(engine['documents'][2])}) | "
                f"{ours['one text'].rates()[1]:.1f} ({share('one text', swift_one_rate)}) | "
                f"{ours['one text, numpy'].rates()[1]:.1f} ({share('one text, numpy', swift_one_rate)}) | "
                f"{ours['documents, batch, 1 thread'].rates()[1]:.1f} ({share('documents, batch, 1 thread', swift_one_rate)} / "
                f"{share('documents, batch, 1 thread', swift_docs_rate)}) | "
                f"{ours['documents, numpy, 1 thread'].rates()[1]:.1f} ({share('documents, numpy, 1 thread', swift_one_rate)} / "
                f"{share('documents, numpy, 1 thread', swift_docs_rate)}) |")
            cli_summary.append(
                f"| {corpus} | {vocab} | {spread([t * 1e3 for t in startups])} | {cli_rates['raw one']:.1f} / "
                f"{cli_rates['one']:.1f} ({spread(cli['one'][2])}) | "
                f"{cli_rates['raw lines']:.1f} / {cli_rates['lines']:.1f} ({spread(cli['lines'][2])}) | "
                f"{share('one text', cli_rates['one'])} | {share('one text, numpy', cli_rates['one'])} | "
                f"{share('documents, batch, 1 thread', cli_rates['lines'])} | "
                f"{share('documents, numpy, 1 thread', cli_rates['lines'])} |")
    if args.all_cores_only:
        quiet = [QUIET_START, "### All-core rows, re-run on a quiet machine", "",
                 f"{datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, load average at start {load:.1f}, {cores} cores. Command: "
                 f"`{command.replace(' --write', ' --all-cores-only --write')}`. The same texts, warm-up and "
                 "rules as above; wall clock counts here (tokkit ÷ tool on wall time), the CPU column is the total work.",
                 ""] + table + [QUIET_END]
        print("\n".join(quiet))
        if args.write:
            write_section(lambda section: replace_quiet(section, "\n".join(quiet)))
        return
    out += table + ["", "Per call: µs of CPU time per call from a Python loop written `obj.encode_ordinary(text)` and "
                    "`obj.encode(text)` (default arguments: tiktoken's, quicktok-v1's and tokkit's refuse special-token "
                    "text, splintr-rs's encodes it as special tokens; these texts hold none, so every tool's ids are the "
                    "same), best of 5 rounds, the tools' rounds interleaved; ids compared with tiktoken's first; tokkit ÷ tool = the tool's time "
                    "÷ tokkit's (above 1: tokkit is faster). The paragraph is the first of 400-600 bytes in round 1's text. "
                    "Each tool calls the same short text again and again here, so its caches are warm by design: this "
                    "measures the cost of a call.", ""]
    out += calls + ["", "Python package ÷ the CLI's engine, per core (CPU-time MB/s, same texts, same rounds; the "
                    "percentage is the Python call's rate ÷ the engine's one-text rate, and for documents also ÷ the "
                    "engine's flat batch of the same paragraphs; the engine's lowest–highest round in parentheses):", "",
                    "| corpus | vocab | engine, one text | engine, documents | `encode_ordinary` (list) | "
                    "`encode_to_numpy` | `encode_ordinary_batch` (lists) ÷ one text / ÷ documents | "
                    "`encode_batch_to_numpy` ÷ one text / ÷ documents |",
                    "|---|---|---|---|---|---|---|---|"] + summary + [""]
    out += ["Python package ÷ the `tokkit encode` CLI as a process, per core (the issue's wording: \"the CLI's per-core "
            "rate\"). Same rounds, same text files: `tokkit encode FILE --vocab V --ordinary --format uint32 --threads 1 "
            "--quiet -o OUT` for one text, the same with `--docs lines` for documents (each line a document), each run a "
            "process of its own, each command twice per round (in the order one text, lines, lines, one text, so that a drift of the machine's speed over "
            "the round weighs on both alike), its ids checked equal to tiktoken's (`encode_ordinary` of the text; of each "
            "line). A CLI rate is the file's bytes over the process's CPU time (user + sys, children's rusage; the mean "
            "of the round's two runs) after subtracting the CLI's fixed start-up (process start, vocabulary from the "
            "rank-table cache, writing the output): the same command on a 12-byte file run right before and right "
            "after each run, the mean of those, so it is subtracted at the speed the run ran at and as a mean like the "
            "run's own time. The CLI process starts cold on every "
            "file (no piece cache from earlier text), where the Python rows are warmed on earlier text; the engine rows "
            "above are the strict comparison (same warm-up). Python's documents are the text's paragraphs, the CLI's "
            "its lines: same bytes, finer documents for the CLI.", "",
            "| corpus | vocab | CLI start-up (ms CPU, lowest–highest round) | CLI one text, MB/s CPU (raw / start-up subtracted; its lowest–highest round) | CLI `--docs "
            "lines` (raw / subtracted; lowest–highest) | `encode_ordinary` (list) ÷ CLI one text | `encode_to_numpy` ÷ CLI one text | "
            "`encode_ordinary_batch` (lists) ÷ CLI lines | `encode_batch_to_numpy` ÷ CLI lines |",
            "|---|---|---|---|---|---|---|---|---|"] + cli_summary + [""]
    out += [QUIET_START, "### All-core rows, re-run on a quiet machine", "",
            f"Not run yet: `{command.replace(' --write', ' --all-cores-only --write')}` replaces this block.", QUIET_END, ""]
    report = "\n".join(out)
    print(report)
    if args.write:
        write_section(lambda section: report)


QUIET_START, QUIET_END = "<!-- python_bench: quiet all-core rows -->", "<!-- python_bench: end of quiet all-core rows -->"


def replace_quiet(section: str, block: str) -> str:
    """The section with its quiet re-run block replaced by `block` (added at its end when it has none)."""
    return replace_block(section, block, QUIET_START, QUIET_END)


def replace_block(section: str, block: str, first: str, last: str) -> str:
    """The section with the block between the markers `first` and `last` replaced by `block` (added at its end
    when it has none)."""
    if first in section and last in section:
        start, end = section.index(first), section.index(last) + len(last)
        return section[:start] + block + section[end:]
    return section.rstrip("\n") + "\n\n" + block + "\n"


def write_section(make) -> None:
    """Rewrites bench/RESULTS.md's "Python package" section as `make(old section)` (temporary file, rename)."""
    results = os.path.join(ROOT, "bench", "RESULTS.md")
    existing = open(results).read() if os.path.exists(results) else ""
    if SECTION in existing:
        start = existing.index(SECTION)
        following = existing.find("\n## ", start + len(SECTION))
        end = following + 1 if following >= 0 else len(existing)
        section = make(existing[start:end]).rstrip("\n") + "\n"
        existing = existing[:start] + section + ("\n" + existing[end:] if following >= 0 else "")
    else:
        existing = existing.rstrip("\n") + "\n\n" + make("")
    with open(results + ".tmp", "w") as file:
        file.write(existing)
    os.replace(results + ".tmp", results)


if __name__ == "__main__":
    main()
