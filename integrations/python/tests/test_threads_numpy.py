"""Threads: Python threads encode at once (the GIL is released), batches use all cores, and every
thread count gives the same ids; numpy outputs equal the lists."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import tokkit

from .conftest import corpus_sample, reference


def test_concurrent_python_threads_get_the_serial_ids():
    enc = tokkit.get_encoding("cl100k_base")
    lines = corpus_sample("public_multi.txt", 1 << 20).split("\n")
    serial = [enc.encode(line) for line in lines]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(enc.encode, lines)) == serial


def test_batches_give_the_same_ids_on_any_number_of_threads():
    enc = tokkit.get_encoding("gpt2")
    lines = corpus_sample("public_en.txt", 1 << 20).split("\n")
    one = enc.encode_ordinary_batch(lines, num_threads=1)
    assert enc.encode_ordinary_batch(lines, num_threads=2) == one
    assert enc.encode_ordinary_batch(lines, num_threads=7) == one
    assert enc.encode_batch([], num_threads=4) == []


def test_a_long_text_on_all_cores_equals_one_thread():
    enc = tokkit.get_encoding("cl100k_base")
    text = corpus_sample("public_multi.txt", 12 << 20)
    one = enc.encode_to_numpy(text, num_threads=1)
    assert np.array_equal(enc.encode_to_numpy(text, num_threads=0), one)
    assert np.array_equal(enc.encode_to_numpy(text, num_threads=3), one)


def test_encode_ordinary_on_all_cores_gives_the_one_thread_list():
    """`encode_ordinary(text, num_threads=N)` (Tokkit's addition to tiktoken's method) cuts a long text
    for N cores and returns the same list; a short text, the compiled function and the Python method
    agree, and a bad keyword or count raises as a Python call would."""
    enc = tokkit.get_encoding("o200k_base")
    text = corpus_sample("public_multi.txt", 6 << 20)
    one = reference("o200k_base").encode_ordinary(text)
    assert len(one) > 1_000_000
    assert enc.encode_ordinary(text) == one
    assert enc.encode_ordinary(text, num_threads=0) == one
    assert enc.encode_ordinary(text, num_threads=3) == one
    assert tokkit.Encoding.encode_ordinary(enc, text, num_threads=2) == one
    assert enc.encode_ordinary("hello world", num_threads=0) == reference("o200k_base").encode_ordinary("hello world")
    with pytest.raises(TypeError):
        enc.encode_ordinary(text, threads=2)
    for method in (enc.encode_ordinary, lambda t, **k: tokkit.Encoding.encode_ordinary(enc, t, **k)):
        with pytest.raises(ValueError):
            method("hi", num_threads=-1)


@pytest.mark.parametrize("size", [300 << 10, 1 << 20])
def test_a_text_cut_for_all_cores_equals_tiktoken_for_every_bundled_vocabulary(name, size):
    """From 256 KiB up a one-text call on several cores is cut at safe cuts and encoded by the handle's
    warm mergers (TokenizerHandle.encodeAcrossCores): ids as tiktoken's, with special tokens allowed at
    a cut's neighbourhood, and a refused special token raises as tiktoken does (the call falls back to
    one stream for the error's offset)."""
    enc, ref = tokkit.get_encoding(name), reference(name)
    special = sorted(enc.special_tokens_set)[0]
    text = corpus_sample("public_multi.txt", size)
    middle = len(text) // 2
    with_special = text[:middle] + special + text[middle:]
    expected = ref.encode_ordinary(text)
    assert enc.encode_ordinary(text, num_threads=0) == expected
    assert enc.encode_ordinary(text, num_threads=5) == expected
    assert enc.encode_to_numpy(with_special, allowed_special="all", num_threads=0).tolist() == \
        ref.encode(with_special, allowed_special="all")
    with pytest.raises(ValueError) as ours:
        enc.encode_to_numpy(with_special, num_threads=0)
    with pytest.raises(ValueError) as theirs:
        ref.encode(with_special)
    assert str(ours.value) == str(theirs.value)


def test_the_gil_is_released_while_tokkit_encodes():
    """Another Python thread keeps running during one long encode call: with the GIL held it could
    not advance until the call returned."""
    enc = tokkit.get_encoding("gpt2")
    text = corpus_sample("public_en.txt", 16 << 20)
    ticks_during_call = []
    running = threading.Event()
    done = threading.Event()

    def ticker():
        count = 0
        running.set()
        while not done.is_set():
            count += 1
            time.sleep(0)
        ticks_during_call.append(count)

    thread = threading.Thread(target=ticker)
    thread.start()
    running.wait()
    ids = enc.encode_to_numpy(text, num_threads=1)
    done.set()
    thread.join()
    assert len(ids) > 1_000_000
    assert ticks_during_call[0] > 1000, ticks_during_call


def test_numpy_outputs_are_flat_uint32_with_offsets():
    enc = tokkit.get_encoding("cl100k_base")
    texts = ["hello world", "", "goodbye world <|endoftext|>", "你好"]
    ids = enc.encode_to_numpy(texts[0])
    assert ids.dtype == np.uint32 and ids.tolist() == enc.encode(texts[0])
    flat, offsets = enc.encode_batch_to_numpy(texts, disallowed_special=())
    assert flat.dtype == np.uint32 and offsets.dtype == np.uint64 and len(offsets) == len(texts) + 1
    expected = enc.encode_ordinary_batch(texts)
    assert [flat[offsets[i]:offsets[i + 1]].tolist() for i in range(len(texts))] == expected
    flat, offsets = enc.encode_batch_to_numpy(texts, allowed_special="all")
    assert flat[offsets[2]:offsets[3]].tolist()[-1] == enc.eot_token
