"""``Encoding``: tiktoken's API over Tokkit's Swift encoder, plus Tokkit's own (numpy output,
batch offsets, saving, splitting).

Ids are computed in Swift (the C ABI of ``libTokkitCAPI``); this module converts arguments and
results, and keeps tiktoken's Python-level behaviour: the special-token rules of ``encode``, the
``ValueError`` text for a disallowed special token, ``KeyError`` for unknown tokens, surrogate
repair, pickling by name for the bundled encodings.
"""

from __future__ import annotations

import base64
import functools
import os
from array import array
from concurrent.futures import ThreadPoolExecutor
from typing import AbstractSet, Collection, Literal, Sequence

from . import _native
from ._native import _Error, byref, c_ssize_t, c_void_p, lib

_ALL = "all"


def _utf8(text: str) -> bytes:
    """UTF-8 of a str; lone surrogates (which UTF-8 cannot hold) are repaired as tiktoken does:
    a valid surrogate pair becomes its code point, a lone one becomes U+FFFD."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")


def raise_disallowed_special_token(token: str):
    """tiktoken's exact error for a special token found in text that did not allow it."""
    raise ValueError(
        f"Encountered text corresponding to disallowed special token {token!r}.\n"
        "If you want this text to be encoded as a special token, "
        f"pass it to `allowed_special`, e.g. `allowed_special={{{token!r}, ...}}`.\n"
        f"If you want this text to be encoded as normal text, disable the check for this token "
        f"by passing `disallowed_special=(enc.special_tokens_set - {{{token!r}}})`.\n"
        "To disable this check for all special tokens, pass `disallowed_special=()`.\n"
    )


def _check(status: int, error: _Error) -> None:
    if status == _native.DISALLOWED_SPECIAL_TOKEN:
        token = _native.ctypes.string_at(error.token).decode("utf-8", "replace") if error.token else "?"
        lib.tk_error_clear(byref(error))
        raise_disallowed_special_token(token)
    _native.check(status, error)


class _Handle:
    """Owns one ``tk_tokenizer *``; freed when the last Encoding sharing it goes away."""

    __slots__ = ("pointer",)

    def __init__(self, pointer: int):
        self.pointer = pointer

    def __del__(self):
        if self.pointer and lib is not None:
            lib.tk_tokenizer_free(self.pointer)
            self.pointer = None


def _tokenizer_from_tiktoken(contents: bytes, name: str, pat_str: str, special_tokens: dict[str, int],
                             sha256: str | None = None) -> _Handle:
    texts = list(special_tokens)
    ids = (_native.c_uint32 * max(1, len(texts)))(*[special_tokens[t] for t in texts])
    out = c_void_p()
    error = _Error()
    _check(lib.tk_tokenizer_from_tiktoken(contents, len(contents), name.encode(), pat_str.encode(),
                                          _native.strings(texts), ids, len(texts),
                                          sha256.encode() if sha256 else None, byref(out), byref(error)), error)
    return _Handle(out.value)


def _ranks_to_tiktoken(mergeable_ranks: dict[bytes, int]) -> bytes:
    """mergeable_ranks in tiktoken's file format: the one parser (Swift's) checks them."""
    lines = sorted(mergeable_ranks.items(), key=lambda item: item[1])
    return b"".join(base64.b64encode(token) + b" %d\n" % rank for token, rank in lines)


# With tokkit/_fast.c built, Encoding's encode_ordinary and encode are the compiled methods of this base (see the
# end of this module and EncoderBase in _fast.c); without it, the Python methods below.
_EncoderBase = getattr(_native.fast_module(), "EncoderBase", object)


