"""The bundled encodings, by tiktoken's names, loaded from the ``.tiktoken`` files packed in the wheel.

Each definition is what tiktoken 0.14.0's ``tiktoken_ext/openai_public.py`` declares for that name
(pattern, special tokens, vocabulary size), with the ranks read from Tokkit's ``vocabularies/``
(sha256-checked in Swift) instead of downloaded. An encoding whose file is not bundled is not listed.
"""

from __future__ import annotations

import os
import threading

from ._native import VOCABULARY_DIR
from .core import Encoding

R50K_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
CL100K_PATTERN = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
O200K_PATTERN = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
# Qwen2 / Qwen2.5 / Qwen3: their tokenizer.json's Split regex (cl100k's with single digits).
QWEN2_PATTERN = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

ENDOFTEXT = "<|endoftext|>"
FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
ENDOFPROMPT = "<|endofprompt|>"


def _harmony_specials() -> dict[str, int]:
    """o200k_harmony's special tokens (gpt-oss): o200k_base's, the chat-format markers, and every
    other id up to 201087 reserved."""
    named = {
        "<|startoftext|>": 199998, ENDOFTEXT: 199999, "<|return|>": 200002, "<|constrain|>": 200003,
        "<|channel|>": 200005, "<|start|>": 200006, "<|end|>": 200007, "<|message|>": 200008,
        "<|call|>": 200012, ENDOFPROMPT: 200018,
    }
    taken = set(named.values())
    reserved = {f"<|reserved_{i}|>": i for i in range(200000, 201088) if i not in taken}
    return {**named, **reserved}


# name -> (file, sha256, pattern, special tokens, explicit vocabulary size)
DEFINITIONS: dict[str, tuple] = {
    "gpt2": ("gpt2.tiktoken", "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
             R50K_PATTERN, {ENDOFTEXT: 50256}, 50257),
    "r50k_base": ("gpt2.tiktoken", "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
                  R50K_PATTERN, {ENDOFTEXT: 50256}, 50257),
    "p50k_base": ("p50k_base.tiktoken", "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
                  R50K_PATTERN, {ENDOFTEXT: 50256}, 50281),
    "p50k_edit": ("p50k_base.tiktoken", "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
                  R50K_PATTERN, {ENDOFTEXT: 50256, FIM_PREFIX: 50281, FIM_MIDDLE: 50282, FIM_SUFFIX: 50283}, None),
    "cl100k_base": ("cl100k_base.tiktoken", "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
                    CL100K_PATTERN, {ENDOFTEXT: 100257, FIM_PREFIX: 100258, FIM_MIDDLE: 100259, FIM_SUFFIX: 100260,
                                     ENDOFPROMPT: 100276}, None),
    "o200k_base": ("o200k_base.tiktoken", "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
                   O200K_PATTERN, {ENDOFTEXT: 199999, ENDOFPROMPT: 200018}, None),
    "o200k_harmony": ("o200k_base.tiktoken", "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
                      O200K_PATTERN, _harmony_specials(), None),
    "qwen2": ("qwen2.tiktoken", "b2b1b8dfb5cc5f024bafc373121c6aba3f66f9a5a0269e243470a1de16a33186",
              QWEN2_PATTERN, {ENDOFTEXT: 151643, "<|im_start|>": 151644, "<|im_end|>": 151645}, None),
}

ENCODINGS: dict[str, Encoding] = {}
_lock = threading.RLock()


def vocabulary_directory() -> str:
    """``$TOKKIT_VOCABULARIES`` if set, else the folder packed in the wheel."""
    return os.environ.get("TOKKIT_VOCABULARIES") or VOCABULARY_DIR


def list_encoding_names() -> list[str]:
    """The bundled encodings whose vocabulary file is present."""
    folder = vocabulary_directory()
    return [name for name, definition in DEFINITIONS.items() if os.path.exists(os.path.join(folder, definition[0]))]


def get_encoding(encoding_name: str) -> Encoding:
    """A bundled encoding by tiktoken's name (loaded once, then shared)."""
    if not isinstance(encoding_name, str):
        raise ValueError(f"Expected a string in get_encoding, got {type(encoding_name)}")
    encoding = ENCODINGS.get(encoding_name)
    if encoding is not None:
        return encoding
    with _lock:
        encoding = ENCODINGS.get(encoding_name)
        if encoding is not None:
            return encoding
        definition = DEFINITIONS.get(encoding_name)
        path = definition and os.path.join(vocabulary_directory(), definition[0])
        if definition is None or not os.path.exists(path):
            raise ValueError(f"Unknown encoding {encoding_name}.\n"
                             f"Tokkit bundles: {', '.join(list_encoding_names())}")
        file, sha256, pattern, specials, n_vocab = definition
        encoding = Encoding._from_file(encoding_name, path, pat_str=pattern, special_tokens=specials,
                                       sha256=sha256, explicit_n_vocab=n_vocab)
        ENCODINGS[encoding_name] = encoding
        return encoding
