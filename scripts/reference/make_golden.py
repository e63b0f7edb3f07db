#!/usr/bin/env python3
"""Golden token ids and pre-tokenizer pieces from the real tiktoken, for every fixture.

Reads `fixtures/*.txt` (strict UTF-8, bytes used as they are: no newline
normalization) and `vocabularies/*.tiktoken`, and writes

    Tests/TokkitTests/Golden/tiktoken-gpt2.json         gpt2 pattern, gpt2 ranks
    Tests/TokkitTests/Golden/tiktoken-cl100k_base.json  cl100k pattern, cl100k ranks
    Tests/TokkitTests/Golden/tiktoken-o200k_base.json   o200k pattern, o200k ranks
    Tests/TokkitTests/Golden/tiktoken-qwen2.json        qwen2 pattern, qwen2 ranks
    Tests/TokkitTests/Golden/tiktoken-p50k_base.json    gpt2 pattern, p50k ranks
    Tests/TokkitTests/Golden/tiktoken-p50k_edit.json    the same with p50k_edit's FIM special tokens
    Tests/TokkitTests/Golden/pieces-o200k.json          o200k pattern, gpt2 ranks

Per fixture: `ordinary` = encode_ordinary(text), `all_special` =
encode(text, allowed_special="all") (not in the o200k file), `pieces_count`,
and under `pieces` the regex pieces as [start, end) UTF-8 byte offsets.

Usage, from the repository root:

    python3 scripts/reference/make_golden.py            # write the golden files
    python3 scripts/reference/make_golden.py --check    # exit 1 if they are stale

No vocabulary is downloaded: Encodings are built from the local .tiktoken
files, whose sha256 is checked against vocabularies/SHA256SUMS (when present)
and against the hash the installed tiktoken itself expects.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import pathlib
import sys
from typing import NoReturn
from unittest import mock

import regex
import tiktoken
from tiktoken.load import load_tiktoken_bpe
from tiktoken_ext import openai_public

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
GOLDEN = REPO / "Tests" / "TokkitTests" / "Golden"
GENERATOR = "scripts/reference/make_golden.py"
TIKTOKEN_VERSION = "0.14.0"

# The patterns, byte for byte as in tiktoken_ext/openai_public.py 0.14.0
# (`installed_definitions` proves it at every run).
GPT2_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
CL100K_PATTERN = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
O200K_PATTERN = r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

# Qwen2's pre-tokenizer `Split` regex (its tokenizer.json), not part of tiktoken.
QWEN2_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
# qwen2.tiktoken (vocabularies/PROVENANCE.md): tiktoken knows no hash for it; this is SHA256SUMS's.
QWEN2_SHA256 = "b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186"

GPT2_SPECIAL_TOKENS = {"<|endoftext|>": 50256}
O200K_SPECIAL_TOKENS = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}
# Qwen2's tokenizer_config.json `added_tokens_decoder`.
QWEN2_SPECIAL_TOKENS = {"<|endoftext|>": 151643, "<|im_start|>": 151644, "<|im_end|>": 151645}
P50K_EDIT_SPECIAL_TOKENS = {"<|endoftext|>": 50256, "<|fim_prefix|>": 50281, "<|fim_middle|>": 50282, "<|fim_suffix|>": 50283}
CL100K_SPECIAL_TOKENS = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}


def fail(message: str) -> NoReturn:
    sys.exit(f"make_golden.py: {message}")


def installed_definitions() -> dict[str, dict]:
    """The installed tiktoken's own definitions of r50k_base, cl100k_base and o200k_base.

    The constructors would download their vocabularies, so `load_tiktoken_bpe` is replaced
    for the call by a stub that returns, in place of the ranks, the hash it was asked for.
    """

    def stub(url: str, expected_hash: str | None = None) -> dict:
        return {"expected_hash": expected_hash}

    with mock.patch.object(openai_public, "load_tiktoken_bpe", stub):
        return {
            "gpt2": openai_public.r50k_base(),  # same ranks and pattern as `gpt2`, loaded from a .tiktoken file
            "cl100k_base": openai_public.cl100k_base(),
            "o200k_base": openai_public.o200k_base(),
            "p50k_base": openai_public.p50k_base(),
            "p50k_edit": openai_public.p50k_edit(),
        }


def check_against_installed_tiktoken() -> dict[str, str]:
    """Asserts our constants equal the installed tiktoken's; returns the vocabulary hashes it expects."""
    version = importlib.metadata.version("tiktoken")
    if version != TIKTOKEN_VERSION:
        fail(f"tiktoken {version} is installed; the goldens are pinned to {TIKTOKEN_VERSION} "
             f"(pip install tiktoken=={TIKTOKEN_VERSION})")
    installed = installed_definitions()
    ours = {
        "gpt2": (GPT2_PATTERN, GPT2_SPECIAL_TOKENS),
        "cl100k_base": (CL100K_PATTERN, CL100K_SPECIAL_TOKENS),
        "o200k_base": (O200K_PATTERN, O200K_SPECIAL_TOKENS),
        "p50k_base": (GPT2_PATTERN, GPT2_SPECIAL_TOKENS),
        "p50k_edit": (GPT2_PATTERN, P50K_EDIT_SPECIAL_TOKENS),
    }
    for name, (pattern, special_tokens) in ours.items():
        if installed[name]["pat_str"] != pattern:
            fail(f"the {name} pattern differs from tiktoken_ext.openai_public:\n"
                 f"  ours:      {pattern}\n  installed: {installed[name]['pat_str']}")
        if special_tokens is not None and installed[name]["special_tokens"] != special_tokens:
            fail(f"the {name} special tokens differ from tiktoken_ext.openai_public: "
                 f"{installed[name]['special_tokens']}")
    hashes = {name: installed[name]["mergeable_ranks"]["expected_hash"] for name in ("gpt2", "cl100k_base", "o200k_base", "p50k_base")}
    return hashes | {"qwen2": QWEN2_SHA256}


