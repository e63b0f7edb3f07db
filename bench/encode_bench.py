#!/usr/bin/env python3
"""Encoding benchmark: tokkit against the anchors, same text, same vocabulary, measured in one run.

  python3 bench/encode_bench.py [--corpus DIR] [--differential N] [--no-build]
  python3 bench/encode_bench.py --peers [--corpus DIR] [--no-build]   # the 2026 peers only (below)

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
One text on one thread is timed three ways, because the tools keep warm state across calls (quicktok-v1's
first call in a process is 1.5× slower than its third, splintr-rs's ~3× even with its cache emptied):
best of N with a cold piece cache (tokkit: a fresh merger each run; splintr-rs: cache emptied), **first
call** (each peer in a fresh process, `--first-call`; tokkit: the first run of TokkitBench), and **warm**
(best of N in one process with every cache kept; tokkit: `TokkitBench encode --keep-cache`).

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
`tokkit shard --docs lines`; child CPU time from getrusage). Ids of the encode runs are checked
against tiktoken first. Writes the "Per-document encoding" section of bench/RESULTS.md.
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
    parser.add_argument("--rounds", type=int, default=3, help="--per-document, --peers --per-document-only: interleaved rounds (best of each)")
    parser.add_argument("--corpora", nargs="+", default=["public_en.txt", "public_multi.txt"])
    parser.add_argument("--peer-repeats", type=int, default=3,
                        help="--peers: runs of every one-text call, tokkit's and each peer's, best of each (one 0.1 s run moves by 20%% and more)")
    parser.add_argument("--prefix-mb", type=float, default=None, help="--peers, --per-document: only the first N MB of each corpus (cut at a line end)")
    parser.add_argument("--first-call", nargs=3, metavar=("TOOL", "VOCAB", "FILE"),
                        help="time one encode of FILE by TOOL in this fresh process; print CPU seconds and the ids' SHA-256")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    if args.first_call:
        return first_call(*args.first_call)

    if not args.no_build:
        log("building release …")
        subprocess.run(["swift", "build", "-c", "release"], check=True, cwd=ROOT, stdout=sys.stderr)
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
        call = lambda: q.encode(text)
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
    head = [f"`python3 bench/encode_bench.py --peers` on {datetime.date.today().isoformat()}; {cores} cores; load average "
            f"{load[0]:.1f} at start (five other engineers share this machine: absolute MB/s drift by 2× and more "
            f"between minutes, so only the ratios of one run mean anything). Versions: "
            + ", ".join(f"{k} {v}" for k, v in versions.items() if v)
            + (". nanotok: not installed (its sdist downloads nlohmann/json from GitHub at build time, which this machine cannot reach)" if not versions["nanotok"] else "")
            + f". MB/s = 10^6 input bytes per second; one text: best of {args.peer_repeats} runs of each call, tokkit's (a fresh"
            " encoder, so a cold piece cache, every run) and each peer's (splintr's piece cache emptied before every run), a tool's runs back to back, tools in turn;"
            " **first call**: each peer's first encode in a fresh Python process (`encode_bench.py --first-call`, its vocabulary loaded"
            " outside the clock; ids checked by SHA-256 against tiktoken's), tokkit's the first run of TokkitBench;"
            f" **warm**: best of {args.peer_repeats} in one process with every cache kept (tokkit: `TokkitBench encode --keep-cache`, one"
            " merger across runs; splintr-rs without emptying its cache; the others' best of N as in the first column);"
            " per document: one run each, each line of the file one document."
            + " One-thread columns are MB per CPU-second (user + system: the load of the other engineers does not inflate it;"
            " tokkit's per-document column is the whole `tokkit encode --docs lines` process' CPU time); 2-thread and all-core columns are wall time"
            " (tokkit's one text on 2 threads: `TokkitBench encode --threads 2`, StreamingEncoder; per document: the whole `tokkit encode --docs lines --threads 2` process)."
            " Each peer's 2-thread columns are its parallel calls (all cores = 2 on this machine); a peer with no call for one text gets the text cut at safe cuts into ~1 MB parts for its batch call."
            + (f" Inputs: the first {args.prefix_mb:g} MB of each corpus (cut at a line end)." if args.prefix_mb else ""), ""]
    columns = ["one text, 1 thread MB/CPU-s", "first call, 1 thread MB/CPU-s", "warm, 1 thread MB/CPU-s",
               "one text, 2 threads MB/s", "per document, 1 thread MB/CPU-s", "per document, 2 threads MB/s"]
    rows = ["| corpus | vocab | tool | " + " | ".join(f"{c} | tokkit ÷ tool" for c in columns) + " | ids |",
            "|---|---|---|" + "---|---|" * len(columns) + "---|"]
    # For the summary: per (corpus, vocab), tokkit's four rates and the fastest exact peer of each column.
    summary = []
    tmp = tempfile.mkdtemp(prefix="tokkit-peers-")
    tokkit = os.path.join(ROOT, ".build", "release", "tokkit")
    for corpus in args.corpora:
        path, raw, text, lines = load_corpus(args, corpus, tmp)
        mb = len(raw) / 1e6
        lines_mb = sum(len(l.encode()) for l in lines) / 1e6
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
            ref_docs = flatten(enc.encode_ordinary_batch(lines, num_threads=cores))
            ids_file = os.path.join(tmp, "ids.u32")
            repeats = args.peer_repeats
            one = run_bench("encode", "--vocab", vocab, "--file", path, "--threads", "1", "--ids", ids_file, "--repeats", str(repeats))
            assert list(array.array("I", open(ids_file, "rb").read())) == ref, f"tokkit ids differ from tiktoken on {corpus} {vocab}"
            warm = run_bench("encode", "--vocab", vocab, "--file", path, "--threads", "1", "--ids", ids_file, "--repeats", str(repeats), "--keep-cache")
            assert list(array.array("I", open(ids_file, "rb").read())) == ref, f"tokkit --keep-cache ids differ from tiktoken on {corpus} {vocab}"
            two = run_bench("encode", "--vocab", vocab, "--file", path, "--threads", "2", "--ids", ids_file, "--repeats", str(repeats))
            assert list(array.array("I", open(ids_file, "rb").read())) == ref, f"tokkit 2-thread ids differ from tiktoken on {corpus} {vocab}"
            docs = {}
            for threads in (1, 2):
                out = os.path.join(tmp, f"docs{threads}.u32")
                command = [tokkit, "encode", path, "--docs", "lines", "--vocab", vocab, "--format", "uint32", "--threads", str(threads), "-o", out]
                t, _ = timed(lambda: subprocess.run(command, check=True, cwd=ROOT))
                if threads == 1:
                    t = child_cpu(command)
                assert list(array.array("I", open(out, "rb").read())) == ref_docs, f"tokkit --docs lines ids differ ({corpus} {vocab})"
                docs[threads] = lines_mb / t
            mine = (one["cpu_mbps"], one["first_cpu_mbps"], warm["cpu_mbps"], two["mbps"], docs[1], docs[2])
            ref_sha = ids_sha256(ref)
            first_calls = {}  # peer → first-call MB per CPU-second, or why there is none

            def first_call_of(tool):
                result = subprocess.run([sys.executable, os.path.abspath(__file__), "--first-call", tool, vocab, path],
                                        capture_output=True, text=True, cwd=ROOT)
                if result.returncode != 0:
                    first_calls[tool] = f"failed: {result.stderr.strip().splitlines()[-1][:80] if result.stderr.strip() else result.returncode}"
                    return None
                out = json.loads(result.stdout.strip().splitlines()[-1])
                if out["sha256"] != ref_sha:
                    first_calls[tool] = "first call's ids differ"
                    return None
                first_calls[tool] = mb / out["cpu_seconds"]
                return first_calls[tool]
            best = [None] * len(columns)  # (rate, tool) of the fastest exact peer per column
            rows.append(f"| {corpus} | {vocab} | **tokkit** | " + " | ".join(f"**{v:.1f}** | 1.00" for v in mine) + " | = |")

            def row(tool, single=None, single2=None, batch1=None, batch2=None, same=True, note="", first=None, warm="same"):
                if not same:
                    rows.append(f"| {corpus} | {vocab} | {tool} | " + "— | — | " * len(columns) + f"**differ from tiktoken** {note} |")
                    return
                if warm == "same":  # no cache kept across calls to empty: its warm rate is its best of N
                    warm = single
                note += "".join(f"(first call: {why}) " for name, why in first_calls.items() if tool.startswith(name) and isinstance(why, str))
                cells = []
                for k, (value, base) in enumerate(zip((single, first, warm, single2, batch1, batch2), mine)):
                    cells += [f"{value:.1f}", f"{base / value:.2f}×"] if value else ["—", "—"]
                    if value and (best[k] is None or value > best[k][0]):
                        best[k] = (value, tool.split(" (")[0])
                rows.append(f"| {corpus} | {vocab} | {tool} | " + " | ".join(cells) + f" | = {note}|")

            t, _ = timed(lambda: enc.encode_ordinary(text), repeats); t = CPU["last"]
            t_2, got_2 = timed(lambda: enc.encode_ordinary_batch(parts, num_threads=2), repeats)
            t1, b1 = timed(lambda: enc.encode_ordinary_batch(lines, num_threads=1)); t1 = CPU["last"]
            t2, _ = timed(lambda: enc.encode_ordinary_batch(lines, num_threads=2))
            row(f"tiktoken {versions['tiktoken']} (encode_ordinary / encode_ordinary_batch of ~1 MB cuts, 2 threads / of lines)",
                mb / t, mb / t_2, lines_mb / t1, lines_mb / t2, flatten(got_2) == ref, first=first_call_of("tiktoken"))

            def attempt(tool, body):
                try:
                    body()
                except Exception as error:  # a peer that cannot run is reported, not fatal
                    rows.append(f"| {corpus} | {vocab} | {tool} | " + "— | — | " * len(columns) + f"failed: {type(error).__name__}: {str(error)[:80]} |")

            def quicktok_row():
                import quicktok
                if vocab not in ("cl100k_base", "o200k_base"):
                    rows.append(f"| {corpus} | {vocab} | quicktok-v1 {versions['quicktok-v1']} | " + "— | — | " * len(columns) + "not bundled (cl100k_base, o200k_base, llama3, qwen3 only) |")
                    return
                q = quicktok.get_encoding(vocab)
                t, got = timed(lambda: q.encode(text), repeats); t = CPU["last"]
                t_2, (toks_2, _) = timed(lambda: q.encode_batch(parts, 2, False), repeats)
                t1, (toks1, offs1) = timed(lambda: q.encode_batch(lines, 1, False)); t1 = CPU["last"]
                t2, (toks2, offs2) = timed(lambda: q.encode_batch(lines, 2, False))
                same = list(got) == ref and list(toks_2) == ref and list(toks1) == ref_docs and list(toks2) == ref_docs
                row(f"quicktok-v1 {versions['quicktok-v1']} (encode / encode_batch of ~1 MB cuts, 2 threads / encode_batch of lines)",
                    mb / t, mb / t_2, lines_mb / t1, lines_mb / t2, same, first=first_call_of("quicktok-v1"))

            def splintr_row():
                import splintr
                # splintr's regex engine refuses possessive quantifiers; it ships equivalent patterns
                # (the ids below are checked against tiktoken's all the same).
                pattern = {"gpt2": splintr.GPT2_PATTERN, "cl100k_base": splintr.CL100K_BASE_PATTERN}.get(vocab, PEER_PATTERNS[vocab])
                s = splintr.Tokenizer(vocab_file, pattern, PEER_SPECIALS[vocab])
                # splintr keeps a cache of pieces across calls: emptied before each timed run, so that no run
                # starts with the pieces of the one before it (tokkit's piece cache starts empty on every run too).
                t, got = timed(lambda: s.encode_ordinary(text), repeats, before=s.clear_cache); t = CPU["last"]
                # Warm: its cache kept from the runs before (the first of these starts with the last cold run's).
                _, got_w = timed(lambda: s.encode_ordinary(text), repeats); t_w = CPU["last"]
                # Its two parallel calls for one text (all cores = 2 here); the faster one is its 2-thread rate.
                t_r, got_r = timed(lambda: s.encode_rayon(text), repeats, before=s.clear_cache)
                t_b, got_b = timed(lambda: s.encode_batch(parts), repeats, before=s.clear_cache)
                s.clear_cache()
                t2, got2 = timed(lambda: s.encode_batch(lines))
                calls = {"encode_rayon": (t_r, list(got_r) == ref), "encode_batch of ~1 MB cuts": (t_b, flatten(got_b) == ref)}
                exact = {name: t for name, (t, ok) in calls.items() if ok}
                faster = min(exact, key=exact.get) if exact else None
                note = "(one text, 2 threads: " + ", ".join(f"{name} {mb / t:.1f}" + ("" if ok else " ids differ") for name, (t, ok) in calls.items()) + ") "
                row(f"splintr-rs {versions['splintr-rs']} (encode_ordinary / {faster or 'no exact parallel call'}, all cores / encode_batch of lines, all cores)",
                    mb / t, mb / exact[faster] if faster else None, None, lines_mb / t2,
                    list(got) == ref and list(got_w) == ref and flatten(got2) == ref_docs, note=note,
                    first=first_call_of("splintr-rs"), warm=mb / t_w)

            def riptoken_row():
                import riptoken
                core = riptoken.CoreBPE(ranks, PEER_SPECIALS[vocab], PEER_PATTERNS[vocab])
                t, got = timed(lambda: core.encode_ordinary(text), repeats); t = CPU["last"]
                t_2, got_2 = timed(lambda: core.encode_ordinary_batch(parts), repeats)
                t2, got2 = timed(lambda: core.encode_ordinary_batch(lines))
                same = list(got) == ref and flatten(got_2) == ref and flatten(got2) == ref_docs
                row(f"riptoken {versions['riptoken']} (encode_ordinary / encode_ordinary_batch of ~1 MB cuts, all cores / of lines, all cores)",
                    mb / t, mb / t_2, None, lines_mb / t2, same, first=first_call_of("riptoken"))

            def bpe_openai_row():
                import bpe_openai
                if vocab == "gpt2":
                    rows.append(f"| {corpus} | {vocab} | bpe-openai {versions['bpe-openai']} | " + "— | — | " * len(columns) + "built-in cl100k_base and o200k_base only |")
                    return
                b = bpe_openai.get_encoding(vocab)
                small = chunks(text, 1 << 18)  # its wrapper refuses inputs of 10^6+ characters
                t, got = timed(lambda: flatten(b.encode_ordinary(c) for c in small), repeats); t = CPU["last"]
                t1, got1 = timed(lambda: [b.encode_ordinary(l) for l in lines]); t1 = CPU["last"]
                row(f"bpe-openai {versions['bpe-openai']} (encode_ordinary on 256K-character cuts / per line; no parallel call)",
                    mb / t, None, lines_mb / t1, None, got == ref and flatten(got1) == ref_docs, first=first_call_of("bpe-openai"))

            for tool, body in [("quicktok-v1", quicktok_row), ("splintr-rs", splintr_row), ("riptoken", riptoken_row),
                               ("bpe-openai", bpe_openai_row)]:
                attempt(tool, body)
            summary.append((corpus, vocab, mine, best))
            log("\n".join(rows))  # partial results survive an interrupted run
    # Issue #14's targets: ≥ 1.5× the fastest exact peer on one thread, ≥ 1.8× with two threads.
    targets = (1.5, 1.5, 1.5, 1.8, 1.5, 1.8)
    rows += ["", "Tokkit ÷ the fastest exact peer of each column (target: ≥ 1.5× on one thread, ≥ 1.8× on two):", "",
             "| corpus | vocab | " + " | ".join(columns) + " |", "|---|---|" + "---|" * len(columns)]
    for corpus, vocab, mine, best in summary:
        cells = []
        for value, peer, target in zip(mine, best, targets):
            if peer is None:
                cells.append(f"{value:.1f} (no peer)")
            else:
                ratio = value / peer[0]
                cells.append(f"{ratio:.2f}× {peer[1]} {'✓' if ratio >= target else '✗'}")
        rows.append(f"| {corpus} | {vocab} | " + " | ".join(cells) + " |")
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
            "timed rounds, every tool once a round in turn, best of each. What each column includes:"
            " **tokkit in process** = `TokkitBench encode-docs --batch-only` (`Tokenizer.encodeDocuments`): the documents are cut "
            "and laid back to back outside the clock, as the peers' list of lines is built outside theirs; inside: each document's "
            "UTF-8 check, splitting, merging, the flat id array and offsets (fresh merger per call: a cold piece cache each run);"
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

            def engine(threads):
                ids, offsets = os.path.join(tmp, "ids.u32"), os.path.join(tmp, "offsets.u64")
                got = run_bench("encode-docs", "--batch-only", "--vocab", vocab, "--file", path, "--threads", str(threads),
                                "--repeats", "1", "--ids", ids, "--offsets", offsets)
                if not checked.get(("engine", threads)):
                    assert same_lines(array.array("I", open(ids, "rb").read()), array.array("Q", open(offsets, "rb").read())), \
                        f"tokkit encode-docs ids differ from tiktoken per line ({corpus} {vocab}, {threads} threads)"
                    checked[("engine", threads)] = True
                return got["batch_cpu_seconds"], got["batch_seconds"]

            def one_text():
                got = run_bench("encode", "--vocab", vocab, "--file", path, "--threads", "1", "--repeats", "1")
                return got["bytes"] / got["cpu_mbps"] / 1e6, got["seconds"]

            def process(threads):
                out = os.path.join(tmp, f"docs{threads}.u32")
                command = [tokkit, "encode", path, "--docs", "lines", "--vocab", vocab, "--format", "uint32", "--threads", str(threads), "-o", out]
                cpu, wall = child_times(command)
                if not checked.get(("process", threads)):
                    assert list(array.array("I", open(out, "rb").read())) == ref_flat, f"tokkit --docs lines ids differ ({corpus} {vocab})"
                    checked[("process", threads)] = True
                return cpu, wall

            def python_call(call, check, before=None):
                def run():
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
            calls = {"tokkit in process (`TokkitBench encode-docs`)": {1: lambda: engine(1), 2: lambda: engine(2)},
                     "tokkit whole process (`tokkit encode --docs lines`)": {1: lambda: process(1), 2: lambda: process(2)}}
            # tiktoken is the reference, not timed here: its batch of lines runs at ~0.6 MB/s (its --peers column),
            # and eight such calls a row made this table take half an hour.
            try:
                import quicktok
                if vocab in ("cl100k_base", "o200k_base"):
                    q = quicktok.get_encoding(vocab)
                    calls[f"quicktok-v1 {versions['quicktok-v1']} (`encode_batch`)"] = {
                        t: python_call(lambda t=t: q.encode_batch(lines, t, False), lambda r: same_lines(r[0], r[1])) for t in (1, 2)}
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
                for tool, runs in calls.items():
                    for threads, run in runs.items():
                        if tool in failed:
                            continue
                        try:
                            cpu, wall = run()
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
    """CPU seconds (user + system) and wall seconds of one child process run to completion."""
    import resource
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
            f"(llmc, uint32) ids are covered by ShardLiveTests."
            + (f" Inputs: the first {args.prefix_mb:g} MB of each corpus (cut at a line end)." if args.prefix_mb else ""), "",
            "In process (`TokkitBench encode-docs`): the flat batch path (`Tokenizer.encodeDocuments`) and, for comparison, one "
            "array per document in and out (the per-document path before this session), against `encode` of the file as one text.", ""]
    inproc = ["| corpus | vocab | one text MB/CPU-s | flat batch MB/CPU-s | batch ÷ one text | one array per document MB/CPU-s | arrays ÷ one text |",
              "|---|---|---:|---:|---:|---:|---:|"]
    cli = ["| corpus | vocab | `encode` one text | `encode --docs lines` | ÷ one text | `encode` JSONL records | ÷ one text | `shard --docs lines` | ÷ one text |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
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
            }
            for name in ("lines", "jsonl", "shard"):
                # The same command on two threads, timed by the wall clock (see the heading of that table).
                command, size, expected = runs[name]
                threads = command.index("--threads") + 1
                out = command[-1] + "-2"
                runs[name + "2"] = (command[:threads] + ["2"] + command[threads + 1:-1] + [out], size, expected)
            best = {name: float("inf") for name in runs}
            wall = {name: float("inf") for name in runs}
            for round in range(args.rounds):
                for name, (command, _, expected) in runs.items():
                    cpu, seconds = child_times(command)
                    best[name], wall[name] = min(best[name], cpu), min(wall[name], seconds)
                    if round == 0 and expected is not None:
                        got = list(array.array("I", open(command[-1], "rb").read()))
                        assert got == expected, f"tokkit {name} ids differ from tiktoken ({corpus} {vocab})"
            rate = {name: runs[name][1] / best[name] for name in runs}
            walls = {name: runs[name][1] / wall[name] for name in runs}
            scaling.append(f"| {corpus} | {vocab} | " + " | ".join(
                f"{walls[name]:.1f} | {walls[name + '2']:.1f} | **{walls[name + '2'] / walls[name]:.2f}**" for name in ("lines", "jsonl", "shard")) + " |")
            cli.append(f"| {corpus} | {vocab} | {rate['one']:.1f} | {rate['lines']:.1f} | **{rate['lines'] / rate['one']:.2f}** | "
                       f"{rate['jsonl']:.1f} | **{rate['jsonl'] / rate['one']:.2f}** | {rate['shard']:.1f} | **{rate['shard'] / rate['one']:.2f}** |")
            log("\n".join(inproc + [""] + cli + [""] + scaling))
    section = "\n".join(["## Per-document encoding (issue #14)", ""] + head + inproc
                        + ["", "Whole processes (`tokkit`, start-up, reading, JSON parsing and writing included), MB per CPU-second:", ""]
                        + cli
                        + ["", "The same processes on one and two threads (`--threads 1` / `2`), MB per second of wall time, best of "
                           f"{args.rounds}, and the speed-up (×): wall time says something only on a machine with two idle cores "
                           f"(load average {os.getloadavg()[0]:.1f} at the end of this run). Ids of the two-thread `encode` runs "
                           "checked like the one-thread ones.", ""]
                        + scaling) + "\n"
    print(section)
    write_section("Per-document encoding (issue #14)", section)


if __name__ == "__main__":
    main()
