#!/usr/bin/env python3
"""Reads tokkit shards exactly as the training code that consumes them does, and compares the tokens
with ids from the real tiktoken on the same documents.

  read_shards.py DIR --vocab FILE.tiktoken --pattern REGEX --special TEXT=ID [--special ...]
                 --documents DOCS.jsonl [--field text]

Loaders (numpy only, as the projects do it):
  llmc      llm.c train_gpt2.py `_load_data_shard`: 256 int32 header, magic/version asserted
            (20240520/1 = uint16; 20240801/7 = uint32 as train_llama3.py), `len(tokens) == header[2]`.
  nanogpt   nanoGPT train.py: `np.memmap(path, dtype=np.uint16, mode='r')` (np.uint32 when the manifest
            says uint32).
  megatron  Megatron-LM `_IndexReader`: MMIDIDX header with struct, then np.frombuffer over an np.memmap
            of the .idx for lengths (int32), pointers (int64) and document indices (int64); every sequence
            read from an np.memmap of the .bin at its pointer.

The expected stream is tiktoken's `encode_ordinary` of every document, with the end token before each
document (llmc) or after it (nanogpt, megatron), cut where the manifest says. Every file's digest the manifest
records is recomputed with the reference library of its algorithm: `blake3` (the BLAKE3 team's Rust
implementation, what b3sum prints) or `hashlib.sha256`. Prints a one-line summary; exits non-zero naming the
first difference. Missing numpy, tiktoken or blake3 is an error, never a skip.
"""
import argparse
import hashlib
import json
import os
import struct
import sys

os.environ["TIKTOKEN_CACHE_DIR"] = ""
import blake3  # noqa: E402
import numpy as np  # noqa: E402
import tiktoken  # noqa: E402
from tiktoken.load import load_tiktoken_bpe  # noqa: E402

