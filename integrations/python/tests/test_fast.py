"""The compiled calls (tokkit/_fast.c): one text through a builtin function into a stack buffer
(tk_encode_into) or, past SHORT_TEXT bytes, through tk_encode with the GIL released; batches as
lists built with the collector paused. Each must give tiktoken's ids and errors on either side of
the 4096-byte boundary, and the C entry point must refuse what would overrun the caller's buffer."""

from __future__ import annotations

import gc
import os
import types
import weakref
from ctypes import byref, c_ssize_t, c_uint32, c_void_p

import pytest

import tokkit
from tokkit import _native, registry

from .conftest import corpus_sample, reference

SHORT_TEXT = 4096  # _fast.c's stack buffer, in ids (and so in bytes of text)


def texts_around_the_boundary() -> list[str]:
    """Texts of SHORT_TEXT - 1, SHORT_TEXT and SHORT_TEXT + 1 bytes and longer, cut from real
    multilingual text, so a multi-byte character and a token straddle the boundary."""
    sample = corpus_sample("public_multi.txt", 64 << 10).encode()
    texts = []
    for size in (SHORT_TEXT - 1, SHORT_TEXT, SHORT_TEXT + 1, 3 * SHORT_TEXT):
        cut = sample[:size].decode("utf-8", "ignore")
        texts.append(cut + "x" * (size - len(cut.encode())))
        assert len(texts[-1].encode()) == size
    return texts


def test_encode_ordinary_is_a_compiled_function_that_gives_tiktokens_ids():
    enc, ref = tokkit.get_encoding("cl100k_base"), reference("cl100k_base")
    assert isinstance(enc.encode_ordinary, types.BuiltinFunctionType)
    texts = ["", "hi", "hello <|endoftext|> world", "\ud83d\ude00 and a lone \udc00"] + texts_around_the_boundary()
    for text in texts:
        assert enc.encode_ordinary(text) == ref.encode_ordinary(text), len(text)
        assert enc.encode(text, disallowed_special=()) == ref.encode(text, disallowed_special=())
    # Bytes are UTF-8 text to the compiled call; the comparison can fail (planted: one byte changed).
    assert enc.encode_ordinary(texts[4].encode()) == ref.encode_ordinary(texts[4])
    assert enc.encode_ordinary(texts[4][:-1] + "y") != ref.encode_ordinary(texts[4])


def test_encode_refuses_special_tokens_on_both_sides_of_the_boundary_with_tiktokens_error():
    enc, ref = tokkit.get_encoding("cl100k_base"), reference("cl100k_base")
    for text in texts_around_the_boundary():
        assert enc.encode(text) == ref.encode(text)
        planted = text[:100] + "<|endoftext|>" + text[100:]
        with pytest.raises(ValueError) as ours:
            enc.encode(planted)
        with pytest.raises(ValueError) as theirs:
            ref.encode(planted)
        assert str(ours.value) == str(theirs.value)
        for rules in ({"allowed_special": "all"}, {"allowed_special": "all", "disallowed_special": ()},
                      {"disallowed_special": ()}):
            assert enc.encode(planted, **rules) == ref.encode(planted, **rules), rules
    # A refused text that is no special token is still searched for when every special token is allowed.
    rules = {"allowed_special": "all", "disallowed_special": {"hello"}}
    with pytest.raises(ValueError) as ours:
        enc.encode("say hello <|endoftext|>", **rules)
    with pytest.raises(ValueError) as theirs:
        ref.encode("say hello <|endoftext|>", **rules)
    assert str(ours.value) == str(theirs.value)


def test_compiled_methods_and_functions_keep_their_tokenizer_alive_after_the_encoding_is_gone():
    """A bound method holds its Encoding (as any Python bound method does); the compiled functions behind
    encode's other rule pairs hold only the tokenizer, which must outlive the Encoding for them."""
    path = os.path.join(registry.vocabulary_directory(), "gpt2.tiktoken")
    enc = tokkit.load(path, pattern="gpt2")
    encode = enc.encode_ordinary
    refusing = enc._encode_default
    gone = weakref.ref(enc)
    del enc
    gc.collect()
    assert gone() is not None
    assert encode("hello world") == [31373, 995]
    with pytest.raises(TypeError):
        encode(17)
    with pytest.raises(TypeError):
        encode("a", "b")
    del encode
    gc.collect()
    assert gone() is None
    assert refusing("hello world") == [31373, 995]
    with pytest.raises(ValueError, match="disallowed special token"):
        refusing("<|endoftext|>")


def test_tk_encode_into_refuses_a_buffer_shorter_than_the_text_and_unknown_rules():
    enc = tokkit.get_encoding("cl100k_base")
    text = "hello <|endoftext|>".encode()
    ids, count = (c_uint32 * len(text))(), c_ssize_t()

    def call(rules: int, capacity: int) -> list[int]:
        error = _native._Error()
        _native.check(_native.lib.tk_encode_into(enc._handle.pointer, None, text, len(text), rules, 0, ids, capacity,
                                                 byref(count), byref(error)), error)
        return list(ids[: count.value])

    assert call(0, len(text)) == enc.encode_ordinary(text.decode())
    assert call(2, len(text)) == [15339, 220, 100257]
    with pytest.raises(tokkit.TokkitValueError, match="fewer than the text's 19 bytes"):
        call(0, len(text) - 1)
    with pytest.raises(tokkit.TokkitValueError, match="rules 3"):
        call(3, len(text))
    with pytest.raises(tokkit.TokkitValueError) as refused:
        call(1, len(text))
    assert refused.value.code == _native.DISALLOWED_SPECIAL_TOKEN and refused.value.token == "<|endoftext|>"


