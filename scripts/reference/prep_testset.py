#!/usr/bin/env python3
"""Builds the document set the datatrove parity test runs on, from the public corpus.

    python3 scripts/reference/prep_testset.py --corpus "$TOKKIT_CORPUS" --output testset.jsonl

Real documents: paragraphs and multi-paragraph "pages" of the English and the multilingual corpus
(kernel documentation, man pages in seven languages). Then seeded degraded variants of them, made so
that every rule of every filter fires many times: repeated lines, paragraphs and n-grams, bullet and
ellipsis lines, '#' and '...' tokens, short and long words, stop-word-free text, low-alphabetic text,
lorem ipsum, javascript/cookie lines, curly brackets, citations, short lines, one-word lines,
whitespace-only text, bad words, blocked URLs, e-mails and IP addresses. Deterministic (seeded).
"""
import argparse
import json
import random

STOP_WORDS = {"the", "be", "to", "of", "and", "that", "have", "with"}
LOREM = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor."
JS = "Please enable JavaScript in your browser to view this page properly."
COOKIE = "This website uses cookies to improve your experience, see our privacy policy."
URLS_BLOCKED = [
    ("https://www.blocked.example/some/page", "domain"),
    ("http://hey.danger.org/path?q=1", "domain"),
    ("https://badsubdomain.nice.com/index.html", "subdomain"),
    ("https://www.safe.com/bad/page.html", "url"),
    ("http://example.net/blocked-page", "url"),
    ("https://shop.example.com/xxx/videos", "hard_blacklisted"),
    ("https://casino.example.org/", "hard_blacklisted"),
    ("https://games.example.com/poker-slots/today", "soft_blacklisted"),
    ("https://www.example.com/lottery/jackpot", "soft_blacklisted"),
    ("https://www.freebetsnow.com/", "blacklisted_subword"),
    ("https://example.com/a/spam-link/b", "blacklisted_subword"),
]
URLS_OK = ["https://en.wikipedia.org/wiki/Page", "https://docs.kernel.org/admin-guide/", "http://www.example.co.uk/news/1",
           "https://sdsd.badsubdomain.nice.com/x", "https://blocke.dcom/x", "https://man7.org/linux/man-pages/man1/ls.1.html",
           "https://www.poker-history.org/", "https://spamfarm.co.uk.example.com/"]


