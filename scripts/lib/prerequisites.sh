# Sourced by scripts/demo, scripts/test and scripts/corpus/build-public-corpus.sh: installs what a
# fresh machine with only the Swift toolchain and apt lacks. As root it runs apt-get (and pip);
# otherwise it stops with the one command to run, so nothing fails later with `'zstd.h' file not found`.

# The Debian packages the build links against (ICU, zlib, zstd headers).
TOKKIT_BUILD_PACKAGES="libicu-dev zlib1g-dev libzstd-dev"
# What the test suite runs besides Swift: the compressors its inputs are made with, headless
# Chromium for the HTML report, Python with pip for the reference libraries, git for the clean-clone
# test, iproute2 to run the hermetic tests in a network namespace with only the loopback up, python3-dev for
# the Python headers the tokkit wheel compiles its list builder (tokkit/_fast.c) against.
# publicsuffix: the Public Suffix List tokkit prep's URL filter (and datatrove's, in the parity test) read.
TOKKIT_TEST_PACKAGES="zstd gzip chromium python3 python3-pip python3-venv python3-dev git iproute2 publicsuffix"

# tokkit_missing_packages PKG… : prints the packages of the list that dpkg does not report installed.
tokkit_missing_packages() {
  local package missing=()
  for package in "$@"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null)" != "installed" ]; then
      missing+=("$package")
    fi
  done
  echo "${missing[*]:-}"
}

# tokkit_require_packages WHO PKG… : installs the missing packages with apt-get when root; otherwise
# prints the command and exits 1. WHO names the script in messages.
tokkit_require_packages() {
  local who="$1"; shift
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "$who: this machine has no dpkg; install the equivalents of: $*" >&2
    exit 1
  fi
  local missing
  missing="$(tokkit_missing_packages "$@")"
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "$who: installing $missing" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    # shellcheck disable=SC2086  # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "$who: missing system packages: $missing" >&2
    echo "$who: run   sudo apt-get install -y $missing   and start again" >&2
    exit 1
  fi
}

# tokkit_require_python_packages WHO REQUIREMENTS : installs the requirements file with pip when one
# of its modules does not import (pip needs no root: it installs for the user when not root).
tokkit_require_python_packages() {
  local who="$1" requirements="$2"
  if python3 -c "import tiktoken, tokenizers, regex, numpy, datatrove, spacy, tldextract, ahocorasick, fasteners, data_selection, pytest, hypothesis, ray, build, xxhash; assert xxhash.VERSION.startswith('3.')" 2>/dev/null; then
    return 0
  fi
  echo "$who: installing the reference libraries ($requirements)" >&2
  if [ "$(id -u)" -eq 0 ]; then
    python3 -m pip install -q --root-user-action=ignore --break-system-packages -r "$requirements" 2>/dev/null \
      || python3 -m pip install -q --root-user-action=ignore -r "$requirements"
  else
    python3 -m pip install -q --user --break-system-packages -r "$requirements" 2>/dev/null \
      || python3 -m pip install -q --user -r "$requirements"
  fi
}
