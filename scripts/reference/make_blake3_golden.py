#!/usr/bin/env python3
"""Golden BLAKE3 digests from the BLAKE3 team's implementation (PyPI `blake3`, the Rust crate b3sum uses).

Writes Tests/TokkitTests/Golden/blake3.json: for each length, the hex digest (32 bytes, hash mode) of that many
bytes counting 0, 1, …, 250, 0, 1, … (byte i is i % 251: no period of a power of two, so chunks and blocks differ),
at the lengths where BLAKE3's structure changes: around a block (64), a chunk (1,024), the lanes of 8 and 16 chunks
and the subtrees of 2^k chunks tokkit hashes at once; then every fixture's digest as a file.

Usage, from the repository root:

    python3 scripts/reference/make_blake3_golden.py            # write the golden file
    python3 scripts/reference/make_blake3_golden.py --check    # exit 1 if it is stale
"""
import argparse
import glob
import json
import os
import sys

import blake3

LENGTHS = sorted({0, 1, 2, 63, 64, 65, 127, 128, 129, 1023, 1024, 1025, 2047, 2048, 2049, 3072, 3073,
                  8 * 1024 - 1, 8 * 1024, 8 * 1024 + 1, 9 * 1024 + 17, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1,
                  17 * 1024, 31 * 1024 + 5, 32 * 1024, 32 * 1024 + 1, 100_000, 128 * 1024, 128 * 1024 + 1,
                  256 * 1024 + 3, 1 << 20, (1 << 20) + 1, (1 << 20) + 1024 + 64, 3_000_017})


def pattern(length):
    return bytes(i % 251 for i in range(length))


def build():
    fixtures = {}
    for path in sorted(glob.glob("fixtures/*.txt")):
        with open(path, "rb") as f:
            fixtures[os.path.basename(path)] = blake3.blake3(f.read()).hexdigest()
    return {
        "generator": f"scripts/reference/make_blake3_golden.py, blake3 {blake3.__version__}",
        "pattern": [{"length": n, "blake3": blake3.blake3(pattern(n)).hexdigest()} for n in LENGTHS],
        "fixtures": fixtures,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = json.dumps(build(), indent=1, sort_keys=True) + "\n"
    path = "Tests/TokkitTests/Golden/blake3.json"
    if args.check:
        with open(path) as f:
            if f.read() != text:
                sys.exit(f"{path} is stale: run python3 scripts/reference/make_blake3_golden.py")
        print(f"{path} is current")
        return
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
