"""Finding the tokkit binary, the same way on the driver and on every node."""

import os
import shutil


class TokkitNotFound(RuntimeError):
    """No usable tokkit binary: the message says where it looked."""


def find_tokkit(explicit=None):
    """The absolute path of the tokkit binary: ``explicit``, else ``$TOKKIT_BIN``, else ``tokkit`` on PATH.

    The path is resolved on the driver and handed to every task, so all nodes must see the binary at
    that path (a shared filesystem or the same install on every node).
    """
    for source, candidate in (("--tokkit-bin", explicit), ("TOKKIT_BIN", os.environ.get("TOKKIT_BIN"))):
        if candidate:
            path = os.path.abspath(os.path.expanduser(candidate))
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                raise TokkitNotFound(f"{source} names {path}, which is not an executable file")
            return path
    found = shutil.which("tokkit")
    if not found:
        raise TokkitNotFound("no tokkit binary: pass --tokkit-bin PATH, set TOKKIT_BIN, or put tokkit on PATH")
    return os.path.abspath(found)
