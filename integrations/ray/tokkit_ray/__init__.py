"""Drive the ``tokkit`` binary on a Ray cluster.

Tokkit stays a single-machine binary; this package fans its partitioned commands out as Ray tasks
(``tokkit count|shard|prep --rank R --world-size W``), reduces count files in a tree, trains once and
merges the shard parts, so the outputs are byte-identical to a single-machine run. Every node must see
the same paths (a shared filesystem, or object storage mounted at the same path on every node) and
the ``tokkit`` binary (``--tokkit-bin`` or the ``TOKKIT_BIN`` environment variable).
"""

from .binary import find_tokkit
from .flow import Flow, FlowSettings, reduce_plan

__all__ = ["Flow", "FlowSettings", "find_tokkit", "reduce_plan"]
__version__ = "0.1.0"
