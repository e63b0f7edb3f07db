"""`tokkit.prep` and `tokkit.Pipeline` make the command line's decisions: on real documents (the
public corpus, plus the seeded variants scripts/reference/prep_testset.py makes so every rule fires),
the files `tokkit.prep` writes equal `tokkit prep`'s byte for byte, its statistics equal the CLI's, and
filtering the same documents in memory keeps the same texts and drops the rest at the same stage for
the same reason. Configuration errors reach Python as `tokkit.PrepError` naming the file and line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

import tokkit

from .conftest import corpus_folder, corpus_sample


def repository() -> str:
    root = os.environ.get("TOKKIT_REPOSITORY")
    assert root and os.path.exists(os.path.join(root, "Package.swift")), "TOKKIT_REPOSITORY must name the checkout (run_tests.sh)"
    return root


def cli() -> str:
    binary = os.environ.get("TOKKIT_CLI")
    assert binary and os.access(binary, os.X_OK), "TOKKIT_CLI must name the tokkit binary (run_tests.sh)"
    return binary


@pytest.fixture(scope="module")
def testset(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("prep")
    path = str(folder / "testset.jsonl")
    made = str(folder / "made.jsonl")
    subprocess.run([sys.executable, os.path.join(repository(), "scripts/reference/prep_testset.py"), "--corpus",
                    corpus_folder(), "--output", made, "--documents", "150"], check=True)
    # Every other record (the variants are interleaved, so every rule still fires): the debug `tokkit`
    # the CLI side runs is the slow half of this test.
    with open(made, encoding="utf-8") as source, open(path, "w", encoding="utf-8") as target:
        target.writelines(line for index, line in enumerate(source) if index % 2 == 0)
    return path


def records(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def without_seconds(statistics: dict) -> dict:
    """Statistics minus the measured seconds (the only part that depends on the run)."""
    return {"reader": statistics["reader"],
            "stages": [{k: v for k, v in stage.items() if k != "seconds"} for stage in statistics["stages"]]}


def decisions_differ(expected: dict[str, tuple], actual: dict[str, tuple]) -> list[str]:
    """Document ids whose (kept text | stage, reason) differ between two runs."""
    return sorted(key for key in expected.keys() | actual.keys() if expected.get(key) != actual.get(key))


def cli_decisions(output: str) -> dict[str, tuple]:
    """id -> ("kept", text) or ("dropped", stage, reason) from a `tokkit prep --removed` output folder."""
    result = {}
    for record in records(os.path.join(output, "00000.jsonl")):
        result[record["id"]] = ("kept", record["text"])
    for record in records(os.path.join(output, "removed", "00000.jsonl")):
        result[record["id"]] = ("dropped", record["metadata"]["filter_stage"], record["metadata"]["filter_reason"])
    return result


def test_the_decision_comparison_catches_a_planted_difference():
    expected = {"a": ("kept", "text"), "b": ("dropped", "gopher_quality", "gopher_short_doc")}
    assert decisions_differ(expected, dict(expected)) == []
    assert decisions_differ(expected, {**expected, "b": ("dropped", "gopher_quality", "gopher_below_avg_threshold")}) == ["b"]
    assert decisions_differ(expected, {"a": ("kept", "text!"), "b": expected["b"]}) == ["a"]


@pytest.mark.parametrize("preset", ["fineweb", "fineweb-datatrove"])
def test_prep_from_python_equals_the_cli_on_real_documents(testset, tmp_path, preset):
    blocklists = os.path.join(repository(), "fixtures/prep/blocklists")
    by_cli, by_python = str(tmp_path / "cli"), str(tmp_path / "python")
    subprocess.run([cli(), "prep", "--preset", preset, "--blocklists", blocklists, "--removed", "--quiet", testset,
                    "-o", by_cli], check=True)
    statistics = tokkit.prep(preset=preset, inputs=[testset], output=by_python, blocklists=blocklists, dropped=True)
    for name in ("00000.jsonl", "removed/00000.jsonl"):
        with open(os.path.join(by_cli, name), "rb") as a, open(os.path.join(by_python, name), "rb") as b:
            assert a.read() == b.read(), f"{name} differs between `tokkit prep` and tokkit.prep"
    with open(os.path.join(by_cli, "stats", "00000.json")) as file:
        assert without_seconds(json.load(file)) == without_seconds(statistics)

    # In memory: the same documents as dicts, the same decisions.
    expected = cli_decisions(by_cli)
    pipeline = tokkit.Pipeline(preset=preset, blocklists=blocklists)
    actual = {}
    for decision in pipeline.decisions(records(testset), batch_size=300):
        document = decision.document
        actual[document["id"]] = ("kept", document["text"]) if decision.kept else ("dropped", decision.stage, decision.reason)
    differing = decisions_differ(expected, actual)
    kept = sum(1 for value in expected.values() if value[0] == "kept")
    reasons = {value[2] for value in expected.values() if value[0] == "dropped"}
    print(f"prep {preset}: {len(expected)} documents, {kept} kept, {len(expected) - kept} dropped for {len(reasons)} "
          f"reasons; files, statistics and in-memory decisions "
          f"{'identical to the CLI' if not differing else f'DIFFER on {len(differing)}: {differing[:5]}'}")
    assert not differing
    assert len(reasons) >= 10 and kept >= 50, "the test set must exercise many rules"
    assert without_seconds(pipeline.statistics)["stages"] == without_seconds(statistics)["stages"]


def test_filter_yields_kept_documents_and_collects_drops():
    pipeline = tokkit.Pipeline({"stages": [{"length": {"unit": "characters", "min": 10}}, "pii"]})
    dropped = []
    texts = ["short", "long enough, mail me at someone@example.com please", ""]
    kept = list(pipeline.filter(texts, dropped=dropped))
    assert len(kept) == 1 and "someone@example.com" not in kept[0] and kept[0].startswith("long enough")
    assert [(d.document, d.stage) for d in dropped] == [("short", "length"), ("", "reader")]
    assert [d.reason for d in dropped][1] == "empty_text"
    records_in = [{"text": "a document that is long enough", "id": "x", "url": "https://example.org"}]
    out = list(pipeline.filter(records_in))
    assert out == [{"text": "a document that is long enough", "id": "x", "url": "https://example.org"}]


def prep_error(tmp_path, name: str, yaml: str) -> str:
    """The PrepError `tokkit.prep` raises for the configuration `yaml` written to `name`; it must name that file."""
    config = tmp_path / name
    config.write_text(yaml)
    with pytest.raises(tokkit.PrepError) as error:
        tokkit.prep(config, inputs=[str(tmp_path)], output=str(tmp_path / "out"))
    message = str(error.value)
    assert message.startswith(str(config)), message
    return message


def test_configuration_errors_name_the_file_and_line(tmp_path):
    message = prep_error(tmp_path, "clean.yaml", "preset: fineweb\nstages:\n  - url_filter\n  - gopher_qualty: {min_doc_words: 50}\n")
    assert "line 4" in message and "gopher_qualty" in message, message
    assert "gopher_quality" in message  # the valid choices are listed
    with pytest.raises(tokkit.PrepError, match=r"min_doc_wrds"):
        tokkit.Pipeline({"stages": [{"gopher_quality": {"min_doc_wrds": 3}}]})
    with pytest.raises(tokkit.PrepError, match="unknown preset"):
        tokkit.Pipeline(preset="finewebb")
    with pytest.raises(tokkit.PrepError, match="give a configuration file or a preset"):
        tokkit.Pipeline()
    with pytest.raises(OSError, match="nothing-here"):
        tokkit.prep(preset="fineweb", inputs=[str(tmp_path / "nothing-here")], output=str(tmp_path / "out2"))
    with pytest.raises(tokkit.PrepError, match="document 1"):
        list(tokkit.Pipeline(preset="fineweb").filter([{"text": "fine"}, {"body": "no text key"}]))
    with pytest.raises(tokkit.TokkitValueError, match="unknown prep option"):
        tokkit.prep(preset="fineweb", inputs=[str(tmp_path)], output=str(tmp_path / "out3"), colour="blue")


# Corpus-wide stages: the same steps as `tokkit prep`, through the C ABI.

def corpus_stage_documents(folder) -> tuple[str, str]:
    """Real paragraphs from the public corpus as JSONL, with planted work for every corpus stage: exact
    copies, near copies (one word changed), documents that repeat two lines of others, and an eval
    file holding lines of two documents (decontamination). Returns (documents path, eval path)."""
    paragraphs = [p.strip() for p in corpus_sample("public_en.txt", 1 << 18).split("\n\n") if len(p.split()) >= 25][:120]
    assert len(paragraphs) >= 100, "the public corpus sample has too few paragraphs"
    documents = [{"id": f"doc-{i:03d}", "text": text} for i, text in enumerate(paragraphs)]
    for i in range(0, 30, 6):
        documents.append({"id": f"copy-{i:03d}", "text": paragraphs[i]})
        words = paragraphs[i + 1].split(" ")
        words[-1] = "planted"
        documents.append({"id": f"near-{i:03d}", "text": " ".join(words)})
    shared = [paragraphs[90].replace("\n", " "), paragraphs[91].replace("\n", " ")]
    for i in range(40, 60, 4):
        lines = [f"An opening line {i} written for this test alone, long enough to count."] + shared + [paragraphs[i]]
        documents.append({"id": f"lines-{i:03d}", "text": "\n".join(lines)})
    path, eval_path = os.path.join(folder, "documents.jsonl"), os.path.join(folder, "eval.txt")
    with open(path, "w", encoding="utf-8") as file:
        file.writelines(json.dumps(document) + "\n" for document in documents)
    with open(eval_path, "w", encoding="utf-8") as file:
        file.write(paragraphs[70] + "\n" + paragraphs[80] + "\n")
    return path, eval_path


CORPUS_STAGES = """stages:
  - length: {{min: 5}}
  - exact_dedup: {{}}
  - minhash_dedup: {{keep: datatrove}}
  - line_dedup: {{span_lines: 1, min_doc_words: 5, min_sentences: 1}}
  - decontaminate: {{eval: [{eval}], eval_format: lines, ngram: {ngram}, mode: remove}}
