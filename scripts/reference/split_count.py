#!/usr/bin/env python3
"""Pre-split documents with the Python `regex` module and write a tokkit count file.

The count file format is documented on `WordCounts.serialized()` (WordCounts+Serialization.swift):
magic b"TKWC\\r\\n\\x1a\\n", u32 version 1, u64 distinct, u64 total, records sorted by bytes
(LEB128 length, LEB128 count, bytes), u32 CRC-32 (zlib) of everything before it. Little-endian.

usage: split_count.py INPUT OUTPUT [--lines N] [--pattern REGEX] [--splitter regex|hf]
  --splitter hf uses the HF pre-tokenizer itself (to tell splitter differences from trainer ones).
"""
import argparse
import collections
import struct
import sys
import time
import zlib

import regex

from common import GPT2_PATTERN, read_documents

MAGIC = b"TKWC\r\n\x1a\n"


def leb128(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def count_file(counts):
    body = bytearray(MAGIC)
    body += struct.pack("<IQQ", 1, len(counts), sum(counts.values()))
    for piece in sorted(counts):
        body += leb128(len(piece)) + leb128(counts[piece]) + piece
    body += struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)
    return bytes(body)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--lines", type=int, default=None)
    parser.add_argument("--pattern", default=GPT2_PATTERN)
    parser.add_argument("--splitter", choices=["regex", "hf"], default="regex")
    args = parser.parse_args()

    start = time.perf_counter()
    documents = read_documents(args.input, args.lines)
    counts = collections.Counter()
    if args.splitter == "regex":
        compiled = regex.compile(args.pattern)
        for document in documents:
            counts.update(piece.encode("utf-8") for piece in compiled.findall(document))
    else:
        from tokenizers import Regex, pre_tokenizers
        splitter = pre_tokenizers.Split(Regex(args.pattern), "isolated")
        for document in documents:
            counts.update(piece.encode("utf-8") for piece, _ in splitter.pre_tokenize_str(document))
    with open(args.output, "wb") as handle:
        handle.write(count_file(counts))
    print(f"split_count: {len(documents)} documents, {len(counts)} distinct pieces, "
          f"{sum(counts.values())} pieces, {time.perf_counter() - start:.3f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
