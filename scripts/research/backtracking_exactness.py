"""Is the backtracking encoder of GitHub's `bpe` crate (rust-gems) exact under tiktoken's rank rule? A check in Python
of the encoder #14 would add for pieces that are no token (bench/RESULTS.md, "Session 34"); not Tokkit code.

The split table is built as the crate builds it: each token in rank order takes the longest prefix token whose rest is
a token, both of lower rank, whose pair passes `valid` over the pairs accepted so far (canonical pairs only); a token
with none (the 256 bytes) keeps itself. The encoder takes the longest token at each position, tries shorter prefixes of
it when the pair with the last token fails `valid`, and backs up over positions that cannot end a token. Each distinct
piece that is no token is encoded by the backtracking encoder and compared with tiktoken's own encoding of the piece
(`Encoding._encode_single_piece`, tiktoken's BPE: merge the adjacent pair whose concatenation ranks lowest). Then the
pair check is planted out (greedy longest match), which must differ somewhere: the comparison can fail.

usage: python3 scripts/research/backtracking_exactness.py VOCAB FILE… (VOCAB: a .tiktoken name in vocabularies/;
       FILE: text whose first 3 MB are split with cl100k's pattern; needs `pip install tiktoken regex`)
"""
import os, sys, time
import regex
import tiktoken
from tiktoken.load import load_tiktoken_bpe

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
vocab, paths = sys.argv[1], sys.argv[2:]
ranks = load_tiktoken_bpe(os.path.join(ROOT, "vocabularies", vocab + ".tiktoken"))
n = max(ranks.values()) + 1
tokens = [None] * n
for token, rank in ranks.items():
    tokens[rank] = token
maxlen = max(len(t) for t in ranks)


def longest_prefix(b, limit):
    """The rank of the longest token that is a prefix of `b` and at most `limit` bytes, or None."""
    for length in range(min(len(b), limit), 0, -1):
        rank = ranks.get(b[:length])
        if rank is not None:
            return rank
    return None


next_prefix = [longest_prefix(t, len(t) - 1) if len(t) > 1 else None for t in tokens]
split, pairs = [None] * n, {}


def valid(t1, t2):
    """Whether BPE would leave tokens t1 and t2 side by side: walk both merge trees back, and fail if some pair across
    the boundary merges before the tokens on either side were made."""
    limit = 1 << 40
    while True:
        merged = pairs.get((t1, t2))
        if merged is not None and merged < limit:
            return False
        if t1 > t2:
            limit, t1 = t1, split[t1][1]
            if t1 == limit:
                limit, t2 = t2 + 1, split[t2][0]
                if t2 + 1 == limit:
                    return True
        else:
            limit, t2 = t2 + 1, split[t2][0]
            if t2 + 1 == limit:
                limit, t1 = t1, split[t1][1]
                if t1 == limit:
                    return True


started = time.time()
for rank, token in enumerate(tokens):
    left = next_prefix[rank]
    while left is not None:
        right = ranks.get(token[len(tokens[left]):])
        if right is not None and left < rank and right < rank and valid(left, right):
            pairs[(left, right)] = rank
            split[rank] = (left, right)
            break
        left = next_prefix[left]
    if left is None:
        split[rank] = (rank, rank)
print(f"{vocab}: {n} tokens, split table in {time.time() - started:.1f} s, {sum(split[r] == (r, r) for r in range(n))} without a split")


encoding = tiktoken.Encoding(vocab, pat_str=r"\S+", mergeable_ranks=ranks, special_tokens={})
tiktoken_rule = encoding._encode_single_piece


def merged_from_bytes(b):
    """tiktoken's rule without its whole-token shortcut (which would answer any token with itself): merge the adjacent
    pair whose concatenation ranks lowest, leftmost on ties."""
    parts = [bytes([x]) for x in b]
    while True:
        best = None
        for i in range(len(parts) - 1):
            rank = ranks.get(parts[i] + parts[i + 1])
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, i)
        if best is None:
            return [ranks[p] for p in parts]
        _, i = best
        parts[i:i + 2] = [parts[i] + parts[i + 1]]


def backtracking(b, check):
    ends = [True] * (len(b) + 1)  # False: no tokenization of the rest starts here
    out, pos = [], 0
    following = longest_prefix(b, maxlen)
    while following is not None:
        token, last = following, (out[-1] if out else None)
        while True:
            end = pos + len(tokens[token])
            if ends[end] and (last is None or check(last, token)):
                out.append(token)
                pos = end
                following = longest_prefix(b[pos:], maxlen) if pos < len(b) else None
                break
            shorter = next_prefix[token]
            if shorter is not None:
                token = shorter
                continue
            ends[pos] = False
            if out:
                out.pop()
                pos -= len(tokens[last])
            following = last
            break
    return out


themselves = [r for r in range(0, n, 7) if len(tokens[r]) > 1 and merged_from_bytes(tokens[r]) != [r]]
print(f"every 7th token encodes to itself: {not themselves} ({len(themselves)} do not)")
pattern = regex.compile(r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""")
failed = False
for path in paths:
    text = open(path, "rb").read()[:3_000_000].decode("utf-8", "ignore")
    pieces = sorted({m.group().encode() for m in pattern.finditer(text)} - ranks.keys())
    pieces = [p for p in pieces if len(p) <= 64]
    reference = {p: tiktoken_rule(p) for p in pieces}
    differ = [p for p in pieces if backtracking(p, valid) != reference[p]]
    greedy = [p for p in pieces if backtracking(p, lambda a, b: True) != reference[p]]
    print(f"{path}: {len(pieces)} distinct pieces that are no token; backtracking differs on {len(differ)} {differ[:3]}; "
          f"greedy without the pair check on {len(greedy)} (must be > 0)")
    failed = failed or bool(differ) or not greedy
sys.exit(1 if failed or themselves else 0)
