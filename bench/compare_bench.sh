#!/usr/bin/env bash
# Compare benchmark: wall time of `tokkit compare` and `tokkit roundtrip` with five tokenizers on all
# fixtures, and, as the anchor measured in the same run, tiktoken (Python) loading the same five
# encodings and encoding + decoding the same files (what compare does before it counts anything).
#
# usage: bash bench/compare_bench.sh [runs]      (default 3 runs each; the median is reported)
# Builds the release binary first. Writes a Markdown table to stdout; record it with the machine in
# bench/RESULTS.md under "Compare". Needs `pip install tiktoken` for the anchor row.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"

bash scripts/build-release tokkit >&2
tokkit=.build/release/tokkit
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# Five tokenizers from the two bundled vocabularies: their own patterns, and each with another one.
vocabs=(--vocab gpt2 --vocab cl100k_base
        --vocab vocabularies/gpt2.tiktoken,pattern=o200k
        --vocab vocabularies/cl100k_base.tiktoken,pattern=o200k
        --vocab vocabularies/gpt2.tiktoken,pattern=cl100k)

# Median wall seconds of `runs` runs of a command (output discarded).
median_seconds() {
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" > /dev/null
    end=$(date +%s%N)
    times+=("$(( (end - start) / 1000000 ))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] / 1000 }'
}

anchor_py="$scratch/anchor.py"
cat > "$anchor_py" <<'PY'
import base64, glob, sys, tiktoken
sys.path.insert(0, "scripts/reference")
patterns = {
    "gpt2": r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s""",
    "cl100k": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
    "o200k": r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
}
def ranks(path):
    with open(path, "rb") as f:
        return {base64.b64decode(t): int(r) for t, r in (line.split() for line in f if line.strip())}
files = [open(p, "rb").read().decode("utf-8") for p in sorted(glob.glob("fixtures/*.txt"))]
for vocab, pattern in [("gpt2", "gpt2"), ("cl100k_base", "cl100k"), ("gpt2", "o200k"), ("cl100k_base", "o200k"), ("gpt2", "cl100k")]:
    encoding = tiktoken.Encoding(f"{vocab}-{pattern}", pat_str=patterns[pattern], mergeable_ranks=ranks(f"vocabularies/{vocab}.tiktoken"), special_tokens={})
    for text in files:
        assert encoding.decode_bytes(encoding.encode_ordinary(text)) == text.encode("utf-8")
PY

echo "| run (5 tokenizers × $(ls fixtures/*.txt | wc -l) fixtures, $(cat fixtures/*.txt | wc -c) bytes) | median of $runs, s | vs tiktoken |"
echo "|---|---:|---:|"
anchor=""
if python3 -c "import tiktoken" 2>/dev/null; then
  anchor=$(median_seconds python3 "$anchor_py")
  echo "| anchor: tiktoken 0.14 (Python) loads the 5 encodings, encodes + decodes every fixture | $anchor | 1.00 |"
fi
row() {
  local label="$1"; shift
  local seconds
  seconds=$(median_seconds "$@")
  local ratio="–"
  [ -n "$anchor" ] && ratio=$(awk -v a="$seconds" -v b="$anchor" 'BEGIN { printf "%.2f", a / b }')
  echo "| $label | $seconds | $ratio |"
}
row "\`tokkit compare\` (metrics, round trips, MB/s timed 10 ms per file)" "$tokkit" compare "${vocabs[@]}" fixtures/
row "\`tokkit compare --no-speed\`" "$tokkit" compare "${vocabs[@]}" --no-speed fixtures/
row "\`tokkit compare --no-speed --html\`" "$tokkit" compare "${vocabs[@]}" --no-speed --html "$scratch/r.html" fixtures/
row "\`tokkit roundtrip --random 1000\` (fixtures, 1000 random strings, every id)" "$tokkit" roundtrip "${vocabs[@]}" --random 1000 fixtures/
row "\`tokkit inspect --vocab cl100k_base\` (loading one large vocabulary, for scale)" "$tokkit" inspect --vocab cl100k_base
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; HTML report $(du -k "$scratch/r.html" | cut -f1) KB."
