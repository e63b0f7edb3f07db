#!/usr/bin/env python3
"""Train karpathy/rustbpe with the GPT-2 pattern and write its new tokens, in rank order, as JSON
hex strings. Compare with tokkit's `.bytes` tie policy: the concatenation of each tokkit merge.

usage: rustbpe_train.py INPUT --vocab N [--lines N] [--output tokens.json]
"""
import argparse
import sys
import time

import rustbpe

from common import GPT2_PATTERN, read_documents, write_json


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("--vocab", type=int, required=True)
    parser.add_argument("--lines", type=int, default=None)
    parser.add_argument("--output", default="-")
    args = parser.parse_args()
    documents = read_documents(args.input, args.lines)
    tokenizer = rustbpe.Tokenizer()
    start = time.perf_counter()
    tokenizer.train_from_iterator(iter(documents), args.vocab, pattern=GPT2_PATTERN)
    elapsed = time.perf_counter() - start
    ranked = sorted(tokenizer.get_mergeable_ranks(), key=lambda item: item[1])
    tokens = [bytes(token).hex() for token, rank in ranked if rank >= 256]
    write_json(args.output, tokens)
    print(f"rustbpe_train: {len(documents)} documents, {len(tokens)} new tokens, train {elapsed:.3f} s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