def load_vocabulary(directory: pathlib.Path, name: str, expected_sha256: str) -> tuple[dict[bytes, int], str]:
    """Loads `<directory>/<name>.tiktoken` after checking its sha256; returns the ranks and the hash."""
    path = directory / f"{name}.tiktoken"
    if not path.is_file():
        fail(f"{path} not found (pass --vocabularies DIR, e.g. ../shared/vocabularies)")
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    sums = directory / "SHA256SUMS"
    if sums.is_file():
        listed = dict(reversed(line.split()) for line in sums.read_text().splitlines() if line.strip())
        if listed.get(path.name) != sha256:
            fail(f"{path} has sha256 {sha256}, {sums} lists {listed.get(path.name)}")
    if sha256 != expected_sha256:
        fail(f"{path} has sha256 {sha256}; tiktoken's {name} vocabulary is {expected_sha256}")
    # A local file needs no cache, and tiktoken's cache is keyed by path: it could serve stale bytes.
    os.environ["TIKTOKEN_CACHE_DIR"] = ""
    return load_tiktoken_bpe(str(path), expected_hash=sha256), sha256


def read_fixtures() -> dict[str, tuple[str, bytes]]:
    """Every fixtures/*.txt by name, as (text, bytes); invalid UTF-8 is an error."""
    fixtures = {}
    for path in sorted(FIXTURES.glob("*.txt")):
        data = path.read_bytes()
        try:
            fixtures[path.name] = (data.decode("utf-8", errors="strict"), data)
        except UnicodeDecodeError as error:
            fail(f"{path} is not valid UTF-8 at byte {error.start}")
    if not fixtures:
        fail(f"no fixtures in {FIXTURES}")
    return fixtures


def piece_offsets(pattern: regex.Pattern, text: str) -> list[tuple[int, int]]:
    """The pattern's matches as [start, end) UTF-8 byte offsets.

    "é!" with GPT-2's pattern -> [(0, 2), (2, 3)]: the character offsets of each
    match are mapped through a table of the byte offset of every character.
    """
    byte_at = [0] * (len(text) + 1)
    for i, ch in enumerate(text):
        byte_at[i + 1] = byte_at[i] + len(ch.encode("utf-8"))
    return [(byte_at[m.start()], byte_at[m.end()]) for m in pattern.finditer(text)]


