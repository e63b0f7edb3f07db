#!/usr/bin/env python3
"""Runs the real datatrove filters on a JSONL document set, for the parity test and the bench.

    python3 scripts/reference/prep_datatrove.py --input testset.jsonl --output reference.jsonl \
        --blocklists fixtures/prep/blocklists --bad-words fixtures/prep/bad_words.txt

For every document, each filter on its own (on the original text), with the parameters the Swift
test uses (`PARITY_FILTERS` below): keep, or the reason datatrove gives. C4 quality's rewritten text
when it keeps a document. The PII formatter's output on the original text, documents in input order
(its round-robin placeholders carry over from one document to the next). And the FineWeb chain as
`tokkit prep --preset fineweb-datatrove` runs it: URL filter -> language score from metadata ->
Gopher repetition -> Gopher quality -> C4 quality (filter_no_terminal_punct=False) -> FineWeb quality
-> PII, with the stage and reason of each drop and the final text of each kept document.

`--chain-only` runs just the chain (for timing it in bench/prep_bench.py).
"""
import argparse
import copy
import json
import re
import sys
import time
from importlib.metadata import version

from datatrove.data import Document
from datatrove.pipeline.filters import (C4BadWordsFilter, C4ParagraphFilter, C4QualityFilter, FineWebQualityFilter,
                                        GopherQualityFilter, GopherRepetitionFilter, URLFilter)
from datatrove.pipeline.formatters import PIIFormatter
from datatrove.utils.text import split_into_words

PSL = "/usr/share/publicsuffix/public_suffix_list.dat"


def list_lines(path):
    """A list file's lines as datatrove's get_list reads them (newlines included)."""
    with open(path) as f:
        return list(f)


def url_filter(blocklists):
    import tldextract
    url = URLFilter(
        extra_domains=list_lines(f"{blocklists}/domains"), extra_urls=list_lines(f"{blocklists}/urls"),
        banned_words=list_lines(f"{blocklists}/banned_words.txt"), banned_subwords=list_lines(f"{blocklists}/banned_subwords.txt"),
        soft_banned_words=list_lines(f"{blocklists}/soft_banned_words.txt"), use_integrated_lists=False)
    # The same Public Suffix List as tokkit (Debian's publicsuffix), ICANN section, no network.
    url.tldextractor = tldextract.TLDExtract(suffix_list_urls=(f"file://{PSL}",), cache_dir=None, fallback_to_snapshot=False)
    return url


def bad_words_filter(path):
    """C4BadWordsFilter with the word list from `path` instead of the LDNOOBW download, compiled the way
    C4BadWordsFilter._get_badwords compiles a list (escaped words, (?:\\W|^)(...)(?:\\W|$))."""
    words = set(line.strip() for line in open(path)) - {""}
    f = C4BadWordsFilter()
    f._badwords_regex["en"] = re.compile(r"(?:\W|^)({})(?:\W|$)".format("|".join(re.escape(w) for w in words)))
    return f


def outcome(result):
    if result is True:
        return None
    return result[1] if isinstance(result, tuple) else "dropped"


class LanguageScore:
    """FineWeb's language rule on a score already in the metadata (today's LanguageFilter defaults:
    any language, score > 0.65); a document without a score passes."""
    name = "language_score"

    def filter(self, doc):
        score = doc.metadata.get("language_score")
        if score is None:
            return True
        return True if score > 0.65 else (False, "language_score")


def chain_stages(args):
    return [
        ("url_filter", url_filter(args.blocklists)),
        ("language_score", LanguageScore()),
        ("gopher_repetition", GopherRepetitionFilter()),
        ("gopher_quality", GopherQualityFilter()),
        ("c4_quality", C4QualityFilter(filter_no_terminal_punct=False)),
        ("fineweb_quality", FineWebQualityFilter()),
    ]


def run_chain(doc, stages, pii):
    for name, stage in stages:
        if name == "url_filter" and not doc.metadata.get("url"):
            continue  # datatrove asserts on a missing url; tokkit passes and counts it
        reason = outcome(stage.filter(doc))
        if reason is not None:
            return {"stage": name, "reason": reason}
    before = doc.text
    doc.text = pii.format(doc.text)
    return {"stage": None, "reason": None, "text_before_pii": before, "text": doc.text}


def to_document(record, index, path):
    record = dict(record)
    text = record.pop("text")
    doc_id = record.pop("id", f"{path}/{index}")
    return Document(text=text, id=str(doc_id), metadata=record)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--blocklists", required=True)
    parser.add_argument("--bad-words", required=True)
    parser.add_argument("--chain-only", action="store_true")
    args = parser.parse_args()
    records = [json.loads(line) for line in open(args.input, encoding="utf-8") if line.strip()]
    parity_filters = [
        ("url_filter", url_filter(args.blocklists)),
        ("gopher_repetition", GopherRepetitionFilter()),
        ("gopher_quality", GopherQualityFilter(max_doc_words=1000)),
        ("c4_quality", C4QualityFilter()),
        ("c4_quality_fineweb", C4QualityFilter(filter_no_terminal_punct=False)),
        ("c4_paragraph", C4ParagraphFilter()),
        ("bad_words", bad_words_filter(args.bad_words)),
        ("fineweb_quality", FineWebQualityFilter()),
    ]
    stages = chain_stages(args)
    chain_pii = PIIFormatter()
    alone_pii = PIIFormatter()
    started = time.perf_counter()
    loop_start, cpu_start = time.time(), time.process_time()
    with open(args.output, "w", encoding="utf-8") as out:
        for index, record in enumerate(records):
            if not record.get("text"):
                continue
            doc = to_document(record, index, args.input)
            result = {"id": doc.id}
            if not args.chain_only:
                result["words"] = len(split_into_words(doc.text, "en"))
                filters = {}
                for name, f in parity_filters:
                    if name == "url_filter" and not doc.metadata.get("url"):
                        filters[name] = "no_url"
                        continue
                    copy_doc = copy.deepcopy(doc)
                    if name == "bad_words":
                        copy_doc.metadata["language"] = "en"  # one list for every document, as tokkit's bad_words stage
                    reason = outcome(f.filter(copy_doc))
                    filters[name] = reason
                    if name.startswith("c4_quality") and reason is None:
                        result[name + "_text"] = copy_doc.text
                result["filters"] = filters
                result["pii"] = alone_pii.format(doc.text)
            # The chain may change the document in place; --chain-only needs it no more afterwards.
            result["chain"] = run_chain(doc if args.chain_only else copy.deepcopy(doc), stages, chain_pii)
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
    elapsed = time.perf_counter() - started
    # The filter loop's CPU time and its start and end on the wall clock, for bench/prep_bench.py.
    print(json.dumps({"datatrove": version("datatrove"), "spacy": version("spacy"), "documents": len(records), "seconds": elapsed,
                      "loop_cpu_seconds": time.process_time() - cpu_start, "loop_start": loop_start, "loop_end": time.time()}))


if __name__ == "__main__":
    sys.exit(main())
