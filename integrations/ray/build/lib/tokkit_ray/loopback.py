"""``python -m tokkit_ray.loopback start|stop …``: the ``ray`` command line, held to 127.0.0.1.

Ray on Linux turns ``--node-ip-address=127.0.0.1`` into the machine's outward address (so that other
machines could join), and its servers then listen on every interface. For a test cluster on one
machine that must stay on the loopback interface, this wrapper keeps 127.0.0.1 as given, then runs
Ray's own ``ray`` command with the remaining arguments.
"""

import sys

import ray._private.services as services


def keep_loopback():
    """Makes this process's Ray keep 127.0.0.1 (for ``ray start`` here, or ``ray.init`` in a driver)."""
    services.resolve_ip_for_localhost = lambda host: host
    services.node_ip_address_from_perspective = lambda address=None: "127.0.0.1"


def main(argv=None):
    keep_loopback()
    from ray.scripts.scripts import main as ray_main

    sys.argv = ["ray", *(sys.argv[1:] if argv is None else argv)]
    return ray_main()


if __name__ == "__main__":
    sys.exit(main())
