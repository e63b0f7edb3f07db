"""Shared fixtures: the corpus, and tiktoken's own encodings built from the bundled files.

Nothing here skips: a missing corpus, vocabulary or reference library is an error, because a test
that silently does not run proves nothing.
"""

from __future__ import annotations

import hashlib
import os

import pytest
import tiktoken
import tiktoken.load
import tiktoken_ext.openai_public as openai_public

import tokkit
from tokkit import registry

# The encodings every build must bundle; the others are checked when their files are bundled.
REQUIRED = ["gpt2", "r50k_base", "cl100k_base"]
SAMPLE_BYTES = 1 << 20


def corpus_folder() -> str:
    folder = os.environ.get("TOKKIT_CORPUS")
    if not folder:
        raise RuntimeError("TOKKIT_CORPUS is not set: run through scripts/test, which builds the public corpus")
    for name in ("public_en.txt", "public_multi.txt"):
        if not os.path.getsize(os.path.join(folder, name)):
            raise RuntimeError(f"{folder}/{name} is empty")
    return folder


def corpus_sample(name: str, size: int = SAMPLE_BYTES) -> str:
    """The first ``size`` bytes of a corpus file, cut at a line end."""
    with open(os.path.join(corpus_folder(), name), "rb") as file:
        data = file.read(size)
    return data[: data.rfind(b"\n") + 1].decode("utf-8")


def _local_ranks(*_, expected_hash=None, **__):
    """tiktoken's loaders, pointed at the bundled files instead of the network: the file whose
    sha256 tiktoken expects (gpt2's encoder.json/vocab.bpe hold the same ranks as gpt2.tiktoken)."""
    folder = registry.vocabulary_directory()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        with open(path, "rb") as file:
            if hashlib.sha256(file.read()).hexdigest() == expected_hash:
                return tiktoken.load.load_tiktoken_bpe(path)
    raise FileNotFoundError(f"no bundled vocabulary has sha256 {expected_hash}")


def _gpt2_ranks(**_):
    return tiktoken.load.load_tiktoken_bpe(os.path.join(registry.vocabulary_directory(), "gpt2.tiktoken"))


_REFERENCES: dict[str, tiktoken.Encoding] = {}


def reference(name: str) -> tiktoken.Encoding:
    """tiktoken's own encoding ``name``: its constructor in tiktoken_ext (pattern, special tokens)
    with the bundled ranks. qwen2 is not in tiktoken: tiktoken's engine with Qwen2's pattern."""
    if name not in _REFERENCES:
        if name == "qwen2":
            definition = registry.DEFINITIONS[name]
            _REFERENCES[name] = tiktoken.Encoding(
                name, pat_str=definition[2], special_tokens=definition[3],
                mergeable_ranks=tiktoken.load.load_tiktoken_bpe(os.path.join(registry.vocabulary_directory(), definition[0])))
        else:
            openai_public.load_tiktoken_bpe = _local_ranks
            openai_public.data_gym_to_mergeable_bpe_ranks = _gpt2_ranks
            _REFERENCES[name] = tiktoken.Encoding(**openai_public.ENCODING_CONSTRUCTORS[name]())
    return _REFERENCES[name]


def bundled_names() -> list[str]:
    names = tokkit.list_encoding_names()
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise RuntimeError(f"the package bundles no {missing}: the wheel was built without vocabularies/")
    return names


@pytest.fixture(params=bundled_names())
def name(request) -> str:
    return request.param
