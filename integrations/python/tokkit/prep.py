"""``tokkit prep`` from Python: FineWeb's filter chain (or any YAML pipeline, corpus-wide stages such
as ``minhash_dedup`` included) over files, or per-document filters over documents held in memory.

>>> stats = tokkit.prep("clean.yaml")                                    # what `tokkit prep clean.yaml` does
>>> stats = tokkit.prep(preset="fineweb", inputs=["raw/"], output="clean/")
>>> pipeline = tokkit.Pipeline(preset="fineweb-datatrove")
>>> for document in pipeline.filter(records):                           # dicts (or str) in, kept ones out
...     ...

The pipeline runs in Swift (the same code as the command line, so the same decisions); a
configuration error is a :class:`tokkit.PrepError` whose message names the file and line.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping

from . import registry
from ._native import _Error, byref, c_void_p, lib, take_string
from .core import _check

# Documents handed to Swift per call when filtering in memory: enough to keep every core busy, few
# enough that the first kept documents come back soon.
_BATCH = 2048


def _options(config, preset, inputs, output, threads, blocklists, extra: Mapping[str, Any]) -> dict:
    options: dict[str, Any] = {}
    if isinstance(config, Mapping):
        # JSON is YAML: a dict configuration goes through the same reader as a file.
        options["config_text"] = json.dumps(config, indent=1)
        options["config_path"] = "<dict configuration>"
    elif config is not None:
        options["config_path"] = os.fspath(config)
    if preset is not None:
        options["preset"] = preset
    if inputs is not None:
        options["inputs"] = [os.fspath(inputs)] if isinstance(inputs, (str, os.PathLike)) else [os.fspath(i) for i in inputs]
    if output is not None:
        options["output"] = os.fspath(output)
    if threads is not None:
        options["threads"] = int(threads)
    if blocklists is not None:
        options["blocklists"] = os.fspath(blocklists)
    for key, value in extra.items():
        if value is not None:
            options[key] = os.fspath(value) if isinstance(value, os.PathLike) else value
    return options


class _PrepHandle:
    __slots__ = ("pointer",)

    def __init__(self, options: dict):
        self.pointer = None  # set before the call that may fail, so __del__ finds it
        out = c_void_p()
        error = _Error()
        _check(lib.tk_prep_new(json.dumps(options).encode("utf-8"), byref(out), byref(error)), error)
        self.pointer = out.value

    def __del__(self):
        if self.pointer and lib is not None:
            lib.tk_prep_free(self.pointer)
            self.pointer = None

    def json_call(self, function, *arguments) -> Any:
        out = c_void_p()
        error = _Error()
        _check(function(self.pointer, *arguments, byref(out), byref(error)), error)
        return json.loads(take_string(out))


def prep(config: str | os.PathLike | Mapping[str, Any] | None = None, *, inputs=None, output=None,
         preset: str | None = None, threads: int | None = None, blocklists=None, dropped: bool = False,
         resume: bool = False, **options) -> dict:
    """Runs a prep pipeline over files, as ``tokkit prep`` does (the same output directory: one JSONL
    file per input, ``removed/`` with ``dropped=True``, completion markers, ``stats/``), and returns
    this rank's statistics as a dict: ``reader`` counts and, per stage in order, documents and bytes
    in and out, drops by reason and other counters.

    Every stage the command knows runs here, corpus-wide ones too (``exact_dedup``, ``minhash_dedup``,
    ``line_dedup``, ``decontaminate``, ``score_threshold``, ``dsir``, ``quality_classifier``, …): the
    run is the command's own code, with each such stage's files under ``steps/NN-name/``.
    ``resume=True`` continues an interrupted run as ``tokkit prep --resume`` does. The GIL is released
    while Swift works.

    ``config`` is a YAML file, a dict in the same shape, or None with ``preset``; the keyword
    arguments override it as the command's flags do. Other options: ``text_key``, ``id_key``,
    ``format``, ``compression``, ``level``, ``rank``, ``world_size``, ``skip_bad_lines``, ``lossy``,
    ``public_suffix_list``.
    """
    # A `mix` stage counts tokens with a bundled vocabulary: the one this package ships.
    settings = _options(config, preset, inputs, output, threads, blocklists,
                        dict(options, dropped=dropped or None, resume=resume or None,
                             vocabularies=options.get("vocabularies") or registry.vocabulary_directory()))
    return _PrepHandle(settings).json_call(lib.tk_prep_run)


@dataclass(frozen=True)
class Decision:
    """What the pipeline did with one document: ``document`` is the input with its text replaced
    by the kept text (rewriting stages such as PII change it), or the input unchanged when dropped."""

    document: Any
    kept: bool
    stage: str | None = None
    reason: str | None = None


class Pipeline:
    """A prep pipeline for documents held in memory: ``filter`` yields the kept ones, ``decisions``
    says for each document whether it was kept and, if not, which stage dropped it and why.

    Documents are dicts (a JSONL record: the text under ``text_key``, metadata such as ``url`` and
    ``language_score`` as other keys or under ``metadata``) or plain strings. Documents pass in order
    and in batches; filters run on every core. ``statistics`` accumulates over every call.
    """

    def __init__(self, config: str | os.PathLike | Mapping[str, Any] | None = None, *, preset: str | None = None,
                 threads: int | None = None, blocklists=None, text_key: str = "text", id_key: str = "id", **options):
        self.text_key = text_key
        self._handle = _PrepHandle(_options(config, preset, None, None, threads, blocklists,
                                            dict(options, text_key=text_key, id_key=id_key)))
        self._threads = int(threads or 0)
        # An empty batch: a configuration with corpus-wide stages (they need every document, so they
        # run over files with `prep`) is refused here rather than at the first document.
        self._handle.json_call(lib.tk_prep_process, b"", 0, self._threads)

    def decisions(self, documents: Iterable[Mapping[str, Any] | str], *, batch_size: int = _BATCH) -> Iterator[Decision]:
        batch: list = []
        for document in documents:
            batch.append(document)
            if len(batch) >= batch_size:
                yield from self._process(batch)
                batch = []
        if batch:
            yield from self._process(batch)

    def filter(self, documents: Iterable[Mapping[str, Any] | str], *, dropped: list | None = None,
               batch_size: int = _BATCH) -> Iterator[Mapping[str, Any] | str]:
        """The kept documents (with their rewritten text); dropped ones are appended to ``dropped``
        as :class:`Decision` when a list is given."""
        for decision in self.decisions(documents, batch_size=batch_size):
            if decision.kept:
                yield decision.document
            elif dropped is not None:
                dropped.append(decision)

    @property
    def statistics(self) -> dict:
        """Per-stage statistics of every document filtered so far (the shape of ``prep``'s result)."""
        return self._handle.json_call(lib.tk_prep_statistics)

    def _process(self, batch: list) -> list[Decision]:
        lines = []
        for document in batch:
            record = {self.text_key: document} if isinstance(document, str) else document
            lines.append(json.dumps(record))  # ASCII: a lone surrogate travels as an escape, never as bad UTF-8
        data = ("\n".join(lines) + "\n").encode("ascii")
        results = self._handle.json_call(lib.tk_prep_process, data, len(data), self._threads)
        decisions = []
        for document, result in zip(batch, results):
            if "text" in result:
                text = result["text"]
                kept = text if isinstance(document, str) else {**document, self.text_key: text}
                decisions.append(Decision(kept, True))
            else:
                decisions.append(Decision(document, False, result["stage"], result["reason"]))
        return decisions


__all__ = ["prep", "Pipeline", "Decision"]