class Encoding(_EncoderBase):
    """A byte-level BPE encoding with tiktoken's interface, computed by Tokkit.

    >>> enc = Encoding("custom", pat_str=..., mergeable_ranks=..., special_tokens={"<|endoftext|>": 50256})
    """

    def __init__(self, name: str, *, pat_str: str, mergeable_ranks: dict[bytes, int],
                 special_tokens: dict[str, int], explicit_n_vocab: int | None = None):
        self._setup(name, pat_str, special_tokens, explicit_n_vocab,
                    handle=_tokenizer_from_tiktoken(_ranks_to_tiktoken(mergeable_ranks), name, pat_str, special_tokens),
                    mergeable_ranks=mergeable_ranks,
                    max_rank=max(mergeable_ranks.values()))

    def _setup(self, name, pat_str, special_tokens, explicit_n_vocab, *, handle, mergeable_ranks, max_rank,
               mergeable_count=None):
        self.name = name
        self._pat_str = pat_str
        self._special_tokens = dict(special_tokens)
        self._handle = handle
        self._ranks = mergeable_ranks
        self._token_table = None
        self.max_token_value = max(max_rank, max(special_tokens.values(), default=0))
        if explicit_n_vocab:
            count = len(mergeable_ranks) if mergeable_ranks is not None else mergeable_count
            assert count + len(special_tokens) == explicit_n_vocab
            assert self.max_token_value == explicit_n_vocab - 1
        self._special_token_values = set(self._special_tokens.values())
        self._bind_compiled()
        self._special_bytes = {text.encode("utf-8"): value for text, value in self._special_tokens.items()}
        self._special_by_id = {value: text.encode("utf-8") for text, value in self._special_tokens.items()}

    def _bind_compiled(self) -> None:
        """Hands the tokenizer to the compiled methods (EncoderBase in _fast.c: encode_ordinary, and encode
        under its default rules); compiled functions shadow ``_encode_default`` and ``_encode_all``, which
        ``encode`` calls for its other common rule pairs. They hold the handle, not the Encoding (no cycle)."""
        fast = _native.fast
        if fast is None:
            return
        handle, table = self._handle, self._int_table()
        self._bind(handle, handle.pointer, table)
        self._encode_default = fast.encoder(handle, handle.pointer, table, 1)
        self._encode_all = fast.encoder(handle, handle.pointer, table, 2)

    @classmethod
    def _from_file(cls, name: str, path: str, *, pat_str: str, special_tokens: dict[str, int],
                   sha256: str | None = None, explicit_n_vocab: int | None = None) -> "Encoding":
        """An encoding whose ranks are a ``.tiktoken`` file, parsed and checked in Swift; the
        Python dict of ranks is built only if asked for (``_mergeable_ranks``)."""
        with open(path, "rb") as file:
            contents = file.read()
        handle = _tokenizer_from_tiktoken(contents, name, pat_str, special_tokens, sha256)
        self = cls.__new__(cls)
        info = _describe(handle)
        self._setup(name, pat_str, special_tokens, explicit_n_vocab, handle=handle, mergeable_ranks=None,
                    max_rank=info["mergeable_end"] - 1, mergeable_count=info["mergeable_count"])
        return self

    @classmethod
    def _from_handle(cls, name: str, handle: _Handle) -> "Encoding":
        info = _describe(handle)
        self = cls.__new__(cls)
        self._setup(name, info["pattern"], {text: value for text, value in info["special_tokens"]}, None,
                    handle=handle, mergeable_ranks=None,
                    max_rank=info["mergeable_end"] - 1, mergeable_count=info["mergeable_count"])
        return self

    def __repr__(self) -> str:
        return f"<Encoding {self.name!r}>"

    # ====================
    # Encoding
    # ====================

    def _call_encode(self, data: bytes, allowed, disallowed, threads: int = 1) -> array:
        """``allowed``/``disallowed``: ``None`` (no token), ``_ALL`` or a collection of texts."""
        amode, alist, acount = _special_arguments(allowed)
        dmode, dlist, dcount = _special_arguments(disallowed)
        ids = _native.POINTER(_native.c_uint32)()
        count = c_ssize_t()
        error = _Error()
        _check(lib.tk_encode(self._handle.pointer, data, len(data), amode, alist, acount, dmode, dlist, dcount,
                             threads, byref(ids), byref(count), byref(error)), error)
        return _native.take_u32(ids, count.value)

    def _ids(self, text, allowed, disallowed, threads: int = 1) -> list[int]:
        """The ids as a list: through the compiled extension when the special-token rules are
        "none" or "all" (the common calls), else through ctypes."""
        fast = _native.fast
        amode, dmode = _simple_mode(allowed), _simple_mode(disallowed)
        if fast is None or amode is None or dmode is None:
            return self._call_encode(text if isinstance(text, bytes) else _utf8(text), allowed, disallowed, threads).tolist()
        return fast.encode(self._handle.pointer, text, amode, dmode, threads, self._int_table())

    def _batch_ids(self, texts, allowed, disallowed, num_threads: int) -> list[list[int]]:
        fast = _native.fast
        amode, dmode = _simple_mode(allowed), _simple_mode(disallowed)
        if fast is None or amode is None or dmode is None:
            return self._split(*self._call_batch(texts, allowed, disallowed, num_threads))
        return fast.encode_batch(self._handle.pointer, texts if type(texts) is list else list(texts), amode, dmode,
                                 num_threads, self._int_table())

    def _int_table(self):
        """The ints 0 ..< n_vocab, each made on its first use: every list of ids shares them (ints are immutable)."""
        table = self.__dict__.get("_ints")
        if table is None:
            table = self._ints = _native.fast.int_table(self.max_token_value + 1)
        return table

    def _special_policy(self, allowed_special, disallowed_special):
        """tiktoken's rules, resolved: returns what Swift should allow and refuse. A refused text
        that is not a special token (tiktoken searches for it too) is checked here."""
        if allowed_special == "all":
            allowed_special = self.special_tokens_set
        if disallowed_special == "all":
            return (allowed_special or None), (_ALL if not allowed_special else self.special_tokens_set - allowed_special)
        disallowed = frozenset(disallowed_special) if disallowed_special else frozenset()
        return (allowed_special or None), (disallowed or None)

    def _refuse_unknown(self, texts, allowed, disallowed) -> None:
        """Texts in ``disallowed_special`` that Swift cannot refuse (not special tokens, or also
        allowed) are searched for in each of ``texts`` as tiktoken does, so the same calls raise.

        Why the call's texts at once: a batch under the common rules has nothing to search for, and
        a method call per document just to find that out cost 2-4 ms on 4 MB of paragraphs (3-6% of
        encode_batch_to_numpy's time)."""
        if not disallowed or disallowed is _ALL:
            return
        extra = [t for t in disallowed if t and (t not in self._special_tokens or (allowed and t in allowed))]
        for text in texts if extra else ():
            found = [(text.find(t), t) for t in extra if t in text]
            if found:
                raise_disallowed_special_token(min(found)[1])

    def encode_ordinary(self, text: str, *, num_threads: int = 1) -> list[int]:
        """Encodes a string, treating special-token text as ordinary text. (With tokkit._fast built,
        each Encoding replaces this method by a compiled function doing the same, see ``_setup``.)

        ``num_threads`` (not in tiktoken; 0 = all cores) encodes a long text on several cores, cut where
        no later text can change the ids: the result equals the one-thread result.

        >>> enc.encode_ordinary("hello world")
        [31373, 995]
        """
        if num_threads < 0:
            raise ValueError(f"num_threads must be 0 (all cores) or more, not {num_threads}")
        return self._ids(text, None, None, num_threads)

    def _encode_default(self, text: str, *, num_threads: int = 1) -> list[int]:
        """``encode`` under its default rules (every special token refused); compiled like
        ``encode_ordinary``."""
        return self._ids(text, None, _ALL, num_threads)

    def _encode_all(self, text: str, *, num_threads: int = 1) -> list[int]:
        """``encode`` with every special token allowed; compiled like ``encode_ordinary``."""
        return self._ids(text, self.special_tokens_set, None, num_threads)

    def encode(self, text: str, *, allowed_special: Literal["all"] | AbstractSet[str] = set(),  # noqa: B006
               disallowed_special: Literal["all"] | Collection[str] = "all", num_threads: int = 1) -> list[int]:
        """Encodes a string. Special-token text is an error unless allowed (tiktoken's rule):
        ``allowed_special`` encodes it as its id, ``disallowed_special=()`` as ordinary text.
        ``num_threads`` (not in tiktoken; 0 = all cores) encodes a long text on several cores, same ids.

        >>> enc.encode("hello <|endoftext|>", allowed_special="all")
        [31373, 220, 50256]
        """
        if num_threads < 0:
            raise ValueError(f"num_threads must be 0 (all cores) or more, not {num_threads}")
        # The three common rule pairs go straight to a compiled call (see _bind_compiled).
        if not allowed_special:
            if disallowed_special == "all":  # the default: Swift refuses every special token
                return self._encode_default(text, num_threads=num_threads)
            if not disallowed_special:
                return self.encode_ordinary(text, num_threads=num_threads)
        elif allowed_special == "all" and (disallowed_special == "all" or not disallowed_special):
            return self._encode_all(text, num_threads=num_threads)
        allowed, disallowed = self._special_policy(allowed_special, disallowed_special)
        self._refuse_unknown((text,), allowed, disallowed)
        return self._ids(text, allowed, disallowed, num_threads)

    # The compiled encode (EncoderBase) hands any call with special-token keywords to this.
    _encode_rules = encode

    def encode_with_unstable(self, text: str, *,
                             allowed_special: Literal["all"] | AbstractSet[str] = set(),  # noqa: B006
                             disallowed_special: Literal["all"] | Collection[str] = "all") -> tuple[list[int], list[list[int]]]:
        """tiktoken's ``encode_with_unstable``: the tokens no continuation of ``text`` can change,
        and every token sequence the rest may become once more text follows (in no particular
        order, as tiktoken returns a set's items). Same algorithm, so the same answer: the last
        regex piece (widened over whitespace tokens before it) is unstable; candidates are every
        token that starts with it, and every token that starts with one of its suffixes, re-encoded
        after the prefix it leaves (all candidates in one batch call).

        >>> stable, completions = enc.encode_with_unstable("hello fanta")
        """
        if allowed_special == "all":
            allowed_special = self.special_tokens_set
        if disallowed_special == "all":
            disallowed_special = self.special_tokens_set - allowed_special
        if disallowed_special:
            found = [(text.find(t), t) for t in disallowed_special if t and t in text]
            if found:
                raise_disallowed_special_token(min(found)[1])
        allowed = frozenset(allowed_special) & frozenset(self._special_tokens) if allowed_special else None
        tokens = self._call_encode(_utf8(text), allowed or None, None).tolist()
        unstable_count = self._last_piece_token_count(tokens, allowed)
        if unstable_count == 0:
            return tokens, []
        table, first = self._tokens()

        def mergeable(token: int) -> bytes | None:
            index = token - first
            return table[index] if 0 <= index < len(table) and table[index] else None

        def all_space(token: int) -> bool:
            data = mergeable(token)
            return data is not None and all(byte in b" \n\t" for byte in data)

        if all_space(tokens[len(tokens) - unstable_count]):
            while unstable_count < len(tokens) and all_space(tokens[len(tokens) - unstable_count - 1]):
                unstable_count += 1
        unstable = self.decode_bytes(tokens[len(tokens) - unstable_count:])
        del tokens[len(tokens) - unstable_count:]
        if not unstable:
            return tokens, []
        ranks = self._rank_lookup()
        completions = {(ranks[token],) for token in self._tokens_starting_with(unstable)}
        texts, pieces = [], []
        for cut in range(1, len(unstable)):
            prefix = unstable[:cut]
            for token in self._tokens_starting_with(unstable[cut:]):
                possibility = prefix + token
                try:
                    texts.append(possibility.decode("utf-8"))
                except UnicodeDecodeError:
                    pieces.append(possibility)
        lengths = self._token_lengths()
        for encoded in (self.encode_ordinary_batch(texts) if texts else []) + self._encode_pieces(pieces):
            sequence, covered = [], 0
            for token in encoded:
                sequence.append(token)
                covered += lengths[token]
                if covered >= len(unstable):
                    break
            completions.add(tuple(sequence))
        if len(unstable) > 1:
            last, size = _last_character(unstable)
            if last is not None and len(unstable) > size and last in _WHITE_SPACE:
                head, tail = self._encode_pieces([unstable[:-size], unstable[-size:]])
                completions.add(tuple(head + tail))
        return tokens, [list(sequence) for sequence in completions]

    def _last_piece_token_count(self, tokens: list[int], allowed) -> int:
        """How many of ``tokens`` came from the last regex piece (tiktoken's ``last_piece_token_len``):
        0 when the text ends with an allowed special token or is empty."""
        specials = {self._special_tokens[t] for t in allowed} if allowed else set()
        start = len(tokens)
        while start > 0 and tokens[start - 1] not in specials:
            start -= 1
        if start == len(tokens):
            return 0
        tail = self.decode_bytes(tokens[start:])
        ranges = self._split_ranges(tail)
        if not ranges:
            return 0
        piece = ranges[-1][1] - ranges[-1][0]
        lengths = self._token_lengths()
        count = covered = 0
        while covered < piece:
            count += 1
            covered += lengths[tokens[len(tokens) - count]]
        return count

    def _tokens_starting_with(self, prefix: bytes) -> list[bytes]:
        """Mergeable tokens that start with ``prefix``, in byte order (a binary search in the sorted tokens)."""
        import bisect

        ordered = self.__dict__.get("_sorted_tokens")
        if ordered is None:
            ordered = self._sorted_tokens = self.token_byte_values()
        result = []
        for index in range(bisect.bisect_left(ordered, prefix), len(ordered)):
            if not ordered[index].startswith(prefix):
                break
            result.append(ordered[index])
        return result

    def _token_lengths(self) -> list[int]:
        """Byte length by id (0 for special tokens and gaps)."""
        lengths = self.__dict__.get("_lengths")
        if lengths is None:
            table, first = self._tokens()
            lengths = [0] * (self.max_token_value + 1)
            for index, token in enumerate(table):
                lengths[first + index] = len(token)
            self._lengths = lengths
        return lengths

    def _encode_pieces(self, pieces: list[bytes]) -> list[list[int]]:
        """BPE over each byte string as one piece (``_encode_single_piece`` for many, in one call)."""
        if not pieces:
            return []
        offsets = array("Q", [0])
        for piece in pieces:
            offsets.append(offsets[-1] + len(piece))
        ids = _native.POINTER(_native.c_uint32)()
        count = c_ssize_t()
        id_offsets = _native.POINTER(_native.c_uint64)()
        error = _Error()
        _check(lib.tk_encode_pieces(self._handle.pointer, b"".join(pieces), offsets.buffer_info()[0], len(pieces),
                                    byref(ids), byref(count), byref(id_offsets), byref(error)), error)
        return self._split(_native.take_u32(ids, count.value), _native.take_u64(id_offsets, len(pieces) + 1))

    def encode_to_numpy(self, text: str, *, allowed_special: Literal["all"] | AbstractSet[str] = set(),  # noqa: B006
                        disallowed_special: Literal["all"] | Collection[str] = "all", num_threads: int = 1):
        """Encodes a string into a numpy ``uint32`` array, without a Python int per id.

        ``num_threads`` > 1 (0 = all cores) encodes a long text on several cores, cut where no later
        text can change the ids: the result equals the one-thread result.
        """
        import numpy as np

        allowed, disallowed = self._special_policy(allowed_special, disallowed_special)
        self._refuse_unknown((text,), allowed, disallowed)
        fast = _native.fast
        amode, dmode = _simple_mode(allowed), _simple_mode(disallowed)
        if fast is None or amode is None or dmode is None:
            return np.frombuffer(self._call_encode(_utf8(text), allowed, disallowed, num_threads), dtype=np.uint32)
        # The compiled call returns the ids' bytes in a bytearray, which numpy views without a copy.
        return np.frombuffer(fast.encode(self._handle.pointer, text, amode, dmode, num_threads, None), dtype=np.uint32)

    def _call_batch(self, texts: Sequence[str], allowed, disallowed, num_threads: int):
        encoded = [_utf8(text) for text in texts]
        offsets = array("Q", [0])
        total = 0
        for item in encoded:
            total += len(item)
            offsets.append(total)
        data = b"".join(encoded)
        amode, alist, acount = _special_arguments(allowed)
        dmode, dlist, dcount = _special_arguments(disallowed)
        ids = _native.POINTER(_native.c_uint32)()
        count = c_ssize_t()
        id_offsets = _native.POINTER(_native.c_uint64)()
        error = _Error()
        address, _ = offsets.buffer_info()
        _check(lib.tk_encode_batch(self._handle.pointer, data, address, len(encoded), amode, alist, acount,
                                   dmode, dlist, dcount, num_threads, byref(ids), byref(count), byref(id_offsets),
                                   byref(error)), error)
        return _native.take_u32(ids, count.value), _native.take_u64(id_offsets, len(encoded) + 1)

    @staticmethod
    def _split(flat: array, offsets: array) -> list[list[int]]:
        values = flat.tolist()
        bounds = offsets.tolist()
        return [values[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)]

    def encode_ordinary_batch(self, text: list[str], *, num_threads: int = 8) -> list[list[int]]:
        """Encodes many strings on ``num_threads`` cores in Swift (ordinary text)."""
        return self._batch_ids(text, None, None, num_threads)

    def encode_batch(self, text: list[str], *, num_threads: int = 8,
                     allowed_special: Literal["all"] | AbstractSet[str] = set(),  # noqa: B006
                     disallowed_special: Literal["all"] | Collection[str] = "all") -> list[list[int]]:
        """Encodes many strings on ``num_threads`` cores in Swift, with ``encode``'s special-token rules."""
        allowed, disallowed = self._special_policy(allowed_special, disallowed_special)
        self._refuse_unknown(text, allowed, disallowed)
        return self._batch_ids(text, allowed, disallowed, num_threads)

    def encode_batch_to_numpy(self, text: Sequence[str], *, num_threads: int = 0,
                              allowed_special: Literal["all"] | AbstractSet[str] = set(),  # noqa: B006
                              disallowed_special: Literal["all"] | Collection[str] = "all"):
        """Encodes many strings into one flat numpy ``uint32`` array of ids and ``len(text) + 1``
        ``uint64`` offsets (document ``i`` is ``ids[offsets[i]:offsets[i + 1]]``); 0 threads = all cores."""
        import numpy as np

        allowed, disallowed = self._special_policy(allowed_special, disallowed_special)
        self._refuse_unknown(text, allowed, disallowed)
        fast = _native.fast
        amode, dmode = _simple_mode(allowed), _simple_mode(disallowed)
        if fast is None or amode is None or dmode is None:
            flat, offsets = self._call_batch(text, allowed, disallowed, num_threads)
        else:
            # Joined, encoded and copied out in C and Swift: in Python (UTF-8 of each text, the join, the
            # offsets array, three copies of the ids) this was a serial tail that kept two threads from
            # running twice as fast as one.
            flat, offsets = fast.encode_batch(self._handle.pointer, text if type(text) is list else list(text), amode,
                                              dmode, num_threads, None)
        return np.frombuffer(flat, dtype=np.uint32), np.frombuffer(offsets, dtype=np.uint64)

    def encode_single_token(self, text_or_bytes: str | bytes) -> int:
        """The id of a text or byte string that is one token (special tokens included); ``KeyError`` otherwise."""
        if isinstance(text_or_bytes, str):
            text_or_bytes = text_or_bytes.encode("utf-8")
        rank = self._rank_lookup().get(text_or_bytes)
        if rank is not None:
            return rank
        special = self._special_bytes.get(text_or_bytes)
        if special is not None:
            return special
        raise KeyError(text_or_bytes)

    # ====================
    # Decoding
    # ====================

    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        """The bytes the tokens stand for; ``KeyError`` for an id the vocabulary lacks."""
        ids = tokens if isinstance(tokens, array) and tokens.typecode == "I" else array("I", tokens)
        address, count = ids.buffer_info()
        output = _native.POINTER(_native.c_uint8)()
        length = c_ssize_t()
        error = _Error()
        status = lib.tk_decode_bytes(self._handle.pointer, address, count, byref(output), byref(length), byref(error))
        if status == _native.UNKNOWN_TOKEN_ID:
            position = error.offset
            lib.tk_error_clear(byref(error))
            raise KeyError(f"Invalid token for decoding: {ids[position]}")
        _check(status, error)
        return _native.take_bytes(output, length.value)

    def decode(self, tokens: Sequence[int], errors: str = "replace") -> str:
        """The text the tokens stand for; by default ill-formed UTF-8 becomes U+FFFD (lossy)."""
        return self.decode_bytes(tokens).decode("utf-8", errors=errors)

    def decode_single_token_bytes(self, token: int) -> bytes:
        """The bytes of one token, special tokens included; ``KeyError`` if there is none."""
        table, first = self._tokens()
        index = token - first
        if 0 <= index < len(table) and table[index]:  # an empty entry is a rank gap (p50k's 50256)
            return table[index]
        special = self._special_by_id.get(token)
        if special is not None:
            return special
        raise KeyError(str(token))

    def decode_tokens_bytes(self, tokens: Sequence[int]) -> list[bytes]:
        return [self.decode_single_token_bytes(token) for token in tokens]

    def decode_with_offsets(self, tokens: Sequence[int]) -> tuple[str, list[int]]:
        """The text and, per token, the index of the first character holding one of its bytes (a
        token that starts inside a character belongs to that character)."""
        pieces = self.decode_tokens_bytes(tokens)
        offsets = []
        characters = 0
        for piece in pieces:
            continues_character = 1 if piece and 0x80 <= piece[0] < 0xC0 else 0
            offsets.append(max(0, characters - continues_character))
            characters += sum(1 for byte in piece if not 0x80 <= byte < 0xC0)
        return b"".join(pieces).decode("utf-8", errors="strict"), offsets

    def decode_batch(self, batch: Sequence[Sequence[int]], *, errors: str = "replace", num_threads: int = 8) -> list[str]:
        decoder = functools.partial(self.decode, errors=errors)
        with ThreadPoolExecutor(num_threads) as executor:
            return list(executor.map(decoder, batch))

    def decode_bytes_batch(self, batch: Sequence[Sequence[int]], *, num_threads: int = 8) -> list[bytes]:
        with ThreadPoolExecutor(num_threads) as executor:
            return list(executor.map(self.decode_bytes, batch))

    # ====================
    # Miscellaneous
    # ====================

    def token_byte_values(self) -> list[bytes]:
        """Every mergeable token's bytes, sorted."""
        return sorted(token for token in self._tokens()[0] if token)

    @property
    def eot_token(self) -> int:
        return self._special_tokens["<|endoftext|>"]

    @functools.cached_property
    def special_tokens_set(self) -> set[str]:
        return set(self._special_tokens.keys())

    def is_special_token(self, token: int) -> bool:
        assert isinstance(token, int)
        return token in self._special_token_values

    @property
    def n_vocab(self) -> int:
        """One more than the largest id (tiktoken's definition)."""
        return self.max_token_value + 1

    @property
    def _mergeable_ranks(self) -> dict[bytes, int]:
        return self._rank_lookup()

    @property
    def pattern(self) -> str:
        """The split pattern (tiktoken's ``_pat_str``)."""
        return self._pat_str

    # ====================
    # Tokkit's own
    # ====================

    def split(self, text: str) -> list[str]:
        """The pre-tokenizer's pieces of ``text`` (what BPE merges within)."""
        data = _utf8(text)
        return [data[start:end].decode("utf-8") for start, end in self._split_ranges(data)]

    def _split_ranges(self, data: bytes) -> list[tuple[int, int]]:
        ranges = _native.POINTER(_native.c_uint64)()
        count = c_ssize_t()
        error = _Error()
        _check(lib.tk_split(self._handle.pointer, data, len(data), byref(ranges), byref(count), byref(error)), error)
        flat = _native.take_u64(ranges, count.value * 2).tolist()
        return list(zip(flat[0::2], flat[1::2]))

    def save(self, path: str | os.PathLike, format: str = "tiktoken") -> None:
        """Writes the vocabulary atomically: ``tiktoken`` (a ``.tiktoken`` file, no special tokens,
        as tiktoken stores them), ``huggingface`` (``tokenizer.json``) or ``gpt2`` (``path`` is a
        folder that receives ``encoder.json`` and ``vocab.bpe``)."""
        path = os.fspath(path)
        second = None
        if format == "gpt2":
            os.makedirs(path, exist_ok=True)
            second = os.path.join(path, "vocab.bpe").encode()
            path = os.path.join(path, "encoder.json")
        error = _Error()
        _check(lib.tk_tokenizer_save(self._handle.pointer, format.encode(), path.encode(), second, byref(error)), error)

    def save_all(self, folder: str | os.PathLike) -> dict[str, str]:
        """Writes all three formats into ``folder`` (as ``tokkit train -o`` does); returns their paths."""
        folder = os.fspath(folder)
        os.makedirs(folder, exist_ok=True)
        paths = {"tiktoken": os.path.join(folder, f"{self.name}.tiktoken"),
                 "huggingface": os.path.join(folder, "tokenizer.json"),
                 "encoder.json": os.path.join(folder, "encoder.json"),
                 "vocab.bpe": os.path.join(folder, "vocab.bpe")}
        self.save(paths["tiktoken"], "tiktoken")
        self.save(paths["huggingface"], "huggingface")
        self.save(folder, "gpt2")
        return paths

    # ====================
    # Private
    # ====================

    def _tokens(self) -> tuple[list[bytes], int]:
        """Mergeable token bytes by rank (from Swift, once) and the first rank."""
        if self._token_table is None:
            arena = _native.POINTER(_native.c_uint8)()
            offsets = _native.POINTER(_native.c_uint64)()
            count = c_ssize_t()
            error = _Error()
            _check(lib.tk_tokenizer_tokens(self._handle.pointer, byref(arena), byref(offsets), byref(count),
                                           byref(error)), error)
            bounds = _native.take_u64(offsets, count.value + 1).tolist()
            joined = _native.take_bytes(arena, bounds[-1])
            first = _describe(self._handle)["first_rank"]
            self._token_table = ([joined[bounds[i]:bounds[i + 1]] for i in range(count.value)], first)
        return self._token_table

    def _rank_lookup(self) -> dict[bytes, int]:
        if self._ranks is None:
            table, first = self._tokens()
            self._ranks = {token: first + index for index, token in enumerate(table) if token}
        return self._ranks

    def _encode_single_piece(self, text_or_bytes: str | bytes) -> list[int]:
        """BPE over the bytes as one piece: no split, no special tokens."""
        if isinstance(text_or_bytes, str):
            text_or_bytes = text_or_bytes.encode("utf-8")
        ids = _native.POINTER(_native.c_uint32)()
        count = c_ssize_t()
        error = _Error()
        _check(lib.tk_encode_piece(self._handle.pointer, text_or_bytes, len(text_or_bytes), byref(ids), byref(count),
                                   byref(error)), error)
        return _native.take_u32(ids, count.value).tolist()

    def _encode_only_native_bpe(self, text: str) -> list[int]:
        """Encodes with the split done in Python by the ``regex`` module (a reference path)."""
        import regex

        pattern = regex.compile(self._pat_str)
        result = []
        for piece in pattern.findall(text):
            result.extend(self._encode_single_piece(piece.encode("utf-8")))
        return result

    def _encode_bytes(self, text: bytes) -> list[int]:
        """Encodes bytes that need not be UTF-8, as tiktoken does: the valid prefix is encoded as
        text; its last piece (widened over trailing whitespace tokens, which a following split
        could join) is merged again together with the invalid rest as one byte piece."""
        try:
            return self.encode_ordinary(text.decode("utf-8"))
        except UnicodeDecodeError as invalid:
            cut = invalid.start
        valid = text[:cut]
        tokens = self._call_encode(valid, None, None).tolist()
        ranges = self._split_ranges(valid)
        last = len(self._encode_single_piece(valid[ranges[-1][0]:ranges[-1][1]])) if ranges else 0
        if last > 0:
            def all_space(token: int) -> bool:
                return all(byte in b" \n\t" for byte in self.decode_single_token_bytes(token))
            if all_space(tokens[len(tokens) - last]):
                while last < len(tokens) and all_space(tokens[len(tokens) - last - 1]):
                    last += 1
        if tokens and last > 0:
            unstable = self.decode_bytes(tokens[len(tokens) - last:]) + text[cut:]
            del tokens[len(tokens) - last:]
        else:
            unstable = text[cut:]
        single = self._rank_lookup().get(unstable)
        tokens.extend([single] if single is not None else self._encode_single_piece(unstable))
        return tokens

    def __getstate__(self) -> object:
        from . import registry

        if registry.ENCODINGS.get(self.name) is self:
            return self.name
        return {"name": self.name, "pat_str": self._pat_str, "mergeable_ranks": self._rank_lookup(),
                "special_tokens": self._special_tokens}

    def __setstate__(self, value: object) -> None:
        from . import registry

        if isinstance(value, str):
            self.__dict__ = registry.get_encoding(value).__dict__
            self._bind_compiled()
            return
        self.__init__(**value)


