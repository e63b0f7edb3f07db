"""A vocabulary trained from Python is used at once, saved in three formats, and read back by
Tokkit, tiktoken and Hugging Face tokenizers to the same ids."""

from __future__ import annotations

import os

import tiktoken
import tiktoken.load
from tokenizers import Tokenizer

import tokkit

from .conftest import corpus_sample


def test_train_from_an_iterator_then_encode_save_and_reload(tmp_path):
    lines = corpus_sample("public_en.txt", 2 << 20).split("\n")
    enc = tokkit.train(iter(lines), vocab_size=1000, pattern="cl100k", special_tokens=["<|endoftext|>"], name="mine")
    assert enc.n_vocab == 1000 and enc.eot_token == 999
    probe = "\n".join(lines[-200:])
    ids = enc.encode(probe)
    assert enc.decode(ids) == probe and len(ids) < len(probe.encode()) * 0.8
    paths = enc.save_all(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["encoder.json", "mine.tiktoken", "tokenizer.json", "vocab.bpe"]
    assert tokkit.load(paths["huggingface"]).encode_ordinary(probe) == enc.encode_ordinary(probe)
    # encoder.json and .tiktoken record no pattern: it is given when loading them.
    assert tokkit.load(paths["encoder.json"], pattern="cl100k").encode_ordinary(probe) == enc.encode_ordinary(probe)
    assert tokkit.load(paths["tiktoken"], pattern="cl100k").encode_ordinary(probe) == enc.encode_ordinary(probe)
    reference = tiktoken.Encoding("mine", pat_str=enc._pat_str, special_tokens={"<|endoftext|>": 999},
                                  mergeable_ranks=tiktoken.load.load_tiktoken_bpe(paths["tiktoken"]))
    assert reference.encode(probe) == ids
    assert Tokenizer.from_file(paths["huggingface"]).encode(probe).ids == ids


def test_train_from_files_matches_training_from_the_same_lines(tmp_path):
    sample = corpus_sample("public_multi.txt", 1 << 20)
    path = tmp_path / "sample.txt"
    path.write_text(sample, encoding="utf-8")
    from_files = tokkit.train([str(path)], vocab_size=600, pattern="gpt2", special_tokens=[])
    from_lines = tokkit.train(sample.split("\n"), vocab_size=600, pattern="gpt2", special_tokens=[])
    assert from_files._mergeable_ranks == from_lines._mergeable_ranks
    bytes_policy = tokkit.train(sample.split("\n"), vocab_size=600, pattern="gpt2", special_tokens=[], tie_policy="bytes")
    assert len(bytes_policy._mergeable_ranks) == 600


def test_a_custom_encoding_and_pickling_round_trip():
    import pickle

    base = tokkit.get_encoding("gpt2")
    custom = tokkit.Encoding("custom", pat_str=base._pat_str, mergeable_ranks=base._mergeable_ranks,
                             special_tokens={"<|pickle|>": 100_000})
    copy = pickle.loads(pickle.dumps(custom))
    assert copy.encode("<|pickle|> hi", allowed_special="all") == [100_000, 23105]
    assert pickle.loads(pickle.dumps(base)) .encode("hello world") == [31373, 995]


def test_compare_returns_plain_dicts(tmp_path):
    (tmp_path / "en.txt").write_text(corpus_sample("public_en.txt", 1 << 20), encoding="utf-8")
    (tmp_path / "multi.txt").write_text(corpus_sample("public_multi.txt", 1 << 20), encoding="utf-8")
    report = tokkit.compare({"gpt2": tokkit.get_encoding("gpt2"), "cl100k": tokkit.get_encoding("cl100k_base")},
                            tmp_path)
    assert [t["label"] for t in report["tokenizers"]] == ["cl100k", "gpt2"]
    assert all(t["round_trips_passed"] == t["round_trips_checked"] == 2 for t in report["tokenizers"])
    assert [f["name"] for f in report["files"]] == ["en.txt", "multi.txt"]
    gpt2 = tokkit.get_encoding("gpt2")
    assert report["files"][0]["results"][0]["tokens"] == len(gpt2.encode_ordinary((tmp_path / "en.txt").read_text()))
