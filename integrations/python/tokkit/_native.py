"""The ctypes binding of libTokkitCAPI (Sources/TokkitCAPI/tokkit.h).

Every C function returns a status code and, on failure, fills a ``tk_error``; ``_check`` turns that
into the Python exception a tiktoken user expects (``ValueError`` for a disallowed special token,
``KeyError`` for an unknown id, ``FileNotFoundError``/``OSError`` for files). ctypes releases the GIL
for the whole call, so other Python threads run while Tokkit encodes.
"""

from __future__ import annotations

import ctypes
import os
from array import array
from ctypes import (POINTER, Structure, byref, c_char_p, c_int32, c_int64, c_size_t, c_ssize_t,
                    c_uint8, c_uint32, c_uint64, c_void_p)

_HERE = os.path.dirname(os.path.abspath(__file__))
LIBRARY_DIR = os.path.join(_HERE, "_lib")
VOCABULARY_DIR = os.path.join(_HERE, "vocabularies")
ABI_VERSION = 6

# Status codes of tokkit.h (CStatus in Sources/TokkitCAPI/CStatus.swift).
OK = 0
INVALID_ARGUMENT = 1
FILE_ERROR = 2
DISALLOWED_SPECIAL_TOKEN = 3
INVALID_UTF8 = 4
UNKNOWN_TOKEN_ID = 5
INVALID_VOCABULARY = 6
PATTERN_ERROR = 7
TRAINING_ERROR = 8
COMPARE_ERROR = 9
BYTE_NOT_IN_VOCABULARY = 10
PREP_ERROR = 11


class TokkitError(Exception):
    """A failure reported by the Tokkit library: ``code`` is the tokkit.h status, ``offset`` a byte
    offset or position (-1 when none applies)."""

    def __init__(self, code: int, message: str, offset: int = -1, token: str | None = None):
        super().__init__(message)
        self.code = code
        self.offset = offset
        self.token = token


class TokkitFileError(TokkitError, OSError):
    """A vocabulary, corpus or output file that could not be read or written."""


class TokkitValueError(TokkitError, ValueError):
    """Input Tokkit rejects: invalid UTF-8, a bad vocabulary, pattern or training setting."""


class PrepError(TokkitValueError):
    """A prep configuration that cannot run (the message names the file and line, or the stage and
    parameter), or a document or input the pipeline cannot read."""


class _Error(Structure):
    _fields_ = [("code", c_int32), ("reserved", c_int32), ("offset", c_int64),
                ("message", c_void_p), ("token", c_void_p)]


_U32P = POINTER(c_uint32)
_U64P = POINTER(c_uint64)
_U8P = POINTER(c_uint8)
_STRINGS = POINTER(c_char_p)


