#!/usr/bin/env python3
"""Training benchmark: tokkit vs Hugging Face `tokenizers` vs rustbpe (vs SentencePiece BPE, for
reference), end to end on the same documents in one run.

Every contender runs in its own process under /usr/bin/time -v and is timed from start to finish:
read the file, pre-split with the GPT-2 pattern, count, merge, write the vocabulary. Documents are
the lines of the input (no newline), as `tokenizers` trains from files. Thread counts are set with
RAYON_NUM_THREADS (HF, rustbpe), num_threads (SentencePiece) and --threads (tokkit). After each
tokkit run its merge list is compared with HF's at the same vocabulary size.

usage: bench/train_bench.py INPUT [INPUT...] [--vocab 8192 32768] [--threads 1 2] [--skip sentencepiece]
       (build first: swift build -c release; pip install tokenizers rustbpe sentencepiece)
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


def worker(kind, paths, vocab, threads, output):
    """Runs inside a fresh process, so that /usr/bin/time sees only this contender."""
    if kind == "hf":
        from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers
        tokenizer = Tokenizer(models.BPE())
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(GPT2_PATTERN), "isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
        trainer = trainers.BpeTrainer(vocab_size=vocab, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                      show_progress=False)
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
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True,
                            env=dict(os.environ, **(env or {})))
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) / 1024
    return seconds, rss


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
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.inputs, args.worker_vocab, args.worker_threads, args.worker_output)
    if not os.path.exists(TOKKIT):
        sys.exit("build tokkit first: swift build -c release")

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


if __name__ == "__main__":
    main()
