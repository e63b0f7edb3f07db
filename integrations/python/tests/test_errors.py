"""Errors: the same types and texts as tiktoken where tiktoken has them, typed Tokkit errors elsewhere."""

from __future__ import annotations

import pytest

import tokkit

from .conftest import reference


def message_of(call) -> tuple[type, str]:
    with pytest.raises(Exception) as raised:
        call()
    return type(raised.value), str(raised.value)


@pytest.mark.parametrize("kwargs", [{}, {"disallowed_special": "all"}, {"disallowed_special": {"<|endoftext|>"}},
                                    {"allowed_special": {"<|fim_prefix|>"}}])
def test_a_disallowed_special_token_raises_tiktokens_value_error(kwargs):
    enc, ref = tokkit.get_encoding("cl100k_base"), reference("cl100k_base")
    text = "hello <|endoftext|> and <|fim_prefix|>"
    kind, message = message_of(lambda: enc.encode(text, **kwargs))
    assert kind is ValueError
    assert (kind, message) == message_of(lambda: ref.encode(text, **kwargs))
    assert message_of(lambda: enc.encode_batch(["ok", text], **kwargs)) == \
        message_of(lambda: ref.encode_batch(["ok", text], **kwargs))


def test_a_refused_text_that_is_no_special_token_raises_too():
    enc, ref = tokkit.get_encoding("gpt2"), reference("gpt2")
    assert message_of(lambda: enc.encode("say hello", disallowed_special={"hello"})) == \
        message_of(lambda: ref.encode("say hello", disallowed_special={"hello"}))


def test_unknown_ids_and_tokens_raise_key_error_like_tiktoken():
    enc, ref = tokkit.get_encoding("cl100k_base"), reference("cl100k_base")
    assert message_of(lambda: enc.decode([15339, 10**6])) == message_of(lambda: ref.decode([15339, 10**6]))
    assert message_of(lambda: enc.decode_bytes([100270])) == message_of(lambda: ref.decode_bytes([100270]))
    assert message_of(lambda: enc.decode_single_token_bytes(100270)) == \
        message_of(lambda: ref.decode_single_token_bytes(100270))
    assert message_of(lambda: enc.encode_single_token("hello world!")) == \
        message_of(lambda: ref.encode_single_token("hello world!"))
    assert message_of(lambda: enc.decode([-1]))[0] is OverflowError
    assert message_of(lambda: tokkit.encoding_for_model("no-such-model")) == \
        (KeyError, str(KeyError("Could not automatically map no-such-model to a tokeniser. "
                                "Please use `tiktoken.get_encoding` to explicitly get the tokeniser you expect.")))


def test_unknown_encodings_and_files_are_typed_errors(tmp_path):
    kind, message = message_of(lambda: tokkit.get_encoding("no_such_base"))
    assert kind is ValueError and "Unknown encoding no_such_base" in message
    with pytest.raises(tokkit.TokkitFileError) as missing:
        tokkit.load(tmp_path / "missing.tiktoken", pattern="gpt2")
    assert isinstance(missing.value, OSError) and "missing.tiktoken" in str(missing.value)
    broken = tmp_path / "broken.tiktoken"
    broken.write_bytes(b"aGk= 0\nnot base64! 1\n")
    with pytest.raises(tokkit.TokkitValueError) as bad:
        tokkit.load(broken, pattern="gpt2")
    assert "broken.tiktoken:2:" in str(bad.value) and "base64" in str(bad.value)
    with pytest.raises(tokkit.TokkitValueError, match="pattern"):
        tokkit.Encoding("bad", pat_str="(unclosed", mergeable_ranks={b"a": 0}, special_tokens={})
    with pytest.raises(tokkit.TokkitValueError, match="already the rank"):
        tokkit.Encoding("dup", pat_str=r"\w+", mergeable_ranks={b"a": 0, b"b": 1}, special_tokens={"a": 0})


def test_invalid_utf8_in_a_training_corpus_names_document_and_byte(tmp_path):
    corpus = tmp_path / "bad.txt"
    corpus.write_bytes(b"fine line\nbad \xff line\n")
    with pytest.raises(tokkit.TokkitError) as error:
        tokkit.train([str(corpus)], vocab_size=300)
    assert "bad.txt" in str(error.value)
