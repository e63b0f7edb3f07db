"""Shared helpers for the reference scripts: document reading and the GPT-2 pattern.

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