def _load() -> ctypes.CDLL:
    path = os.path.join(LIBRARY_DIR, "libTokkitCAPI.so")
    override = os.environ.get("TOKKIT_CAPI_LIBRARY")
    if override:
        path = override
    if not os.path.exists(path):
        raise ImportError(f"tokkit: the native library is missing at {path}; reinstall with "
                          "`pip install ./integrations/python` from a Tokkit checkout")
    lib = ctypes.CDLL(path)
    signatures = {
        "tk_abi_version": ([], c_int32),
        "tk_free": ([c_void_p], None),
        "tk_error_clear": ([POINTER(_Error)], None),
        "tk_tokenizer_free": ([c_void_p], None),
        "tk_tokenizer_from_tiktoken": ([c_char_p, c_ssize_t, c_char_p, c_char_p, _STRINGS, _U32P, c_ssize_t,
                                        c_char_p, POINTER(c_void_p), POINTER(_Error)], c_int32),
        "tk_tokenizer_load": ([c_char_p, c_char_p, POINTER(c_void_p), POINTER(_Error)], c_int32),
        "tk_tokenizer_describe": ([c_void_p, POINTER(c_void_p), POINTER(_Error)], c_int32),
        "tk_tokenizer_tokens": ([c_void_p, POINTER(_U8P), POINTER(_U64P), POINTER(c_ssize_t), POINTER(_Error)], c_int32),
        "tk_encode": ([c_void_p, c_char_p, c_ssize_t, c_int32, _STRINGS, c_ssize_t, c_int32, _STRINGS, c_ssize_t,
                       c_ssize_t, POINTER(_U32P), POINTER(c_ssize_t), POINTER(_Error)], c_int32),
        "tk_encode_batch": ([c_void_p, c_char_p, c_void_p, c_ssize_t, c_int32, _STRINGS, c_ssize_t, c_int32, _STRINGS,
                             c_ssize_t, c_ssize_t, POINTER(_U32P), POINTER(c_ssize_t), POINTER(_U64P),
                             POINTER(_Error)], c_int32),
        "tk_encode_into": ([c_void_p, c_void_p, c_char_p, c_ssize_t, c_int32, c_uint32, _U32P, c_ssize_t,
                            POINTER(c_ssize_t), POINTER(_Error)], c_int32),
        "tk_workspace_new": ([], c_void_p),
        "tk_workspace_free": ([c_void_p], None),
        "tk_encode_piece": ([c_void_p, c_char_p, c_ssize_t, POINTER(_U32P), POINTER(c_ssize_t), POINTER(_Error)], c_int32),
        "tk_encode_pieces": ([c_void_p, c_char_p, c_void_p, c_ssize_t, POINTER(_U32P), POINTER(c_ssize_t), POINTER(_U64P),
                              POINTER(_Error)], c_int32),
        "tk_prep_new": ([c_char_p, POINTER(c_void_p), POINTER(_Error)], c_int32),
        "tk_prep_free": ([c_void_p], None),
        "tk_prep_run": ([c_void_p, POINTER(c_void_p), POINTER(_Error)], c_int32),
        "tk_prep_process": ([c_void_p, c_char_p, c_ssize_t, c_ssize_t, POINTER(c_void_p), POINTER(_Error)], c_int32),
        "tk_prep_statistics": ([c_void_p, POINTER(c_void_p), POINTER(_Error)], c_int32),
        "tk_split": ([c_void_p, c_char_p, c_ssize_t, POINTER(_U64P), POINTER(c_ssize_t), POINTER(_Error)], c_int32),
        "tk_decode_bytes": ([c_void_p, c_void_p, c_ssize_t, POINTER(_U8P), POINTER(c_ssize_t), POINTER(_Error)], c_int32),
        "tk_trainer_new": ([c_char_p, POINTER(c_void_p), POINTER(_Error)], c_int32),
        "tk_trainer_free": ([c_void_p], None),
        "tk_trainer_add_documents": ([c_void_p, c_char_p, c_void_p, c_ssize_t, c_ssize_t, POINTER(_Error)], c_int32),
        "tk_trainer_add_files": ([c_void_p, _STRINGS, c_ssize_t, c_char_p, c_ssize_t, POINTER(_Error)], c_int32),
        "tk_trainer_finish": ([c_void_p, c_ssize_t, c_uint64, _STRINGS, c_ssize_t, c_int32, c_char_p, c_ssize_t,
                               POINTER(c_void_p), POINTER(_Error)], c_int32),
        "tk_tokenizer_save": ([c_void_p, c_char_p, c_char_p, c_char_p, POINTER(_Error)], c_int32),
        "tk_compare": ([POINTER(c_void_p), _STRINGS, c_ssize_t, _STRINGS, c_ssize_t, c_char_p, c_ssize_t,
                        POINTER(c_void_p), POINTER(_Error)], c_int32),
    }
    for name, (arguments, result) in signatures.items():
        function = getattr(lib, name)
        function.argtypes = arguments
        function.restype = result
    version = lib.tk_abi_version()
    if version != ABI_VERSION:
        raise ImportError(f"tokkit: {path} has C ABI version {version}, this package needs {ABI_VERSION}")
    return lib


