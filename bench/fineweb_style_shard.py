#!/usr/bin/env python3
"""llm.c's `dev/data/fineweb.py` approach, rewritten for local text files: the anchor tokkit shard is
measured against (bench/shard_bench.py).

What it keeps from fineweb.py: tiktoken's GPT-2 `encode_ordinary` with <|endoftext|> (50256) before
every document, a `multiprocessing.Pool` of max(1, cpu_count - 2) processes over `imap(chunksize=16)`
(input order kept), a preallocated numpy uint16 buffer of --shard-tokens, documents split across
shard boundaries, shard 0 = val, and `write_datafile`'s layout (256 int32 header [20240520, 1, N]).
What differs: documents are the blank-line-separated paragraphs of local files (tokkit's
`--docs paragraphs` rule: runs of lines that are not only spaces/tabs, joined with "\\n", CR before LF
dropped) instead of a Hugging Face dataset, and the vocabulary is read from vocabularies/gpt2.tiktoken
(no download).

  fineweb_style_shard.py --output DIR --prefix NAME --shard-tokens N [--procs P] FILE...
"""
import argparse
import multiprocessing as mp
import os
import sys

import numpy as np
import tiktoken
from tiktoken.load import load_tiktoken_bpe
from tiktoken_ext.openai_public import r50k_pat_str

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Module level, as fineweb.py: every worker process gets the encoder.
enc = tiktoken.Encoding(name="gpt2", pat_str=r50k_pat_str,
                        mergeable_ranks=load_tiktoken_bpe(os.path.join(ROOT, "vocabularies", "gpt2.tiktoken")),
                        special_tokens={"<|endoftext|>": 50256})
eot = enc._special_tokens["<|endoftext|>"]


def tokenize(doc):
    tokens = [eot]
    tokens.extend(enc.encode_ordinary(doc))
    tokens_np = np.array(tokens)
    assert (0 <= tokens_np).all() and (tokens_np < 2**16).all(), "token dictionary too large for uint16"
    return tokens_np.astype(np.uint16)


def write_datafile(filename, toks):
    assert len(toks) < 2**31, "token count too large"
    header = np.zeros(256, dtype=np.int32)
    header[0] = 20240520
    header[1] = 1
    header[2] = len(toks)
    with open(filename, "wb") as f:
        f.write(header.tobytes())
        f.write(toks.astype(np.uint16).tobytes())


def paragraphs(paths):
    for path in paths:
        current = []
        with open(path, "rb") as f:
            for raw in f:
                line = raw.rstrip(b"\n")
                if line.endswith(b"\r"):
                    line = line[:-1]
                if line.strip(b" \t"):
                    current.append(line)
                elif current:
                    yield b"\n".join(current).decode("utf-8")
                    current = []
        if current:
            yield b"\n".join(current).decode("utf-8")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", required=True)
    parser.add_argument("--prefix", default="fineweb")
    parser.add_argument("--shard-tokens", type=int, default=10**8)
    parser.add_argument("--procs", type=int, default=max(1, os.cpu_count() - 2))
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    shard_size = args.shard_tokens
    with mp.Pool(args.procs) as pool:
        shard_index = 0
        all_tokens_np = np.empty((shard_size,), dtype=np.uint16)
        token_count = 0
        for tokens in pool.imap(tokenize, paragraphs(args.files), chunksize=16):
            if token_count + len(tokens) < shard_size:
                all_tokens_np[token_count:token_count + len(tokens)] = tokens
                token_count += len(tokens)
            else:
                split = "val" if shard_index == 0 else "train"
                remainder = shard_size - token_count
                all_tokens_np[token_count:token_count + remainder] = tokens[:remainder]
                write_datafile(os.path.join(args.output, f"{args.prefix}_{split}_{shard_index:06d}.bin"), all_tokens_np)
                shard_index += 1
                all_tokens_np[0:len(tokens) - remainder] = tokens[remainder:]
                token_count = len(tokens) - remainder
        if token_count != 0:
            split = "val" if shard_index == 0 else "train"
            write_datafile(os.path.join(args.output, f"{args.prefix}_{split}_{shard_index:06d}.bin"), all_tokens_np[:token_count])


if __name__ == "__main__":
    sys.exit(main())
