#!/usr/bin/env python3
"""Encoding benchmark: tokkit against the anchors, same text, same vocabulary, measured in one run.

  python3 bench/encode_bench.py [--corpus DIR] [--differential N] [--no-build]
  python3 bench/encode_bench.py --peers [--rounds R] [--spread] [--corpus DIR] [--no-build]   # the 2026 peers only (below)

For gpt2 and cl100k on public_en and public_multi (scripts/corpus/build-public-corpus.sh): tokkit
(release build, through bench/TokkitBench) vs tiktoken encode_ordinary, encode_ordinary_batch with
1 and 2 threads, HF tokenizers, bpe-openai, tokendagger, kitoken (whichever import). Every tool's
ids are compared with tiktoken's on the same text before its time is printed; a tool whose ids
differ gets no time. Multi-threaded runs and tools with input limits get the text cut at safe cuts
(a newline between printable ASCII and a letter: a piece boundary that no later text can move, see
StreamingEncoder), so their concatenated ids must still equal whole-text ids. Also: pre-splitting
alone (scanner vs ICU), decode MB/s, peak memory of `tokkit encode` as the input grows ten-fold,
and the scanner-vs-ICU differential on N random strings per pattern. Results go to the "Encoding"
section of bench/RESULTS.md (other sections are kept).

--peers: tokkit against the exact encoders of 2026 on gpt2, cl100k_base and o200k_base, one large text
and per document (each line one document), all measured in the same run: quicktok-v1, splintr-rs,
riptoken, bpe-openai (and tiktoken). Each peer's ids are compared with tiktoken's first; a peer whose
ids differ is reported as differing and gets no ratio. tokkit's per-document rate is the whole
`tokkit encode --docs lines` process (start-up, reading and writing included), the peers' is their
in-process batch call. Writes the "Encoding against the 2026 peers" section of bench/RESULTS.md.
A peer with two calls for one text on one thread (quicktok-v1: `encode`, which builds a Python list, and
`encode_batch([text], 1 thread)`, which returns numpy ids) is timed in both; its rate is the faster.
One text on one thread is timed three ways, because the tools keep warm state across calls (quicktok-v1's
first call in a process is 1.5× slower than its third, splintr-rs's ~3× even with its cache emptied):
with a cold piece cache (tokkit: a fresh merger each run; splintr-rs: cache emptied; quicktok-v1: a new encoder,
see `Renewed`), **first call** (each
peer in a fresh process, `--first-call`; tokkit: the first run of a fresh TokkitBench), and **warm** (every
cache kept; tokkit: `TokkitBench encode --keep-cache`). The speed of this shared machine moves by 2× between
minutes, so the tools are interleaved: an untimed round (ids checked, set-up, warm-up), then R timed rounds
(default 5) in which every tool runs each of its calls once, column by column, the tools' order rotating by
one place a round; each column reports each tool's best round (--spread adds each column's lowest and highest
round for tokkit and the fastest peer). A tool whose runs were back to back lost them all to one slow minute.

--first-call TOOL VOCAB FILE: one encode of FILE as one text by TOOL (tiktoken, quicktok-v1, splintr-rs,
riptoken, bpe-openai) in this fresh process, set-up outside the clock; prints one JSON object with the CPU
and wall seconds and the SHA-256 of the ids (little-endian uint32), which --peers checks against tiktoken's.

--peers --per-document-only: per document only, apples to apples: tokkit's in-process per-document engine
(`TokkitBench encode-docs --batch-only`, the same lines as documents, cut outside the clock as the peers'
lists are) beside quicktok-v1, splintr-rs, riptoken and tiktoken batch calls of the same lines, and the
whole `tokkit encode --docs lines` process in its own labelled columns; 1 and 2 threads, rounds
interleaved, ids checked per line against tiktoken's first. Writes "Per document against the 2026 peers".

--per-document: tokkit's per-document rate against its own single-text rate (issue #14: at least
90%), in CPU time, rounds interleaved, best of each: in process (`TokkitBench encode-docs`: the flat
batch path, one text, and one array per document as before the flat path), and as whole processes
(`tokkit encode` of the file as one text, `--docs lines`, the same lines as JSONL records, and
`tokkit shard --docs lines`; child CPU time from getrusage), each whole-process ratio also paired round
by round (the median of each round's one text over its per-document process, with the least and most:
on a shared host the best of each side may come from different minutes). Ids of the encode runs are
checked against tiktoken first. Writes the "Per-document encoding" section of bench/RESULTS.md.
"""
import argparse
import array
import datetime
import hashlib
import json
import os
import platform
import re
import subprocess
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ["TIKTOKEN_CACHE_DIR"] = ""
O200K_PATTERN = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""", r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""", r"""\s*[\r\n]+""", r"""\s+(?!\S)""", r"""\s+"""])
PATTERNS = {  # tiktoken 0.14.0 tiktoken_ext/openai_public.py, as in DESIGN.md
    "gpt2": r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s""",
    "cl100k_base": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
}
SPECIALS = {"gpt2": {"<|endoftext|>": 50256},
            "cl100k_base": {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
                            "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276}}
SAFE_CUT = re.compile(r"(?<=[!-~]\n)(?=[A-Za-z])")
HF_PREFIX = 4 << 20  # HF tokenizers runs at ~1 MB/s: timed on the first 4 MB (same text for its reference ids)


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def bench_binary():
    return os.path.join(ROOT, ".build", "release", "TokkitBench")


def run_bench(*args):
    out = subprocess.run([bench_binary(), *args], check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def chunks(text, size):
    """Cuts text at safe cuts near every `size` characters."""
    cuts = [m.start() for m in SAFE_CUT.finditer(text)]
    pieces, start, k = [], 0, 0
    while True:
        target = start + size
        while k < len(cuts) and cuts[k] <= target:
            k += 1
        if target >= len(text) or k == 0 or cuts[k - 1] <= start:
            nxt = next((c for c in cuts[k:] if c > start), None) if target < len(text) else None
            if nxt is None:
                pieces.append(text[start:])
                return pieces
            pieces.append(text[start:nxt])
            start = nxt
            continue
        pieces.append(text[start:cuts[k - 1]])
        start = cuts[k - 1]


CPU = {}  # the least CPU seconds of the last `timed` call's runs, for single-threaded tools


def timed(fn, repeats=1, before=None):
    """The least wall time of `repeats` runs of `fn` (and the least CPU time, in `CPU["last"]`), with the
    last run's result; `before` runs ahead of each run, outside the clocks (a peer's cache to empty)."""
    best, result = float("inf"), None
    CPU["last"] = float("inf")
    for _ in range(repeats):
        if before:
            before()
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        best = min(best, time.perf_counter() - t)
        CPU["last"] = min(CPU["last"], time.process_time() - c)
    return best, result


def flatten(lists):
    out = []
    for ids in lists:
        out.extend(ids)
    return out


def peak_rss_mb(args):
    """The child's own high-water mark (VmHWM, reset at exec), polled until it exits. (getrusage's
    ru_maxrss would count the forked Python, which holds the corpora and their ids.)"""
    peak = 0
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen(args, stdout=devnull, stderr=subprocess.PIPE, cwd=ROOT)
        while proc.poll() is None:
            try:
                with open(f"/proc/{proc.pid}/status") as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            peak = max(peak, int(line.split()[1]))
            except OSError:
                pass
            time.sleep(0.01)
    if proc.returncode != 0:
        raise RuntimeError(f"{args} failed: {proc.stderr.read().decode()}")
    return peak / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=os.environ.get("TOKKIT_CORPUS", "/work/corpus"))
    parser.add_argument("--differential", type=int, default=10_000_000, help="random strings per pattern")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--peers", action="store_true", help="only tokkit against the 2026 peers")
    parser.add_argument("--per-document", action="store_true", help="only tokkit per document against tokkit on one text")
    parser.add_argument("--per-document-only", action="store_true",
                        help="with --peers: only the per-document columns, tokkit's in-process engine and whole process beside the peers' batch calls")
    parser.add_argument("--rounds", type=int, default=None,
                        help="interleaved timed rounds, best of each (--peers: 5; --per-document, --peers --per-document-only: 3)")
    parser.add_argument("--spread", action="store_true", help="--peers: also the lowest and highest rate of the rounds per column")
    parser.add_argument("--corpora", nargs="+", default=["public_en.txt", "public_multi.txt"])
    parser.add_argument("--prefix-mb", type=float, default=None, help="--peers, --per-document: only the first N MB of each corpus (cut at a line end)")
    parser.add_argument("--first-call", nargs=3, metavar=("TOOL", "VOCAB", "FILE"),
                        help="time one encode of FILE by TOOL in this fresh process; print CPU seconds and the ids' SHA-256")
    args = parser.parse_args()
    if args.rounds is None:
        args.rounds = 5 if args.peers and not args.per_document_only else 3
    cores = os.cpu_count() or 1
    if args.first_call:
        return first_call(*args.first_call)

    if not args.no_build:
        log("building release …")
        subprocess.run(["bash", "scripts/build-release"], check=True, cwd=ROOT, stdout=sys.stderr)
    # The binaries timed are scripts/build-release's (another release build would put slower ones in their place);
    # the check says what to run when they are not.
    if subprocess.run(["bash", "scripts/build-release", "--check", "tokkit", "TokkitBench"], cwd=ROOT).returncode != 0:
        sys.exit(1)
    if args.peers and args.per_document_only:
        return peers_per_document(args)
    if args.peers:
        return peers(args)
    if args.per_document:
        return per_document(args)

    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    anchors = {}
    try:
        import tokenizers
        anchors["HF tokenizers " + tokenizers.__version__] = "hf"
    except ImportError:
        log("tokenizers not installed")
    try:
        import bpe_openai
        anchors["bpe-openai " + bpe_openai.__version__] = "bpe_openai"
    except ImportError:
        log("bpe-openai not installed")
    try:
        import tokendagger
        anchors["tokendagger"] = "tokendagger"
    except ImportError:
        log("tokendagger not installed (pip install tokendagger needs libpcre2-dev)")
    try:
        import kitoken
        anchors["kitoken"] = "kitoken"
    except ImportError:
        log("kitoken not installed")

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    lines = [f"Machine: {cores} cores (`nproc`), {cpu}, {platform.system()} {platform.release()}; "
             f"{datetime.date.today().isoformat()}; tiktoken {tiktoken.__version__}. "
             f"load average at start {os.getloadavg()[0]:.1f} (the machine is shared: CPU-time MB/s, which other processes do not inflate, is given beside wall-clock for one thread). "
             f"Command: `python3 bench/encode_bench.py`. MB/s = 10^6 bytes of UTF-8 input per second; tokkit best of 3, anchors one run.", ""]
    tmp = tempfile.mkdtemp(prefix="tokkit-bench-")
    hf_files = {}
    for vocab in PATTERNS:
        hf_files[vocab] = os.path.join(tmp, vocab + ".json")
        subprocess.run([bench_binary(), "export-hf", "--vocab", vocab, "--output", hf_files[vocab]], check=True, cwd=ROOT)

    table = ["| corpus | vocab | tool | 1 thread MB/s (wall) | 1 thread MB/s (CPU time) | all cores MB/s | tokkit ÷ tool, 1 thread (wall / CPU) | ids |",
             "|---|---|---|---|---|---|---|---|"]
    ratios = []
    for corpus in ["public_en.txt", "public_multi.txt"]:
        path = os.path.join(args.corpus, corpus)
        raw = open(path, "rb").read()
        text = raw.decode("utf-8")
        mb = len(raw) / 1e6
        for vocab in PATTERNS:
            log(f"{corpus} {vocab}")
            ranks = load_tiktoken_bpe(os.path.join(ROOT, "vocabularies", vocab + ".tiktoken"))
            enc = tiktoken.Encoding(vocab, pat_str=PATTERNS[vocab], mergeable_ranks=ranks, special_tokens=SPECIALS[vocab])
            t_tik, ref = timed(lambda: enc.encode_ordinary(text))
            c_tik = CPU["last"]
            ids_file = os.path.join(tmp, "ids.u32")
            one = run_bench("encode", "--vocab", vocab, "--file", path, "--threads", "1", "--ids", ids_file)
            mine = array.array("I", open(ids_file, "rb").read())
            assert list(mine) == ref, f"tokkit ids differ from tiktoken on {corpus} {vocab}"
            many = run_bench("encode", "--vocab", vocab, "--file", path, "--threads", str(cores), "--ids", ids_file)
            assert list(array.array("I", open(ids_file, "rb").read())) == ref, "tokkit multi-threaded ids differ"
            two = many if cores == 2 else run_bench("encode", "--vocab", vocab, "--file", path, "--threads", "2")
            tk1, tkc = one["mbps"], one["cpu_mbps"]
            table.append(f"| {corpus} | {vocab} | **tokkit** | **{tk1:.1f}** | **{tkc:.1f}** | **{many['mbps']:.1f}** | 1.00 | = |")
            ratios.append((corpus, vocab, "tokkit 2 threads ÷ 1 thread (wall)", two["mbps"] / tk1))

            def row(tool, single, multi, same, cpu=None):
                if not same:
                    table.append(f"| {corpus} | {vocab} | {tool} | — | — | — | — | **differ** (time not reported) |")
                    return
                multi_text = f"{multi:.1f}" if multi else "—"
                cpu_text = f"{cpu:.1f}" if cpu else "—"
                ratio_text = f"{tk1 / single:.1f}× / {tkc / cpu:.1f}×" if cpu else f"{tk1 / single:.1f}×"
                table.append(f"| {corpus} | {vocab} | {tool} | {single:.1f} | {cpu_text} | {multi_text} | {ratio_text} | = |")
                ratios.append((corpus, vocab, f"tokkit ÷ {tool} (wall)", tk1 / single))
                if cpu:
                    ratios.append((corpus, vocab, f"tokkit ÷ {tool} (CPU time)", tkc / cpu))

            parts = chunks(text, 1 << 20)
            t_b1, b1 = timed(lambda: enc.encode_ordinary_batch(parts, num_threads=1))
            t_b2, b2 = timed(lambda: enc.encode_ordinary_batch(parts, num_threads=2))
            row(f"tiktoken {tiktoken.__version__} encode_ordinary", mb / t_tik, None, True, mb / c_tik)
            row("tiktoken encode_ordinary_batch (1 / 2 threads)", mb / t_b1, mb / t_b2, flatten(b1) == ref and flatten(b2) == ref)

            for tool, kind in anchors.items():
                try:
                    if kind == "hf":
                        from tokenizers import Tokenizer as HF
                        hf = HF.from_file(hf_files[vocab])
                        prefix = chunks(text, HF_PREFIX)[0]
                        pre_ref = enc.encode_ordinary(prefix)
                        pmb = len(prefix.encode()) / 1e6
                        t1, got = timed(lambda: hf.encode(prefix, add_special_tokens=False).ids)
                        c1 = CPU["last"]
                        small = chunks(prefix, 1 << 18)
                        t2, got2 = timed(lambda: [e.ids for e in hf.encode_batch(small, add_special_tokens=False)])
                        row(tool + " (first 4 MB)", pmb / t1, pmb / t2, got == pre_ref and flatten(got2) == pre_ref, pmb / c1)
                    elif kind == "bpe_openai":
                        if vocab != "cl100k_base":
                            continue  # built-in cl100k/o200k only
                        b = bpe_openai.get_encoding("cl100k_base")
                        small = chunks(text, 1 << 18)  # its wrapper refuses 10^6+ characters
                        t1, got = timed(lambda: flatten(b.encode_ordinary(c) for c in small))
                        row(tool, mb / t1, None, got == ref, mb / CPU["last"])
                    elif kind == "tokendagger":
                        td = tokendagger.Encoding(vocab, pat_str=PATTERNS[vocab], mergeable_ranks=ranks, special_tokens=SPECIALS[vocab])
                        t1, got = timed(lambda: td.encode_ordinary(text))
                        row(tool, mb / t1, None, got == ref, mb / CPU["last"])
                    elif kind == "kitoken":
                        kt = kitoken.Kitoken.from_tiktoken_file(os.path.join(ROOT, "vocabularies", vocab + ".tiktoken"))
                        t1, got = timed(lambda: kt.encode(text))
                        row(tool, mb / t1, None, list(got) == ref, mb / CPU["last"])
                except Exception as error:  # an anchor that cannot run is reported, not fatal
                    table.append(f"| {corpus} | {vocab} | {tool} | — | — | — | failed: {type(error).__name__}: {str(error)[:80]} |")

    # Pre-splitting alone, decoding.
    pre = ["| corpus | pattern | scanner MB/s | ICU MB/s | scanner ÷ ICU |", "|---|---|---|---|---|"]
    dec = ["| corpus | vocab | tokkit decode MB/s | tiktoken decode_bytes MB/s |", "|---|---|---|---|"]
    for corpus in ["public_en.txt", "public_multi.txt"]:
        path = os.path.join(args.corpus, corpus)
        for pattern in ["gpt2", "cl100k", "o200k"]:
            s = run_bench("presplit", "--pattern", pattern, "--file", path, "--engine", "scanner")
            i = run_bench("presplit", "--pattern", pattern, "--file", path, "--engine", "icu", "--repeats", "1")
            assert s["pieces"] == i["pieces"], f"{pattern} piece counts differ on {corpus}"
            pre.append(f"| {corpus} | {pattern} | {s['mbps']:.0f} | {i['mbps']:.1f} | {s['mbps'] / i['mbps']:.0f}× |")
        raw = open(path, "rb").read()
        for vocab in PATTERNS:
            d = run_bench("decode", "--vocab", vocab, "--file", path)
            enc = tiktoken.Encoding(vocab, pat_str=PATTERNS[vocab], mergeable_ranks=load_tiktoken_bpe(os.path.join(ROOT, "vocabularies", vocab + ".tiktoken")), special_tokens=SPECIALS[vocab])
            ids = enc.encode_ordinary(raw.decode())
            t, out = timed(lambda: enc.decode_bytes(ids))
            assert out == raw
            dec.append(f"| {corpus} | {vocab} | {d['mbps']:.0f} | {len(raw) / 1e6 / t:.0f} |")

    # Memory: `tokkit encode` (streaming, all cores) on public_en ×1, ×4, ×10.
    mem = ["| input | size | peak RSS of `tokkit encode --vocab gpt2 --format uint32 > /dev/null` (streaming, all cores) |", "|---|---|---|"]
    en = open(os.path.join(args.corpus, "public_en.txt"), "rb").read()
    big = os.path.join(tmp, "big.txt")
    for factor in [1, 4, 10]:
        with open(big, "wb") as f:
            for _ in range(factor):
                f.write(en)
        rss = peak_rss_mb([os.path.join(ROOT, ".build", "release", "tokkit"), "encode", big, "--vocab", "gpt2", "--format", "uint32"])
        mem.append(f"| public_en × {factor} | {len(en) * factor / 1e6:.0f} MB | {rss:.0f} MB |")
    os.remove(big)

    log(f"differential: {args.differential} strings per pattern …")
    diff = run_bench("differential", "--count", str(args.differential))
    diff_lines = [f"- {name}: {r['compared']:,} strings compared, {r['mismatches']} mismatches ({r['seconds']:.0f} s)"
                  for name, r in sorted(diff.items())]

    summary = ["| ratio | value |", "|---|---|"] + [f"| {c} {v}: {name} | {x:.2f} |" for c, v, name, x in ratios]
    section = "\n".join(["## Encoding", ""] + lines + ["### Encode (ids identical to tiktoken before any time)", ""] + table
                        + ["", "### Ratios", ""] + summary + ["", "### Pre-splitting alone", ""] + pre
                        + ["", "### Decode (MB/s of output bytes)", ""] + dec + ["", "### Memory", ""] + mem
                        + ["", "### Scanner ≡ ICU differential", ""] + diff_lines) + "\n"
    print(section)
    results = os.path.join(ROOT, "bench", "RESULTS.md")
    old = open(results).read() if os.path.exists(results) else "# Benchmarks\n"
    kept = re.sub(r"## Encoding\n.*?(?=^## |\Z)", "", old, flags=re.S | re.M).rstrip() + "\n\n"
    open(results, "w").write(kept + section)
    log(f"wrote {results}")


PEER_SPECIALS = dict(SPECIALS, o200k_base={"<|endoftext|>": 199999, "<|endofprompt|>": 200018})
PEER_PATTERNS = dict(PATTERNS, o200k_base=O200K_PATTERN)


def load_corpus(args, corpus, tmp):
    """A corpus file as (path, bytes, text, lines): cut at a line end after `--prefix-mb` MB when given
    (the cut copy written to `tmp`, so the CLI reads the same bytes), lines without their terminators."""
    path = os.path.join(args.corpus, corpus)
    raw = open(path, "rb").read()
    if args.prefix_mb:
        raw = raw[:raw.rfind(b"\n", 0, int(args.prefix_mb * 1e6)) + 1]
        path = os.path.join(tmp, corpus)
        open(path, "wb").write(raw)
    text = raw.decode("utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return path, raw, text, lines


def ids_sha256(ids):
    """SHA-256 of ids as little-endian uint32, the way TokkitBench writes them."""
    return hashlib.sha256(array.array("I", ids).tobytes()).hexdigest()


def first_call(tool, vocab, path):
    """One encode of the file as one text by `tool`, the first in this process (its set-up outside the clock)."""
    from tiktoken.load import load_tiktoken_bpe
    text = open(path, "rb").read().decode("utf-8")
    vocab_file = os.path.join(ROOT, "vocabularies", vocab + ".tiktoken")
    if tool == "tiktoken":
        import tiktoken
        enc = tiktoken.Encoding(vocab, pat_str=PEER_PATTERNS[vocab], mergeable_ranks=load_tiktoken_bpe(vocab_file), special_tokens=PEER_SPECIALS[vocab])
        call = lambda: enc.encode_ordinary(text)
    elif tool == "quicktok-v1":
        import quicktok
        q = quicktok.get_encoding(vocab)
        call = lambda: q.encode_batch([text], 1, False)[0]  # its faster one-thread call (see peers())
    elif tool == "splintr-rs":
        import splintr
        pattern = {"gpt2": splintr.GPT2_PATTERN, "cl100k_base": splintr.CL100K_BASE_PATTERN}.get(vocab, PEER_PATTERNS[vocab])
        s = splintr.Tokenizer(vocab_file, pattern, PEER_SPECIALS[vocab])
        call = lambda: s.encode_ordinary(text)
    elif tool == "riptoken":
        import riptoken
        core = riptoken.CoreBPE(load_tiktoken_bpe(vocab_file), PEER_SPECIALS[vocab], PEER_PATTERNS[vocab])
        call = lambda: core.encode_ordinary(text)
    elif tool == "bpe-openai":
        import bpe_openai
        b = bpe_openai.get_encoding(vocab)
        small = chunks(text, 1 << 18)  # its wrapper refuses inputs of 10^6+ characters
        call = lambda: flatten(b.encode_ordinary(c) for c in small)
    else:
        raise SystemExit(f"unknown tool {tool}")
    wall, ids = timed(call)
    print(json.dumps({"tool": tool, "vocab": vocab, "cpu_seconds": CPU["last"], "seconds": wall, "tokens": len(ids),
                      "sha256": ids_sha256(ids)}))


class Differ(Exception):
    """A call's ids are not tiktoken's: the tool is reported as differing and gets no time."""


class Call:
    """One call of a tool in a round: `run(round)` returns {column key: MB/s} and, in round 0 (the untimed
    round), raises Differ if its ids are not tiktoken's. `rounds`: the only rounds it runs in (None: all).
    `optional`: its failure drops this call alone, with a note (a peer's first call in a fresh process, one of
    two parallel calls), where any other call's failure takes the tool out of the table."""

    def __init__(self, stage, run, rounds=None, optional=False):
        self.stage, self.run, self.rounds, self.optional = stage, run, rounds, optional


