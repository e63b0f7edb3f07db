#!/usr/bin/env python3
"""Training benchmark: tokkit vs Hugging Face `tokenizers` vs rustbpe (vs SentencePiece BPE, for
reference), end to end on the same documents in one run.

Every contender runs in its own process under /usr/bin/time -v and is timed from start to finish:
read the file, pre-split with the GPT-2 pattern, count, merge, write the vocabulary. Documents are
the lines of the input (no newline), as `tokenizers` trains from files. Thread counts are set with
RAYON_NUM_THREADS (HF, rustbpe), num_threads (SentencePiece) and --threads (tokkit). After each
tokkit run its merge list is compared with HF's at the same vocabulary size.

--peers: the 2026 trainers instead, on the documents of Hugging Face's quick tour,
`tokenizer.train(files)`: each line WITH its newline. HF train(files) is the reference; tokkit runs with
--keep-newlines; gigabpe (pretokenizer="bytelevel"; its alphabet is the bytes that occur, so it is asked
for the vocabulary size that gives the same number of merges; reading the files is part of its time),
fast-bpe-rs and bpeasy get the same lines. Times are CPU seconds (user + sys) of each whole process, which
is what a shared, loaded machine measures fairly; wall seconds are printed beside them.
Each one's learned tokens (the bytes of every merge's result, in order; whole merge pairs where the
tool gives them) are compared with HF's before its time is printed, and a tool that differs is
reported as differing.

usage: bench/train_bench.py INPUT [INPUT...] [--vocab 8192 32768] [--threads 1 2] [--skip sentencepiece] [--peers]
       (build first: bash scripts/build-release; pip install tokenizers rustbpe sentencepiece)
Writes a Markdown table to stdout; record it with the machine in bench/RESULTS.md.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
from common import GPT2_PATTERN, merge_bytes  # noqa: E402

TOKKIT = os.path.join(ROOT, ".build", "release", "tokkit")


def documents(paths):
    for path in paths:
        with open(path, "rb") as f:
            for line in f.read().decode("utf-8").split("\n"):
                yield line


def lines_with_newlines(paths):
    """The documents of HF's `tokenizer.train(files)`: every line with its terminator."""
    for path in paths:
        with open(path, "rb") as f:
            for line in f.read().decode("utf-8").splitlines(keepends=True):
                yield line


def learned_tokens_json(output, tokens):
    with open(output, "w") as f:
        json.dump([t.hex() for t in tokens], f)


