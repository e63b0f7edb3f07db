#!/usr/bin/env python3
"""Training benchmark: HF `tokenizers` vs karpathy/rustbpe vs tokkit's trainer, same documents.

Each contender runs in its own process under /usr/bin/time -v (peak RSS). For HF and rustbpe the
merge phase is estimated as time(vocab N) - time(vocab 257): both count words inside training,
and a 257-token run pays for reading, splitting and counting plus one merge. tokkit's number is the
`train` time printed by `train-words` (merge phase only, count file already loaded); its split +
count step is done here by scripts/reference/split_count.py (Python `regex`, single thread) and is
NOT representative of tokkit's Swift pre-tokenizer (not wired yet), so it is reported apart.

usage: bench/train_bench.py DOCUMENTS [--vocab 8192 32768] [--lines N] [--train-words PATH]
Record results with the machine (nproc, CPU model, load) they ran on.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
from common import GPT2_PATTERN, read_documents  # noqa: E402


def worker(kind, path, vocab, lines):
    documents = read_documents(path, lines)
    start = time.perf_counter()
    if kind == "hf":
        from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers
        tokenizer = Tokenizer(models.BPE())
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(GPT2_PATTERN), "isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
        trainer = trainers.BpeTrainer(vocab_size=vocab, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                      show_progress=False)
        tokenizer.train_from_iterator(documents, trainer=trainer)
    else:
        import rustbpe
        tokenizer = rustbpe.Tokenizer()
        tokenizer.train_from_iterator(iter(documents), vocab, pattern=GPT2_PATTERN)
    print(f"TRAIN_SECONDS {time.perf_counter() - start:.3f}")


def timed(command):
    result = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) / 1024
    return result.stdout + result.stderr, rss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("documents")
    parser.add_argument("--vocab", type=int, nargs="+", default=[8192, 32768])
    parser.add_argument("--lines", type=int, default=None)
    parser.add_argument("--train-words", default=os.path.join(ROOT, ".build", "release", "train-words"))
    parser.add_argument("--worker", choices=["hf", "rustbpe"])
    parser.add_argument("--worker-vocab", type=int)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.documents, args.worker_vocab, args.lines)

    lines = ["--lines", str(args.lines)] if args.lines else []
    with tempfile.TemporaryDirectory() as work:
        counts = os.path.join(work, "words.counts")
        start = time.perf_counter()
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "reference", "split_count.py"),
                        args.documents, counts] + lines, check=True, capture_output=True)
        split_seconds = time.perf_counter() - start

        def python(kind, vocab):
            output, rss = timed([sys.executable, __file__, args.documents, "--worker", kind,
                                 "--worker-vocab", str(vocab)] + lines)
            return float(re.search(r"TRAIN_SECONDS ([\d.]+)", output).group(1)), rss

        base = {kind: python(kind, 257) for kind in ("hf", "rustbpe")}
        print(f"# {args.documents} lines={args.lines or 'all'}; nproc={os.cpu_count()}, "
              f"load {os.getloadavg()[0]:.1f}; split+count (python regex, not tokkit's) {split_seconds:.2f} s")
        print(f"# baselines at vocab 257 (read+split+count): HF {base['hf'][0]:.2f} s, rustbpe {base['rustbpe'][0]:.2f} s")
        print("| vocab | HF total s | HF merge s | HF RSS MB | rustbpe total s | rustbpe merge s | rustbpe RSS MB "
              "| tokkit merge s | tokkit RSS MB | merge speed-up vs HF | vs rustbpe |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for vocab in args.vocab:
            hf_total, hf_rss = python("hf", vocab)
            rb_total, rb_rss = python("rustbpe", vocab)
            output, ours_rss = timed([args.train_words, counts, "--vocab", str(vocab), "--quiet"])
            ours = float(re.search(r"train ([\d.]+) s", output).group(1))
            hf_merge = max(hf_total - base["hf"][0], 1e-3)
            rb_merge = max(rb_total - base["rustbpe"][0], 1e-3)
            print(f"| {vocab} | {hf_total:.2f} | {hf_merge:.2f} | {hf_rss:.0f} | {rb_total:.2f} | {rb_merge:.2f} "
                  f"| {rb_rss:.0f} | {ours:.3f} | {ours_rss:.0f} | {hf_merge / ours:.1f}x | {rb_merge / ours:.1f}x |")


if __name__ == "__main__":
    main()
