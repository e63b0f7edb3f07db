"""Tokkit beyond tiktoken: train a vocabulary, load any vocabulary file, compare tokenizers."""

from __future__ import annotations

import json
import os
from array import array
from typing import Iterable, Mapping, Sequence

from . import _native
from ._native import _Error, byref, c_void_p, lib
from .core import Encoding, _check, _Handle, _utf8
from .registry import CL100K_PATTERN, O200K_PATTERN, QWEN2_PATTERN, R50K_PATTERN

PATTERNS = {"gpt2": R50K_PATTERN, "r50k": R50K_PATTERN, "p50k": R50K_PATTERN, "cl100k": CL100K_PATTERN,
            "o200k": O200K_PATTERN, "qwen2": QWEN2_PATTERN}

# Documents handed to Swift per call when training from an iterator: enough to keep every core busy.
_BATCH_BYTES = 8 << 20


def _pattern(pattern: str) -> str:
    """A named pattern (gpt2, cl100k, o200k, qwen2) or a regex in tiktoken's syntax."""
    return PATTERNS.get(pattern.lower().removesuffix("_base"), pattern)


def _is_paths(value) -> bool:
    if isinstance(value, (str, os.PathLike)):
        return True
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, (str, os.PathLike)) for v in value) \
        and all(os.path.exists(os.fspath(v)) or any(c in os.fspath(v) for c in "*?[") for v in value)


def train(files_or_iterator: str | os.PathLike | Sequence[str | os.PathLike] | Iterable[str], *, vocab_size: int,
          pattern: str = "gpt2", special_tokens: Sequence[str] = ("<|endoftext|>",), tie_policy: str = "hf",
          min_frequency: int = 0, max_token_length: int | None = None, specials_first: bool = False,
          split: str = "lines", name: str = "trained", num_threads: int = 0) -> Encoding:
    """Trains a byte-level BPE vocabulary (Hugging Face ``BpeTrainer``'s merges with ``tie_policy="hf"``,
    rustbpe's with ``"bytes"``) and returns it as a ready ``Encoding``.

    ``files_or_iterator``: a path, a list of paths, directories or globs (plain, gzip or zstd; read in
    Swift, documents are ``split`` = ``lines``, ``paragraphs`` or ``file``), or any iterable of strings
    (each one document). Special tokens get the ids after the merges (GPT-2 style) unless
    ``specials_first``. Save the result with ``save_all(folder)`` or ``save(path, format)``.
    """
    regex = _pattern(pattern)
    trainer = c_void_p()
    error = _Error()
    _check(lib.tk_trainer_new(regex.encode(), byref(trainer), byref(error)), error)
    try:
        if _is_paths(files_or_iterator):
            paths = [files_or_iterator] if isinstance(files_or_iterator, (str, os.PathLike)) else files_or_iterator
            paths = [os.fspath(p) for p in paths]
            _check(lib.tk_trainer_add_files(trainer, _native.strings(paths), len(paths), split.encode(), num_threads,
                                            byref(error)), error)
        else:
            batch: list[bytes] = []
            size = 0
            for document in files_or_iterator:
                if not isinstance(document, str):
                    raise TypeError(f"train() reads str documents from an iterator, got {type(document).__name__}")
                data = _utf8(document)
                batch.append(data)
                size += len(data)
                if size >= _BATCH_BYTES:
                    _add_documents(trainer, batch, num_threads)
                    batch, size = [], 0
            if batch:
                _add_documents(trainer, batch, num_threads)
        handle = c_void_p()
        _check(lib.tk_trainer_finish(trainer, vocab_size, min_frequency, _native.strings(special_tokens),
                                     len(special_tokens), 1 if specials_first else 0, tie_policy.encode(),
                                     max_token_length or 0, byref(handle), byref(error)), error)
    finally:
        lib.tk_trainer_free(trainer)
    return Encoding._from_handle(name, _Handle(handle.value))


def _add_documents(trainer, documents: list[bytes], num_threads: int) -> None:
    offsets = array("Q", [0])
    total = 0
    for document in documents:
        total += len(document)
        offsets.append(total)
    error = _Error()
    address, _ = offsets.buffer_info()
    _check(lib.tk_trainer_add_documents(trainer, b"".join(documents), address, len(documents), num_threads,
                                        byref(error)), error)


def load(path: str | os.PathLike, *, pattern: str | None = None, name: str | None = None) -> Encoding:
    """Loads a ``.tiktoken``, Hugging Face ``tokenizer.json`` or GPT-2 ``encoder.json`` (with ``vocab.bpe``
    beside it). A ``.tiktoken`` file records no pattern: a bundled vocabulary's is recognised by its
    sha256, otherwise pass ``pattern`` (a name such as ``cl100k`` or a regex)."""
    path = os.fspath(path)
    handle = c_void_p()
    error = _Error()
    _check(lib.tk_tokenizer_load(path.encode(), _pattern(pattern).encode() if pattern else None, byref(handle),
                                 byref(error)), error)
    label = name or os.path.splitext(os.path.basename(path))[0]
    return Encoding._from_handle(label, _Handle(handle.value))


def compare(encodings: Mapping[str, Encoding] | Sequence[Encoding], files: str | os.PathLike | Sequence[str | os.PathLike],
            *, extensions: str = "txt", timing_ms: int | None = None) -> dict:
    """Compares encodings on files (``tokkit compare``): returns the report as plain dicts and lists,
    ``{"tokenizers": [...ranked, with totals...], "files": [...per file...]}``. ``timing_ms`` also
    measures encode speed (MB/s); without it the report is the same on every run."""
    if not isinstance(encodings, Mapping):
        encodings = {encoding.name: encoding for encoding in encodings}
    labels = list(encodings)
    handles = (c_void_p * len(labels))(*[encodings[label]._handle.pointer for label in labels])
    paths = [files] if isinstance(files, (str, os.PathLike)) else list(files)
    paths = [os.fspath(p) for p in paths]
    out = c_void_p()
    error = _Error()
    _check(lib.tk_compare(handles, _native.strings(labels), len(labels), _native.strings(paths), len(paths),
                          extensions.encode(), -1 if timing_ms is None else timing_ms, byref(out), byref(error)), error)
    return json.loads(_native.take_string(out))


__all__ = ["train", "load", "compare", "PATTERNS"]
