"""A real two-node Ray cluster on this machine (127.0.0.1 only) runs the tokkit flow; its outputs must
equal the single-process CLI's byte for byte, also when a worker is killed mid-task.

usage: python cluster_test.py TOKKIT_BIN CORPUS_FILE SCRATCH_DIR
The cluster is started here and stopped at the end, also on failure (the shell wrapper traps too).
"""

import filecmp
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

FILES = 36          # "dozens of files"
CORPUS_BYTES = 3_000_000
WORLD_SIZE = 12
VOCAB_SIZE = 1000
SHARD_ARGS = ["--shard-tokens", "40000", "--val-tokens", "10000"]


START = time.time()


def say(message):
    print(f"[{time.time() - START:6.1f}s] {message}", flush=True)


def run(command, **kwargs):
    started = time.time()
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise SystemExit(f"FAILED ({result.returncode}): {' '.join(command)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result, time.time() - started


def split_corpus(corpus, directory):
    """The first CORPUS_BYTES of the corpus, whole lines, in FILES files of about equal size."""
    os.makedirs(directory)
    with open(corpus, "rb") as handle:
        data = handle.read(CORPUS_BYTES)
    data = data[:data.rfind(b"\n") + 1]
    lines = data.splitlines(keepends=True)
    per_file = -(-len(lines) // FILES)
    for index in range(FILES):
        with open(os.path.join(directory, f"doc-{index:03d}.txt"), "wb") as out:
            out.writelines(lines[index * per_file:(index + 1) * per_file])
    return len(data)


def differences(left, right, ignore_manifest_command=True):
    """Every file of ``left`` (recursively, parts/ and logs excluded) that ``right`` lacks or holds with other bytes."""
    found = []
    for path in sorted(glob.glob(os.path.join(left, "**", "*"), recursive=True)):
        relative = os.path.relpath(path, left)
        if os.path.isdir(path) or relative.startswith("parts") or "completions" in relative:
            continue
        other = os.path.join(right, relative)
        if not os.path.exists(other):
            found.append(f"{relative}: missing on the right")
        elif relative.endswith("manifest.json") and ignore_manifest_command:
            # The command line and the vocabulary's path name each run's own folders; its sha256 is compared.
            a, b = json.load(open(path)), json.load(open(other))
            for manifest in (a, b):
                manifest.pop("command", None)
                manifest["settings"]["vocabulary"].pop("source", None)
            if a != b:
                keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
                found.append(f"{relative}: manifests differ in {keys}")
        elif not filecmp.cmp(path, other, shallow=False):
            found.append(f"{relative}: bytes differ")
    return found


def has_prep(tokkit):
    """Whether this tokkit has the prep subcommand (its help names it)."""
    probe = subprocess.run([tokkit, "prep", "--help"], capture_output=True, text=True)
    return probe.returncode == 0 and "tokkit prep" in probe.stdout


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ray_cli(*arguments):
    return run([sys.executable, "-m", "tokkit_ray.loopback", *arguments])


LOOPBACK = {"0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F"}


def is_loopback(local):
    """Whether a /proc/net/tcp local address (hex IP:port) is 127.0.0.1, ::1 or ::ffff:127.0.0.1."""
    return local.split(":")[0] in LOOPBACK


def listeners_off_loopback():
    """Listening TCP sockets of Ray's processes on any address but loopback (must be none), read from
    /proc/net/tcp{,6} (state 0A = LISTEN) and matched to processes through /proc/PID/fd."""
    listening = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            for row in list(handle)[1:]:
                fields = row.split()
                if fields[3] == "0A":
                    listening[fields[9]] = fields[1]
    stray = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if b"ray" not in open(f"/proc/{pid}/cmdline", "rb").read():
                continue
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                inode = target[8:-1] if target.startswith("socket:[") else None
                if inode in listening and not is_loopback(listening[inode]):
                    stray.append(f"pid {pid} listens on {listening[inode]}")
        except OSError:
            continue
    return stray


class Killer(threading.Thread):
    """Kills (SIGKILL, by pid) the first Ray worker seen running a tokkit child in ``phase``."""

    def __init__(self, work, phase):
        super().__init__(daemon=True)
        self.pattern = os.path.join(work, "logs", phase, "*.pid")
        self.killed = None

    def run(self):
        deadline = time.time() + 300
        while time.time() < deadline and self.killed is None:
            for pid_file in sorted(glob.glob(self.pattern)):
                try:
                    pid = int(open(pid_file).read())
                    children = open(f"/proc/{pid}/task/{pid}/children").read().split()
                except (OSError, ValueError):
                    continue
                if children:
                    os.kill(pid, signal.SIGKILL)
                    self.killed = (os.path.basename(pid_file)[:-4], pid, int(children[0]))
                    return
            time.sleep(0.02)


def main():
    tokkit, corpus, scratch = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    shutil.rmtree(scratch, ignore_errors=True)
    inputs = os.path.join(scratch, "in")
    size = split_corpus(corpus, inputs)
    say(f"input: {FILES} files, {size} bytes from {corpus}")

    # The single-process reference, with the plain CLI.
    single = os.path.join(scratch, "single")
    _, count_time = run([tokkit, "count", inputs, "-o", os.path.join(single, "all.counts"), "--quiet"], env={**os.environ}) if os.makedirs(single) is None else None
    _, train_time = run([tokkit, "train", "--counts", os.path.join(single, "all.counts"), "--vocab-size", str(VOCAB_SIZE),
                         "--special", "<|endoftext|>", "-o", os.path.join(single, "vocab"), "--quiet"])
    _, shard_time = run([tokkit, "shard", inputs, "--vocab", os.path.join(single, "vocab", "tokenizer.json"), *SHARD_ARGS,
                         "-o", os.path.join(single, "shards")])
    say(f"single process: count {count_time:.1f}s, train {train_time:.1f}s, shard {shard_time:.1f}s")

    port = free_port()
    ray_env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    common = ["--node-ip-address=127.0.0.1", "--num-cpus=1", "--object-store-memory=80000000", "--disable-usage-stats"]
    try:
        run([sys.executable, "-m", "tokkit_ray.loopback", "start", "--head", f"--port={port}", "--include-dashboard=false", *common], env=ray_env)
        run([sys.executable, "-m", "tokkit_ray.loopback", "start", f"--address=127.0.0.1:{port}", *common], env=ray_env)
        # The check can fail: 0.0.0.0 and this machine's own address are not loopback.
        assert is_loopback("0100007F:18EB") and not is_loopback("00000000:18EB") and not is_loopback("020000C0:18EB")
        stray = listeners_off_loopback()
        assert not stray, f"Ray listens beyond 127.0.0.1: {stray}"
        say(f"cluster: head + 1 worker node on 127.0.0.1:{port}, every Ray listener on 127.0.0.1")

        def flow(work, killer_phase=None):
            killer = Killer(work, killer_phase) if killer_phase else None
            if killer:
                os.makedirs(work)
                killer.start()
            _, seconds = run([sys.executable, "-m", "tokkit_ray", "run", inputs, "--work", work, "--vocab-size", str(VOCAB_SIZE),
                              "--world-size", str(WORLD_SIZE), "--address", f"127.0.0.1:{port}", "--tokkit-bin", tokkit,
                              "--", *SHARD_ARGS], env=ray_env)
            stats = json.load(open(os.path.join(work, "stats.json")))
            return seconds, stats, killer

        def check(work, label):
            problems = []
            if not filecmp.cmp(os.path.join(single, "all.counts"), os.path.join(work, "all.counts"), shallow=False):
                problems.append("all.counts: bytes differ")
            problems += [f"vocab/{p}" for p in differences(os.path.join(single, "vocab"), os.path.join(work, "vocab"))]
            problems += [f"shards/{p}" for p in differences(os.path.join(single, "shards"), os.path.join(work, "shards"))]
            compared = len(glob.glob(os.path.join(single, "shards", "*"))) + len(glob.glob(os.path.join(single, "vocab", "*"))) + 1
            assert not problems, f"{label}: differs from the single-process run: {problems}"
            say(f"{label}: {compared} files (counts, vocabulary, shards, manifest) byte-identical to the single-process run")

        # The comparison can fail: a planted one-byte difference in a copy is caught.
        planted = os.path.join(scratch, "planted")
        shutil.copytree(os.path.join(single, "shards"), planted)
        victim = sorted(glob.glob(os.path.join(planted, "*.bin")))[-1]
        with open(victim, "r+b") as handle:
            handle.seek(os.path.getsize(victim) - 1)
            last = handle.read(1)
            handle.seek(-1, os.SEEK_END)
            handle.write(bytes([last[0] ^ 1]))
        caught = differences(os.path.join(single, "shards"), planted)
        assert caught == [f"{os.path.basename(victim)}: bytes differ"], caught
        say(f"planted difference caught: {caught[0]}")

        seconds, stats, _ = flow(os.path.join(scratch, "ray1"))
        nodes = set().union(*(set(p["nodes"]) for p in stats["phases"].values()))
        assert len(nodes) == 2, f"tasks ran on {len(nodes)} node(s), expected both"
        say(f"ray run 1: {seconds:.1f}s on {len(nodes)} nodes, "
              + ", ".join(f"{name} {p['tasks']} tasks {p['seconds']:.1f}s" for name, p in stats["phases"].items()))
        check(os.path.join(scratch, "ray1"), "ray run 1")

        work2 = os.path.join(scratch, "ray2")
        seconds, stats, killer = flow(work2, killer_phase="shard")
        assert killer.killed, "the killer found no running shard task to kill"
        rank, pid, child = killer.killed
        retries = stats["phases"]["shard"]["retries"]
        attempts = open(os.path.join(work2, "logs", "shard", rank + ".log")).read().count("== attempt")
        assert retries >= 1 and attempts >= 2, f"the killed task was not retried (retries {retries}, attempts {attempts})"
        assert not os.path.exists(f"/proc/{child}") or open(f"/proc/{child}/stat").read().split()[2] == "Z", "the killed worker's tokkit outlived it"
        say(f"ray run 2: killed worker pid {pid} (running tokkit pid {child}) in shard rank {rank}; retried ({attempts} attempts), {seconds:.1f}s")
        check(work2, "ray run 2 (worker killed)")

        if has_prep(tokkit):
            say("tokkit prep exists: checking the Ray prep flow against a single-process prep")
            prep_single = os.path.join(scratch, "prep-single")
            prep_args = ["--preset", "fineweb-datatrove", "--docs", "lines"]
            run([tokkit, "prep", *prep_args, inputs, "-o", prep_single, "--quiet"])
            run([sys.executable, "-m", "tokkit_ray", "prep", inputs, "--work", os.path.join(scratch, "ray-prep"), "--world-size", str(WORLD_SIZE),
                 "--address", f"127.0.0.1:{port}", "--tokkit-bin", tokkit, "--", *prep_args], env=ray_env)
            outputs = sorted(glob.glob(os.path.join(prep_single, "*.jsonl*")))
            assert len(outputs) == FILES, f"single-process prep wrote {len(outputs)} files for {FILES} inputs"
            # stats/ is per rank (merged into stats.json) and run.json records the world size: the
            # documents, one JSONL file per input, must be the same bytes.
            problems = [p for p in differences(prep_single, os.path.join(scratch, "ray-prep", "prep"))
                        if not p.startswith(("stats", "run.json"))]
            assert not problems, f"prep output differs: {problems}"
            merged = json.load(open(os.path.join(scratch, "ray-prep", "stats.json")))["prep"]
            say(f"ray prep: {len(outputs)} output files byte-identical to the single-process prep; merged statistics of {WORLD_SIZE} ranks in stats.json")
        else:
            say("NOTE: this tokkit has no prep subcommand; the Ray prep flow was not exercised")
    finally:
        subprocess.run([sys.executable, "-m", "tokkit_ray.loopback", "stop", "--force"], capture_output=True, env=ray_env)
    say("ray cluster test: passed")


if __name__ == "__main__":
    main()
