#!/usr/bin/env bash
# The Ray cluster test: installs ray and tokkit_ray, builds tokkit, starts a two-node Ray cluster on
# 127.0.0.1 and runs the flow against the single-process CLI. The cluster is stopped on any exit.
set -euo pipefail
cd "$(dirname "$0")/../../.."
corpus="${TOKKIT_CORPUS:?set TOKKIT_CORPUS to the public corpus folder}/public_en.txt"
started=$SECONDS
python3 -c "import ray" 2>/dev/null || python3 -m pip install -q "ray==2.60.0"
python3 -m pip install -q --no-deps --force-reinstall ./integrations/ray   # this checkout's tokkit_ray, never a stale install
echo "ray cluster test: ray and tokkit_ray ready after $((SECONDS - started))s" >&2
swift build --product tokkit >&2
bin="$(swift build --show-bin-path)/tokkit"
scratch="$(mktemp -d)"
trap 'RAY_USAGE_STATS_ENABLED=0 python3 -m tokkit_ray.loopback stop --force >/dev/null 2>&1 || true; rm -rf "$scratch"' EXIT
python3 integrations/ray/tests/cluster_test.py "$bin" "$corpus" "$scratch/run"
