"""The loading bar of ``read_traces(show_progress=...)``: it counts the bytes of the files read, the
record-by-record readers move it while they work, it reaches the total, and it stays off by default
for small inputs or when nobody is watching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import feedback_lab as fl
from feedback_lab import _progress

ROOT = Path(__file__).resolve().parents[2]
EXPORTS = ROOT / "sample_data" / "exports"


@pytest.fixture
def recorded(monkeypatch):
    """Every position a reader reports, as (file name, fraction), with a tick every 50 records."""
    calls: list[tuple[str, float]] = []
    at = _progress.FileProgress.at

    def spy(self, path, fraction):
        calls.append((Path(path).name, fraction))
        at(self, path, fraction)

    monkeypatch.setattr(_progress.FileProgress, "at", spy)
    monkeypatch.setattr(_progress, "TICK_EVERY", 50)
    return calls


def _langfuse_observations(path: Path, n: int) -> Path:
    with path.open("w") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"o{i}", "traceId": f"t{i // 2}", "type": "GENERATION", "projectId": "p",
                                "parentObservationId": None, "startTime": "2026-01-01T00:00:00Z",
                                "input": "q", "output": "a"}) + "\n")
    return path


def test_a_record_by_record_read_moves_the_bar_as_it_goes(tmp_path, recorded, capsys):
    path = _langfuse_observations(tmp_path / "observations.jsonl", 520)
    ts = fl.read_traces(path, show_progress=True)
    assert len(ts.spans) == 520
    fractions = [f for name, f in recorded if name == path.name]
    # one report every 50 lines while reading (lines 50 to 500), then the file is done
    assert len(fractions) == 11 and fractions[-1] == 1.0
    assert fractions[:-1] == sorted(fractions[:-1]) and 0 < fractions[0] < fractions[-2] < 1
    err = capsys.readouterr().err
    assert "reading" in err and "100%" in err and path.name in err


@pytest.mark.parametrize("platform", ["braintrust", "helicone", "langfuse", "langsmith", "latitude", "otel", "phoenix"])
def test_every_sample_export_fills_the_bar(platform, recorded, capsys):
    folder = EXPORTS / platform
    files = sorted(p for p in folder.iterdir() if p.is_file())
    fl.read_traces(folder, show_progress=True)
    done = {name for name, f in recorded if f == 1.0}
    assert done == {p.name for p in files}
    total = sum(p.stat().st_size for p in files)
    err = capsys.readouterr().err
    assert "100%" in err
    bar_total = _progress.FileProgress(files, file=_Sink())
    assert bar_total.bar.total == total
    bar_total.close()
    if platform in ("braintrust", "langfuse", "otel"):  # read record by record: positions before the end
        assert any(0 < f < 1 for _, f in recorded)


class _Sink:
    def write(self, _):
        pass

    def flush(self):
        pass


def test_no_bar_by_default_for_a_small_input_or_when_switched_off(tmp_path, monkeypatch, capsys):
    path = _langfuse_observations(tmp_path / "observations.jsonl", 20)
    monkeypatch.setattr(_progress, "interactive", lambda: True)
    fl.read_traces(path)  # 20 records: under LOAD_PROGRESS_MIN_BYTES
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(_progress, "LOAD_PROGRESS_MIN_BYTES", 1)
    fl.read_traces(path, show_progress=False)
    assert capsys.readouterr().err == ""
    fl.read_traces(path)  # large enough now, and "watched": the default shows it
    assert "100%" in capsys.readouterr().err


def test_no_bar_by_default_when_nobody_watches(tmp_path, monkeypatch, capsys):
    path = _langfuse_observations(tmp_path / "observations.jsonl", 20)
    monkeypatch.setattr(_progress, "LOAD_PROGRESS_MIN_BYTES", 1)
    monkeypatch.setattr(_progress, "interactive", lambda: False)  # e.g. a CI log
    fl.read_traces(path)
    assert capsys.readouterr().err == ""


def test_read_feedback_takes_show_progress(tmp_path, capsys):
    p = tmp_path / "fb.csv"
    p.write_text("trace_id,name,value,annotator_kind\nt1,thumbs,1,user\n")
    assert fl.read_feedback(p, show_progress=True)["value"].to_list() == [1.0]
    assert "100%" in capsys.readouterr().err


def test_a_failed_read_closes_its_bar(tmp_path, capsys):
    bad = tmp_path / "t.jsonl"
    bad.write_text('{"no_trace_id": 1}\n')
    with pytest.raises(fl.FeedbackLabError):
        fl.read_traces(bad, format="canonical", show_progress=True)
    assert _progress._ACTIVE.get() is None
    capsys.readouterr()


def test_protobuf_messages_move_the_bar(tmp_path, recorded):
    # the Collector's format: proto: one message per exported batch; the bar moves every 50 of them here
    msg = (ROOT / "tests" / "data" / "io" / "real" / "otel" / "otlp_attrs.binpb").read_bytes()
    path = tmp_path / "traces.binpb"
    path.write_bytes((len(msg).to_bytes(4, "big") + msg) * 120)
    ts = fl.read_traces(path, show_progress=True)
    assert len(ts.spans) == 4 and len(ts.rejects) == 4 * 119  # the same spans again: duplicates, named
    fractions = [f for name, f in recorded if name == path.name]
    assert fractions == [50 / 120, 100 / 120, 1.0]
