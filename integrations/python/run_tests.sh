#!/usr/bin/env bash
# Builds the tokkit source distribution, then the wheel FROM that sdist in a fresh venv (one release
# build: the wheel every later step installs is the one the sdist makes, so the sdist is proven complete
# at no extra build), then:
#   1. Tokkit's own pytest suite (integrations/python/tests), in a venv that sees the reference libraries
#      (tiktoken, tokenizers, numpy, pytest from scripts/reference/requirements.txt) and has the wheel installed;
#      it also installs the wheel into a fresh venv and imports it with the toolchain out of reach, and
#      compares tokkit.prep / tokkit.Pipeline with the `tokkit prep` command;
#   2. tiktoken 0.14.0's own tests/ (its sdist, from PyPI) against tokkit, in a fresh venv where the module
#      named `tiktoken` is the shim in tiktoken_shim/ (the real tiktoken is not installed there), run with no
#      library path and no Swift on PATH. Every one of its tests must pass.
# Any failure, or anything missing, fails the script: nothing is skipped.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${TOKKIT_PYTHON_WORK:-$root/.build/python-tests}"
: "${TOKKIT_CORPUS:?TOKKIT_CORPUS must name the public corpus folder (scripts/test builds it)}"

rm -rf "$work"
mkdir -p "$work/wheel" "$work/sdist"
started=$SECONDS
echo "python: building the sdist (python -m build --sdist)" >&2
python3 -m build --sdist --no-isolation -o "$work/sdist" "$here" >&2
sdist="$(ls "$work"/sdist/tokkit-*.tar.gz)"

# The unpacked sdist lives in a folder that survives runs, and only files whose bytes changed are
# rewritten, so SwiftPM's release build there is incremental between runs (a clean clone builds it once).
source_tree="$root/.build/python-sdist"
python3 - "$sdist" "$source_tree" <<'EOF'
import os, shutil, sys, tarfile
archive, target = sys.argv[1], sys.argv[2]
with tarfile.open(archive) as tar:
    members = [m for m in tar.getmembers() if m.isfile()]
    base = members[0].name.split("/", 1)[0]
    wanted = set()
    for member in members:
        relative = member.name.split("/", 1)[1]
        wanted.add(relative)
        path = os.path.join(target, relative)
        data = tar.extractfile(member).read()
        if not os.path.exists(path) or open(path, "rb").read() != data:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as file:
                file.write(data)
# Files the sdist no longer holds go (build products under .build are not the sdist's, they stay).
for directory, subdirectories, names in os.walk(target):
    subdirectories[:] = [d for d in subdirectories if d != ".build"]
    for name in names:
        relative = os.path.relpath(os.path.join(directory, name), target)
        if relative not in wanted:
            os.remove(os.path.join(directory, name))
EOF
echo "python: building the wheel from the unpacked sdist in a fresh venv" >&2
python3 -m venv "$work/venv-build"
"$work/venv-build/bin/python" -m pip wheel -q --no-deps --no-build-isolation -w "$work/wheel" "$source_tree"
wheel="$(ls "$work"/wheel/tokkit-*.whl)"
echo "python: sdist and wheel built in $((SECONDS - started)) s" >&2
# The debug library (its RUNPATH points into the toolchain) is what test_wheel.py's planted failure loads;
# the debug `tokkit` is the command test_prep.py compares tokkit.prep with.
(cd "$root" && swift build --product TokkitCAPI >&2 && swift build --product tokkit >&2)
debug_bin="$(cd "$root" && swift build --show-bin-path)"

echo "python: Tokkit's pytest suite" >&2
python3 -m venv --system-site-packages "$work/venv-suite"
"$work/venv-suite/bin/python" -m pip install -q --no-deps --no-index "$wheel"
# The tests run from a copy, so that `import tokkit` finds the installed wheel, not the source folder.
cp -r "$here/tests" "$work/tokkit_suite"
(cd "$work" && TOKKIT_WHEEL="$wheel" TOKKIT_SDIST="$sdist" TOKKIT_DEBUG_LIBRARY="$debug_bin/libTokkitCAPI.so" \
  TOKKIT_CLI="$debug_bin/tokkit" TOKKIT_REPOSITORY="$root" \
  "$work/venv-suite/bin/python" -m pytest -q -p no:cacheprovider -s --durations=8 tokkit_suite)

echo "python: tiktoken 0.14.0's own tests against tokkit" >&2
python3 -m pip download -q --no-binary :all: --no-deps tiktoken==0.14.0 -d "$work/sdist"
mkdir -p "$work/tiktoken-tests"
tar -xzf "$work/sdist/tiktoken-0.14.0.tar.gz" -C "$work/sdist"
# Only tests/: next to tiktoken's source folder, `import tiktoken` would find the source, not the shim.
cp -r "$work/sdist/tiktoken-0.14.0/tests" "$work/tiktoken-tests/tests"
python3 -m venv "$work/venv-tiktoken"
"$work/venv-tiktoken/bin/python" -m pip install -q "$wheel" pytest hypothesis
site="$("$work/venv-tiktoken/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
cp -r "$here/tiktoken_shim/tiktoken" "$site/tiktoken"
(cd "$work/tiktoken-tests" && env -u LD_LIBRARY_PATH -u TOKKIT_VOCABULARIES -u TOKKIT_CAPI_LIBRARY PATH=/usr/bin:/bin \
  "$work/venv-tiktoken/bin/python" -m pytest -p no:cacheprovider -q tests)
