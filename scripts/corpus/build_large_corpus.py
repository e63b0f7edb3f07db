#!/usr/bin/env python3
"""Joins the text files of unpacked Debian documentation packages into one corpus file (see build-large-corpus.sh).
usage: build_large_corpus.py ROOT OUTPUT [--strip-markup] [--max-bytes N]   (ROOT holds one unpacked package per folder)
Stops after the first file that brings the output to N bytes (default 1,050,000,000: just over 1 GB, so
that a training bench row takes minutes, not hours; 0 = everything, ~1.6 GB).
Pages keep their markup by default, as shipped (the corpus is then documentation as a web crawl sees it);
--strip-markup keeps only their visible text, which is about a sixth of the bytes."""
import gzip
import html
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor

MARKUP = (".html", ".htm", ".xhtml", ".xhp", ".page", ".xml")
PLAIN = (".txt", ".rst", ".md", ".pod", ".rd", ".tex", ".text")
DROPPED = re.compile(rb"<(script|style|head)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
TAG = re.compile(rb"<[^>]*>")
BLANKS = re.compile(r"[ \t\f\v\r]*\n(?:[ \t\f\v\r]*\n)+")
SPACES = re.compile(r"[ \t\f\v]+")
STRIP = "--strip-markup" in sys.argv


def text_of(path):
    name = path[:-3] if path.endswith(".gz") else path
    lower = name.lower()
    if not lower.endswith(MARKUP + PLAIN):
        return None
    try:
        data = open(path, "rb").read()
        if path.endswith(".gz"):
            data = gzip.decompress(data)
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    if b"\0" in data:
        return None
    strip = lower.endswith(MARKUP) and STRIP
    if strip:
        data = TAG.sub(b" ", DROPPED.sub(b" ", data))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if strip:
        text = html.unescape(text)
        text = "\n".join(SPACES.sub(" ", line).strip() for line in text.split("\n"))
    text = BLANKS.sub("\n\n", text.replace("\r\n", "\n")).strip()
    return text + "\n" if text else None


def files(root):
    found = []
    for package in sorted(os.listdir(root)):
        for folder, _, names in os.walk(os.path.join(root, package)):
            for name in names:
                path = os.path.join(folder, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    found.append(path)
    return sorted(found)


def main():
    root, output = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[sys.argv.index("--max-bytes") + 1]) if "--max-bytes" in sys.argv else 1_050_000_000
    paths = files(root)
    written = 0
    packages = []
    with ProcessPoolExecutor() as pool, open(output + ".partial", "wb") as f:
        for path, text in zip(paths, pool.map(text_of, paths, chunksize=64)):
            if text:
                package = os.path.relpath(path, root).split(os.sep)[0]
                if not packages or packages[-1] != package:
                    packages.append(package)
                data = (text + "\n").encode()
                f.write(data)
                written += len(data)
                if limit and written >= limit:
                    break
    os.rename(output + ".partial", output)
    print(f"{output}: {written / 1e6:.1f} MB; packages (the last one in part): {' '.join(packages)}")


if __name__ == "__main__":
    main()