def hf_gpt2_trainer(vocab):
    """HF's byte-level BPE with the GPT-2 split, as both of its contenders (train and train_from_iterator) use it."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(GPT2_PATTERN), "isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    trainer = trainers.BpeTrainer(vocab_size=vocab, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    return tokenizer, trainer


def worker(kind, paths, vocab, threads, output):
    """Runs inside a fresh process, so that /usr/bin/time sees only this contender."""
    if kind == "hf-files":
        tokenizer, trainer = hf_gpt2_trainer(vocab)
        tokenizer.train(list(paths), trainer=trainer)
        tokenizer.save(output)
    elif kind == "gigabpe":
        import gigabpe
        # gigabpe's alphabet is the bytes that occur, not all 256 (HF's BpeTrainer without
        # initial_alphabet): asked for the same number of merges, it learns HF's merge list.
        seen = set()
        for path in paths:
            seen.update(open(path, "rb").read())
        _, merges = gigabpe.train_bpe(list(paths), vocab - 256 + len(seen), pretokenizer="bytelevel", threads=threads)
        with open(output, "w") as f:
            json.dump({"model": {"merges": [list(m) for m in merges]}}, f)
    elif kind == "fast-bpe-rs":
        import fast_bpe_rs
        model = fast_bpe_rs.BPE(GPT2_PATTERN)
        model.train(vocab, list(lines_with_newlines(paths)))
        learned_tokens_json(output, [model.decode([i]) for i in range(256, vocab)])
    elif kind == "bpeasy":
        import bpeasy
        ranks = bpeasy.train_bpe(lines_with_newlines(paths), GPT2_PATTERN, 256, vocab)
        learned_tokens_json(output, [t for t, rank in sorted(ranks.items(), key=lambda kv: kv[1]) if rank >= 256])
    elif kind == "hf":
        tokenizer, trainer = hf_gpt2_trainer(vocab)
        tokenizer.train_from_iterator(documents(paths), trainer=trainer)
        tokenizer.save(output)
    elif kind == "rustbpe":
        import rustbpe
        tokenizer = rustbpe.Tokenizer()
        tokenizer.train_from_iterator(documents(paths), vocab, pattern=GPT2_PATTERN)
    else:
        import sentencepiece as spm
        spm.SentencePieceTrainer.train(
            sentence_iterator=(d for d in documents(paths) if d), model_prefix=output, vocab_size=vocab,
            model_type="bpe", byte_fallback=True, num_threads=threads, character_coverage=0.9995,
            max_sentence_length=1 << 20, minloglevel=2)


def timed(command, env=None):
    """Runs `command` under /usr/bin/time -v: (wall seconds, peak RSS MB, CPU seconds = user + sys).
    On a shared machine CPU time is the measure: wall time counts the time other processes held the cores."""
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True,
                            env=dict(os.environ, **(env or {})))
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) / 1024
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([0-9.]+)", result.stderr).group(1)) for kind in ("User", "System"))
    return seconds, rss, cpu


def merges_as_bytes(tokenizer_json):
    return merge_bytes(json.load(open(tokenizer_json, encoding="utf-8"))["model"]["merges"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--vocab", type=int, nargs="+", default=[8192, 32768])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--skip", nargs="*", default=[])
    parser.add_argument("--worker")
    parser.add_argument("--worker-vocab", type=int)
    parser.add_argument("--worker-threads", type=int)
    parser.add_argument("--worker-output")
    parser.add_argument("--peers", action="store_true")
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.inputs, args.worker_vocab, args.worker_threads, args.worker_output)
    if subprocess.run(["bash", "scripts/build-release", "--check", "tokkit"], cwd=ROOT).returncode != 0:
        sys.exit(1)  # the check says what to run
    if args.peers:
        return peers(args)

    size = sum(os.path.getsize(p) for p in args.inputs)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    print(f"# {', '.join(os.path.basename(p) for p in args.inputs)} ({size / 1e6:.1f} MB), GPT-2 pattern, lines as documents")
    print(f"# machine: {os.cpu_count()} cores, {cpu}; load average {os.getloadavg()[0]:.1f} at start; {time.strftime('%Y-%m-%d')}")
    print("| vocab | threads | tokkit s | tokkit MB | HF s | HF MB | rustbpe s | rustbpe MB | SentencePiece s | SentencePiece MB "
          "| vs HF | vs rustbpe | merges = HF |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for vocab in args.vocab:
            for threads in args.threads:
                env = {"RAYON_NUM_THREADS": str(threads)}
                row = {}
                out = os.path.join(work, f"tokkit-{vocab}-{threads}")
                row["tokkit"] = timed([TOKKIT, "train", *args.inputs, "--docs", "lines", "--vocab-size", str(vocab),
                                       "--threads", str(threads), "-o", out, "--force", "--quiet"])
                for kind in ("hf", "rustbpe", "sentencepiece"):
                    if kind in args.skip:
                        row[kind] = (float("nan"), float("nan"))
                        continue
                    output = os.path.join(work, f"{kind}-{vocab}-{threads}" + (".json" if kind == "hf" else ""))
                    row[kind] = timed([sys.executable, __file__, *args.inputs, "--worker", kind, "--worker-vocab", str(vocab),
                                       "--worker-threads", str(threads), "--worker-output", output], env)
                hf_file = os.path.join(work, f"hf-{vocab}-{threads}.json")
                same = "—" if "hf" in args.skip else (
                    "yes" if merges_as_bytes(os.path.join(out, "tokenizer.json")) == merges_as_bytes(hf_file) else "**no**")
                t = row["tokkit"][0]
                cell = lambda kind: ("skipped | —" if kind in args.skip else f"{row[kind][0]:.2f} | {row[kind][1]:.0f}")
                print(f"| {vocab} | {threads} | {t:.2f} | {row['tokkit'][1]:.0f} | {cell('hf')} "
                      f"| {cell('rustbpe')} | {cell('sentencepiece')} "
                      f"| {row['hf'][0] / t:.1f}× | {row['rustbpe'][0] / t:.1f}× | {same} |", flush=True)


def peers(args):
    import importlib.metadata as metadata
    versions = {}
    for name in ["tokenizers", "gigabpe", "fast-bpe-rs", "bpeasy"]:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    kinds = [k for k in ["hf-files", "gigabpe", "fast-bpe-rs", "bpeasy"] if k not in args.skip]
    # HF train(files) is the reference; where it is skipped (the ≥ 1 GB corpus: hours and tens of GB),
    # gigabpe, which equals HF train(files) wherever both ran, is.
    reference = "hf-files" if "hf-files" in kinds else "gigabpe"
    size = sum(os.path.getsize(p) for p in args.inputs)
    print(f"# {', '.join(os.path.basename(p) for p in args.inputs)} ({size / 1e6:.1f} MB), GPT-2 pattern, each line WITH its newline "
          f"(HF tokenizer.train(files)); load average {os.getloadavg()[0]:.1f} at start; {time.strftime('%Y-%m-%d %H:%M')}; "
          + ", ".join(f"{k} {v}" for k, v in versions.items()) + f"; merges compared with {reference}'s; "
          "seconds are CPU (user + sys) of the whole process, wall in parentheses; ratios are of CPU time")
    print("| vocab | threads | tokkit CPU s (wall) | tokkit MB | " + " | ".join(f"{k} CPU s (wall) | {k} MB | tokkit ÷ {k} | = {reference}" for k in kinds) + " |")
    print("|---|---|---|---|" + "---|---|---|---|" * len(kinds))

    def learned(kind, output):
        if kind in ("hf-files", "gigabpe", "tokkit"):
            pairs = merges_as_bytes(output)
            return pairs, [a + b for a, b in pairs]
        return None, [bytes.fromhex(t) for t in json.load(open(output))]

    with tempfile.TemporaryDirectory() as work:
        for vocab in args.vocab:
            for threads in args.threads:
                env = {"RAYON_NUM_THREADS": str(threads)}
                out = os.path.join(work, f"tokkit-{vocab}-{threads}")
                tokkit = timed([TOKKIT, "train", *args.inputs, "--docs", "lines", "--keep-newlines", "--vocab-size", str(vocab),
                                "--threads", str(threads), "-o", out, "--force", "--quiet"])
                results = {"tokkit": learned("tokkit", os.path.join(out, "tokenizer.json"))}
                times = {}
                for kind in kinds:
                    output = os.path.join(work, f"{kind}-{vocab}-{threads}.json")
                    try:
                        times[kind] = timed([sys.executable, __file__, *args.inputs, "--worker", kind, "--worker-vocab", str(vocab),
                                             "--worker-threads", str(threads), "--worker-output", output], env)
                        results[kind] = learned(kind, output)
                    except SystemExit as failure:
                        times[kind] = None
                        print(f"<!-- {kind} failed: {str(failure)[-300:]} -->")
                if times.get(reference) is None:
                    sys.exit(f"the reference {reference} failed: nothing to compare with")
                reference_pairs, reference_tokens = results[reference]
                cells = []
                for kind in kinds:
                    if times.get(kind) is None:
                        cells.append("— | — | — | failed")
                        continue
                    pairs, tokens = results[kind]
                    same = (pairs == reference_pairs) if pairs is not None else (tokens == reference_tokens)
                    first = next((i for i, (a, b) in enumerate(zip(tokens, reference_tokens)) if a != b), None)
                    verdict = ("yes (reference)" if kind == reference else "yes") if same else \
                        f"**no** (first difference at merge {first}, {len(tokens)} vs {len(reference_tokens)} merges)"
                    ratio = f"{times[kind][2] / tokkit[2]:.2f}×" if same else "— (differs)"
                    cells.append(f"{times[kind][2]:.2f} ({times[kind][0]:.2f}) | {times[kind][1]:.0f} | {ratio} | {verdict}")
                tokkit_same = results["tokkit"][0] == reference_pairs
                print(f"| {vocab} | {threads} | {tokkit[2]:.2f} ({tokkit[0]:.2f}) | {tokkit[1]:.0f}"
                      f"{'' if tokkit_same else f' (**merges differ from {reference}!**)'} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