PEER_COLUMNS = [  # (key, heading, MB of the corpus text or of its lines, CPU time or wall)
    ("one", "one text, 1 thread MB/CPU-s", "text"), ("first", "first call, 1 thread MB/CPU-s", "text"),
    ("warm", "warm, 1 thread MB/CPU-s", "text"), ("two", "one text, 2 threads MB/s", "text"),
    ("doc1", "per document, 1 thread MB/CPU-s", "lines"), ("doc2", "per document, 2 threads MB/s", "lines")]


def rotated(items, round):
    """`items` starting at place `round` (mod their count): over as many rounds as items, each item runs once in
    each place, so none is always the first (or last) to meet a slow minute."""
    k = round % len(items) if items else 0
    return items[k:] + items[:k]


def run_rounds(tools, rounds, stages):
    """Runs every tool's calls (`tools`: {tool: [Call]}): one untimed round (round 0: each call checks its ids and
    warms its tool), then `rounds` timed rounds; within a round stage by stage, and within a stage the tools in
    rotated order, each running each of its calls of that stage once. Returns ({(tool, key): [MB/s of each timed
    round]}, {tool: why it has no times}, {tool: [notes on its dropped optional calls]})."""
    rates, broken, dropped = {}, {}, {}
    for round in range(rounds + 1):
        for stage in stages:
            for tool in rotated(list(tools), round):
                for call in tools[tool]:
                    if call.stage != stage or tool in broken or getattr(call, "why", None) or (call.rounds and round not in call.rounds):
                        continue
                    try:
                        got = call.run(round)
                    except Exception as error:  # a peer that differs or cannot run is reported, not fatal
                        call.why = f"differ: {error}" if isinstance(error, Differ) else f"failed: {type(error).__name__}: {str(error)[:80]}"
                        if call.optional:
                            dropped.setdefault(tool, []).append(call.why)
                        else:
                            broken[tool] = call.why
                        continue
                    if round > 0:
                        for key, rate in got.items():
                            rates.setdefault((tool, key), []).append(rate)
    return rates, broken, dropped


