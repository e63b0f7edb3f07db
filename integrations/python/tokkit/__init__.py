"""Tokkit from Python: tiktoken's API (ids identical to tiktoken's) on Tokkit's Swift encoder, plus
training, loading any vocabulary file, numpy output and comparisons.

>>> import tokkit
>>> enc = tokkit.get_encoding("cl100k_base")
>>> enc.encode("hello world")
[15339, 1917]
"""

from ._native import PrepError, TokkitError, TokkitFileError, TokkitKeyError, TokkitValueError
from .core import Encoding
from .prep import Decision, Pipeline, prep
from .model import encoding_for_model, encoding_name_for_model
from .registry import get_encoding, list_encoding_names
from .training import compare, load, train

__version__ = "0.1.0"

__all__ = [
    "Encoding", "get_encoding", "list_encoding_names", "encoding_for_model", "encoding_name_for_model",
    "train", "load", "compare", "prep", "Pipeline", "Decision", "PrepError", "TokkitError", "TokkitFileError", "TokkitKeyError", "TokkitValueError",
]
