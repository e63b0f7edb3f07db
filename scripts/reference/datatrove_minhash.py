"""Run datatrove's four-stage MinHash pipeline on a JSONL file and dump what Tokkit is compared against.

    python3 datatrove_minhash.py --input docs.jsonl --work DIR --output result.json [--seed 1]

Stages (datatrove's `examples/minhash_deduplication.py`, one task each, FineWeb's hash = sha1, 64 bit):
MinhashDedupSignature -> MinhashDedupBuckets -> MinhashDedupCluster(save_cluster_id) -> MinhashDedupFilter.
Output JSON: datatrove version, every document's signature (doc index -> 112 values, read back from the
bucket files), the removed doc indices (the documents MinhashDedupFilter dropped), and cluster ids.
"""
import argparse
import glob
import json
import os
import struct
import sys

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.hashing import HashConfig
import importlib.metadata

ap = argparse.ArgumentParser()
ap.add_argument("--input", required=True)
ap.add_argument("--work", required=True)
ap.add_argument("--output", required=True)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--buckets", type=int, default=14)
ap.add_argument("--rows", type=int, default=8)
args = ap.parse_args()

config = MinhashConfig(
    hash_config=HashConfig(hash_fc="sha1", precision=64),
    num_buckets=args.buckets,
    hashes_per_bucket=args.rows,
    n_grams=5,
    seed=args.seed,
)
work = args.work
input_dir = os.path.dirname(os.path.abspath(args.input))
input_name = os.path.basename(args.input)


def reader():
    return JsonlReader(input_dir, glob_pattern=input_name, text_key="text", id_key="id")


for name, pipeline, tasks in [
    ("signatures", [reader(), MinhashDedupSignature(output_folder=f"{work}/signatures", config=config)], 1),
    ("buckets", [MinhashDedupBuckets(input_folder=f"{work}/signatures", output_folder=f"{work}/buckets", config=config)], config.num_buckets),
    ("clusters", [MinhashDedupCluster(input_folder=f"{work}/buckets", output_folder=f"{work}/remove_ids", config=config, save_cluster_id=True)], 1),
    ("filter", [reader(), MinhashDedupFilter(input_folder=f"{work}/remove_ids", exclusion_writer=JsonlWriter(f"{work}/removed", compression=None)),
                JsonlWriter(f"{work}/kept", compression=None)], 1),
]:
    LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=1, logging_dir=f"{work}/logs/{name}").run()

signatures = {}
record = struct.Struct(f"<{config.hashes_per_bucket}QI")
for bucket in range(config.num_buckets):
    with open(f"{work}/signatures/bucket_{bucket:03d}/00000.minhash.sig", "rb") as f:
        data = f.read()
    for offset in range(0, len(data), record.size):
        *values, doc = record.unpack_from(data, offset)
        signatures.setdefault(doc, [None] * config.num_buckets)[bucket] = values

ids = [json.loads(line)["id"] for line in open(args.input, encoding="utf-8")]
index_of = {doc_id: i for i, doc_id in enumerate(ids)}
removed = []
for path in sorted(glob.glob(f"{work}/removed/*.jsonl")):
    for line in open(path, encoding="utf-8"):
        removed.append(index_of[json.loads(line)["id"]])
clusters = {}
for path in sorted(glob.glob(f"{work}/remove_ids/*.clusters")):
    data = open(path, "rb").read()
    for offset in range(0, len(data), 8):
        doc, cluster = struct.unpack_from("<2I", data, offset)
        clusters[doc] = cluster

json.dump(
    {
        "datatrove": importlib.metadata.version("datatrove"),
        "spacy": importlib.metadata.version("spacy"),
        "documents": len(ids),
        "signatures": {str(k): sum(v, []) for k, v in sorted(signatures.items())},
        "removed": sorted(removed),
        "clusters": {str(k): v for k, v in sorted(clusters.items())},
    },
    open(args.output, "w"),
)
print(f"datatrove {importlib.metadata.version('datatrove')}: {len(ids)} documents, {len(signatures)} signed, {len(removed)} removed", file=sys.stderr)
