"""A stand-in ``tiktoken`` that is Tokkit: installed only into the venv that runs tiktoken's own
test suite against Tokkit (integrations/python/run_tests.sh). Never install it next to the real
tiktoken."""

import sys

import tokkit
from tokkit import core, model, registry
from tokkit import Encoding, encoding_for_model, encoding_name_for_model, get_encoding, list_encoding_names

# `import tiktoken.core` / `tiktoken.registry` / `tiktoken.model` reach Tokkit's modules.
for _name, _module in (("core", core), ("registry", registry), ("model", model)):
    sys.modules[f"{__name__}.{_name}"] = _module

__version__ = f"tokkit-{tokkit.__version__}"
__all__ = ["Encoding", "get_encoding", "list_encoding_names", "encoding_for_model", "encoding_name_for_model"]
