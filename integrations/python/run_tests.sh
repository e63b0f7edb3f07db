#!/usr/bin/env bash
# Builds the tokkit wheel (`pip wheel`, which runs `swift build -c release` through the in-tree backend), then:
#   1. Tokkit's own pytest suite (integrations/python/tests), in a venv that sees the reference libraries
#      (tiktoken, tokenizers, numpy, pytest from scripts/reference/requirements.txt) and has the wheel installed;
#      it also installs the wheel into a fresh venv and imports it with the toolchain out of reach;
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
mkdir -p "$work/wheel"
echo "python: building the wheel" >&2
python3 -m pip wheel -q --no-deps -w "$work/wheel" "$here"
wheel="$(ls "$work"/wheel/tokkit-*.whl)"
# The debug library (its RUNPATH points into the toolchain) is what test_wheel.py's planted failure loads.
(cd "$root" && swift build --product TokkitCAPI >&2)
debug_library="$(cd "$root" && swift build --show-bin-path)/libTokkitCAPI.so"

echo "python: Tokkit's pytest suite" >&2
python3 -m venv --system-site-packages "$work/venv-suite"
"$work/venv-suite/bin/python" -m pip install -q --no-deps --no-index "$wheel"
# The tests run from a copy, so that `import tokkit` finds the installed wheel, not the source folder.
cp -r "$here/tests" "$work/tokkit_suite"
(cd "$work" && TOKKIT_WHEEL="$wheel" TOKKIT_DEBUG_LIBRARY="$debug_library" \
  "$work/venv-suite/bin/python" -m pytest -q -p no:cacheprovider -s tokkit_suite)

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
