"""Run the `data-selection` package's HashedNgramDSIR and dump what Tokkit is compared against.

    python3 dsir_reference.py --raw raw.jsonl --target target.jsonl --work DIR --k 300 --seed 5 --min-length 20 --output out.json

num_proc=1 (its virtual shards are then the file order, so the seeded Gumbel noise lands on the same
documents), num_tokens_to_fit="all". Output: log-importance weights in raw order, per-document lengths,
the top-k selection and the seeded Gumbel-top-k selection (ids), and the package version.
"""
import argparse
import glob
import importlib.metadata
import json
import os

import numpy as np
from data_selection import HashedNgramDSIR

ap = argparse.ArgumentParser()
for name in ("--raw", "--target", "--work", "--output"):
    ap.add_argument(name, required=True)
ap.add_argument("--k", type=int, required=True)
ap.add_argument("--seed", type=int, required=True)
ap.add_argument("--min-length", type=int, default=100)
ap.add_argument("--buckets", type=int, default=10000)
args = ap.parse_args()

dsir = HashedNgramDSIR([args.raw], [args.target], cache_dir=os.path.join(args.work, "cache"), num_proc=1,
                       ngrams=2, num_buckets=args.buckets, min_example_length=args.min_length)
dsir.fit_importance_estimator(num_tokens_to_fit="all")
dsir.compute_importance_weights()
weights = np.load(os.path.join(args.work, "cache", "log_importance_weights", "0.npy"))
lengths = np.load(os.path.join(args.work, "cache", "perexample_metadata", "0.npy"))


def selected(out_dir):
    return sorted(json.loads(line)["id"] for path in glob.glob(os.path.join(out_dir, "*.jsonl")) for line in open(path))


dsir.resample(out_dir=os.path.join(args.work, "topk"), num_to_sample=args.k, cache_dir=os.path.join(args.work, "topk-cache"), top_k=True)
np.random.seed(args.seed)
dsir.resample(out_dir=os.path.join(args.work, "gumbel"), num_to_sample=args.k, cache_dir=os.path.join(args.work, "gumbel-cache"), top_k=False)
json.dump({
    "version": importlib.metadata.version("data-selection"),
    "weights": [float(x) for x in weights],
    "lengths": [int(x) for x in lengths],
    "topk": selected(os.path.join(args.work, "topk")),
    "gumbel": selected(os.path.join(args.work, "gumbel")),
}, open(args.output, "w"))