def test_one_owned_workspace_serves_every_vocabulary_in_turn():
    """tk_encode_into with a workspace the caller owns (what each Python encoding object keeps for its short
    calls) gives the ids of a call without one, and one workspace may go from tokenizer to tokenizer: its piece
    cache is emptied when the vocabulary changes, so a word cached with one vocabulary's ids is never answered
    with them under another."""
    names = ("gpt2", "cl100k_base", "o200k_base")
    encodings = {name: tokkit.get_encoding(name) for name in names}
    lines = [line for line in corpus_sample("public_multi.txt", 64 << 10).split("\n") if line][:60]
    lib = _native.lib
    workspace = lib.tk_workspace_new()
    assert workspace
    try:
        buffer, count = (c_uint32 * SHORT_TEXT)(), c_ssize_t()

        def call(name: str, text: bytes, owned) -> list[int]:
            error = _native._Error()
            _native.check(lib.tk_encode_into(encodings[name]._handle.pointer, owned, text, len(text), 0, 1, buffer,
                                             SHORT_TEXT, byref(count), byref(error)), error)
            return list(buffer[: count.value])

        for round_ in range(2):
            for line in lines:
                data = line.encode()[: SHORT_TEXT]
                data = data.decode("utf-8", "ignore").encode()
                for name in names[round_:] + names[:round_]:
                    assert call(name, data, workspace) == call(name, data, None) == reference(name).encode_ordinary(
                        data.decode()), (name, line)
    finally:
        lib.tk_workspace_free(workspace)
    lib.tk_workspace_free(None)  # freeing nothing is allowed, as free(NULL) is