class Renewed:
    """A peer's encoder made anew before each cold run, outside the clock (`renew` is the run's `before`), so that its
    caches start empty, as tokkit's fresh merger and splintr-rs's emptied cache do; `now` is the current one.

    Why: quicktok-v1 keeps state in each encoder across calls and has no call to empty it, so one encoder called
    round after round on the same text was timed warm in the cold columns. On the first 10 MB of public_en with
    cl100k_base, `encode_batch([text], 1)` ran at 64.1 MB/CPU-s (median of 6) with a new encoder each run and at
    74.3 with one kept (o200k_base 51.6 / 62.3; public_multi cl100k_base 45.1 / 51.1; runs interleaved, one process).
    The kept encoder is still timed, in the warm column, as tokkit's kept merger is."""

    def __init__(self, make):
        self.make = make
        self.now = make()

    def renew(self):
        self.now = self.make()


def clocked(call, before=None):
    """One call's result with its CPU and wall seconds (`before` runs first, outside the clocks)."""
    if before:
        before()
    t, c = time.perf_counter(), time.process_time()
    result = call()
    return result, time.process_time() - c, time.perf_counter() - t


def peers(args):
    """tokkit against quicktok-v1, splintr-rs, riptoken and bpe-openai: one text, then each line a document."""
    import importlib.metadata as metadata
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    def version(package):
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    versions = {name: version(name) for name in ["tiktoken", "quicktok-v1", "splintr-rs", "riptoken", "bpe-openai", "nanotok"]}
    load = os.getloadavg()
    cores = os.cpu_count() or 1
    rounds = max(1, args.rounds)
    command = f"python3 bench/encode_bench.py --peers --rounds {rounds}" + (" --spread" if args.spread else "") \
        + (f" --prefix-mb {args.prefix_mb:g}" if args.prefix_mb else "") \
        + (" --corpora " + " ".join(args.corpora) if args.corpora != ["public_en.txt", "public_multi.txt"] else "")
    head = [f"`{command}` on {datetime.date.today().isoformat()}; {cores} cores; load average "
            f"{load[0]:.1f} at start (other engineers share this machine: the speed of one unchanged binary moves by 2× "
            "between minutes, so only the ratios of one run mean anything, and the rounds below are interleaved so that "
            "a slow minute falls on every tool alike). Versions: "
            + ", ".join(f"{k} {v}" for k, v in versions.items() if v)
            + (". nanotok: not installed (its sdist downloads nlohmann/json from GitHub at build time, which this machine cannot reach)" if not versions["nanotok"] else "")
            + f". **How it times**: one untimed round (every call's ids checked against tiktoken's, every tool's set-up and first"
            f" calls), then {rounds} timed rounds; in each round every tool runs each of its calls once, column by column"
            " (one text cold with tokkit's first call, the peers' first calls, warm, one text on 2 threads, per document on 1"
            " thread, on 2 threads), and within a column the tools take turns in an order that rotates by one place each"
            f" round (no tool is always first or last); each tool's rate in a column is the best of its {rounds} rounds."
            " tiktoken's per-document calls (under 1 MB/s: the reference, never the fastest peer) run in the first timed round only."
            " MB/s = 10^6 input bytes per second. **One text** (cold piece cache): tokkit = `TokkitBench encode --warm-up k"
            " --repeats 1`, one process a round, a fresh encoder for each run, in timed round k the run after k untimed ones:"
            " each tool's call of round k is then the (k + 1)-th call of its process, as the peers' calls in their one Python"
            " process are (**call index**: until session 33 tokkit's timed run was always the second of a fresh process, while"
            " the peers' later calls run faster than their first ones, the process's memory and threads already at hand:"
            " quicktok-v1's `encode_batch` of ~1 MB cuts on 2 threads, a new encoder each call, seven calls in one fresh"
            " process, 28.5, 70.7, 113.6, 118.8, 112.5, 132.0, 150.9 MB/s); splintr-rs's piece cache emptied before each run,"
            " outside the clock;"
            " quicktok-v1, which keeps state in each encoder and has no call to empty it, given a new encoder before each"
            " run of its cold columns (one text, 2 threads, per document), outside the clock (until session 32 one encoder"
            " was called round after round on the same text: warm);"
            " a peer with two one-text calls is timed in both and its rate is the faster (quicktok-v1: `encode`, which"
            " builds a Python list, and `encode_batch([text], 1 thread)`, which returns a numpy array as tokkit's engine"
            " returns a flat array, the faster here; until session 30 only `encode` was timed);"
            " **first call**: tokkit's first run in that fresh process, each peer's first encode in a fresh Python process"
            " (quicktok-v1: `encode_batch([text], 1 thread)`; `encode_bench.py --first-call`, its vocabulary loaded outside"
            " the clock; ids checked by SHA-256 against"
            " tiktoken's), one such process a round;"
            " **warm**: every cache kept (tokkit: `TokkitBench encode --keep-cache --warm-up k --repeats 1`, the timed run"
            " on the merger the warm-up runs filled; splintr-rs without emptying its cache, after its cold"
            " call of the same round; quicktok-v1 its one kept encoder; the others have no cache to keep or empty: their"
            " one-text column);"
            " **per document** each line of the file one document: tokkit = the whole `tokkit encode --docs lines` process,"
            " one a round (start-up, reading and writing included), the peers' batch calls in process."
            " One-thread columns are MB per CPU-second (user + system: less moved by the other engineers' load than wall time,"
            " though not unmoved: the same binary's CPU-time rate still moves by 1.5-2× between rounds here);"
            " 2-thread and all-core columns are wall time (tokkit's one text on 2 threads: `TokkitBench encode --threads 2"
            " --warm-up k`, StreamingEncoder, its chunks' ids returned unjoined as the peers' batch calls return their"
            " cuts' (`feedChunks`, since session 32), fed the text as a string checked before the clock, as its one-thread"
            " run and the peers' `str` calls have it (since session 44; before, each chunk's UTF-8 was checked inside the"
            " clock); per document: the whole `tokkit encode --docs lines --threads 2` process, writing"
            " a new file each run: the previous round's output is removed before the clock starts)."
            " Each peer's 2-thread columns are its parallel calls (all cores = 2 on this machine); a peer with no call for"
            " one text gets the text cut at safe cuts into ~1 MB parts for its batch call."
            + (f" Inputs: the first {args.prefix_mb:g} MB of each corpus (cut at a line end)." if args.prefix_mb else ""), ""]
    rows = ["| corpus | vocab | tool | " + " | ".join(f"{c} | tokkit ÷ tool" for _, c, _ in PEER_COLUMNS) + " | ids |",
            "|---|---|---|" + "---|---|" * len(PEER_COLUMNS) + "---|"]
    spread = ["| corpus | vocab | " + " | ".join(c for _, c, _ in PEER_COLUMNS) + " |", "|---|---|" + "---|" * len(PEER_COLUMNS)]
    summary = []  # per (corpus, vocab): tokkit's rates and the fastest exact peer of each column
    tmp = tempfile.mkdtemp(prefix="tokkit-peers-")
    tokkit = os.path.join(ROOT, ".build", "release", "tokkit")
    for corpus in args.corpora:
        path, raw, text, lines = load_corpus(args, corpus, tmp)
        mb = {"text": len(raw) / 1e6, "lines": sum(len(l.encode()) for l in lines) / 1e6}
        # What a peer without a parallel one-text call is given for "one text, 2 threads": the text cut at
        # safe cuts (piece boundaries no later text can move) into ~1 MB parts for its batch call, so the
        # concatenated ids must equal the whole text's; tokkit's StreamingEncoder cuts the same way.
        parts = chunks(text, 1 << 20)
        for vocab in ["gpt2", "cl100k_base", "o200k_base"]:
            log(f"peers: {corpus} {vocab}")
            vocab_file = os.path.join(ROOT, "vocabularies", vocab + ".tiktoken")
            ranks = load_tiktoken_bpe(vocab_file)
            enc = tiktoken.Encoding(vocab, pat_str=PEER_PATTERNS[vocab], mergeable_ranks=ranks, special_tokens=PEER_SPECIALS[vocab])
            ref = enc.encode_ordinary(text)
            ref_batch = enc.encode_ordinary_batch(lines, num_threads=cores)
            ref_docs, ref_sha = flatten(ref_batch), ids_sha256(ref)

            def expect(same, what):
                if not same:
                    raise Differ(what)

            def tokkit_encode(key_of, *flags):
                """One TokkitBench process: untimed warm-up runs, then one timed run ({key: its JSON field}). In timed
                round k the timed run is the process's call k + 1, as each in-process peer's call of round k is the
                (k + 1)-th of its Python process (see the `call index` note of the table)."""
                def run(round):
                    check = round == 0
                    ids_file = os.path.join(tmp, "ids.u32")
                    got = run_bench("encode", "--vocab", vocab, "--file", path, "--repeats", "1", "--warm-up", str(max(1, round)), *flags,
                                    *(["--ids", ids_file] if check else []))
                    if check:
                        expect(list(array.array("I", open(ids_file, "rb").read())) == ref, f"TokkitBench encode {' '.join(flags)}")
                    return {key: got[field] for key, field in key_of.items()}
                return run

            def tokkit_docs(threads):
                def run(round):
                    check = round == 0
                    out = os.path.join(tmp, f"docs{threads}.u32")
                    cpu, wall = child_times([tokkit, "encode", path, "--docs", "lines", "--vocab", vocab, "--format", "uint32",
                                             "--threads", str(threads), "-o", out])
                    if check:
                        expect(list(array.array("I", open(out, "rb").read())) == ref_docs, f"tokkit encode --docs lines --threads {threads}")
                    return {f"doc{threads}": mb["lines"] / (cpu if threads == 1 else wall)}
                return run

            def python(key, call, same, before=None, wall=False):
                """A peer's in-process call timed once: {key: MB per CPU-second, or per wall second}; `same(result)`
                checks its ids in the untimed round."""
                column, _, variant = key.partition(":")
                heading, size = next((h.split(" MB")[0], mb[unit]) for k, h, unit in PEER_COLUMNS if k == column)
                what = heading + (f" ({variant})" if variant else "")

                def run(round):
                    check = round == 0
                    result, cpu, seconds = clocked(call, before)
                    if check:
                        expect(same(result), what)
                    return {key: size / (seconds if wall else cpu)}
                return run

            def fresh_process(tool):
                """The peer's first call, in a fresh Python process (its set-up outside the clock)."""
                def run(round):
                    result = subprocess.run([sys.executable, os.path.abspath(__file__), "--first-call", tool, vocab, path],
                                            capture_output=True, text=True, cwd=ROOT)
                    if result.returncode != 0:
                        raise RuntimeError(result.stderr.strip().splitlines()[-1][:80] if result.stderr.strip() else result.returncode)
                    out = json.loads(result.stdout.strip().splitlines()[-1])
                    expect(out["sha256"] == ref_sha, "first call in a fresh process")
                    return {"first": mb["text"] / out["cpu_seconds"]}
                return run

            one_text, first, warm, two, doc1, doc2 = range(6)
            names = {"tokkit": "**tokkit**"}
            notes = {}  # tool → why it has no calls here (it stays in the table, in its place, with no times)
            tools = {"tokkit": [
                Call(one_text, tokkit_encode({"one": "cpu_mbps", "first": "first_cpu_mbps"}, "--threads", "1")),
                Call(warm, tokkit_encode({"warm": "cpu_mbps"}, "--threads", "1", "--keep-cache")),
                Call(two, tokkit_encode({"two": "mbps"}, "--threads", "2")),
                Call(doc1, tokkit_docs(1)), Call(doc2, tokkit_docs(2))]}
            tool = f"tiktoken {versions['tiktoken']}"
            names[tool] = f"{tool} (encode_ordinary / encode_ordinary_batch of ~1 MB cuts, 2 threads / of lines)"
            tools[tool] = [
                Call(one_text, python("one", lambda: enc.encode_ordinary(text), lambda r: r == ref)),
                Call(first, fresh_process("tiktoken"), optional=True),
                Call(two, python("two", lambda: enc.encode_ordinary_batch(parts, num_threads=2), lambda r: flatten(r) == ref, wall=True)),
                # The reference itself (checked by construction); its own first timed round only.
                Call(doc1, python("doc1", lambda: enc.encode_ordinary_batch(lines, num_threads=1), lambda r: r == ref_batch), rounds={1}),
                Call(doc2, python("doc2", lambda: enc.encode_ordinary_batch(lines, num_threads=2), lambda r: r == ref_batch, wall=True), rounds={1})]
            try:
                import quicktok
                tool = f"quicktok-v1 {versions['quicktok-v1']}"
                if vocab not in ("cl100k_base", "o200k_base"):
                    notes[tool] = "not bundled (cl100k_base, o200k_base, llama3, qwen3 only)"
                    tools[tool] = []
                else:
                    q = quicktok.get_encoding(vocab)
                    cold = Renewed(lambda: type(q)(vocab, ""))
                    names[tool] = (f"{tool} (the faster of encode and encode_batch([text], 1 thread) / encode_batch of ~1 MB "
                                   "cuts, 2 threads / encode_batch of lines; a new encoder each run, one kept for warm)")
                    # Its one-thread rate is its faster call for one text: `encode` builds a Python list of the ids,
                    # `encode_batch` returns them in a numpy array (as tokkit's engine returns a flat array), ~1.4×
                    # faster for 10 MB; timing `encode` alone made quicktok-v1 look slower than it is.
                    tools[tool] = [
                        Call(one_text, python("one:encode", lambda: cold.now.encode(text), lambda r: list(r) == ref,
                                              before=cold.renew), optional=True),
                        Call(one_text, python("one:encode_batch([text], 1 thread)", lambda: cold.now.encode_batch([text], 1, False),
                                              lambda r: list(r[0]) == ref, before=cold.renew), optional=True),
                        Call(first, fresh_process("quicktok-v1"), optional=True),
                        Call(warm, python("warm:encode", lambda: q.encode(text), lambda r: list(r) == ref), optional=True),
                        Call(warm, python("warm:encode_batch([text], 1 thread)", lambda: q.encode_batch([text], 1, False),
                                          lambda r: list(r[0]) == ref), optional=True),
                        Call(two, python("two", lambda: cold.now.encode_batch(parts, 2, False), lambda r: list(r[0]) == ref,
                                         before=cold.renew, wall=True)),
                        Call(doc1, python("doc1", lambda: cold.now.encode_batch(lines, 1, False), lambda r: list(r[0]) == ref_docs,
                                          before=cold.renew)),
                        Call(doc2, python("doc2", lambda: cold.now.encode_batch(lines, 2, False), lambda r: list(r[0]) == ref_docs,
                                          before=cold.renew, wall=True))]
            except ImportError:
                log("quicktok-v1 not installed")
            try:
                import splintr
                tool = f"splintr-rs {versions['splintr-rs']}"
                # splintr's regex engine refuses possessive quantifiers; it ships equivalent patterns
                # (its ids are checked against tiktoken's all the same).
                pattern = {"gpt2": splintr.GPT2_PATTERN, "cl100k_base": splintr.CL100K_BASE_PATTERN}.get(vocab, PEER_PATTERNS[vocab])
                s = splintr.Tokenizer(vocab_file, pattern, PEER_SPECIALS[vocab])
                names[tool] = tool + " (encode_ordinary / {two}, all cores / encode_batch of lines, all cores)"
                # splintr keeps a cache of pieces across calls: emptied before each cold run, outside the clock, so no
                # run starts with the pieces of the one before it (tokkit's piece cache starts empty on every run too);
                # its warm call keeps the cache its cold call of the same text filled just before.
                tools[tool] = [
                    Call(one_text, python("one", lambda: s.encode_ordinary(text), lambda r: list(r) == ref, before=s.clear_cache)),
                    Call(first, fresh_process("splintr-rs"), optional=True),
                    Call(warm, python("warm", lambda: s.encode_ordinary(text), lambda r: list(r) == ref)),
                    # Its two parallel calls for one text (all cores = 2 here); the faster exact one is its 2-thread rate.
                    Call(two, python("two:encode_rayon", lambda: s.encode_rayon(text), lambda r: list(r) == ref, before=s.clear_cache, wall=True),
                         optional=True),
                    Call(two, python("two:encode_batch of ~1 MB cuts", lambda: s.encode_batch(parts), lambda r: flatten(r) == ref,
                                 before=s.clear_cache, wall=True), optional=True),
                    Call(doc2, python("doc2", lambda: s.encode_batch(lines), lambda r: flatten(r) == ref_docs, before=s.clear_cache, wall=True))]
            except ImportError:
                log("splintr-rs not installed")
            try:
                import riptoken
                tool = f"riptoken {versions['riptoken']}"
                core = riptoken.CoreBPE(ranks, PEER_SPECIALS[vocab], PEER_PATTERNS[vocab])
                names[tool] = f"{tool} (encode_ordinary / encode_ordinary_batch of ~1 MB cuts, all cores / of lines, all cores)"
                tools[tool] = [
                    Call(one_text, python("one", lambda: core.encode_ordinary(text), lambda r: list(r) == ref)),
                    Call(first, fresh_process("riptoken"), optional=True),
                    Call(two, python("two", lambda: core.encode_ordinary_batch(parts), lambda r: flatten(r) == ref, wall=True)),
                    Call(doc2, python("doc2", lambda: core.encode_ordinary_batch(lines), lambda r: flatten(r) == ref_docs, wall=True))]
            except ImportError:
                log("riptoken not installed")
            try:
                import bpe_openai
                tool = f"bpe-openai {versions['bpe-openai']}"
                if vocab == "gpt2":
                    notes[tool] = "built-in cl100k_base and o200k_base only"
                    tools[tool] = []
                else:
                    b = bpe_openai.get_encoding(vocab)
                    small = chunks(text, 1 << 18)  # its wrapper refuses inputs of 10^6+ characters
                    names[tool] = f"{tool} (encode_ordinary on 256K-character cuts / per line; no parallel call)"
                    tools[tool] = [
                        Call(one_text, python("one", lambda: flatten(b.encode_ordinary(c) for c in small), lambda r: r == ref)),
                        Call(first, fresh_process("bpe-openai"), optional=True),
                        Call(doc1, python("doc1", lambda: [b.encode_ordinary(l) for l in lines], lambda r: flatten(r) == ref_docs))]
            except ImportError:
                log("bpe-openai not installed")
            rates, broken, dropped = run_rounds(tools, rounds, range(6))

            def column(tool, key):
                """The tool's best rate in a column over the rounds (a column of variants: the best of its exact
                variants), with the rates of every round; None when it has no such call."""
                if key == "warm" and not any(k.split(":")[0] == "warm" for t, k in rates if t == tool):
                    key = "one"  # no cache kept across calls: its warm rate is its cold one
                runs = [r for (t, k), values in rates.items() if t == tool and k.split(":")[0] == key for r in values]
                variants = {k: max(v) for (t, k), v in rates.items() if t == tool and k.startswith(key + ":")}
                if variants:
                    best_variant = max(variants, key=variants.get)
                    runs = rates[(tool, best_variant)]
                return (max(runs), runs) if runs else (None, [])

            if "tokkit" in broken:
                raise SystemExit(f"tokkit on {corpus} {vocab}: {broken['tokkit']}")
            mine = [column("tokkit", key)[0] for key, _, _ in PEER_COLUMNS]
            fastest = [None] * len(PEER_COLUMNS)  # (rate, tool, rates of its rounds) of the fastest exact peer
            rows.append(f"| {corpus} | {vocab} | **tokkit** | " + " | ".join(f"**{v:.1f}** | 1.00" for v in mine) + " | = |")
            for tool in tools:
                if tool == "tokkit":
                    continue
                if tool in notes or tool in broken:
                    why = notes.get(tool) or broken[tool]
                    label = f"**differ from tiktoken** ({why[len('differ: '):]})" if why.startswith("differ") else why
                    rows.append(f"| {corpus} | {vocab} | {tool} | " + "— | — | " * len(PEER_COLUMNS) + f"{label} |")
                    continue
                cells, note = [], ""
                for k, (key, _, _) in enumerate(PEER_COLUMNS):
                    value, runs = column(tool, key)
                    cells += [f"{value:.1f}", f"{mine[k] / value:.2f}×"] if value else ["—", "—"]
                    if value and (fastest[k] is None or value > fastest[k][0]):
                        fastest[k] = (value, tool.split(" ")[0], runs)
                # Each call of a column timed in several ways, with its best rate, named beside the tool.
                variants = {kind: {k.split(":", 1)[1]: max(v) for (t, k), v in rates.items() if t == tool and k.startswith(kind + ":")}
                            for kind in ("two", "one", "warm")}
                name = names[tool].format(two=max(variants["two"], key=variants["two"].get) if variants["two"] else "no exact parallel call")
                for kind, heading in (("two", "one text, 2 threads"), ("one", "one text, 1 thread"), ("warm", "warm, 1 thread")):
                    if variants[kind]:
                        note += f"({heading}: " + ", ".join(f"{v} {r:.1f}" for v, r in variants[kind].items()) + ") "
                note += "".join(f"({why}) " for why in dropped.get(tool, []))
                rows.append(f"| {corpus} | {vocab} | {name} | " + " | ".join(cells) + f" | = {note}|")
            spread.append(f"| {corpus} | {vocab} | " + " | ".join(
                f"tokkit {min(column('tokkit', key)[1]):.1f}–{max(column('tokkit', key)[1]):.1f}"
                + (f"; {peer[1]} {min(peer[2]):.1f}–{max(peer[2]):.1f}" if peer else "")
                for (key, _, _), peer in zip(PEER_COLUMNS, fastest)) + " |")
            summary.append((corpus, vocab, mine, fastest))
            log("\n".join(rows + ([""] + spread if args.spread else [])))  # partial results survive an interrupted run
    # Issue #14's targets: ≥ 1.5× the fastest exact peer on one thread, ≥ 1.8× with two threads.
    targets = (1.5, 1.5, 1.5, 1.8, 1.5, 1.8)
    rows += ["", "Tokkit ÷ the fastest exact peer of each column (target: ≥ 1.5× on one thread, ≥ 1.8× on two):", "",
             "| corpus | vocab | " + " | ".join(c for _, c, _ in PEER_COLUMNS) + " |", "|---|---|" + "---|" * len(PEER_COLUMNS)]
    for corpus, vocab, mine, fastest in summary:
        cells = []
        for value, peer, target in zip(mine, fastest, targets):
            if peer is None:
                cells.append(f"{value:.1f} (no peer)")
            else:
                ratio = value / peer[0]
                cells.append(f"{ratio:.2f}× {peer[1]} {'✓' if ratio >= target else '✗'}")
        rows.append(f"| {corpus} | {vocab} | " + " | ".join(cells) + " |")
    if args.spread:
        rows += ["", f"Spread: the lowest and highest rate of the {rounds} timed rounds (MB/CPU-s or MB/s as in the column), "
                 "tokkit and the fastest exact peer of the column; the tables above give the best. Rounds that differ by "
                 "more than the ratios do say the machine, not the tools, moved.", ""] + spread
    section = "\n".join(["## Encoding against the 2026 peers", ""] + head + rows) + "\n"
    print(section)
    write_section("Encoding against the 2026 peers", section)


