#!/usr/bin/env python3
"""Token ids from the real reference libraries, for tokkit's live parity tests.

  reference_ids.py tiktoken --vocab FILE --pattern REGEX [--special TEXT=ID ...] [--allowed all|none]
                   --input FILE --output FILE
      Builds tiktoken.Encoding from a .tiktoken file (nothing is downloaded) and encodes the input,
      read as UTF-8 without newline translation. --allowed all = encode(allowed_special="all"),
      none = encode_ordinary.
  reference_ids.py hf --tokenizer FILE --input FILE --output FILE
      Loads a tokenizer.json with tokenizers.Tokenizer.from_file and encodes the input (no special
      tokens added).

Output: the ids as little-endian uint32. Exits non-zero (with the reason on stderr) when a library
is missing: parity tests must fail, never skip, without them.
"""
import argparse
import os

# tiktoken caches files by path string; a stale cache entry must never stand in for the file under test.
os.environ["TIKTOKEN_CACHE_DIR"] = ""
import struct
import sys


def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8")


def write_ids(path, ids):
    with open(path, "wb") as f:
        f.write(struct.pack(f"<{len(ids)}I", *ids))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="library", required=True)
    t = sub.add_parser("tiktoken")
    t.add_argument("--vocab", required=True)
    t.add_argument("--pattern", required=True)
    t.add_argument("--special", action="append", default=[])
    t.add_argument("--allowed", choices=["all", "none"], default="none")
    t.add_argument("--input", required=True)
    t.add_argument("--output", required=True)
    h = sub.add_parser("hf")
    h.add_argument("--tokenizer", required=True)
    h.add_argument("--input", required=True)
    h.add_argument("--output", required=True)
    args = parser.parse_args()

    text = read_text(args.input)
    if args.library == "tiktoken":
        import tiktoken
        from tiktoken.load import load_tiktoken_bpe

        specials = {}
        for entry in args.special:
            name, _, value = entry.rpartition("=")
            specials[name] = int(value)
        encoding = tiktoken.Encoding(
            name="tokkit-parity",
            pat_str=args.pattern,
            mergeable_ranks=load_tiktoken_bpe(args.vocab),
            special_tokens=specials,
        )
        ids = encoding.encode(text, allowed_special="all") if args.allowed == "all" else encoding.encode_ordinary(text)
    else:
        from tokenizers import Tokenizer

        ids = Tokenizer.from_file(args.tokenizer).encode(text, add_special_tokens=False).ids
    write_ids(args.output, ids)


if __name__ == "__main__":
    sys.exit(main())