lib = _load()


fast = None  # tokkit._fast once bind_fast() has run (tokkit.core calls it on import)


def fast_module():
    """The compiled module tokkit/_fast.c, or None in a wheel built without it (TOKKIT_NO_EXTENSION=1)."""
    try:
        from . import _fast
    except ImportError:
        return None
    return _fast


def bind_fast(raise_failure, repair) -> None:
    """Binds the compiled list builder (tokkit/_fast.c) to this library's functions and to the two
    Python functions it calls on failure (raising tiktoken's exceptions) and on a str UTF-8 cannot
    hold (tiktoken's surrogate repair). ``fast`` stays None in a wheel built without it
    (TOKKIT_NO_EXTENSION=1), where every call goes through ctypes."""
    global fast
    _fast = fast_module()
    if _fast is None:
        return
    address = lambda function: ctypes.cast(function, c_void_p).value  # noqa: E731
    _fast.bind(address(lib.tk_encode_lent), address(lib.tk_encode_documents_lent), address(lib.tk_encode_into),
               address(lib.tk_error_clear), address(lib.tk_workspace_new), address(lib.tk_workspace_free),
               raise_failure, repair)
    fast = _fast


def check(status: int, error: _Error) -> None:
    """Raises the exception that matches a failed call's status; does nothing on success."""
    if status == OK:
        return
    message = ctypes.string_at(error.message).decode("utf-8", "replace") if error.message else f"status {status}"
    token = ctypes.string_at(error.token).decode("utf-8", "replace") if error.token else None
    offset = error.offset
    lib.tk_error_clear(byref(error))
    raise_status(status, message, offset, token)


def raise_status(status: int, message: str, offset: int = -1, token: str | None = None):
    """Raises the exception class that matches a tokkit.h status."""
    if status == FILE_ERROR:
        raise TokkitFileError(status, message, offset, token)
    if status == UNKNOWN_TOKEN_ID:
        raise TokkitKeyError(status, message, offset, token)
    if status == PREP_ERROR:
        raise PrepError(status, message, offset, token)
    raise TokkitValueError(status, message, offset, token)


class TokkitKeyError(TokkitError, KeyError):
    """An id the vocabulary lacks (tiktoken raises ``KeyError``)."""

    def __str__(self) -> str:
        return self.args[0]


def strings(values) -> ctypes.Array | None:
    """A C array of UTF-8 strings (``None`` for an empty list)."""
    values = list(values)
    if not values:
        return None
    return (c_char_p * len(values))(*[value.encode("utf-8") for value in values])


def _take_array(pointer, count: int, typecode: str) -> array:
    """Copies a malloc'ed buffer of ``count`` items into an ``array(typecode)`` and frees it."""
    try:
        result = array(typecode)
        if count:
            result.frombytes(ctypes.string_at(pointer, count * result.itemsize))
        return result
    finally:
        lib.tk_free(pointer)


def take_u32(pointer, count: int) -> array:
    return _take_array(pointer, count, "I")


def take_u64(pointer, count: int) -> array:
    return _take_array(pointer, count, "Q")


def take_bytes(pointer, length: int) -> bytes:
    try:
        return ctypes.string_at(pointer, length) if length else b""
    finally:
        lib.tk_free(pointer)


def take_string(pointer) -> str:
    try:
        return ctypes.string_at(pointer).decode("utf-8")
    finally:
        lib.tk_free(pointer)


__all__ = ["lib", "check", "strings", "take_u32", "take_u64", "take_bytes", "take_string", "TokkitError",
           "TokkitFileError", "TokkitValueError", "TokkitKeyError", "PrepError", "raise_status", "fast", "bind_fast", "_Error", "VOCABULARY_DIR", "byref",
           "c_void_p", "c_ssize_t", "c_uint32", "c_uint64", "c_uint8", "c_size_t", "POINTER"]