def installed_version(package):
    """The installed version of a PyPI package, or None."""
    import importlib.metadata as metadata
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def peers_per_document(args):
    """Per document, tokkit's in-process engine and whole process against the peers' batch calls of the same lines."""
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    versions = {name: installed_version(name) for name in ["tiktoken", "quicktok-v1", "splintr-rs", "riptoken"]}
    rounds = max(1, args.rounds)
    head = [f"`python3 bench/encode_bench.py --peers --per-document-only --rounds {rounds}` on {datetime.date.today().isoformat()}; "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start. Versions: "
            + ", ".join(f"{k} {v}" for k, v in versions.items() if v)
            + f". Each line of the file is one document (without its newline); MB = the documents' bytes; a first round untimed "
            f"(every tool's ids checked equal to tiktoken's `encode_ordinary_batch` line by line; first-call set-up), then {rounds} "
            "timed rounds, every tool once a round in turn (the order rotating by one place a round), best of each. What each column includes:"
            " **tokkit in process** = `TokkitBench encode-docs --batch-only` (`Tokenizer.encodeDocuments`): the documents are cut "
            "and laid back to back outside the clock, as the peers' list of lines is built outside theirs; inside: each document's "
            "UTF-8 check, splitting, merging, the flat id array and offsets (fresh merger per call: a cold piece cache each run); "
            "one process a round, whose timed run in round k is its call k + 1 (the runs before it untimed), as each peer's call "
            "of round k is the (k + 1)-th of its Python process (**call index**: until session 33 tokkit's was always the first "
            "call of a fresh process, while the peers' later calls run faster: quicktok-v1's `encode_batch` of the lines on 2 "
            "threads, a new encoder each call, seven calls in one fresh process, 35.8, 69.3, 71.4, 67.7, 61.2, 41.3, 62.8 MB/s);"
            " **peers** = one batch call on the Python list of lines (quicktok-v1 `encode_batch(lines, threads, False)` returning "
            "numpy ids and offsets; splintr-rs `encode_batch(lines)` and riptoken `encode_ordinary_batch(lines)` returning lists "
            "of lists), CPU time of the Python process; tiktoken is the reference only (its batch of lines, ~0.6 MB/s, is in the "
            "--peers table);"
            " **tokkit whole process** = `tokkit encode FILE --docs lines --format uint32` as a user runs it: start-up and vocabulary "
            "load, reading and cutting the 10 MB into lines, UTF-8 checks, encoding, writing the ids file."
            " 1 thread: MB per CPU-second (user + system); 2 threads: MB per second of wall time (peers without a thread count use all "
            "cores = 2 here), which means something only with two idle cores; beside it the CPU seconds of the 2-thread run over "
            "the 1-thread run's (1.00 = no extra work for the second thread)."
            + (f" Inputs: the first {args.prefix_mb:g} MB of each corpus (cut at a line end)." if args.prefix_mb else ""), ""]
    rows = ["| corpus | vocab | tool | 1 thread MB/CPU-s | tokkit in process ÷ tool | 2 threads MB/s (wall) | tokkit in process ÷ tool | 2-thread CPU ÷ 1-thread CPU |",
            "|---|---|---|---:|---:|---:|---:|---:|"]
    summary = ["| corpus | vocab | in process per document ÷ in process one text (1 thread, CPU; target ≥ 0.90) | "
               "in process 1 thread ÷ fastest peer (≥ 1.5×) | in process 2 threads ÷ fastest peer (≥ 1.8×) | "
               "in process 2 threads ÷ 1 thread (wall) | whole process 1 thread ÷ fastest peer | whole process 2 threads ÷ fastest peer |",
               "|---|---|---:|---:|---:|---:|---:|---:|"]
    tmp = tempfile.mkdtemp(prefix="tokkit-peerdocs-")
    tokkit = os.path.join(ROOT, ".build", "release", "tokkit")
    for corpus in args.corpora:
        path, raw, text, lines = load_corpus(args, corpus, tmp)
        lines_mb = sum(len(l.encode()) for l in lines) / 1e6
        for vocab in ["gpt2", "cl100k_base", "o200k_base"]:
            log(f"peers per document: {corpus} {vocab}")
            vocab_file = os.path.join(ROOT, "vocabularies", vocab + ".tiktoken")
            ranks = load_tiktoken_bpe(vocab_file)
            enc = tiktoken.Encoding(vocab, pat_str=PEER_PATTERNS[vocab], mergeable_ranks=ranks, special_tokens=PEER_SPECIALS[vocab])
            ref = enc.encode_ordinary_batch(lines, num_threads=os.cpu_count() or 1)
            ref_flat, ref_offsets = flatten(ref), [0]
            for ids in ref:
                ref_offsets.append(ref_offsets[-1] + len(ids))

            def same_lines(flat, offsets):
                """Per line: document i's ids are flat[offsets[i]:offsets[i + 1]] and equal tiktoken's."""
                return list(offsets) == ref_offsets and list(flat) == ref_flat

            tools = {}  # name -> {threads: (best cpu, best wall)}; each tool's timing function returns (cpu, wall)

            def engine(threads, round):
                """In round k the timed run is the process's call k + 1, as each peer's call of round k is the
                (k + 1)-th of its Python process."""
                ids, offsets = os.path.join(tmp, "ids.u32"), os.path.join(tmp, "offsets.u64")
                got = run_bench("encode-docs", "--batch-only", "--vocab", vocab, "--file", path, "--threads", str(threads),
                                "--repeats", "1", "--warm-up", str(round), "--ids", ids, "--offsets", offsets)
                if not checked.get(("engine", threads)):
                    assert same_lines(array.array("I", open(ids, "rb").read()), array.array("Q", open(offsets, "rb").read())), \
                        f"tokkit encode-docs ids differ from tiktoken per line ({corpus} {vocab}, {threads} threads)"
                    checked[("engine", threads)] = True
                return got["batch_cpu_seconds"], got["batch_seconds"]

            def one_text(round):
                got = run_bench("encode", "--vocab", vocab, "--file", path, "--threads", "1", "--repeats", "1", "--warm-up", str(round))
                return got["bytes"] / got["cpu_mbps"] / 1e6, got["seconds"]

            def process(threads, round):
                out = os.path.join(tmp, f"docs{threads}.u32")
                command = [tokkit, "encode", path, "--docs", "lines", "--vocab", vocab, "--format", "uint32", "--threads", str(threads), "-o", out]
                cpu, wall = child_times(command)
                if not checked.get(("process", threads)):
                    assert list(array.array("I", open(out, "rb").read())) == ref_flat, f"tokkit --docs lines ids differ ({corpus} {vocab})"
                    checked[("process", threads)] = True
                return cpu, wall

            def python_call(call, check, before=None):
                def run(round):
                    if before:
                        before()
                    c, t = time.process_time(), time.perf_counter()
                    result = call()
                    cpu, wall = time.process_time() - c, time.perf_counter() - t
                    if not checked.get(call):
                        if not check(result):
                            raise ValueError("ids differ from tiktoken")
                        checked[call] = True
                    return cpu, wall
                return run

            def lists_equal(result):
                return [list(ids) for ids in result] == ref

            checked = {}
            calls = {"tokkit in process (`TokkitBench encode-docs`)": {1: lambda round: engine(1, round), 2: lambda round: engine(2, round)},
                     "tokkit whole process (`tokkit encode --docs lines`)": {1: lambda round: process(1, round), 2: lambda round: process(2, round)}}
            # tiktoken is the reference, not timed here: its batch of lines runs at ~0.6 MB/s (its --peers column),
            # and eight such calls a row made this table take half an hour.
            try:
                import quicktok
                if vocab in ("cl100k_base", "o200k_base"):
                    q = quicktok.get_encoding(vocab)
                    cold = Renewed(lambda: type(q)(vocab, ""))  # a new encoder each run, as tokkit's merger is new
                    calls[f"quicktok-v1 {versions['quicktok-v1']} (`encode_batch`, a new encoder each run)"] = {
                        t: python_call(lambda t=t: cold.now.encode_batch(lines, t, False), lambda r: same_lines(r[0], r[1]),
                                       before=cold.renew) for t in (1, 2)}
            except ImportError:
                log("quicktok-v1 not installed")
            try:
                import splintr
                pattern = {"gpt2": splintr.GPT2_PATTERN, "cl100k_base": splintr.CL100K_BASE_PATTERN}.get(vocab, PEER_PATTERNS[vocab])
                s = splintr.Tokenizer(vocab_file, pattern, PEER_SPECIALS[vocab])
                # Its piece cache emptied before each run, outside the clock: no run starts with the previous
                # run's pieces (tokkit's cache starts empty every run too).
                calls[f"splintr-rs {versions['splintr-rs']} (`encode_batch`, all cores)"] = {
                    2: python_call(lambda: s.encode_batch(lines), lists_equal, before=s.clear_cache)}
            except ImportError:
                log("splintr-rs not installed")
            try:
                import riptoken
                core = riptoken.CoreBPE(ranks, PEER_SPECIALS[vocab], PEER_PATTERNS[vocab])
                calls[f"riptoken {versions['riptoken']} (`encode_ordinary_batch`, all cores)"] = {
                    2: python_call(lambda: core.encode_ordinary_batch(lines), lists_equal)}
            except ImportError:
                log("riptoken not installed")
            calls["tokkit one text in process (`TokkitBench encode`, the file as one text)"] = {1: one_text}
            best, failed = {}, {}
            # A first round untimed: every tool's ids are checked per line, and first-call set-up (a peer's lazy
            # vocabulary build) stays out of the timed rounds, as tokkit's vocabulary load is outside its clock.
            for round in range(rounds + 1):
                for tool in rotated(list(calls), round):
                    for threads, run in calls[tool].items():
                        if tool in failed:
                            continue
                        try:
                            cpu, wall = run(round)
                        except Exception as error:  # a peer that cannot run or differs is reported, not timed
                            failed[tool] = f"{type(error).__name__}: {str(error)[:80]}"
                            continue
                        if round > 0:
                            old = best.get((tool, threads), (float("inf"), float("inf")))
                            best[(tool, threads)] = (min(old[0], cpu), min(old[1], wall))
            engine_name, process_name = list(calls)[:2]
            mine = {t: best[(engine_name, t)] for t in (1, 2)}
            peers_best = {1: None, 2: None}
            for tool in calls:
                if tool.startswith("tokkit one text"):
                    continue
                if tool in failed:
                    rows.append(f"| {corpus} | {vocab} | {tool} | — | — | — | — | — | not timed: {failed[tool]} |")
                    continue
                cells = []
                one, two = best.get((tool, 1)), best.get((tool, 2))
                cells += [f"{lines_mb / one[0]:.1f}", f"{one[0] / mine[1][0]:.2f}×"] if one else ["—", "—"]
                cells += [f"{lines_mb / two[1]:.1f}", f"{two[1] / mine[2][1]:.2f}×"] if two else ["—", "—"]
                cells.append(f"{two[0] / one[0]:.2f}" if one and two else "—")
                name = f"**{tool}**" if tool.startswith("tokkit") else tool
                rows.append(f"| {corpus} | {vocab} | {name} | " + " | ".join(cells) + " |")
                if not tool.startswith("tokkit"):
                    for threads, value in ((1, one), (2, two)):
                        seconds = value and (value[0] if threads == 1 else value[1])
                        if seconds and (peers_best[threads] is None or seconds < peers_best[threads][0]):
                            peers_best[threads] = (seconds, tool.split(" (")[0])
            single = best[(list(calls)[-1], 1)][0]
            whole = {t: best[(process_name, t)] for t in (1, 2)}

            def against(seconds, threads):
                peer = peers_best[threads]
                if peer is None:
                    return "no peer"
                ratio = peer[0] / seconds
                return f"{ratio:.2f}× {peer[1]} {'✓' if ratio >= (1.5 if threads == 1 else 1.8) else '✗'}"
            # Per document ÷ one text on the same corpus (as in --per-document): the one text's CPU time over the
            # documents' (the one text also encodes the newlines the documents leave out).
            ratio = single / mine[1][0]
            summary.append(f"| {corpus} | {vocab} | **{ratio:.2f}** {'✓' if ratio >= 0.9 else '✗'} | {against(mine[1][0], 1)} | "
                           f"{against(mine[2][1], 2)} | {mine[1][1] / mine[2][1]:.2f}× | {against(whole[1][0], 1)} | {against(whole[2][1], 2)} |")
            log("\n".join(rows + [""] + summary))
    section = "\n".join(["## Per document against the 2026 peers (issue #14)", ""] + head + rows
                        + ["", "Tokkit ÷ the fastest exact peer per column (targets ≥ 1.5× on one thread, ≥ 1.8× on two), "
                           "and the in-process engine per document ÷ the in-process engine on the same corpus as one text "
                           "(`TokkitBench encode` of the file, best of the same rounds: its CPU time over the documents' CPU time):", ""]
                        + summary) + "\n"
    print(section)
    write_section("Per document against the 2026 peers (issue #14)", section)


