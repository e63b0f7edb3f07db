"""count → reduce → train → shard, and prep, as Ray tasks over a shared work directory.

Layout of the work directory (every path must be visible at the same place on every node)::

    counts/RRRRR.counts          one per rank (tokkit count --rank R --world-size W)
    counts/reduce/L-NNNNN.counts the tree of reduces, level L
    all.counts                   the root of the tree
    vocab/                       tokenizer.json, vocab.tiktoken, encoder.json + vocab.bpe
    shards/parts/                one part per rank (tokkit shard --rank R --world-size W)
    shards/                      the merged shards and manifest.json (tokkit shard merge)
    prep/                        tokkit prep output, one file per input (tokkit prep --rank R --world-size W)
    logs/PHASE/NAME.log          each task's output, every attempt
    stats.json                   what each phase did, merged from the ranks
"""

import dataclasses
import glob
import json
import os
import subprocess
import sys
import time

import ray

from .tasks import remote_tokkit


@dataclasses.dataclass
class FlowSettings:
    """What the flow runs; paths are made absolute on the driver so every node reads the same ones."""

    inputs: list
    work: str
    tokkit: str
    world_size: int = 8
    vocab_size: int = 0
    specials: list = dataclasses.field(default_factory=lambda: ["<|endoftext|>"])
    pattern: str = "gpt2"
    docs: str = ""
    jsonl_field: str = ""
    threads: int = 1
    fan_in: int = 8
    retries: int = 3
    shard_args: list = dataclasses.field(default_factory=list)
    prep_args: list = dataclasses.field(default_factory=list)
    vocab: str = ""

    def __post_init__(self):
        self.inputs = [os.path.abspath(path) if "://" not in path else path for path in self.inputs]
        self.work = os.path.abspath(self.work)
        if self.world_size < 1:
            raise ValueError("--world-size must be at least 1")
        if self.fan_in < 2:
            raise ValueError("--fan-in must be at least 2")


def reduce_plan(files, fan_in):
    """The levels of a reduce tree: each level groups the previous level's files by ``fan_in``.

    >>> [[len(g) for g in level] for level in reduce_plan(list(range(20)), 8)]
    [[8, 8, 4], [3]]

    Summing counts is associative and a count file is sorted, so every tree shape gives the same bytes;
    the tree bounds the files one task opens and spreads the work over nodes.
    """
    levels = []
    current = list(files)
    while len(current) > 1:
        levels.append(group(current, fan_in))
        current = list(range(len(levels[-1])))
    return levels


def group(items, size):
    """``items`` in consecutive groups of ``size`` (the last may be smaller)."""
    return [items[i:i + size] for i in range(0, len(items), size)]


class Progress:
    """A progress bar on the driver's stderr: redrawn in place on a terminal, one line per task otherwise."""

    def __init__(self, phase, total):
        self.phase, self.total, self.done, self.started = phase, total, 0, time.time()
        self.tty = sys.stderr.isatty()
        self._draw()

    def advance(self, note=""):
        self.done += 1
        self._draw(note)

    def _draw(self, note=""):
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        line = f"{self.phase:<7} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} tasks {time.time() - self.started:6.1f}s {note}"
        if self.tty:
            sys.stderr.write("\r" + line[:120].ljust(120))
            if self.done == self.total:
                sys.stderr.write("\n")
        elif self.done > 0 or self.total == 0:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


