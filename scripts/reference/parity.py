#!/usr/bin/env python3
"""HF parity check: split + count (split_count.py), train HF (hf_train.py) and tokkit (train-words)
on the same documents, compare the merge lists as bytes. Exit 1 on any mismatch.

usage: parity.py INPUT --vocab N [--lines N] [--min-frequency F] [--special TEXT]...
                 [--max-token-length L (tokkit bytes; HF gets L+1)] [--splitter regex|hf]
                 [--train-words PATH]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("--vocab", type=int, required=True)
    parser.add_argument("--lines", type=int, default=None)
    parser.add_argument("--min-frequency", type=int, default=0)
    parser.add_argument("--special", action="append", default=[])
    parser.add_argument("--max-token-length", type=int, default=None)
    parser.add_argument("--splitter", default="regex")
    parser.add_argument("--train-words", default=os.path.join(ROOT, ".build", "release", "train-words"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        counts = os.path.join(work, "words.counts")
        hf_json = os.path.join(work, "hf.json")
        lines = ["--lines", str(args.lines)] if args.lines is not None else []
        subprocess.run([sys.executable, os.path.join(HERE, "split_count.py"), args.input, counts,
                        "--splitter", args.splitter] + lines, check=True)
        hf = [sys.executable, os.path.join(HERE, "hf_train.py"), args.input, "--vocab", str(args.vocab),
              "--min-frequency", str(args.min_frequency), "--output", hf_json] + lines
        ours = [args.train_words, counts, "--vocab", str(args.vocab), "--min-frequency", str(args.min_frequency)]
        for special in args.special:
            hf += ["--special", special]
            ours += ["--special", special]
        if args.max_token_length is not None:
            hf += ["--max-token-length", str(args.max_token_length + 1)]
            ours += ["--max-token-length", str(args.max_token_length)]
        subprocess.run(hf, check=True)
        ours_out = subprocess.run(ours, check=True, stdout=subprocess.PIPE).stdout
        with open(hf_json) as handle:
            expected = json.load(handle)
    actual = json.loads(ours_out)
    mismatches = sum(1 for e, a in zip(expected, actual) if e != a) + abs(len(expected) - len(actual))
    first = next((i for i, (e, a) in enumerate(zip(expected, actual)) if e != a), None)
    print(f"parity: {args.input} lines={args.lines} vocab={args.vocab}: HF {len(expected)} merges, "
          f"tokkit {len(actual)} merges, mismatches {mismatches}"
          + (f", first at #{first}: HF {expected[first]} vs tokkit {actual[first]}" if first is not None else ""))
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