LLMC = {(20240520, 1): np.uint16, (20240801, 7): np.uint32}
MEGATRON_DTYPES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16}


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def check_digest(directory, record):
    """The file's digest by the algorithm its record names; returns that algorithm's name."""
    algorithms = [name for name in ("blake3", "sha256") if name in record]
    if len(algorithms) != 1:
        fail(f"{record['file']}: the manifest records {algorithms or 'no digest'}, expected one of blake3, sha256")
    name = algorithms[0]
    hasher = blake3.blake3() if name == "blake3" else hashlib.sha256()
    with open(os.path.join(directory, record["file"]), "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            hasher.update(block)
    if hasher.hexdigest() != record[name]:
        fail(f"{record['file']}: {name} is {hasher.hexdigest()}, the manifest records {record[name]}")
    return name


def load_llmc(path):
    with open(path, "rb") as f:
        header = np.frombuffer(f.read(256 * 4), dtype=np.int32)
        key = (int(header[0]), int(header[1]))
        if key not in LLMC:
            fail(f"{path}: magic/version {key} is not an llm.c header")
        if np.any(header[3:] != 0):
            fail(f"{path}: reserved header words are not zero")
        ntok = int(header[2])
        tokens = np.frombuffer(f.read(), dtype=LLMC[key])
    if len(tokens) != ntok:
        fail(f"{path}: number of tokens read ({len(tokens)}) does not match header ({ntok})")
    return [tokens]


def load_nanogpt(path, width):
    return [np.memmap(path, dtype=np.uint16 if width == "uint16" else np.uint32, mode="r")]


def load_megatron(bin_path, idx_path):
    with open(idx_path, "rb") as stream:
        if stream.read(9) != b"MMIDIDX\x00\x00":
            fail(f"{idx_path}: not a Megatron index")
        (version,) = struct.unpack("<Q", stream.read(8))
        if version != 1:
            fail(f"{idx_path}: version {version}")
        (code,) = struct.unpack("<B", stream.read(1))
        dtype = MEGATRON_DTYPES[code]
        (sequence_count,) = struct.unpack("<Q", stream.read(8))
        (document_count,) = struct.unpack("<Q", stream.read(8))
        offset = stream.tell()
    buffer = memoryview(np.memmap(idx_path, mode="r", order="C"))
    lengths = np.frombuffer(buffer, dtype=np.int32, count=sequence_count, offset=offset)
    pointers = np.frombuffer(buffer, dtype=np.int64, count=sequence_count, offset=offset + lengths.nbytes)
    documents = np.frombuffer(buffer, dtype=np.int64, count=document_count, offset=offset + lengths.nbytes + pointers.nbytes)
    if os.path.getsize(idx_path) != 34 + 12 * sequence_count + 8 * document_count:
        fail(f"{idx_path}: size is not 34 + 12S + 8D")
    if list(documents) != list(range(sequence_count + 1)):
        fail(f"{idx_path}: document indices are not 0..S")
    bin_buffer = memoryview(np.memmap(bin_path, mode="r", order="C"))
    if len(bin_buffer) != int(lengths.sum()) * np.dtype(dtype).itemsize:
        fail(f"{bin_path}: size does not match the index")
    return [np.frombuffer(bin_buffer, dtype=dtype, count=int(n), offset=int(p)) for n, p in zip(lengths, pointers)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--vocab", required=True)
    parser.add_argument("--pattern", required=True)
    parser.add_argument("--special", action="append", default=[])
    parser.add_argument("--documents", required=True)
    parser.add_argument("--field", default="text")
    args = parser.parse_args()

    with open(os.path.join(args.directory, "manifest.json")) as f:
        manifest = json.load(f)
    settings = manifest["settings"]
    specials = {}
    for entry in args.special:
        name, _, value = entry.rpartition("=")
        specials[name] = int(value)
    encoding = tiktoken.Encoding(name="tokkit-shards", pat_str=args.pattern,
                                 mergeable_ranks=load_tiktoken_bpe(args.vocab), special_tokens=specials)
    eot = settings["vocabulary"]["end_token_id"]
    if encoding.encode_single_token(settings["vocabulary"]["end_token"]) != eot:
        fail("the manifest's end token id differs from tiktoken's")
    with open(args.documents, encoding="utf-8") as f:
        texts = [json.loads(line)[args.field] for line in f if line.strip()]
    sequences = []
    for text in texts:
        ids = encoding.encode_ordinary(text)
        sequences.append([eot] + ids if settings["delimiter"] == "before" else ids + [eot])

    fmt = settings["format"]
    read = []
    digests = {}
    for shard in manifest["shards"]:
        for record in [shard["token_file"]] + ([shard["index_file"]] if "index_file" in shard else []):
            name = check_digest(args.directory, record)
            digests[name] = digests.get(name, 0) + 1
        path = os.path.join(args.directory, shard["token_file"]["file"])
        if fmt == "llmc":
            arrays = load_llmc(path)
            capacity = settings["val_tokens"] if shard["index"] == 0 else settings["shard_tokens"]
            if shard is not manifest["shards"][-1] and len(arrays[0]) != capacity:
                fail(f"{path}: {len(arrays[0])} tokens, llm.c shards hold exactly {capacity}")
        elif fmt == "nanogpt":
            arrays = load_nanogpt(path, settings["token_width"])
        else:
            arrays = load_megatron(path, os.path.join(args.directory, shard["index_file"]["file"]))
        read.append(arrays)

    if fmt == "megatron":
        got = [a.tolist() for arrays in read for a in arrays]
        if len(got) != len(sequences):
            fail(f"{len(got)} Megatron sequences, {len(sequences)} documents")
        for number, (mine, theirs) in enumerate(zip(got, sequences)):
            if mine != theirs:
                fail(f"sequence {number} differs from tiktoken's ids + [eot]")
    expected = np.fromiter((t for s in sequences for t in s), dtype=np.int64)
    stream = np.concatenate([a.astype(np.int64) for arrays in read for a in arrays]) if read else np.zeros(0, np.int64)
    if len(stream) != len(expected) or not np.array_equal(stream, expected):
        first = next((i for i, (a, b) in enumerate(zip(stream, expected)) if a != b), min(len(stream), len(expected)))
        fail(f"token {first} of the stream differs: shards have {len(stream)} tokens, tiktoken {len(expected)}")
    summary = ", ".join(f"{count} {name}" for name, count in sorted(digests.items()))
    print(f"OK {fmt} {len(manifest['shards'])} shards {len(stream)} tokens {len(texts)} documents; digests equal: {summary}")


if __name__ == "__main__":
    main()
