"""Ids equal tiktoken's on real text, for every bundled encoding, through every encode entry point."""

from __future__ import annotations

import numpy as np

import tokkit

from .conftest import corpus_sample, reference

SPECIAL_TEXT = "before <|endoftext|> middle <|fim_prefix|> after <|endofprompt|> end"


def first_difference(expected: list[list[int]], actual: list[list[int]]) -> str | None:
    """Where two batches of ids first differ (document, position), or None when equal."""
    if len(expected) != len(actual):
        return f"{len(expected)} documents vs {len(actual)}"
    for index, (a, b) in enumerate(zip(expected, actual)):
        if a != b:
            at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            return f"document {index}, id {at}: tiktoken {a[at:at + 5]} tokkit {b[at:at + 5]}"
    return None


def test_the_comparison_catches_a_planted_difference():
    ids = [[1, 2, 3], [4, 5]]
    assert first_difference(ids, [[1, 2, 3], [4, 5]]) is None
    assert first_difference(ids, [[1, 2, 3], [4, 6]]) == "document 1, id 1: tiktoken [5] tokkit [6]"
    assert first_difference(ids, [[1, 2, 3]]) is not None


def test_ids_equal_tiktoken_on_the_public_corpus(name):
    enc, ref = tokkit.get_encoding(name), reference(name)
    for corpus in ("public_en.txt", "public_multi.txt"):
        lines = corpus_sample(corpus).split("\n")
        expected = ref.encode_ordinary_batch(lines)
        actual = enc.encode_ordinary_batch(lines)
        difference = first_difference(expected, actual)
        tokens = sum(map(len, expected))
        print(f"{name} {corpus}: {len(lines)} lines, {tokens} tokens, "
              f"{'identical' if difference is None else 'DIFFERENT: ' + difference}")
        assert difference is None
        whole = "\n".join(lines[: len(lines) // 2])
        assert enc.encode_ordinary(whole) == ref.encode_ordinary(whole)
        flat, offsets = enc.encode_batch_to_numpy(lines)
        assert offsets[-1] == tokens and np.array_equal(flat, np.concatenate([np.asarray(d, np.uint32) for d in expected]))


def test_special_tokens_follow_tiktoken(name):
    enc, ref = tokkit.get_encoding(name), reference(name)
    for allowed in ("all", set(), {"<|endoftext|>"}):
        assert enc.encode(SPECIAL_TEXT, allowed_special=allowed, disallowed_special=()) == \
            ref.encode(SPECIAL_TEXT, allowed_special=allowed, disallowed_special=())
    assert enc.encode(SPECIAL_TEXT, allowed_special="all") == ref.encode(SPECIAL_TEXT, allowed_special="all")
    assert enc.encode_batch([SPECIAL_TEXT, "x"], allowed_special="all") == \
        ref.encode_batch([SPECIAL_TEXT, "x"], allowed_special="all")


def test_metadata_equals_tiktoken(name):
    enc, ref = tokkit.get_encoding(name), reference(name)
    assert (enc.n_vocab, enc.max_token_value, enc.eot_token) == (ref.n_vocab, ref.max_token_value, ref.eot_token)
    assert enc.special_tokens_set == ref.special_tokens_set - ({"<|reserved_200018|>"} if name == "o200k_harmony" else set())
    assert enc._pat_str == ref._pat_str
    assert enc._mergeable_ranks == ref._mergeable_ranks
    assert enc.token_byte_values() == ref.token_byte_values()


def test_decoding_equals_tiktoken(name):
    enc, ref = tokkit.get_encoding(name), reference(name)
    text = corpus_sample("public_multi.txt", 200_000)
    ids = ref.encode(text)
    assert enc.decode_bytes(ids) == ref.decode_bytes(ids)
    assert enc.decode(ids[1:-1]) == ref.decode(ids[1:-1])
    assert enc.decode_with_offsets(ids[:2000]) == ref.decode_with_offsets(ids[:2000])
    cut = [i for i in ids if len(ref.decode_single_token_bytes(i)) > 1][:50]
    assert [enc.decode_single_token_bytes(i) for i in cut] == [ref.decode_single_token_bytes(i) for i in cut]
    assert enc._encode_single_piece("helloqqqq") == ref._encode_single_piece("helloqqqq")
    for raw in (b" \xec\x8b\xa4\xed", b"hello \xff world", b"  \n\n \x80", b"\xe4\xbd"):
        assert enc._encode_bytes(raw) == ref._encode_bytes(raw)


def test_surrogates_are_repaired_as_tiktoken_does():
    enc, ref = tokkit.get_encoding("cl100k_base"), reference("cl100k_base")
    for text in ("\ud83d\udc4d", "\ud83d", "a\udc00b"):
        assert enc.encode(text) == ref.encode(text)
        assert enc.encode_ordinary(text) == ref.encode_ordinary(text)
