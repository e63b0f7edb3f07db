#!/usr/bin/env python3
"""Runs the real datatrove C4BadWordsFilter with per-language lists from a directory, for the parity test.

    python3 scripts/reference/badwords_datatrove.py --corpus "$TOKKIT_CORPUS" --lists fixtures/prep/badwords --output out.jsonl

The documents: real paragraphs and pages of the public corpus (English kernel documentation; German,
French, Japanese, Russian, Chinese, Polish and Spanish man pages), each with `metadata["language"]`
from a rough guess (script, then frequent words), some without a language (datatrove's default, en),
some labelled with a language that has no list, plus hand-made ones for the edges: a Hindi word
followed by a vowel sign (Python's \\W counts combining marks as non-word), allow-listed sub-words in
Japanese and Chinese, matches inside words in the no-boundary languages, phrases, upper case.

datatrove downloads LDNOOBW's lists; here its download function is replaced by one that returns the
file of the same language in --lists, and its list of known languages by the files there (the user's
lists), so the real filter code runs on the given lists. One line per document:
{"id", "text", "language" (or null), "reason" (null = kept), "missing" (no list for the language)}.
"""
import argparse
import json
import os
import random
import re

import datatrove.pipeline.filters.c4_filters as c4
from datatrove.data import Document

LANGUAGE_WORDS = {"de": [" der ", " die ", " und ", " nicht "], "fr": [" le ", " les ", " des ", " est "],
                  "pl": [" się ", " nie ", " jest "], "es": [" el ", " los ", " una ", " para "], "en": [" the ", " and ", " of "]}
HAND_MADE = [
    ("hi", "यह नमो है और कुछ नहीं।"),                       # नम + vowel sign ो: a match in Python (the sign is \W there)
    ("hi", "यह नमस्ते है।"),                                 # नम inside a word: no match
    ("hi", "नम"),                                           # the whole text
    ("ja", "これはsmallな例です。"),                          # "sm" is allow-listed: no match
    ("ja", "このファイルを開く。"),                            # inside a sentence, no spaces: a match
    ("ja", "グロ"),                                          # allow-listed, not in the list anyway
    ("zh", "这个性能很好。"),                                 # 性 allow-listed: no match
    ("zh", "打开这个文件夹。"),                                # 文件 inside 文件夹: a match (no boundaries)
    ("en", "The Kernel is here."),                           # upper case: the text is lowercased
    ("en", "kernels are many."),                             # inside a word: no match
    ("en", "Use free software, always."),                    # a phrase
    ("en", "free  software with two spaces."),               # not the phrase
    ("en", "C++ is a language."),                            # escaped regex characters
    ("en", "c++x"),                                          # c++ then a word character
    ("en", "kernel_module"),                                 # _ is a word character
    ("en", "kernel²"),                                       # ² is a number (\w) in Python
    ("en", "(kernel)"),
    ("de", "Die DATEI ist leer."),
    ("ru", "Этот ФАЙЛ пуст."),
    ("ru", "файлы"),
    ("fr", "L'utilisateur."),
]


def guess_language(text):
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    if sum(1 for c in letters if "\u0400" <= c <= "\u04ff") > len(letters) / 2:
        return "ru"
    if any("\u3040" <= c <= "\u30ff" for c in letters):
        return "ja"
    if sum(1 for c in letters if "\u4e00" <= c <= "\u9fff") > len(letters) / 3:
        return "zh"
    lowered = " " + text.lower() + " "
    scores = {lang: sum(lowered.count(w) for w in words) for lang, words in LANGUAGE_WORDS.items()}
    return max(sorted(scores), key=lambda lang: scores[lang])


def documents(corpus, rng):
    docs = []
    for name in ("public_en.txt", "public_multi.txt"):
        with open(os.path.join(corpus, name), encoding="utf-8") as f:
            paragraphs = [p for p in f.read().split("\n\n") if 80 <= len(p) <= 3000]
        picked = rng.sample(paragraphs, 900)
        for index, paragraph in enumerate(picked):
            text = paragraph if index % 3 else "\n\n".join([paragraph] + rng.sample(paragraphs, rng.randint(1, 4)))
            docs.append(text)
    records = []
    for index, text in enumerate(docs):
        language = guess_language(text)
        roll = rng.random()
        if roll < 0.08:
            language = None          # no language: datatrove's default_language, en
        elif roll < 0.12:
            language = "xx"          # a language without a list
        records.append({"id": f"doc-{index:05d}", "text": text, "language": language})
    for index, (language, text) in enumerate(HAND_MADE):
        records.append({"id": f"hand-{index:03d}", "text": text, "language": language})
    return records


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--lists", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    lists = os.path.abspath(args.lists)
    languages = sorted(n for n in os.listdir(lists) if re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)*", n))

    def local_list(url, namespace, subfolder):
        return os.path.join(lists, url.rsplit("/", 1)[1])

    c4.cached_asset_path_or_download = local_list
    c4._BADWORDS_LANGS = languages
    badwords = c4.C4BadWordsFilter(fail_on_missing_language=False)
    rng = random.Random(16)
    with open(args.output, "w", encoding="utf-8") as out:
        for record in documents(args.corpus, rng):
            metadata = {} if record["language"] is None else {"language": record["language"]}
            doc = Document(text=record["text"], id=record["id"], metadata=metadata)
            result = badwords.filter(doc)
            language = record["language"] or "en"
            record["reason"] = None if result is True else result[1]
            record["missing"] = language not in languages
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    # fail_on_missing_language=True (datatrove's default) stops on a language without a list.
    try:
        c4.C4BadWordsFilter().filter(Document(text="x", id="x", metadata={"language": "xx"}))
        raise SystemExit("expected datatrove to stop on a language without a list")
    except ValueError:
        pass


if __name__ == "__main__":
    main()