"""


def output_files(directory: str) -> dict[str, Any]:
    """What a prep run wrote, by path: the bytes of documents and reports, statistics without their
    seconds. Left out: the steps' completion markers and run.json, which name the run's own output
    path and the inputs' modification times."""
    found = {}
    for folder, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, directory)
            if "/completions/" in f"/{relative}" or (relative.startswith("steps/") and name == "run.json"):
                continue
            if name == "step-statistics.json" or "/stats/" in f"/{relative}":
                with open(path, encoding="utf-8") as file:
                    found[relative] = without_seconds(json.load(file))
            else:
                with open(path, "rb") as file:
                    found[relative] = file.read()
    return found


def test_prep_runs_corpus_stages_as_the_cli_does(tmp_path):
    documents, eval_path = corpus_stage_documents(str(tmp_path))
    config = tmp_path / "corpus.yaml"
    config.write_text(CORPUS_STAGES.format(eval=json.dumps(eval_path), ngram=8))
    by_cli, by_python = str(tmp_path / "cli"), str(tmp_path / "python")
    subprocess.run([cli(), "prep", str(config), documents, "-o", by_cli, "--removed", "--quiet", "--threads", "2"], check=True)
    statistics = tokkit.prep(config, inputs=[documents], output=by_python, dropped=True, threads=2)

    expected, actual = output_files(by_cli), output_files(by_python)
    differing = sorted(name for name in expected.keys() | actual.keys() if expected.get(name) != actual.get(name))
    stages = {stage["name"]: stage for stage in statistics["stages"]}
    dropped = {name: stage["documents_in"] - stage["documents_out"] for name, stage in stages.items()}
    print(f"prep with corpus stages: {len(expected)} files; statistics {dropped}; "
          f"{'identical to the CLI' if not differing else f'DIFFER: {differing}'}")
    assert not differing
    assert without_seconds(statistics) == expected["stats/00000.json"]
    # Every corpus stage had something to do, so the comparison covers its output.
    assert dropped["exact_dedup"] >= 5 and dropped["minhash_dedup"] >= 5 and dropped["decontaminate"] >= 2, dropped
    assert stages["line_dedup"]["counters"].get("documents_changed", 0) >= 4, stages["line_dedup"]
    assert os.path.exists(os.path.join(by_python, "steps", "03-minhash_dedup", "clusters.tsv"))

    # The comparison can fail: another n-gram length for decontamination writes other files.
    planted = tmp_path / "planted.yaml"
    planted.write_text(CORPUS_STAGES.format(eval=json.dumps(eval_path), ngram=400))
    tokkit.prep(planted, inputs=[documents], output=str(tmp_path / "planted"), dropped=True, threads=2)
    changed = output_files(str(tmp_path / "planted"))
    assert changed["00000.jsonl"] != expected["00000.jsonl"]
    assert sorted(name for name in expected if changed.get(name) != expected[name])

    # resume=True is `--resume`: a finished run resumed is left as it was; without it the folder is refused.
    with pytest.raises(tokkit.PrepError, match="holds files of another run"):
        tokkit.prep(config, inputs=[documents], output=by_python, dropped=True)
    resumed = tokkit.prep(config, inputs=[documents], output=by_python, dropped=True, resume=True)
    assert without_seconds(resumed) == without_seconds(statistics)
    assert output_files(by_python) == actual


