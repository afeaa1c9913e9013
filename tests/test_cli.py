"""The ``feedback-lab`` command line: help everywhere, results on stdout, errors as one line with exit 2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from feedback_lab.cli import main

REPO = Path(__file__).resolve().parents[1]
COMMANDS = ["review", "drift", "agreement", "load", "sample-data", "formats", "lab", "demo"]


def test_console_script_help():
    """The installed entry point works (what `pip install` puts on PATH)."""
    exe = Path(sys.executable).parent / "feedback-lab"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "feedback_lab.cli"]
    out = subprocess.run([*cmd, "--help"], capture_output=True, text=True, check=True).stdout
    for c in COMMANDS:
        assert c in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert "usage: feedback-lab " + command in capsys.readouterr().out


def test_formats_lists_every_platform(capsys):
    assert main(["formats"]) == 0
    out = capsys.readouterr().out
    for name in ("canonical", "langfuse", "langsmith", "phoenix", "otel", "braintrust", "latitude", "helicone"):
        assert name in out


def test_load_prints_counts(capsys):
    assert main(["load", str(REPO / "sample_data")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert json.dumps(summary).count("2000") >= 1


def test_load_missing_file_is_one_line_exit_2(tmp_path, capsys):
    assert main(["load", str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("feedback-lab: error:") and "nope.jsonl" in err and err.count("\n") == 1


def test_load_recursive_reads_a_folder_of_table_folders(tmp_path, capsys):
    """A bucket sync of a blob-storage export (``<project>/<table>/<time>.parquet``): without
    ``--recursive`` one error line that says how to read it, with it the tables are read."""
    src = REPO / "tests" / "data" / "io" / "real" / "langfuse_blob" / "cm-proj-7f3a"
    sync = tmp_path / "bucket"
    for table in ("traces", "observations", "scores"):
        shutil.copytree(src / table, sync / table)
    assert main(["load", str(sync)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--recursive" in err
    assert main(["load", "--recursive", str(sync)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["traces"], summary["spans"], summary["feedback"], summary["rejects"]) == (2, 3, 4, 0)


def test_load_reports_rejects_with_line_numbers(tmp_path, capsys):
    p = tmp_path / "t.jsonl"
    p.write_text('{"trace_id": "a", "input": "q"}\n{not json\n{"trace_id": "b"}\n')
    assert main(["load", str(p)]) == 0
    err = capsys.readouterr().err
    assert "1 record(s) rejected" in err and "2" in err


def test_agreement_on_a_table_matches_scikit_learn(tmp_path, capsys):
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(0)
    human = rng.choice(["pass", "fail"], 200)
    judge = np.where(rng.random(200) < 0.8, human, rng.choice(["pass", "fail"], 200))
    p = tmp_path / "ratings.csv"
    pd.DataFrame({"judge": judge, "human": human}).to_csv(p, index=False)
    assert main(["agreement", str(p), "--judge-col", "judge", "--human-col", "human", "--n-boot", "200"]) == 0
    out = capsys.readouterr().out
    assert f"{cohen_kappa_score(judge, human):.3f}"[:4] in out


def test_agreement_unknown_column_is_a_clear_error(tmp_path, capsys):
    p = tmp_path / "r.csv"
    pd.DataFrame({"judge": ["a"], "human": ["a"]}).to_csv(p, index=False)
    assert main(["agreement", str(p), "--judge-col", "judg", "--human-col", "human"]) == 2
    assert "judg" in capsys.readouterr().err


def test_sample_data_command(tmp_path, capsys):
    assert main(["sample-data", str(tmp_path / "s"), "--n-traces", "30"]) == 0
    assert (tmp_path / "s" / "traces.jsonl.gz").is_file()
    assert main(["load", str(tmp_path / "s")]) == 0


@pytest.mark.model
def test_drift_between_two_exports(tmp_path, capsys):
    """Same generator, two seeds: same traffic, so no test may report drift; --fail-on-drift keeps exit 0."""
    from feedback_lab import sample_data

    a, b = tmp_path / "a", tmp_path / "b"
    sample_data.write(a, n_traces=60, seed=1)
    sample_data.write(b, n_traces=60, seed=2)
    code = main(["drift", str(a / "traces.jsonl.gz"), str(b / "traces.jsonl.gz"), "--text-col", "input",
                 "--method", "mmd", "--fail-on-drift"])
    out = capsys.readouterr().out
    assert "drift:" in out and "mmd" in out
    assert code == (1 if "drift: YES" in out else 0)


def test_review_bad_window_is_a_clear_error(tmp_path, capsys):
    code = main(["review", str(REPO / "sample_data"), "--out", str(tmp_path / "o"), "--since", "yesterday-ish"])
    assert code == 2
    assert "since" in capsys.readouterr().err
