#!/usr/bin/env bash
# Builds public_large.txt, a training corpus of at least 1 GB of real documentation text (issue #14's
# "train on ≥ 1 GB" row), from Debian documentation packages: nobody on this project wrote any of it.
# The packages are fetched with `apt-get download` and unpacked into a scratch folder (not installed).
# Text files are kept as shipped: HTML/XML pages with their markup (as a crawl of documentation sites
# sees them), plain text (.txt .rst .md .pod .rd .tex), gzipped ones unpacked; anything not UTF-8 text is
# skipped. (`build_large_corpus.py --strip-markup` keeps only the pages' visible text: about a sixth.)
# Files are joined in sorted package/path order with one blank line between them, CRLF folded to LF and
# runs of blank lines folded to one, so the same packages give the same bytes; the output stops at the
# first file past 1.05 GB (inside openjdk-17-doc; the packages after it in sorted order are not needed).
# public_en.txt and public_multi.txt (build-public-corpus.sh) are not part of it. Takes ~10 minutes and
# ~2.5 GB of scratch space; not run in CI (a 300 MB download and a 1 GB file).
# Usage: build-large-corpus.sh OUT_DIR [SCRATCH_DIR]
set -euo pipefail
out=${1:?usage: build-large-corpus.sh OUT_DIR [SCRATCH_DIR]}
scratch=${2:-$(mktemp -d)}
here=$(cd "$(dirname "$0")" && pwd)
# English API references and manuals, then the same user manuals in many languages.
packages=(
  openjdk-17-doc erlang-doc libstdc++-12-doc libboost1.81-doc llvm-15-doc
  cmake-doc octave-doc debian-reference-en gnome-user-docs
  gimp-help-en gimp-help-de gimp-help-fr gimp-help-es gimp-help-ja gimp-help-ru
  libreoffice-help-en-us libreoffice-help-de libreoffice-help-fr libreoffice-help-es libreoffice-help-ja
  libreoffice-help-ru libreoffice-help-zh-cn libreoffice-help-it libreoffice-help-pt libreoffice-help-pl
)
mkdir -p "$out" "$scratch/debs" "$scratch/root"
(cd "$scratch/debs" && apt-get download "${packages[@]}")
for deb in "$scratch"/debs/*.deb; do
  name=$(basename "$deb" .deb)
  mkdir -p "$scratch/root/$name"
  dpkg-deb -x "$deb" "$scratch/root/$name"
done
python3 "$here/build_large_corpus.py" "$scratch/root" "$out/public_large.txt"
ls -l "$out/public_large.txt"