def test_corpus_stage_errors_name_the_line_and_stay_out_of_memory(tmp_path):
    message = prep_error(tmp_path, "bad.yaml", "stages:\n  - length: {min: 5}\n  - minhash_dedup: {bandz: 3}\n")
    assert "line 3" in message and "bandz" in message, message
    message = prep_error(tmp_path, "broken.yaml", "stages:\n  - length: {min: 5}\n  - exact_dedup: {normalize: simplified\n")
    assert "not valid YAML" in message and "line 3" in message, message
    # In memory a corpus stage cannot decide (it needs every document): refused when the pipeline is made.
    with pytest.raises(tokkit.PrepError, match="corpus-wide stages \\(exact_dedup\\)"):
        tokkit.Pipeline({"stages": [{"length": {"min": 5}}, {"exact_dedup": {}}]})


def test_prep_runs_a_mix_stage_with_the_bundled_vocabulary_as_the_cli_does(tmp_path):
    """A stage merged from elsewhere (`mix`, which counts cl100k tokens) comes through the same route:
    its vocabulary is read from the folder the package ships, and the files equal the CLI's."""
    paragraphs = [p.strip() for p in corpus_sample("public_multi.txt", 1 << 17).split("\n\n") if len(p.split()) >= 10][:80]
    documents = str(tmp_path / "tagged.jsonl")
    with open(documents, "w", encoding="utf-8") as file:
        for i, text in enumerate(paragraphs):
            file.write(json.dumps({"id": f"p{i:03d}", "text": text, "source": "web" if i % 3 else "books"}) + "\n")
    mix = ("stages:\n  - exact_dedup: {{}}\n  - mix:\n      tokenizer: cl100k_base\n      budget_tokens: {budget}\n"
           "      seed: 0\n      sources:\n        - {{name: web, weight: 0.7}}\n        - {{name: books, weight: 0.3}}\n")
    config = tmp_path / "mix.yaml"
    config.write_text(mix.format(budget=2500))
    by_cli, by_python = str(tmp_path / "cli"), str(tmp_path / "python")
    subprocess.run([cli(), "prep", str(config), documents, "-o", by_cli, "--quiet"], check=True)
    statistics = tokkit.prep(config, inputs=[documents], output=by_python)
    expected, actual = output_files(by_cli), output_files(by_python)
    differing = sorted(name for name in expected.keys() | actual.keys() if expected.get(name) != actual.get(name))
    stage = statistics["stages"][-1]
    print(f"prep with a mix stage: {stage['documents_in']} documents in, {stage['documents_out']} out, "
          f"counters {stage['counters']}; {'identical to the CLI' if not differing else f'DIFFER: {differing}'}")
    assert not differing
    assert stage["name"] == "mix" and 0 < stage["documents_out"] < stage["documents_in"], stage
    assert "steps/02-mix/mix-report.json" in actual
    planted = tmp_path / "planted.yaml"
    planted.write_text(mix.format(budget=1500))
    tokkit.prep(planted, inputs=[documents], output=str(tmp_path / "planted"))
    assert output_files(str(tmp_path / "planted"))["00000.jsonl"] != expected["00000.jsonl"]