def test_each_encoding_object_encodes_short_texts_in_a_workspace_of_its_own_while_threads_hit_it():
    """Under the GIL (this interpreter) each compiled encoder keeps a workspace for its short calls, which take no
    lock: the GIL keeps them from overlapping, and a long call (GIL released) never uses it. Four threads on one
    Encoding (and four on a second Encoding of the same tokenizer) alternate texts on both sides of SHORT_TEXT;
    every id must be the one-thread id. Caught when planted: long texts encoded in the object's workspace too
    (two calls then share it, the GIL released)."""
    import threading

    assert _native.fast.owns_workspaces()
    enc = tokkit.get_encoding("cl100k_base")
    twin = tokkit.Encoding._from_handle("twin", enc._handle)
    sample = corpus_sample("public_multi.txt", 256 << 10)
    lines = [line for line in sample.split("\n") if line][:300]
    long_texts = [sample[start: start + 3 * SHORT_TEXT] for start in range(0, 120 << 10, 20 << 10)]
    texts = [text for pair in zip(lines, [long_texts[i % len(long_texts)] for i in range(len(lines))]) for text in pair]
    expected = [enc.encode_ordinary(text) for text in texts]
    failures = []

    def work(worker: int, encoding):
        try:
            for round_ in range(2):
                offset = (37 * worker + round_) % len(texts)
                for text, ids in zip(texts[offset:] + texts[:offset], expected[offset:] + expected[:offset]):
                    assert encoding.encode_ordinary(text) == ids
                    assert encoding.encode(text) == ids
        except BaseException as error:  # noqa: BLE001 - collected and re-raised on the main thread
            failures.append((worker, error))

    workers = [threading.Thread(target=work, args=(worker, enc if worker % 2 else twin)) for worker in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not failures, failures[:1]


def test_lists_are_filled_in_place_once_their_layout_is_proven_and_hold_the_right_ids():
    """_fast.c stores ids straight into a new list's item array when, at import, lists filled with
    PyList_SetItem showed that array where every CPython so far keeps it: on the interpreters the suite runs
    on it must be found (else that path would go untested), and lists of every length it makes (empty, one id,
    past the prefetch distance, a batch's many lists) must equal tiktoken's and be ordinary, growable lists."""
    from tokkit import _fast

    assert _fast.list_layout() > 0
    enc, ref = tokkit.get_encoding("o200k_base"), reference("o200k_base")
    texts = ["", "a", "hello world", corpus_sample("public_multi.txt", 4 << 10), corpus_sample("public_en.txt", 64 << 10)]
    for text in texts:
        ids = enc.encode_ordinary(text)
        assert ids == ref.encode_ordinary(text) and type(ids) is list
        ids.append(-1)
        assert ids[-1] == -1 and len(ids) == len(ref.encode_ordinary(text)) + 1
    lists = enc.encode_ordinary_batch(texts, num_threads=1)
    assert lists == ref.encode_ordinary_batch(texts) and all(type(ids) is list for ids in lists)
    # The comparison can fail: one id changed in one list is caught.
    lists[3][5] += 1
    assert lists != ref.encode_ordinary_batch(texts)


def test_encode_and_encode_ordinary_are_methods_of_the_compiled_base_with_tiktokens_keywords():
    """Both names resolve on the type (a compiled method the interpreter specialises), not in the instance's
    dict; encode's default rules run compiled, any special-token keyword goes through the Python rules, and
    each call matches tiktoken's ids or its ValueError. tiktoken's methods also take `text=` by keyword."""
    from tokkit import _fast

    enc, ref = tokkit.get_encoding("cl100k_base"), reference("cl100k_base")
    assert isinstance(enc, _fast.EncoderBase)
    assert "encode_ordinary" not in vars(enc) and "encode" not in vars(enc)
    text = corpus_sample("public_en.txt", 8 << 10)
    special = "hi <|endoftext|> there <|fim_prefix|>"
    assert enc.encode(text) == ref.encode(text) and enc.encode(text=text) == ref.encode(text=text)
    assert enc.encode_ordinary(text=special) == ref.encode_ordinary(text=special)
    assert enc.encode(text, num_threads=0) == enc.encode_ordinary(text, num_threads=2) == ref.encode(text)
    for keywords in ({"allowed_special": "all"}, {"disallowed_special": ()},
                     {"allowed_special": {"<|endoftext|>"}, "disallowed_special": ()},
                     {"allowed_special": "all", "disallowed_special": ()}):
        assert enc.encode(special, **keywords) == ref.encode(special, **keywords), keywords
        assert enc.encode(text=special, **keywords) == ref.encode(special, **keywords), keywords
    for keywords in ({}, {"allowed_special": {"<|endoftext|>"}}, {"allowed_special": {"<|fim_prefix|>"}},
                     {"disallowed_special": {"<|endoftext|>"}}):
        with pytest.raises(ValueError) as ours:
            enc.encode(special, **keywords)
        with pytest.raises(ValueError) as theirs:
            ref.encode(special, **keywords)
        assert str(ours.value) == str(theirs.value), keywords
    with pytest.raises(TypeError, match="unexpected keyword argument 'allowed'"):
        enc.encode_ordinary(special, allowed="all")
    with pytest.raises(TypeError, match="multiple values for argument 'text'"):
        enc.encode("a", text="b")
    with pytest.raises(TypeError, match="missing 1 required argument: 'text'"):
        enc.encode()
    with pytest.raises(ValueError, match="num_threads must be 0"):
        enc.encode("a", num_threads=-1)
    # An Encoding made without its tokenizer refuses to encode instead of reading a null handle.
    with pytest.raises(RuntimeError, match="without its tokenizer"):
        tokkit.Encoding.__new__(tokkit.Encoding).encode_ordinary("a")
    # Unpickled and copied encodings are bound to a tokenizer too.
    import copy
    import pickle

    for other in (pickle.loads(pickle.dumps(enc)), copy.deepcopy(enc), pickle.loads(pickle.dumps(tokkit.load(
            os.path.join(registry.vocabulary_directory(), "gpt2.tiktoken"))))):
        assert other.encode_ordinary("hello world") == other.encode("hello world") != []


def test_the_compiled_methods_are_encodings_own_so_the_interpreter_specialises_their_calls():
    """encode_ordinary and encode are method descriptors owned by Encoding itself (not inherited from the compiled
    base): CPython (3.11 to 3.13) specialises a call of a compiled method only when the object's type is the
    method's own, and a loop of short calls otherwise stays on the generic call path. The descriptor still refuses
    an object that is not an Encoding, and a subclass's object gets the same ids through the generic path."""
    import dis
    import io
    import sys

    from tokkit import _fast

    enc = tokkit.get_encoding("cl100k_base")
    for name in ("encode_ordinary", "encode"):
        method = vars(tokkit.Encoding)[name]
        assert type(method).__name__ == "method_descriptor" and method.__objclass__ is tokkit.Encoding, name
    with pytest.raises(TypeError):
        tokkit.Encoding.encode_ordinary(_fast.EncoderBase(), "hi")
    with pytest.raises(TypeError, match="subclass of tokkit._fast.EncoderBase"):
        _fast.own_methods(dict)

    class Subclass(tokkit.Encoding):
        pass

    other = Subclass.__new__(Subclass)
    other.__setstate__(enc.__getstate__())
    assert other.encode_ordinary("hello world") == other.encode("hello world") == enc.encode("hello world")

    def loop(obj, count):
        for _ in range(count):
            obj.encode_ordinary("hi")
            obj.encode("hi")

    loop(enc, 200)
    if sys.version_info >= (3, 11):
        listing = io.StringIO()
        dis.dis(loop, adaptive=True, file=listing)
        assert listing.getvalue().count("METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS") == 2, listing.getvalue()


@pytest.mark.parametrize("collecting", [True, False])
def test_batch_lists_stay_collectable_and_the_collector_keeps_its_state(collecting):
    enc = tokkit.get_encoding("cl100k_base")
    lines = corpus_sample("public_en.txt", 256 << 10).split("\n")
    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        lists = enc.encode_ordinary_batch(lines, num_threads=1)
        assert gc.isenabled() is collecting
    finally:
        (gc.enable if was else gc.disable)()
    assert lists == reference("cl100k_base").encode_ordinary_batch(lines)
    assert gc.is_tracked(lists) and all(gc.is_tracked(ids) for ids in lists)


def test_the_compiled_rules_give_tiktokens_ids_and_errors_at_the_edges_of_a_text():
    """The per-call entry reaches the rank table once per call and scans for special tokens only when
    one could start in the text: empty texts, a special token as the whole text or at its first or
    last byte, one cut short, and texts of only non-ASCII must still match tiktoken under all three
    compiled rule pairs."""
    enc, ref = tokkit.get_encoding("cl100k_base"), reference("cl100k_base")
    end = "<|endoftext|>"
    texts = ["", " ", "<", "<|", end, end + end, end + " tail", "head " + end, "head " + end[:-1], end[1:] + " x",
             "\u00e9t\u00e9 \u4e2d\u6587", "\ud83d\ude00" * 3, "x" * (SHORT_TEXT - len(end)) + end]
    for text in texts:
        assert enc.encode_ordinary(text) == ref.encode_ordinary(text), text
        assert enc.encode(text, allowed_special="all") == ref.encode(text, allowed_special="all"), text
        assert enc.encode(text, disallowed_special=()) == ref.encode(text, disallowed_special=()), text
        if end in text:
            with pytest.raises(ValueError) as ours:
                enc.encode(text)
            with pytest.raises(ValueError) as theirs:
                ref.encode(text)
            assert str(ours.value) == str(theirs.value)
        else:
            assert enc.encode(text) == ref.encode(text), text
    # The comparison can fail: a special token allowed is one id, refused as text it is several.
    assert enc.encode(end, allowed_special="all") != enc.encode_ordinary(end)


def test_the_compiled_function_gives_the_same_ids_from_many_threads_at_once():
    """More threads than the handle keeps workspaces, each encoding short texts in a loop (short
    texts keep the GIL, long ones release it, so both paths interleave)."""
    from concurrent.futures import ThreadPoolExecutor

    enc, ref = tokkit.get_encoding("o200k_base"), reference("o200k_base")
    lines = [line for line in corpus_sample("public_multi.txt", 128 << 10).split("\n") if line][:400]
    lines.append(corpus_sample("public_multi.txt", 64 << 10))  # one text past the stack buffer
    expected = [ref.encode_ordinary(line) for line in lines]

    def work(offset: int) -> bool:
        order = lines[offset:] + lines[:offset]
        wanted = expected[offset:] + expected[:offset]
        return all(enc.encode_ordinary(line) == ids for line, ids in zip(order, wanted))

    with ThreadPoolExecutor(24) as pool:
        assert all(pool.map(work, range(0, 24 * 16, 16)))


def test_batches_keep_empty_documents_and_repair_surrogates_as_tiktoken_does():
    enc, ref = tokkit.get_encoding("cl100k_base"), reference("cl100k_base")
    documents = ["", "a lone \udc00 surrogate", "", "<|endoftext|>", "\u4e2d" * 50, ""]
    assert enc.encode_ordinary_batch(documents, num_threads=1) == ref.encode_ordinary_batch(documents)
    assert enc.encode_ordinary_batch(documents, num_threads=3) == ref.encode_ordinary_batch(documents)
    assert enc.encode_batch(documents[:3], num_threads=2) == ref.encode_batch(documents[:3])
    assert enc.encode_ordinary_batch([], num_threads=1) == []


def test_bytes_are_still_validated_where_a_str_is_vouched_for():
    """A str's UTF-8 is always valid, so the lent calls tell Swift not to validate it again; bytes may hold
    anything and must still be refused at the right offset: past SHORT_TEXT (tk_encode_lent), and in a
    batch whose other documents are str (one bytes document takes the vouching off the whole batch)."""
    enc = tokkit.get_encoding("cl100k_base")
    long_bytes = b"a" * (2 * SHORT_TEXT) + b"\xff tail"
    with pytest.raises(ValueError, match=f"invalid UTF-8 at byte offset {2 * SHORT_TEXT}"):
        enc.encode_ordinary(long_bytes)
    with pytest.raises(ValueError, match=f"invalid UTF-8 at byte offset {2 * SHORT_TEXT}"):
        enc.encode_ordinary(long_bytes, num_threads=2)
    for threads in (1, 3):
        with pytest.raises(ValueError, match="document 2: invalid UTF-8 at byte offset 3"):
            enc.encode_ordinary_batch(["hello", "x" * SHORT_TEXT, b"ok \xff bad"], num_threads=threads)
    # A short bytes text (tk_encode_into, the stack-buffer path) is validated too; a short str is vouched for.
    with pytest.raises(ValueError, match="invalid UTF-8 at byte offset 3"):
        enc.encode_ordinary(b"ok \xff")
    with pytest.raises(ValueError, match="invalid UTF-8 at byte offset 3"):
        enc.encode(b"ok \xff")
    assert enc.encode_ordinary("ok \u00e9") == enc.encode_ordinary("ok \u00e9".encode())
    # The same batch with valid bytes gives the ids of the same text as str.
    valid = ["hello", "x" * SHORT_TEXT, "ok \u00e9 bad"]
    assert enc.encode_ordinary_batch(valid[:2] + [valid[2].encode()]) == enc.encode_ordinary_batch(valid)


def test_offsets_above_the_largest_int_are_refused_not_trapped_on():
    """A C caller's document or piece offsets are UInt64; one above Int.max used to trap (and end the process)
    in Swift's Int(_:). Now each entry point refuses it with TK_INVALID_ARGUMENT naming the argument and index,
    and also offsets that do not start at 0 or that decrease."""
    enc = tokkit.get_encoding("cl100k_base")
    text = b"hello world"
    huge = 2**63

    def batch(offsets):
        values = (_native.c_uint64 * len(offsets))(*offsets)
        ids, count, id_offsets = _native.POINTER(c_uint32)(), c_ssize_t(), _native.POINTER(_native.c_uint64)()
        error = _native._Error()
        _native.check(_native.lib.tk_encode_batch(enc._handle.pointer, text, values, len(offsets) - 1, 0, None, 0, 0,
                                                  None, 0, 1, byref(ids), byref(count), byref(id_offsets),
                                                  byref(error)), error)
        return ids[: count.value]

    def pieces(offsets):
        values = (_native.c_uint64 * len(offsets))(*offsets)
        ids, count, id_offsets = _native.POINTER(c_uint32)(), c_ssize_t(), _native.POINTER(_native.c_uint64)()
        error = _native._Error()
        _native.check(_native.lib.tk_encode_pieces(enc._handle.pointer, text, values, len(offsets) - 1, byref(ids),
                                                   byref(count), byref(id_offsets), byref(error)), error)
        return ids[: count.value]

    def train(offsets):
        trainer = c_void_p()
        error = _native._Error()
        _native.check(_native.lib.tk_trainer_new(enc._pat_str.encode(), byref(trainer), byref(error)), error)
        try:
            values = (_native.c_uint64 * len(offsets))(*offsets)
            _native.check(_native.lib.tk_trainer_add_documents(trainer, text, values, len(offsets) - 1, 1,
                                                               byref(error)), error)
        finally:
            _native.lib.tk_trainer_free(trainer)

    assert batch([0, 5, 11]) == enc.encode_ordinary("hello") + enc.encode_ordinary(" world")
    assert pieces([0, 5, 11]) == enc._encode_single_piece(b"hello") + enc._encode_single_piece(b" world")
    train([0, 5, 11])
    for call in (batch, pieces, train):
        with pytest.raises(tokkit.TokkitValueError, match=f"offsets\\[2\\] = {huge} is larger than {2**63 - 1}"):
            call([0, 5, huge])
        with pytest.raises(tokkit.TokkitValueError, match=f"offsets\\[0\\] = {huge} is larger than"):
            call([huge, 5, 11])
        with pytest.raises(tokkit.TokkitValueError, match="offsets\\[0\\] = 3, not 0"):
            call([3, 5, 11])
        with pytest.raises(tokkit.TokkitValueError, match="offsets\\[2\\] = 4 is below offsets\\[1\\] = 5"):
            call([0, 5, 4])


def test_many_threads_share_one_encodings_batch_scratch():
    """Batches (lists and numpy) borrow a scratch (joined text, boundaries, ids) from a small pool per tokenizer.
    Eight Python threads calling one Encoding at once, on 1 and 2 cores each, with texts of different sizes (so a
    reused scratch is sometimes too small, sometimes larger than needed), must each get tiktoken's ids: a
    scratch lent to two calls at once, or read after it went back to the pool, would mix documents."""
    import threading

    import numpy as np

    enc = tokkit.get_encoding("cl100k_base")
    ref = reference("cl100k_base")
    sample = corpus_sample("public_multi.txt", 1 << 20)
    paragraphs = [p for p in sample.split("\n\n") if p]
    batches = [paragraphs[start:start + size] for start, size in ((0, 40), (40, 400), (440, 7), (447, 900))]
    expected = [ref.encode_ordinary_batch(batch) for batch in batches]
    failures = []

    def work(worker: int):
        try:
            for round_ in range(6):
                index = (worker + round_) % len(batches)
                threads = 1 + (worker + round_) % 2
                if round_ % 2:
                    assert enc.encode_ordinary_batch(batches[index], num_threads=threads) == expected[index]
                else:
                    flat, offsets = enc.encode_batch_to_numpy(batches[index], num_threads=threads, disallowed_special=())
                    assert np.array_equal(flat, np.asarray([i for d in expected[index] for i in d], dtype=np.uint32))
                    assert offsets.tolist() == list(np.cumsum([0] + [len(d) for d in expected[index]]))
                    assert flat.flags.writeable
        except BaseException as error:  # noqa: BLE001 - collected and re-raised on the main thread
            failures.append((worker, error))

    workers = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not failures, failures


def per_call_texts(ref) -> list[str]:
    """Short texts as a Python loop passes them one by one: words, sentences, every special token of the
    vocabulary alone, cut short and inside text, whitespace runs, non-ASCII, and lines of real text."""
    texts = ["", "hi", " hi", "hi ", "\n", "  \n ", "x" * 17, "The quick brown fox jumps over the lazy dog.",
             "\u00e9t\u00e9 \u4e2d\u6587 \U0001f600!", "  leading and trailing  ", "123456789 3.14159 -42"]
    for token in sorted(ref.special_tokens_set):
        texts += [token, token + token, "a" + token, token + " b", token[:-1], token[1:], f"x {token} y {token}"]
    texts += [line for line in corpus_sample("public_multi.txt", 256 << 10).split("\n") if line][:600]
    return texts


def general(enc, text: str, allowed, disallowed):
    """The general entry (tk_encode through ctypes, the rules as arguments): its ids, or its exception's type,
    message and token."""
    from tokkit.core import _utf8

    try:
        return enc._call_encode(_utf8(text), allowed, disallowed).tolist()
    except Exception as error:  # noqa: BLE001 - compared as data
        return (type(error), str(error), getattr(error, "token", None))


def short_entry(call, text: str):
    """The compiled short entry (tk_encode_into): its ids, or its exception's type, message and token."""
    try:
        return call(text)
    except Exception as error:  # noqa: BLE001 - compared as data
        return (type(error), str(error), getattr(error, "token", None))


@pytest.mark.parametrize("vocab", ["gpt2", "cl100k_base", "o200k_base"])
def test_the_short_entry_gives_the_general_entrys_ids_and_errors(vocab):
    """`encode_ordinary(text)`, `encode(text)` and `encode(text, allowed_special="all")` without other keywords
    take tk_encode_into, which borrows the handle and its three rule pairs prepared once; the general entry
    (tk_encode) builds the rules from its arguments. On every text both must give the same ids, and the same
    exception (type, message, token) where a special token is refused."""
    enc, ref = tokkit.get_encoding(vocab), reference(vocab)
    texts = per_call_texts(ref)
    differences = []
    for text in texts:
        for call, allowed, disallowed in ((enc.encode_ordinary, None, None), (enc.encode, None, "all"),
                                          (lambda t: enc.encode(t, allowed_special="all"), "all", None)):
            ours, theirs = short_entry(call, text), general(enc, text, allowed, disallowed)
            if ours != theirs:
                differences.append((text, allowed, disallowed, ours, theirs))
    assert not differences, f"{len(differences)} differences, the first: {differences[:3]}"
    # The errors were compared, not only the ids: refused special tokens raised on both entries.
    refused = [t for t in texts if isinstance(general(enc, t, None, "all"), tuple)]
    assert len(refused) >= 5 * len(ref.special_tokens_set)


SHORT_LIMIT = 256  # Tokenizer.shortTextLimit: texts up to it are encoded straight into _fast.c's buffer


def test_short_texts_written_straight_into_the_callers_buffer_give_tiktokens_ids(name):
    """Texts of up to SHORT_LIMIT bytes take the short path (Tokenizer.encodeShort: the piece loop writes into the
    caller's buffer, nothing appended or copied); longer ones the general one. Every line of real text and every
    length around the limit (one- to four-byte characters cut there) must give tiktoken's ids, through both
    encode_ordinary and encode, on every scanner (gpt2, cl100k, o200k, qwen2)."""
    enc, ref = tokkit.get_encoding(name), reference(name)
    texts = [part for corpus in ("public_en.txt", "public_multi.txt") for cut in ("\n", "\n\n")
             for part in corpus_sample(corpus, 512 << 10).split(cut) if part]
    short = [t for t in texts if len(t.encode()) <= SHORT_LIMIT]
    assert len(short) > 1000 and len(short) < len(texts)
    for unit in ("a", " a", "\u00e9", "\u4e2d", "\U0001f600", "  ", "1"):
        for size in range(SHORT_LIMIT - 8, SHORT_LIMIT + 9):
            text = (unit * size).encode()[:size].decode("utf-8", "ignore")
            texts += [text, text + " hello", "x" + text]
    differences = [t for t in texts if enc.encode_ordinary(t) != ref.encode_ordinary(t) or enc.encode(t) != ref.encode(t)]
    assert not differences, f"{len(differences)} differ, the first: {differences[0]!r}"


def test_a_short_text_with_a_byte_the_vocabulary_lacks_is_refused_as_on_the_general_path():
    """A vocabulary without some byte (a custom one) cannot encode text holding it: the short path raises what the
    general path (tk_encode, a text over SHORT_LIMIT bytes) raises, naming the byte and its offset, and leaves no ids
    of the failed call behind for the next one."""
    ranks = {bytes([b]): rank for rank, b in enumerate(b for b in range(256) if b != ord("z"))}
    enc = tokkit.Encoding("no-z", pat_str=reference("gpt2")._pat_str, mergeable_ranks=ranks, special_tokens={})
    with pytest.raises(Exception) as short:
        enc.encode_ordinary("ab z")
    with pytest.raises(Exception) as long:
        enc.encode_ordinary("ab z" + " " * SHORT_LIMIT)
    assert type(short.value) is type(long.value) and str(short.value) == str(long.value)
    assert "7a" in str(short.value).lower() and "3" in str(short.value), str(short.value)
    assert enc.encode_ordinary("ab y") == [97, 98, 32, 121] == enc.encode("ab y")


def test_the_shared_id_objects_keep_their_reference_counts_over_many_calls():
    """Lists from the short entry hold the encoding's shared int objects (one per id, made once): each call
    must add exactly one reference per list item and drop them with the list, on success and on a refused
    special token. A leak or an over-release of 1 per call shows as 100,000 here."""
    import sys

    enc = tokkit.get_encoding("cl100k_base")
    texts = ["hi", "hello world", "hi <|endoftext|>"]
    # The shared objects themselves, as the lists hold them (not equal ints made here).
    objects = [i for text in texts for i in enc.encode_ordinary(text)] + enc.encode(texts[2], allowed_special="all")
    before = [sys.getrefcount(i) for i in objects]
    for _ in range(100_000):
        enc.encode_ordinary("hi")
        enc.encode("hello world")
        enc.encode(texts[2], allowed_special="all")
        try:
            enc.encode(texts[2])
        except ValueError:
            pass
    after = [sys.getrefcount(i) for i in objects]
    assert after == before, list(zip(objects, before, after))
    assert enc.encode_ordinary("hi")[0] is objects[0]


@pytest.mark.parametrize("entry", ["short", "long", "batch"])
def test_an_id_object_made_on_first_use_is_held_once_by_the_table_and_once_per_list_item(entry):
    """The table makes an id's int the first time a list needs it, keeps that reference, and gives the list one of
    its own: a list that took the table's only reference would leave the table pointing at a freed int once it is
    dropped. Each entry (stack buffer, lent ids, batch) is checked on a new encoding, whose table is empty."""
    import sys

    file, sha256, pattern, specials, n_vocab = registry.DEFINITIONS["cl100k_base"]
    enc = tokkit.Encoding._from_file("cl100k_base", os.path.join(registry.vocabulary_directory(), file),
                                     pat_str=pattern, special_tokens=specials, sha256=sha256,
                                     explicit_n_vocab=n_vocab)
    text = corpus_sample("public_en.txt", 8 << 10) if entry == "long" else "hello worldwide tokenizers"
    assert len(text.encode()) > SHORT_TEXT if entry == "long" else len(text.encode()) < SHORT_TEXT

    def encode():
        return enc.encode_ordinary_batch([text], num_threads=1)[0] if entry == "batch" else enc.encode_ordinary(text)

    first = encode()
    assert first == reference("cl100k_base").encode_ordinary(text)
    made = next(i for i in first if i > 256)  # not one of CPython's own small ints
    uses = first.count(made)
    # the table, `first`'s items, the name `made`, and getrefcount's argument
    assert sys.getrefcount(made) == 1 + uses + 1 + 1
    again = encode()
    assert again == first and again[first.index(made)] is made
    del first, again
    assert sys.getrefcount(made) == 1 + 1 + 1


def test_a_batch_made_grouped_by_list_size_puts_each_documents_ids_in_its_place_and_counts_its_references():
    """documents_to_lists makes a batch's lists grouped by the size class of their item arrays (not in document
    order), fills them in document order, and adds the references the lists took to each shared int once at the
    end. Documents of 0 to 80 ids (every class, and past the longest one) and real paragraphs, in a shuffled
    order: each list must sit at its document's index with the ids the one-text entry gives, and each shared
    int must end with exactly one reference per item that holds it (and lose them with the lists)."""
    import random
    import sys

    enc = tokkit.get_encoding("cl100k_base")
    words = [" ".join(["hello"] * n) for n in range(81)]
    paragraphs = [p for p in corpus_sample("public_en.txt", 64 << 10).split("\n\n") if p]
    documents = words + paragraphs
    random.Random(19).shuffle(documents)
    one_by_one = [enc.encode_ordinary(document) for document in documents]
    assert sorted({len(ids) for ids in one_by_one} & set(range(81))) == list(range(81))
    hello = enc.encode_ordinary("hello hello")  # its two ids, as the shared objects the lists hold
    uses = [sum(ids.count(i) for ids in one_by_one) for i in hello]
    before = [sys.getrefcount(i) for i in hello]
    lists = enc.encode_ordinary_batch(documents, num_threads=1)
    same = lists == one_by_one  # a Bool first: a failing comparison of big lists prints for long
    assert same
    assert lists == reference("cl100k_base").encode_ordinary_batch(documents)
    assert [sys.getrefcount(i) for i in hello] == [b + n for b, n in zip(before, uses)]
    del lists
    assert [sys.getrefcount(i) for i in hello] == before


def test_a_batchs_strs_encoded_from_their_characters_give_the_utf8_and_ids_of_the_general_path():
    """encode_batch writes a compact non-ASCII str's UTF-8 itself, from the characters at the offsets probed at
    import (they must be found on the interpreters the suite runs on, else that path would go untested), and hands
    an ASCII str over in place. Documents of every str kind and length 0-40 (ASCII runs cut at every place of the
    4- and 8-character steps), each character width's first and last code points, a str subclass (read through
    PyUnicode_AsUTF8AndSize) and lone surrogates (repaired as tiktoken does): each document's ids must decode to
    exactly its UTF-8, equal the same document given as bytes (the general path), and equal tiktoken's."""
    import random

    import numpy as np

    from tokkit import _fast

    assert _fast.str_layout() is not None
    enc, ref = tokkit.get_encoding("o200k_base"), reference("o200k_base")
    edges = ["\x00", "\x7f", "\x80", "\xff", "\u0100", "\u07ff", "\u0800", "\ud7ff", "\ue000", "\uffff",
             "\U00010000", "\U0010ffff", "\u00e9", "\u0436", "\u4e2d", "\U0001f600"]
    alphabets = [" abcXYZ.,\n", " abc\u00e9\u00fc\u00ff", " ab\u0436\u0438\u4e2d\u00e9", " a\U0001f600\u0436\u00e9"]
    rng = random.Random(20)
    documents = [""] + edges + ["".join(rng.choice(alphabet + "".join(edges)) for _ in range(n))
                                for alphabet in alphabets for n in range(41) for _ in range(2)]
    documents += [p for p in corpus_sample("public_multi.txt", 64 << 10).split("\n\n") if p]
    clean = [d for d in documents if not any("\ud800" <= c <= "\udfff" for c in d)]
    flat, offsets = enc.encode_batch_to_numpy(clean, num_threads=1, disallowed_special=())
    decoded = [enc.decode_bytes(flat[offsets[i]:offsets[i + 1]].tolist()) for i in range(len(clean))]
    same = decoded == [d.encode() for d in clean]  # a Bool first: a failing comparison of big lists prints for long
    assert same
    as_bytes = enc.encode_batch_to_numpy([d.encode() for d in clean], num_threads=1, disallowed_special=())
    assert np.array_equal(flat, as_bytes[0]) and np.array_equal(offsets, as_bytes[1])

    class Text(str):
        pass

    mixed = documents + [Text("a subclass's \u0436 text"), "a lone \udc00 surrogate", "\ud83d" + "\u0436" * 9]
    lists = enc.encode_ordinary_batch(mixed, num_threads=1)
    same = lists == ref.encode_ordinary_batch(mixed)
    assert same


UTF8_SCRATCH, UTF8_SLACK = 4096, 8  # _fast.c: the stack buffer of a one-text call's UTF-8, and encode_utf8's spare bytes


def test_one_str_encoded_from_its_characters_gives_the_utf8_and_ids_of_the_general_path():
    """A non-ASCII str's UTF-8 is written by the same encoder as a batch's, into a stack buffer when at most
    UTF8_SCRATCH bytes can hold it (a character's longest UTF-8 times the characters, plus the slack), else into a
    buffer of its own: for texts of every str kind, of a few characters, on both sides of that edge and past
    SHORT_TEXT, through encode_ordinary, encode and encode_to_numpy, the ids must decode to exactly the text's UTF-8
    and equal the same text given as bytes; texts with a lone surrogate are repaired as tiktoken does."""
    import random

    enc, ref = tokkit.get_encoding("o200k_base"), reference("o200k_base")
    rng = random.Random(21)
    # (alphabet, the most UTF-8 bytes one of its characters can take: 2 for a one-byte str, 3 two-byte, 4 four-byte)
    alphabets = [(" abc\u00e9\u00fc\u00ff\x7f\x80", 2), (" ab\u0436\u0438\u4e2d\u00e9\u07ff\u0800\uffff", 3),
                 (" a\U0001f600\u0436\u00e9\U0010ffff\U00010000", 4)]
    for alphabet, widest in alphabets:
        edge = (UTF8_SCRATCH - UTF8_SLACK) // widest
        for size in (1, 2, 7, 61, edge - 1, edge, edge + 1, SHORT_TEXT + 1, 3 * SHORT_TEXT + 7):
            # The alphabet's widest character first, so that the str has the kind the edge was computed for.
            text = alphabet[-1] + "".join(rng.choice(alphabet) for _ in range(size - 1))
            ids = enc.encode_ordinary(text)
            assert enc.decode_bytes(ids) == text.encode()
            assert ids == enc.encode_ordinary(text.encode())
            assert enc.encode(text) == ids and enc.encode_to_numpy(text).tolist() == ids
            assert enc.encode(text, allowed_special="all") == ids
    long = corpus_sample("public_multi.txt", 64 << 10)
    for text in (long[:5000] + "\udc00" + long[5000:], "\ud83d" + long, "caf\u00e9 \ud800", "\udfff\u0436"):
        assert enc.encode_ordinary(text) == ref.encode_ordinary(text)
        assert enc.encode_to_numpy(text).tolist() == ref.encode_ordinary(text)
    for paragraph in [p for p in long.split("\n\n") if p.strip()][:200]:
        assert enc.encode_ordinary(paragraph) == ref.encode_ordinary(paragraph)


def test_lists_keep_their_ids_after_the_encoding_and_its_int_table_are_gone():
    """The lists hold references to the table's ints, not borrowed pointers: once the encoding (and with it the
    table) is freed, every list from every entry must still hold its ids' values (int identity is no contract)."""
    file, sha256, pattern, specials, n_vocab = registry.DEFINITIONS["o200k_base"]
    enc = tokkit.Encoding._from_file("o200k_base", os.path.join(registry.vocabulary_directory(), file),
                                     pat_str=pattern, special_tokens=specials, sha256=sha256,
                                     explicit_n_vocab=n_vocab)
    sample = corpus_sample("public_multi.txt", 64 << 10)
    paragraphs = [p for p in sample.split("\n\n") if p.strip()][:50]
    gone = weakref.ref(enc)
    lists = [enc.encode_ordinary(sample), enc.encode("caf\u00e9 \u0436\u0438"), enc.encode_ordinary_batch(paragraphs)]
    del enc
    gc.collect()
    assert gone() is None
    ref = reference("o200k_base")
    # Values made afresh from text, compared by value and through arithmetic that reads every int object.
    assert lists[0] == ref.encode_ordinary(sample) and sum(lists[0]) == sum(ref.encode_ordinary(sample))
    assert lists[1] == ref.encode("caf\u00e9 \u0436\u0438")
    assert lists[2] == ref.encode_ordinary_batch(paragraphs)


@pytest.mark.parametrize("entry", ["batch", "long", "loop"])
def test_repeated_large_calls_do_not_grow_the_process(entry):
    """Each call's lists, ints beyond the table and UTF-8 buffers are released with its result: after the first
    calls have sized the allocators, twenty more calls on about 2 MB of non-English text (each result dropped)
    must leave the resident set within 16 MB (a leaked result or UTF-8 buffer would add 2-20 MB a call)."""
    enc = tokkit.get_encoding("o200k_base")
    sample = corpus_sample("public_multi.txt", 2 << 20)
    paragraphs = [p for p in sample.split("\n\n") if p.strip()]

    def call():
        if entry == "batch":
            return enc.encode_ordinary_batch(paragraphs, num_threads=1)
        if entry == "long":
            return enc.encode_ordinary(sample)
        return [enc.encode_ordinary(p) for p in paragraphs]

    def resident() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    for _ in range(3):
        call()
    gc.collect()
    start = resident()
    for _ in range(20):
        result = call()
        del result
    gc.collect()
    assert resident() - start < 16 << 20, (start >> 20, resident() >> 20)
