"""Shared helpers for the reference scripts and benches: document reading, the GPT-2 pattern,
byte-level merge lists, and JSON output.

Documents are the lines of a UTF-8 text file, split on b"\\n" only, WITHOUT the newline (a "\\r"
before it stays in the document). A final newline does not start an extra empty document. Both
hf_train.py and split_count.py read documents through `read_documents`, so both sides agree.
"""

GPT2_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""


def read_documents(path, lines=None):
    with open(path, "rb") as handle:
        data = handle.read()
    documents = data.split(b"\n")
    if documents and documents[-1] == b"":
        documents.pop()
    if lines is not None:
        documents = documents[:lines]
    return [document.decode("utf-8") for document in documents]


def bytes_to_unicode():
    """GPT-2's byte -> printable character map (openai/gpt-2 src/encoder.py)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, chars)))


def merge_bytes(merges):
    """A tokenizer.json merge list (either ["a", "b"] pairs or "a b" strings) as pairs of raw bytes."""
    byte_of = {char: byte for byte, char in bytes_to_unicode().items()}
    pairs = [merge if isinstance(merge, list) else merge.split(" ") for merge in merges]
    return [(bytes(byte_of[c] for c in left), bytes(byte_of[c] for c in right)) for left, right in pairs]


def write_json(path, value):
    """Writes `value` as JSON to the file `path`, or to stdout for "-"."""
    import json
    text = json.dumps(value)
    if path == "-":
        print(text)
    else:
        with open(path, "w") as handle:
            handle.write(text)