class Flow:
    """Runs the tokkit steps of one work directory as Ray tasks (``ray.init`` must have been called)."""

    def __init__(self, settings):
        self.s = settings
        self.remote = remote_tokkit(settings.retries, max(1, settings.threads))
        self.stats = {"world_size": settings.world_size, "inputs": settings.inputs, "phases": {}}
        os.makedirs(self.path("logs"), exist_ok=True)

    def path(self, *parts):
        return os.path.join(self.s.work, *parts)

    def _input_options(self):
        options = []
        if self.s.docs:
            options += ["--docs", self.s.docs]
        if self.s.jsonl_field:
            options += ["--jsonl-field", self.s.jsonl_field]
        return options

    def _map(self, phase, jobs):
        """Runs ``jobs`` (name, arguments) as Ray tasks, waiting for all with a progress bar."""
        pending = {}
        for name, arguments in jobs:
            log = self.path("logs", phase, name + ".log")
            pid = self.path("logs", phase, name + ".pid")
            pending[self.remote.remote(self.s.tokkit, arguments, log, pid)] = name
        bar = Progress(phase, len(pending))
        results = {}
        started = time.time()
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
            for ref in ready:
                name = pending.pop(ref)
                results[name] = ray.get(ref)
                retried = results[name]["attempts"] - 1
                bar.advance(f"{name}" + (f" (retried {retried}x)" if retried else ""))
        self.stats["phases"].setdefault(phase, {"tasks": 0, "seconds": 0.0, "tokkit_cpu_seconds": 0.0, "retries": 0, "nodes": []})
        record = self.stats["phases"][phase]
        record["tasks"] += len(results)
        record["seconds"] = round(record["seconds"] + time.time() - started, 3)
        record["retries"] += sum(r["attempts"] - 1 for r in results.values())
        record["tokkit_cpu_seconds"] = round(record["tokkit_cpu_seconds"] + sum(r["cpu_seconds"] for r in results.values()), 3)
        record["nodes"] = sorted(set(record["nodes"]) | {r["node"] for r in results.values()})
        return results

    def _ranks(self):
        return range(self.s.world_size)

    def _label(self, rank):
        return f"{rank:0{max(5, len(str(self.s.world_size - 1)))}d}"

    # The phases.

    def count(self):
        """``tokkit count --rank R --world-size W`` on every rank; returns the count files."""
        jobs = []
        for rank in self._ranks():
            jobs.append((self._label(rank), [
                "count", "corpus", *self.s.inputs, *self._input_options(), "--pattern", self.s.pattern,
                "--rank", str(rank), "--world-size", str(self.s.world_size),
                "-o", self.path("counts", "{rank}.counts"), "--threads", str(self.s.threads), "--quiet"]))
        self._map("count", jobs)
        return [self.path("counts", self._label(rank) + ".counts") for rank in self._ranks()]

    def reduce(self, files):
        """Sums ``files`` into ``all.counts`` through a tree of ``tokkit count reduce`` tasks, level by level."""
        current = list(files)
        target = self.path("all.counts")
        os.makedirs(self.path("counts", "reduce"), exist_ok=True)
        level = 0
        while len(current) > 1 or current[0] != target:
            level += 1
            groups = group(current, self.s.fan_in)
            outputs = [target] if len(groups) == 1 else [self.path("counts", "reduce", f"{level}-{index:05d}.counts") for index in range(len(groups))]
            self._map("reduce", [(f"{level}-{index:05d}", ["count", "reduce", *members, "-o", outputs[index], "--quiet"])
                                 for index, members in enumerate(groups)])
            current = outputs
        return target

    def train(self, counts):
        """One ``tokkit train --counts`` task; returns the vocabulary's tokenizer.json."""
        arguments = ["train", "--counts", counts, "--vocab-size", str(self.s.vocab_size), "--pattern", self.s.pattern,
                     "-o", self.path("vocab"), "--force", "--quiet"]
        for special in self.s.specials:
            arguments += ["--special", special]
        self._map("train", [("train", arguments)])
        return self.path("vocab", "tokenizer.json")

    def shard(self, vocab):
        """Every rank encodes its files into a part; one task merges the parts and one verifies the shards."""
        out = self.path("shards")
        jobs = []
        for rank in self._ranks():
            jobs.append((self._label(rank), [
                "shard", *self.s.inputs, *self._input_options(), "--vocab", vocab, *self.s.shard_args,
                "--rank", str(rank), "--world-size", str(self.s.world_size), "-o", out, "--threads", str(self.s.threads)]))
        self._map("shard", jobs)
        self._map("merge", [("merge", ["shard", "merge", out, "--force"])])
        self._map("verify", [("verify", ["shard", "verify", out])])
        parts = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(out, "parts", "*.json")))]
        manifest = json.load(open(os.path.join(out, "manifest.json")))
        self.stats["shards"] = {
            "shards": len(manifest["shards"]),
            "tokens": manifest["total_tokens"],
            "documents": manifest["total_documents"],
            "bytes_read": sum(p["statistics"]["bytes"] for p in parts),
            "skipped_lines": sum(p["statistics"]["skipped_lines"] for p in parts),
            "repaired_documents": sum(p["statistics"]["repaired_documents"] for p in parts),
            "per_rank": [{"rank": p["rank"], "files": len(p["files"]), "documents": p["total_documents"], "tokens": p["total_tokens"]} for p in parts],
            "manifest": os.path.join(out, "manifest.json"),
        }
        return out

    def prep(self):
        """``tokkit prep PREP_ARGS INPUTS --rank R --world-size W -o work/prep`` on every rank, then one
        ``tokkit prep --merge-stats`` task that sums the ranks' ``stats/RRRRR.json`` into ``prep/stats.json``.

        Needs a tokkit with the prep subcommand (its output names files by their index in the sorted
        input list, so the union of the ranks' outputs is the single run's output).
        """
        probe = subprocess.run([self.s.tokkit, "prep", "--help"], capture_output=True, text=True)
        if probe.returncode != 0 or "tokkit prep" not in probe.stdout:
            raise RuntimeError(f"{self.s.tokkit} has no prep subcommand (tokkit prep --help does not describe it); build a tokkit that has it")
        out = self.path("prep")
        jobs = []
        for rank in self._ranks():
            jobs.append((self._label(rank), [
                "prep", *self.s.prep_args, *self.s.inputs, "--rank", str(rank), "--world-size", str(self.s.world_size),
                "-o", out, "--threads", str(self.s.threads), "--quiet"]))
        self._map("prep", jobs)
        self._map("prep-stats", [("merge", ["prep", "--merge-stats", out])])
        with open(os.path.join(out, "stats.json")) as handle:
            self.stats["prep"] = json.load(handle)
        return out

    def write_stats(self):
        with open(self.path("stats.json.tmp"), "w") as handle:
            json.dump(self.stats, handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(self.path("stats.json.tmp"), self.path("stats.json"))
        return self.path("stats.json")

    def run(self, phases=("count", "reduce", "train", "shard")):
        """The whole flow; returns the stats record (also written to work/stats.json)."""
        vocab = self.s.vocab
        if "prep" in phases:
            self.prep()
        if "count" in phases:
            counts = self.count()
            total = self.reduce(counts)
            vocab = self.train(total)
        if "shard" in phases:
            if not vocab:
                raise ValueError("shard needs a vocabulary: run count/train first or pass --vocab")
            self.shard(vocab)
        self.write_stats()
        return self.stats