# Unicode's White_Space property (what Rust's char::is_whitespace tests, unlike str.isspace).
_WHITE_SPACE = frozenset("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
                         "\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _last_character(data: bytes) -> tuple[str | None, int]:
    """The last UTF-8 character of ``data`` and its byte length, or (None, 1) when the end is not a
    whole character (a lone or cut byte sequence counts one byte, as bstr's decode_last_utf8 does)."""
    for start in range(len(data) - 1, max(-1, len(data) - 5), -1):
        if data[start] & 0xC0 != 0x80:
            try:
                character = data[start:].decode("utf-8")
            except UnicodeDecodeError:
                return None, 1
            return (character, len(data) - start) if len(character) == 1 else (None, 1)
    return None, 1


def _simple_mode(selection):
    """0 (no token) or 1 (every token) for the compiled path; None for a list of texts."""
    if not selection:
        return 0
    return 1 if selection is _ALL else None


def _raise_failure(status: int, message: bytes, offset: int, token: bytes | None):
    """The exception for a failure the compiled path reported, as ``_check`` raises it."""
    token_text = token.decode("utf-8", "replace") if token is not None else None
    if status == _native.DISALLOWED_SPECIAL_TOKEN:
        raise_disallowed_special_token(token_text or "?")
    _native.raise_status(status, message.decode("utf-8", "replace"), offset, token_text)


def _special_arguments(selection):
    """(mode, C array, count) for tk_encode: 0 = none, 1 = all, 2 = the listed texts."""
    if not selection:
        return 0, None, 0
    if selection is _ALL:
        return 1, None, 0
    texts = list(selection)
    return 2, _native.strings(texts), len(texts)


def _describe(handle: _Handle) -> dict:
    import json

    out = c_void_p()
    error = _Error()
    _check(lib.tk_tokenizer_describe(handle.pointer, byref(out), byref(error)), error)
    return json.loads(_native.take_string(out))


_native.bind_fast(_raise_failure, _utf8)
if _EncoderBase is not object:
    # The compiled base's methods serve these names, as Encoding's own (see own_methods in _fast.c: the interpreter
    # specialises a call only to a method of the object's exact type); the Python ones above stay the ctypes path's.
    _native.fast.own_methods(Encoding)

__all__ = ["Encoding", "raise_disallowed_special_token"]
