#!/usr/bin/env python3
"""Letters per Unicode script in each document, from the `regex` module's own Unicode tables, for
the script filter's parity test (tokkit reads ICU's Script property).

    python3 scripts/reference/script_reference.py --input docs.jsonl --output scripts.jsonl

A letter is a character of general category L*; its script is the one of SCRIPTS whose
`\\p{Script=…}` matches it (Common and Inherited are left out, as tokkit leaves them out). Adds
hand-made documents in scripts the corpus lacks (Arabic, Hebrew, Greek, Hangul, Devanagari, Thai,
mixed). One line per document: {"id", "text", "counts": {"Latn": n, ...}}.
"""
import argparse
import json

import regex

SCRIPTS = ["Latn", "Cyrl", "Hani", "Hira", "Kana", "Arab", "Hebr", "Grek", "Hang", "Deva", "Thai", "Armn", "Geor", "Ethi",
           "Beng", "Taml", "Copt", "Bopo", "Yiii", "Zyyy", "Zinh"]
LETTER = regex.compile(r"\p{L}")
BY_SCRIPT = {name: regex.compile(r"\p{Script=" + name + "}") for name in SCRIPTS}
HAND_MADE = [
    ("arabic", "اللغة العربية هي إحدى اللغات السامية، ويتحدث بها أكثر من ٤٠٠ مليون شخص."),
    ("hebrew", "עברית היא שפה שמית ממשפחת השפות האפרו-אסיאתיות."),
    ("greek", "Η ελληνική γλώσσα είναι μία από τις ινδοευρωπαϊκές γλώσσες."),
    ("hangul", "한국어는 대한민국과 조선민주주의인민공화국의 공용어이다."),
    ("devanagari", "हिन्दी भारत की राजभाषा है और विश्व की प्रमुख भाषाओं में से एक है।"),
    ("thai", "ภาษาไทยเป็นภาษาราชการของประเทศไทย"),
    ("mixed-ja", "このプログラムはLinuxで動きます。設定ファイルは/etc/foo.confです。"),
    ("mixed-ru-en", "Команда ls (list) выводит список файлов; see also dir(1) and vdir(1)."),
    ("digits-only", "1234 5678 -- 90 !!! ..."),
    ("prolonged-sound", "ーーー データー"),
]


def counts(text):
    result = {}
    for match in LETTER.finditer(text):
        character = match.group(0)
        script = next((name for name, pattern in BY_SCRIPT.items() if pattern.match(character)), "other")
        if script in ("Zyyy", "Zinh"):
            continue
        result[script] = result.get(script, 0) + 1
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    records = [json.loads(line) for line in open(args.input, encoding="utf-8")]
    records += [{"id": f"script-{name}", "text": text} for name, text in HAND_MADE]
    with open(args.output, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps({"id": record["id"], "text": record["text"], "counts": counts(record["text"])}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
