#!/usr/bin/env python3
"""Train Hugging Face `tokenizers` BPE (byte-level, GPT-2 pattern) and write its merges as JSON.

Output: [[left_hex, right_hex], ...] in merge order, each side the raw bytes of the token in hex
(byte-level characters mapped back to bytes). Documents: see common.py (one per line, no newline),
or with --from-files HF's own `tokenizer.train([INPUT])`, which reads each line WITH its terminator.

usage: hf_train.py INPUT --vocab N [--min-frequency F] [--special TEXT]... [--max-token-length L]
                   [--lines N] [--from-files] [--output merges.json]
"""
import argparse
import json
import sys
import time

from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers

from common import GPT2_PATTERN, merge_bytes, read_documents, write_json


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("--vocab", type=int, required=True)
    parser.add_argument("--min-frequency", type=int, default=0)
    parser.add_argument("--special", action="append", default=[])
    parser.add_argument("--max-token-length", type=int, default=None,
                        help="HF's value (strict <, in chars) = tokkit maxTokenLength + 1")
    parser.add_argument("--lines", type=int, default=None)
    parser.add_argument("--pattern", default=GPT2_PATTERN)
    parser.add_argument("--output", default="-")
    parser.add_argument("--from-files", action="store_true",
                        help="train with tokenizer.train([INPUT]) (lines keep their \\n / \\r\\n) instead of train_from_iterator")
    args = parser.parse_args()
    if args.from_files and args.lines is not None:
        sys.exit("hf_train.py: --from-files reads the whole file; cut it first instead of --lines")

    documents = None if args.from_files else read_documents(args.input, args.lines)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(args.pattern), "isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    trainer = trainers.BpeTrainer(
        vocab_size=args.vocab,
        min_frequency=args.min_frequency,
        special_tokens=args.special,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        max_token_length=args.max_token_length,
        show_progress=False,
    )
    start = time.perf_counter()
    if args.from_files:
        tokenizer.train([args.input], trainer=trainer)
    else:
        tokenizer.train_from_iterator(documents, trainer=trainer)
    elapsed = time.perf_counter() - start

    merges = merge_bytes(json.loads(tokenizer.to_str())["model"]["merges"])
    out = [[left.hex(), right.hex()] for left, right in merges]
    write_json(args.output, out)
    print(f"hf_train: {'train(files)' if documents is None else f'{len(documents)} documents'}, {len(out)} merges, "
          f"vocab {tokenizer.get_vocab_size()}, train {elapsed:.3f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
