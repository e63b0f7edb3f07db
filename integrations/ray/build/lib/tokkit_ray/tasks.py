"""The one kind of Ray task: run the tokkit binary with some arguments, logging to a per-task file."""

import ctypes
import os
import resource
import signal
import socket
import subprocess
import time

import ray

# Linux prctl(2) option: deliver a signal to the child when the parent thread dies.
_PR_SET_PDEATHSIG = 1


class TokkitKilled(RuntimeError):
    """tokkit ended by a signal (out of memory, preemption, a killed process): worth a retry."""


class TokkitFailed(RuntimeError):
    """tokkit exited with an error of its own (bad input, bad settings): a retry would fail the same way."""


def _die_with_parent():
    # A Ray worker killed mid-task must not leave its tokkit running: the retried attempt writes the
    # same temporary file names. SIGKILL reaches the child when the worker goes away.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


def run_tokkit_local(binary, arguments, log_path, pid_path=None):
    """Runs ``binary arguments…`` here, appending its stdout and stderr to ``log_path``.

    Each attempt starts with a ``== attempt`` line naming the host, the worker pid and the command, so
    the log of a retried task shows every attempt. ``pid_path`` receives the worker's pid while the
    task runs (tests use it to kill a worker mid-task). Returns a small record of the run.
    """
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    started = time.time()
    with open(log_path, "ab") as log:
        header = f"== attempt on {socket.gethostname()} pid {os.getpid()} at {time.strftime('%H:%M:%S')}: {binary} {' '.join(arguments)}\n"
        log.write(header.encode())
        log.flush()
        if pid_path:
            with open(pid_path + ".tmp", "w") as handle:
                handle.write(str(os.getpid()))
            os.replace(pid_path + ".tmp", pid_path)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        process = subprocess.run([binary, *arguments], stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU time of tokkit alone (user + system), steadier than wall time on a loaded machine.
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        log.write(f"== exit {process.returncode} after {time.time() - started:.2f}s\n".encode())
    with open(log_path, "rb") as handle:
        attempts = sum(1 for line in handle if line.startswith(b"== attempt"))
    if process.returncode < 0:
        raise TokkitKilled(f"tokkit was killed by signal {-process.returncode}; see {log_path}")
    if process.returncode != 0:
        with open(log_path, "rb") as handle:
            tail = handle.read()[-2000:].decode(errors="replace")
        raise TokkitFailed(f"tokkit exited with {process.returncode}; {log_path} ends with:\n{tail}")
    return {
        "node": ray.get_runtime_context().get_node_id() if ray.is_initialized() else socket.gethostname(),
        "pid": os.getpid(),
        "seconds": round(time.time() - started, 3),
        "cpu_seconds": round(cpu, 3),
        "attempts": attempts,
        "log": log_path,
    }


def remote_tokkit(retries, cpus):
    """A Ray remote function running tokkit: retried up to ``retries`` times when its worker dies or
    tokkit is killed by a signal; an error tokkit reports itself is not retried (it would recur)."""
    return ray.remote(num_cpus=cpus, max_retries=retries, retry_exceptions=[TokkitKilled])(run_tokkit_local)
