"""Run datatrove's three-stage sentence dedup on lines (split_sentences=False), or on sentences with
--split-sentences, over a JSONL file and dump what Tokkit's `dedup lines` is compared against.

    python3 datatrove_linededup.py --input docs.jsonl --work DIR --output result.json [--span-lines 3]
        [--hash xxhash|sha1] [--precision 64|32] [--min-doc-words 50] [--min-sentences 3] [--min-words-to-remove-span 0]
        [--split-sentences]

Stages (one task each, as `examples/sentence_deduplication.py`): SentenceDedupSignature ->
SentenceFindDedups -> SentenceDedupFilter (+ JsonlWriter for kept, exclusion writer for removed).
Output JSON: versions, the duplicate spans stage 2 found as [doc index, first line or sentence], the kept
documents {id: text} and the removed ids.
"""
import argparse
import glob
import importlib.metadata
import json
import struct
import os
import sys

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup.sentence_dedup import (
    SentDedupConfig,
    SentenceDedupFilter,
    SentenceDedupSignature,
    SentenceFindDedups,
)
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.hashing import HashConfig

ap = argparse.ArgumentParser()
ap.add_argument("--input", required=True)
ap.add_argument("--work", required=True)
ap.add_argument("--output", required=True)
ap.add_argument("--span-lines", type=int, default=3)
ap.add_argument("--hash", default="xxhash")
ap.add_argument("--precision", type=int, default=64)
ap.add_argument("--min-doc-words", type=int, default=50)
ap.add_argument("--min-sentences", type=int, default=3)
ap.add_argument("--min-words-to-remove-span", type=int, default=0)
ap.add_argument("--split-sentences", action="store_true")
args = ap.parse_args()

config = SentDedupConfig(
    n_sentences=args.span_lines,
    split_sentences=args.split_sentences,
    min_doc_words=args.min_doc_words,
    min_num_sentences=args.min_sentences,
    min_words_to_remove_span=args.min_words_to_remove_span,
    hash_config=HashConfig(hash_fc=args.hash, precision=args.precision),
)
work = args.work
input_dir = os.path.dirname(os.path.abspath(args.input))
input_name = os.path.basename(args.input)


def reader():
    return JsonlReader(input_dir, glob_pattern=input_name, text_key="text", id_key="id")


for name, pipeline in [
    ("signatures", [reader(), SentenceDedupSignature(output_folder=f"{work}/sigs", config=config)]),
    ("finder", [SentenceFindDedups(data_folder=f"{work}/sigs", output_folder=f"{work}/dups", config=config)]),
    ("filter", [reader(),
                SentenceDedupFilter(data_folder=f"{work}/dups", config=config,
                                    exclusion_writer=JsonlWriter(f"{work}/removed", compression=None)),
                JsonlWriter(f"{work}/kept", compression=None)]),
]:
    LocalPipelineExecutor(pipeline=pipeline, tasks=1, workers=1, logging_dir=f"{work}/logs/{name}").run()

dups = []
for path in sorted(glob.glob(f"{work}/dups/*/*.c4_dup")):
    data = open(path, "rb").read()
    dups += [list(struct.unpack_from("<IH", data, offset)) for offset in range(0, len(data), 6)]
kept = {}
for path in sorted(glob.glob(f"{work}/kept/*.jsonl")):
    for line in open(path, encoding="utf-8"):
        record = json.loads(line)
        kept[record["id"]] = record["text"]
excluded = [json.loads(line)["id"] for path in sorted(glob.glob(f"{work}/removed/*.jsonl")) for line in open(path, encoding="utf-8")]
removed = [i for i in excluded if i not in kept]
json.dump(
    {
        "datatrove": importlib.metadata.version("datatrove"),
        "spacy": importlib.metadata.version("spacy"),
        "xxhash": importlib.metadata.version("xxhash"),
        "duplicates": sorted(dups),
        "kept": kept,
        "removed": removed,
    },
    open(args.output, "w"),
)
print(f"datatrove {importlib.metadata.version('datatrove')}: {len(dups)} duplicate spans, {len(kept)} kept, {len(removed)} removed", file=sys.stderr)