def write_section(title, section):
    """Replaces the top-level section `## title` of bench/RESULTS.md where it stands (appends it if missing); a
    `### title` inside another section (the lead's quiet re-run) is left alone."""
    results = os.path.join(ROOT, "bench", "RESULTS.md")
    old = open(results).read()
    heading = re.compile(r"^## " + re.escape(title) + r"\n.*?(?=^## |\Z)", flags=re.S | re.M)
    if heading.search(old):
        new = heading.sub(lambda _: section + "\n", old, count=1)
    else:
        new = old.rstrip() + "\n\n" + section
    open(results, "w").write(new)
    log(f"wrote {results}")


def child_cpu(command):
    """CPU seconds (user + system) of one child process run to completion."""
    return child_times(command)[0]


def child_times(command):
    """CPU seconds (user + system) and wall seconds of one child process run to completion.

    The command's output (`-o`) is removed first, outside the clock, so that every run writes a new file as a first
    run does: replacing a file frees the old one's page-cache pages inside `rename` (4.5–5 ms for the 10 MB of ids of
    a 10 MB prefix here, `strace -T`), a cost of the previous round, not of the run, which the in-process peers,
    writing no file, never pay."""
    import resource
    import shutil
    if "-o" in command:
        output = command[command.index("-o") + 1]
        if os.path.isdir(output) and not os.path.islink(output):
            shutil.rmtree(output)
        elif os.path.lexists(output):
            os.unlink(output)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def per_document(args):
    """tokkit per document (flat batch path, CLI --docs lines, JSONL, shard) against tokkit on one text."""
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe
    load = os.getloadavg()
    head = [f"`python3 bench/encode_bench.py --per-document --rounds {args.rounds}` on {datetime.date.today().isoformat()}; "
            f"{os.cpu_count()} cores shared with four other engineers (load average {load[0]:.1f} at start), so every rate is "
            f"MB per CPU-second (user + system), one thread, rounds interleaved, best of each; only the ratios of one run mean "
            f"anything. Each line of the file is one document (without its newline). Every row's MB is the same corpus bytes: "
            f"the text file's (the documents and their newlines), whether the process reads that file or the JSONL file "
            f"holding the same documents; so each ratio is one text's CPU time over the per-document process' CPU time on "
            f"the same corpus, both writing little-endian uint32 ids. Ids of every `tokkit encode` run equal tiktoken "
            f"{tiktoken.__version__}'s (`encode_ordinary` / `encode_ordinary_batch`), checked before timing; `tokkit shard` "
            f"(llmc, uint32) ids are covered by ShardLiveTests. Every process writes a new output: the previous round's "
            f"file is removed before the clock starts (replacing it would free its pages inside `rename`)."
            + (f" Inputs: the first {args.prefix_mb:g} MB of each corpus (cut at a line end)." if args.prefix_mb else ""), "",
            "In process (`TokkitBench encode-docs`): the flat batch path (`Tokenizer.encodeDocuments`) and, for comparison, one "
            "array per document in and out (the per-document path before this session), against `encode(bytes:)` of the file as one "
            "text; the one text and the batch each check their UTF-8 (from session 47; the one text skipped it before).", ""]
    inproc = ["| corpus | vocab | one text MB/CPU-s | flat batch MB/CPU-s | batch ÷ one text | one array per document MB/CPU-s | arrays ÷ one text |",
              "|---|---|---:|---:|---:|---:|---:|"]
    # The shard command's own one-text rate too (`--docs file`: the file as one document, with the shard's
    # writing, read-back and sha256): its per-document path against it, beside the ratio to `encode`.
    cli = ["| corpus | vocab | `encode` one text | `encode --docs lines` | ÷ one text | `encode` JSONL records | ÷ one text | `shard --docs lines` | ÷ one text | `shard --docs file` (one text) | shard lines ÷ shard one text |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    # Each round's per-document process against that round's one text, run seconds apart: a slow minute of the shared
    # host then falls on both sides of the ratio, where the best of each side may come from different minutes.
    paired = ["| corpus | vocab | `--docs lines` ÷ one text: median of rounds (least, most) | JSONL ÷ one text | `shard --docs lines` ÷ one text |",
              "|---|---|---:|---:|---:|"]
    scaling = ["| corpus | vocab | `--docs lines` 1 thread | 2 threads | × | JSONL 1 thread | 2 threads | × | shard 1 thread | 2 threads | × |",
               "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    tmp = tempfile.mkdtemp(prefix="tokkit-perdoc-")
    tokkit = os.path.join(ROOT, ".build", "release", "tokkit")
    for corpus in args.corpora:
        path, raw, text, lines = load_corpus(args, corpus, tmp)
        records = os.path.join(tmp, corpus + ".jsonl")
        with open(records, "w") as out:
            for line in lines:
                out.write(json.dumps({"text": line}) + "\n")
        # One denominator for every row: the corpus bytes (see the heading).
        mb = len(raw) / 1e6
        for vocab in ["gpt2", "cl100k_base", "o200k_base"]:
            log(f"per-document: {corpus} {vocab}")
            one = run_bench("encode-docs", "--vocab", vocab, "--file", path, "--repeats", str(args.rounds))
            # TokkitBench counts the documents' bytes for the per-document columns; restated per corpus byte.
            for column in ("batch_cpu_mbps", "arrays_cpu_mbps"):
                one[column] *= one["bytes"] / one["document_bytes"]
            inproc.append(f"| {corpus} | {vocab} | {one['single_cpu_mbps']:.1f} | {one['batch_cpu_mbps']:.1f} | "
                          f"**{one['batch_cpu_mbps'] / one['single_cpu_mbps']:.2f}** | {one['arrays_cpu_mbps']:.1f} | "
                          f"{one['arrays_cpu_mbps'] / one['single_cpu_mbps']:.2f} |")
            enc = tiktoken.Encoding(vocab, pat_str=PEER_PATTERNS[vocab], mergeable_ranks=load_tiktoken_bpe(
                os.path.join(ROOT, "vocabularies", vocab + ".tiktoken")), special_tokens=PEER_SPECIALS[vocab])
            ref, ref_docs = enc.encode_ordinary(text), flatten(enc.encode_ordinary_batch(lines, num_threads=os.cpu_count() or 1))
            common = ["--vocab", vocab, "--format", "uint32", "--threads", "1"]
            runs = {
                "one": ([tokkit, "encode", path, *common, "-o", os.path.join(tmp, "one.u32")], mb, ref),
                "lines": ([tokkit, "encode", path, "--docs", "lines", *common, "-o", os.path.join(tmp, "lines.u32")], mb, ref_docs),
                "jsonl": ([tokkit, "encode", records, "--jsonl-field", "text", *common, "-o", os.path.join(tmp, "jsonl.u32")], mb, ref_docs),
                "shard": ([tokkit, "shard", "write", path, "--docs", "lines", "--vocab", vocab, "--format", "llmc", "--token-width", "uint32",
                           "--threads", "1", "--quiet", "--force", "-o", os.path.join(tmp, "shards")], mb, None),
                "shard_one": ([tokkit, "shard", "write", path, "--docs", "file", "--vocab", vocab, "--format", "llmc", "--token-width", "uint32",
                               "--threads", "1", "--quiet", "--force", "-o", os.path.join(tmp, "shards-one")], mb, None),
            }
            for name in ("lines", "jsonl", "shard"):
                # The same command on two threads, timed by the wall clock (see the heading of that table).
                command, size, expected = runs[name]
                threads = command.index("--threads") + 1
                out = command[-1] + "-2"
                runs[name + "2"] = (command[:threads] + ["2"] + command[threads + 1:-1] + [out], size, expected)
            best = {name: float("inf") for name in runs}
            wall = {name: float("inf") for name in runs}
            each = {name: [] for name in runs}
            for round in range(args.rounds):
                for name, (command, _, expected) in runs.items():
                    cpu, seconds = child_times(command)
                    best[name], wall[name] = min(best[name], cpu), min(wall[name], seconds)
                    each[name].append(cpu)
                    if round == 0 and expected is not None:
                        got = list(array.array("I", open(command[-1], "rb").read()))
                        assert got == expected, f"tokkit {name} ids differ from tiktoken ({corpus} {vocab})"
            rate = {name: runs[name][1] / best[name] for name in runs}
            rounds = {name: sorted(one / cpu for one, cpu in zip(each["one"], each[name])) for name in ("lines", "jsonl", "shard")}
            paired.append(f"| {corpus} | {vocab} | " + " | ".join(
                f"**{statistics.median(rounds[name]):.2f}** ({rounds[name][0]:.2f}, {rounds[name][-1]:.2f})" for name in ("lines", "jsonl", "shard")) + " |")
            walls = {name: runs[name][1] / wall[name] for name in runs}
            scaling.append(f"| {corpus} | {vocab} | " + " | ".join(
                f"{walls[name]:.1f} | {walls[name + '2']:.1f} | **{walls[name + '2'] / walls[name]:.2f}**" for name in ("lines", "jsonl", "shard")) + " |")
            cli.append(f"| {corpus} | {vocab} | {rate['one']:.1f} | {rate['lines']:.1f} | **{rate['lines'] / rate['one']:.2f}** | "
                       f"{rate['jsonl']:.1f} | **{rate['jsonl'] / rate['one']:.2f}** | {rate['shard']:.1f} | **{rate['shard'] / rate['one']:.2f}** | "
                       f"{rate['shard_one']:.1f} | **{rate['shard'] / rate['shard_one']:.2f}** |")
            log("\n".join(inproc + [""] + cli + [""] + paired + [""] + scaling))
    section = "\n".join(["## Per-document encoding (issue #14)", ""] + head + inproc
                        + ["", "Whole processes (`tokkit`, start-up, reading, JSON parsing and writing included), MB per CPU-second:", ""]
                        + cli
                        + ["", "The same ratios paired round by round: in each round, one text's CPU time over the per-document "
                           "process' CPU time, the two run seconds apart; the median of the rounds, and their least and most.", ""]
                        + paired
                        + ["", "The same processes on one and two threads (`--threads 1` / `2`), MB per second of wall time, best of "
                           f"{args.rounds}, and the speed-up (×): wall time says something only on a machine with two idle cores "
                           f"(load average {os.getloadavg()[0]:.1f} at the end of this run). Ids of the two-thread `encode` runs "
                           "checked like the one-thread ones.", ""]
                        + scaling) + "\n"
    print(section)
    write_section("Per-document encoding (issue #14)", section)


if __name__ == "__main__":
    main()