def paragraphs(text, low=120, high=1500):
    return [p for p in text.split("\n\n") if low <= len(p) <= high]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--documents", type=int, default=1600, help="real documents before variants")
    args = parser.parse_args()
    rng = random.Random(16)
    with open(f"{args.corpus}/public_en.txt", encoding="utf-8") as f:
        english = f.read(6_000_000)
    with open(f"{args.corpus}/public_multi.txt", encoding="utf-8") as f:
        multi = f.read(3_000_000)
    en_paras = paragraphs(english)
    multi_paras = paragraphs(multi)
    docs = []

    def add(text, kind, url=None, language=("en", 0.9)):
        record = {"id": f"{kind}-{len(docs)}", "text": text, "kind": kind}
        if url is not None:
            record["url"] = url
        if language is not None:
            record["language"], record["language_score"] = language
        docs.append(record)

    def page(source, count, limit=2000):
        start = rng.randrange(0, len(source) - count)
        text = "\n\n".join(source[start:start + count])
        return text[:text.rfind("\n", 0, limit)] if len(text) > limit and "\n" in text[:limit] else text[:limit]

    # Real documents: single paragraphs and pages of 3-12 paragraphs, English and other languages.
    for _ in range(args.documents // 4):
        add(rng.choice(en_paras), "paragraph", url=rng.choice(URLS_OK))
        add(page(en_paras, rng.randint(2, 5)), "page", url=rng.choice(URLS_OK))
        add(page(en_paras, rng.randint(3, 8), 3000), "long-page", url=rng.choice(URLS_OK), language=("en", rng.choice([0.3, 0.7, 0.95])))
        add(page(multi_paras, rng.randint(2, 5)), "multi-page", url=rng.choice(URLS_OK), language=(rng.choice(["de", "fr", "es", "it"]), 0.8))
    base = [d["text"] for d in docs if d["kind"] in ("page", "long-page")]

    def words_of(text):
        return text.split(" ")

    def variant(kind, make, count=60):
        for _ in range(count):
            add(make(rng.choice(base)), kind, url=rng.choice(URLS_OK), language=None if rng.random() < 0.2 else ("en", 0.9))

    # Gopher quality.
    variant("long-doc", lambda t: " ".join(rng.choice(base).replace("\n", " ") for _ in range(14))[:12000], 40)
    variant("short-words", lambda t: " ".join(rng.choice(["a", "an", "I", "to", "of", "the", "is", "it", "on", "we", "be"]) for _ in range(rng.randint(60, 300))))
    variant("long-words", lambda t: "".join(w + (" " if rng.random() < 0.25 else "") for w in words_of(t)))
    variant("hashes", lambda t: " ".join(("#" + w if rng.random() < 0.3 else w) for w in words_of(t)))
    variant("ellipsis", lambda t: " ".join((w + " ..." if rng.random() < 0.3 else w) for w in words_of(t)))
    variant("bullets", lambda t: "\n".join(rng.choice(["- ", "• ", "  - "]) + line for line in t.split("\n") if line.strip()))
    variant("end-ellipsis", lambda t: "\n".join(line + ("..." if rng.random() < 0.6 else "") for line in t.split("\n")))
    variant("non-alpha", lambda t: " ".join((str(rng.randint(0, 99999)) if rng.random() < 0.35 else w) for w in words_of(t)))
    variant("no-stop-words", lambda t: " ".join(w for w in words_of(t) if w.lower() not in STOP_WORDS))
    # Gopher repetition.
    variant("dup-lines", lambda t: "\n".join(rng.choice(t.split("\n")[:5] or [t]) for _ in range(rng.randint(10, 40))))
    variant("dup-paragraphs", lambda t: "\n\n".join(rng.choice(t.split("\n\n")[:3]) for _ in range(rng.randint(4, 12))))
    variant("dup-para-chars", lambda t: t + "\n\n" + "\n\n".join([max(t.split("\n\n"), key=len)] * rng.randint(1, 2)))
    variant("dup-line-chars", lambda t: t + "\n" + "\n".join([max(t.split("\n"), key=len)] * rng.randint(1, 4)))

    def phrase_repeat(t):
        words = words_of(t.replace("\n", " "))
        n = rng.randint(1, 10)
        start = rng.randrange(0, max(1, len(words) - n))
        phrase = words[start:start + n]
        for _ in range(rng.randint(3, 40)):
            at = rng.randrange(0, len(words) + 1)
            words[at:at] = phrase
        return " ".join(words)

    variant("ngram-repeat", phrase_repeat, 400)
    def repeated_block(t):
        # Appends a copy of a run of the text's own words sized so that the duplicated characters are
        # 10-15.5% of the text: datatrove's 5- to 10-gram rules (0.15 down to 0.10) then fire at
        # different n depending on where in that band the fraction falls.
        words = t.replace("\n", " ").split()
        target = rng.uniform(0.10, 0.155)
        for size in range(5, len(words)):
            block = words[:size]
            text = " ".join(words) + " " + " ".join(block)
            if sum(len(w) for w in block) / len(text) >= target:
                return text
        return t

    variant("repeated-block", repeated_block, 220)
    variant("ngram-block", lambda t: t + " " + " ".join(words_of(t.replace("\n", " "))[: rng.randint(20, 200)]) * rng.randint(1, 3), 150)
    # C4 quality.
    variant("lorem", lambda t: t + "\n" + LOREM)
    variant("curly", lambda t: t.replace("\n", "\nint main() { return 0; }\n", 1))
    variant("javascript-cookies", lambda t: "\n".join(line + ("\n" + rng.choice([JS, COOKIE]) if rng.random() < 0.3 else "") for line in t.split("\n")))
    variant("citations", lambda t: " ".join(w + (rng.choice(["[1]", "[23]", "[edit]", "[citation needed]", "[]"]) if rng.random() < 0.1 else "") for w in words_of(t)))
    variant("long-word", lambda t: t.replace(" ", " " + "x" * 1001 + " ", 1))
    # FineWeb quality.
    variant("short-lines", lambda t: "\n".join(" ".join(words_of(t)[i:i + rng.randint(1, 5)]) for i in range(0, len(words_of(t)), 3)))
    variant("one-word-lines", lambda t: "\n".join(words_of(t.replace("\n", " "))[:rng.randint(40, 200)]))
    variant("short-punct-lines", lambda t: "\n".join(" ".join(words_of(t.replace("\n", " "))[i:i + 3]) + "." for i in range(0, 120, 3)))
    variant("spread-lines", lambda t: "\n\n\n".join(" ".join(words_of(t.replace("\n", " "))[i:i + 6]) + "." for i in range(0, 180, 6)))
    variant("no-punct", lambda t: t.replace(".", "").replace("!", "").replace("?", ""))
    variant("whitespace", lambda t: rng.choice([" ", "\n", "  \n \n", "\t\n"]), 30)
    variant("dup-line-small", lambda t: t + "\n" + rng.choice([l for l in t.split("\n") if l.strip()] or ["x"]), 80)
    # Bad words, PII.
    variant("bad-words", lambda t: t.replace(" ", " " + rng.choice(["darn", "Heck", "frick", "bad phrase", "darnit"]) + " ", 1))

    def pii(t):
        words = words_of(t)
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(0, len(words) + 1)
            words.insert(at, rng.choice([
                f"{rng.choice(['john', 'Mary', 'x.y', 'a+b', 'SUPPORT'])}@{rng.choice(['example.com', 'Mail.Example.ORG', 'kernel.org', '[192.168.0.1]'])}",
                f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}",
                rng.choice(["10.0.0.1", "192.168.1.20", "127.0.0.1", "8.8.8.8", "108.0.0.01", "172.16.5.4", "100.64.1.2", "256.1.1.1"]),
            ]))
        return " ".join(words)

    variant("pii", pii, 200)
    # URL filter and language score: real pages with blocked URLs, other languages, low scores, no metadata.
    for url, _ in URLS_BLOCKED:
        for _ in range(22):
            add(rng.choice(base)[:600], "url", url=url)
    for _ in range(40):
        add(rng.choice(base), "no-url", url=None)
        add(rng.choice(base), "low-score", url=rng.choice(URLS_OK), language=("en", rng.choice([0.2, 0.5, 0.65])))
    with open(args.output, "w", encoding="utf-8") as out:
        for doc in docs:
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    print(f"{len(docs)} documents written to {args.output}")


if __name__ == "__main__":
    main()