def check_pieces(name: str, pattern_name: str, pattern: str, text: str, data: bytes,
                 pieces: list[tuple[int, int]]) -> None:
    """Asserts the pieces tile the text and are the ones tiktoken's own splitter produces.

    tiktoken does not expose its split, so it is probed with an Encoding whose vocabulary is
    the 256 single bytes, every piece, and every concatenation of two neighbouring pieces.
    If tiktoken cuts where `regex` cuts, it encodes the text to one token per piece. If not,
    a tiktoken piece spanning two of ours is found whole or merges into a pair token, and one
    that cuts inside ours falls back to bytes: either way the ids differ (a fuzz of 4,700
    differing splits found no miss).
    """
    starts, ends = [a for a, _ in pieces], [b for _, b in pieces]
    if starts != [0, *ends[:-1]] or ends[-1:] != [len(data)] or any(a >= b for a, b in pieces):
        fail(f"{pattern_name} pieces of {name} do not tile the text")
    chunks = [data[a:b] for a, b in pieces]
    ranks = {bytes([b]): b for b in range(256)}
    for chunk in chunks + [x + y for x, y in zip(chunks, chunks[1:])]:
        ranks.setdefault(chunk, len(ranks))
    probe = tiktoken.Encoding(name=f"probe-{pattern_name}", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    if probe.encode_ordinary(text) != [ranks[chunk] for chunk in chunks]:
        fail(f"{pattern_name}: the regex module and tiktoken split {name} differently")


def golden_entries(encoding: tiktoken.Encoding, pattern_name: str, fixtures: dict[str, tuple[str, bytes]],
                   with_special: bool) -> tuple[dict, dict]:
    """Per-fixture token ids and piece offsets for one Encoding."""
    compiled = regex.compile(encoding._pat_str)
    entries, pieces_by_fixture = {}, {}
    for name, (text, data) in fixtures.items():
        ordinary = encoding.encode_ordinary(text)
        if encoding.decode_bytes(ordinary) != data:
            fail(f"{encoding.name}: {name} does not round-trip through encode_ordinary")
        pieces = piece_offsets(compiled, text)
        check_pieces(name, pattern_name, encoding._pat_str, text, data, pieces)
        entry = {"sha256": hashlib.sha256(data).hexdigest(), "pieces_count": len(pieces), "ordinary": ordinary}
        if with_special:
            all_special = encoding.encode(text, allowed_special="all")
            if encoding.decode_bytes(all_special) != data:
                fail(f"{encoding.name}: {name} does not round-trip through encode(allowed_special='all')")
            entry["all_special"] = all_special
        entries[name] = entry
        pieces_by_fixture[name] = [list(p) for p in pieces]
    return entries, pieces_by_fixture


def render(document: dict) -> str:
    """Compact JSON with one line per top-level key and per fixture, so diffs stay readable."""

    def compact(value) -> str:
        return json.dumps(value, separators=(",", ":"))

    lines = []
    for key, value in document.items():
        if key in ("fixtures", "pieces"):
            rows = [f"    {compact(name)}: {compact(v)}" for name, v in value.items()]
            lines.append(f"  {compact(key)}: {{\n" + ",\n".join(rows) + "\n  }")
        else:
            lines.append(f"  {compact(key)}: {compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def build_documents(vocabulary_directory: pathlib.Path) -> dict[str, str]:
    """The golden files by name, rendered."""
    expected_hashes = check_against_installed_tiktoken()
    fixtures = read_fixtures()
    vocabularies = {name: load_vocabulary(vocabulary_directory, name, expected_hashes[name])
                    for name in ("gpt2", "cl100k_base", "o200k_base", "qwen2", "p50k_base")}
    documents = {}
    for name, file, pattern, special_tokens in [
        ("gpt2", "gpt2", GPT2_PATTERN, GPT2_SPECIAL_TOKENS),
        ("cl100k_base", "cl100k_base", CL100K_PATTERN, CL100K_SPECIAL_TOKENS),
        ("o200k_base", "o200k_base", O200K_PATTERN, O200K_SPECIAL_TOKENS),
        ("qwen2", "qwen2", QWEN2_PATTERN, QWEN2_SPECIAL_TOKENS),
        ("p50k_base", "p50k_base", GPT2_PATTERN, GPT2_SPECIAL_TOKENS),
        ("p50k_edit", "p50k_base", GPT2_PATTERN, P50K_EDIT_SPECIAL_TOKENS),
    ]:
        ranks, sha256 = vocabularies[file]
        encoding = tiktoken.Encoding(name=name, pat_str=pattern, mergeable_ranks=ranks, special_tokens=special_tokens)
        entries, pieces = golden_entries(encoding, name, fixtures, with_special=True)
        documents[f"tiktoken-{name}.json"] = render({
            "generator": GENERATOR,
            "tiktoken_version": TIKTOKEN_VERSION,
            "vocabulary": name,
            "vocabulary_file": f"{file}.tiktoken",
            "vocabulary_sha256": sha256,
            "pattern": pattern,
            "special_tokens": special_tokens,
            "fixtures": entries,
            "pieces": pieces,
        })
    gpt2_ranks, gpt2_sha256 = vocabularies["gpt2"]
    encoding = tiktoken.Encoding(name="o200k-pattern-gpt2-ranks", pat_str=O200K_PATTERN,
                                 mergeable_ranks=gpt2_ranks, special_tokens={})
    entries, pieces = golden_entries(encoding, "o200k", fixtures, with_special=False)
    documents["pieces-o200k.json"] = render({
        "generator": GENERATOR,
        "tiktoken_version": TIKTOKEN_VERSION,
        "pattern_name": "o200k_base",
        "pattern": O200K_PATTERN,
        "vocabulary": "gpt2",
        "vocabulary_sha256": gpt2_sha256,
        "fixtures": entries,
        "pieces": pieces,
    })
    return documents


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocabularies", type=pathlib.Path, default=REPO / "vocabularies",
                        help="directory holding the .tiktoken files (default: <repo>/vocabularies)")
    parser.add_argument("--check", action="store_true", help="only verify that the golden files on disk are current")
    args = parser.parse_args()
    documents = build_documents(args.vocabularies)
    if args.check:
        stale = [name for name, text in documents.items()
                 if not (GOLDEN / name).is_file() or (GOLDEN / name).read_text(encoding="utf-8") != text]
        if stale:
            print("stale golden files (run python3 scripts/reference/make_golden.py): " + ", ".join(stale), file=sys.stderr)
            return 1
        print(f"{len(documents)} golden files are current")
        return 0
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (GOLDEN / name).write_bytes(text.encode("utf-8"))
        print(f"wrote {(GOLDEN / name).relative_to(REPO)} ({len(text.encode('utf-8'))} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
