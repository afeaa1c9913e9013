"""read_traces / read_feedback: paths, directories, globs, sniffing, duplicates, errors."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import tempfile
from pathlib import Path

import polars as pl
import pytest

import feedback_lab as fl
from feedback_lab.exceptions import FormatError, UnreadableFileError
from feedback_lab.io._read import expand_paths


def _w(path, recs):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return path


@pytest.fixture
def sample_dir(tmp_path):
    """A directory shaped like sample_data/: canonical files, a README and an exports/ sub-folder."""
    _w(tmp_path / "traces.jsonl", [{"trace_id": f"t{i}", "input": f"q{i}"} for i in range(3)])
    _w(tmp_path / "feedback.jsonl", [{"trace_id": "t0", "name": "thumbs", "value": 1}])
    _w(tmp_path / "spans.jsonl", [{"span_id": "s", "trace_id": "t0", "kind": "llm"}])
    _w(tmp_path / "events.jsonl", [{"trace_id": "t1", "event": "regenerate"}])
    (tmp_path / "README.md").write_text("# sample data\n")
    _w(tmp_path / "exports" / "other" / "traces.jsonl", [{"trace_id": "x9"}])
    return tmp_path


def test_directory_reads_files_inside_skipping_readme_and_subfolders(sample_dir):
    ts = fl.read_traces(sample_dir)
    assert (len(ts.traces), len(ts.spans), len(ts.feedback), len(ts.events), len(ts.rejects)) == (3, 1, 1, 1, 0)
    assert "x9" not in ts.traces["trace_id"].to_list()
    rec = fl.read_traces(sample_dir, recursive=True)
    assert "x9" in rec.traces["trace_id"].to_list()


def test_glob_list_and_order(sample_dir):
    files = expand_paths(str(sample_dir / "*.jsonl"))
    assert [f.name for f in files] == ["events.jsonl", "feedback.jsonl", "spans.jsonl", "traces.jsonl"]
    ts = fl.read_traces([sample_dir / "traces.jsonl", sample_dir / "feedback.jsonl"])
    assert len(ts.traces) == 3 and len(ts.feedback) == 1
    with pytest.raises(UnreadableFileError, match="matches no file"):
        fl.read_traces(str(sample_dir / "*.parquet"))
    with pytest.raises(UnreadableFileError, match="no readable export files"):
        fl.read_traces(sample_dir / "exports")


def test_sniffing_uses_content_not_the_file_name(sample_dir, tmp_path):
    odd = tmp_path / "renamed.data"
    shutil.copy(sample_dir / "traces.jsonl", odd)
    assert fl.sniff_format(odd) == "canonical"
    assert len(fl.read_traces(odd).traces) == 3


def test_duplicate_trace_ids_across_files_first_wins(tmp_path):
    a = _w(tmp_path / "a.jsonl", [{"trace_id": "t", "input": "first"}])
    b = _w(tmp_path / "b.jsonl", [{"trace_id": "u"}, {"trace_id": "t", "input": "second"}])
    ts = fl.read_traces([a, b])
    assert ts.traces.sort("trace_id")["input"].to_list() == ["first", None]
    r = ts.rejects.row(0, named=True)
    assert r["file"] == str(b) and r["line"] == 2 and r["reason"].startswith("duplicate trace_id")
    assert len(ts.traces) + len(ts.rejects) == 3


def test_read_feedback_forces_feedback_and_warns_on_rejects(tmp_path):
    p = tmp_path / "fb.csv"
    p.write_text("trace_id,name,value,comment,annotator_kind\nt1,rating,4,ok,user\nt2,rating,x,,user\n")
    with pytest.warns(UserWarning, match="1 record"):
        fb = fl.read_feedback(p)
    assert fb.select("trace_id", "name", "value", "comment").rows() == [("t1", "rating", 4.0, "ok")]
    with pytest.warns(UserWarning):
        assert fl.read_feedback(p, backend="pandas").shape[0] == 1


def test_column_map_with_a_platform_format_is_refused(tmp_path, test_data):
    with pytest.raises(FormatError, match="column_map applies to canonical"):
        fl.read_traces(test_data / "io" / "langsmith", column_map={"a": "input"})


def test_unknown_format_name_suggests(tmp_path):
    p = _w(tmp_path / "a.jsonl", [{"trace_id": "t"}])
    with pytest.raises(ValueError, match="Did you mean 'langfuse'"):
        fl.read_traces(p, format="langfus")


@pytest.fixture
def scratch_formats():
    """Formats a test registers are gone after it (the registry is global to the worker process)."""
    from feedback_lab.io import _registry

    _registry.list_formats()
    before = dict(_registry._REGISTRY)
    yield
    _registry._REGISTRY.clear()
    _registry._REGISTRY.update(before)


def test_reader_crash_is_wrapped_with_file_name(tmp_path, scratch_formats):
    from feedback_lab.io._registry import Format, register_format

    def boom(paths, **_):
        raise KeyError("inner")

    register_format(Format("boom", "test", sniff=lambda p, h: 0.0, read=boom), replace=True)
    p = _w(tmp_path / "a.jsonl", [{"trace_id": "t"}])
    with pytest.raises(FormatError, match=r"a\.jsonl.*'boom'.*KeyError"):
        fl.read_traces(p, format="boom")


def test_derived_rows_fill_explicit_trace_rows(tmp_path, scratch_formats):
    """A reader's span-derived row (``_derived``) merges into the explicit row of another file."""
    from feedback_lab.io._registry import Format, register_format

    def read(paths, **_):
        name = paths[0].name
        if name.startswith("obs"):
            return {"traces": pl.DataFrame({"trace_id": ["t"], "model": ["m"], "input": ["from spans"],
                                            "_derived": [True]})}
        return {"traces": pl.DataFrame({"trace_id": ["t"], "input": ["explicit"]})}

    register_format(Format("twofiles", "test", sniff=lambda p, h: 0.0, read=read), replace=True)
    ts = fl.read_traces([_w(tmp_path / "obs.jsonl", [{}]), _w(tmp_path / "tr.jsonl", [{}])], format="twofiles")
    assert ts.traces.select("trace_id", "model", "input").rows() == [("t", "m", "explicit")]
    assert len(ts.rejects) == 0



def test_options_go_to_the_readers_that_take_them(tmp_path):
    """``exact_schema`` reaches the canonical and Phoenix readers of a mixed folder and not the
    LangSmith one (which refuses any option); an option no reader takes names what each takes."""
    root = fl.__file__.rsplit("/feedback_lab/", 1)[0]
    shutil.copy(f"{root}/sample_data/exports/langsmith/runs.jsonl.gz", tmp_path / "runs.jsonl.gz")
    _w(tmp_path / "spans.jsonl", [{"context.span_id": f"s{i}", "context.trace_id": f"p{i}", "parent_id": None,
                                   "span_kind": "LLM", "start_time": "2026-01-01T00:00:00+00:00",
                                   "attributes.input.value": "q"} for i in range(3)])
    _w(tmp_path / "canonical.jsonl", [{"trace_id": "c1", "input": "q", "output": "a"}])
    plain = fl.read_traces(tmp_path)
    exact = fl.read_traces(tmp_path, exact_schema=True)
    assert len(plain.rejects) == len(exact.rejects) == 0
    assert {"c1", "p0"} <= set(plain.traces["trace_id"]) and len(plain.traces) > 10  # all three formats
    assert exact.traces.equals(plain.traces) and exact.spans.equals(plain.spans)
    with pytest.raises(TypeError, match=r"takes option\(s\) \['exactschema'\].*'phoenix': \['exact_schema'\]"):
        fl.read_traces(tmp_path, exactschema=True)


def _zip(path, members: dict[str, str]):
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


def test_directory_takes_zips_of_exports_and_warns_about_other_zips(sample_dir):
    lines = "".join(json.dumps({"trace_id": f"z{i}", "input": "q"}) + "\n" for i in range(2))
    _zip(sample_dir / "download.zip", {"export/traces_2026.jsonl": lines, "__MACOSX/._traces_2026.jsonl": "x"})
    _zip(sample_dir / "two.zip", {"a.jsonl": lines.replace("z", "a"), "b.jsonl": lines.replace("z", "b"),
                                  "README.md": "# export"})
    _zip(sample_dir / "docs.zip", {"notes.txt": "hello"})
    (sample_dir / "fake.zip").write_text("not a zip")
    with pytest.warns(UserWarning, match=r"skipped 2 zip archive.*docs\.zip \(no export file\), fake\.zip "
                                         r"\(not a zip archive\)") as rec:
        ts = fl.read_traces(sample_dir)
    assert rec[0].filename == __file__  # the warning points at the caller
    assert {"z0", "z1", "a0", "a1", "b0", "b1", "t0"} <= set(ts.traces["trace_id"].to_list()) and len(ts.rejects) == 0
    with pytest.warns(UserWarning, match="skipped 2 zip"):
        assert [f.name for f in expand_paths(sample_dir) if f.suffix == ".zip"] == ["download.zip", "two.zip"]


def test_directory_with_only_a_zip_without_exports_is_a_clear_error(tmp_path):
    _zip(tmp_path / "docs.zip", {"a.txt": "x", "b.txt": "y"})
    with pytest.warns(UserWarning, match=r"docs\.zip"), \
            pytest.raises(UnreadableFileError, match=r"or \.zip archives of them"):
        fl.read_traces(tmp_path)


@pytest.mark.parametrize("container", ["zip", "tar", "tar.gz"])
def test_archive_of_several_files_reads_like_its_folder(tmp_path, container):
    """A zip/tar of a folder of exports (here LangSmith runs in two parts, plus their feedback and a
    README) reads like the folder; rejects name the member inside the archive."""
    import io
    import tarfile

    runs = [{"id": f"r{i}", "trace_id": f"r{i}", "run_type": "chain", "name": "qa", "inputs": {"question": f"q{i}"},
             "outputs": {"answer": f"a{i}"}, "start_time": "2026-01-01T00:00:00Z", "end_time": "2026-01-01T00:00:01Z"}
            for i in range(4)]
    members = {"export/runs/part-0.jsonl": "".join(json.dumps(r) + "\n" for r in runs[:2]),
               "export/runs/part-1.jsonl": "".join(json.dumps(r) + "\n" for r in runs[2:]) + "{not json\n",
               "export/feedback.jsonl": json.dumps({"id": "f1", "run_id": "r3", "key": "correct", "score": 1}) + "\n",
               "export/README.md": "# LangSmith export", "export/.DS_Store": "x", "../evil.jsonl": "{}\n"}
    folder = tmp_path / "folder"
    for name, text in members.items():
        if name.startswith("export/") and name.endswith(".jsonl"):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)
    del members["../evil.jsonl"]  # the archive's member escaping its folder is tested apart
    archive = tmp_path / f"export.{container}"
    if container == "zip":
        _zip(archive, members)
    else:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tf:
            for name, text in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(text.encode())
                tf.addfile(info, io.BytesIO(text.encode()))
        archive.write_bytes(gzip.compress(buf.getvalue()) if container == "tar.gz" else buf.getvalue())
    want, got = fl.read_traces(folder, recursive=True), fl.read_traces(archive)
    assert want.traces.equals(got.traces) and want.feedback.equals(got.feedback) and len(got.traces) == 4
    assert got.rejects.select("file", "line").rows() == [(f"{archive}/export/runs/part-1.jsonl", 3)]


def test_archive_members_cannot_escape_the_unpack_folder(tmp_path):
    from feedback_lab.io._archives import unpacked

    line = json.dumps({"trace_id": "t", "input": "q"}) + "\n"
    archive = _zip(tmp_path / "x.zip", {"../../escaped.jsonl": line, "/abs/path.jsonl": line})
    with unpacked([archive]) as (files, rename):
        assert all(str(f).startswith(str(Path(tempfile.gettempdir()))) for f in files) and len(files) == 2
        assert sorted(rename(str(f)) for f in files) == [f"{archive}/abs/path.jsonl", f"{archive}/escaped.jsonl"]
    assert not (tmp_path.parent / "escaped.jsonl").exists() and not Path("/abs/path.jsonl").exists()
    assert not files[0].exists()  # removed after the read


_SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def _pack(container: str, inner: str, data: bytes, out: Path) -> Path:
    """``data`` as the file ``inner`` in a zip or tar.gz archive, or zstd-compressed."""
    import gzip
    import io
    import tarfile
    import zipfile

    if container == "zip":
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"export/{inner}", data)
    elif container == "tar.gz":
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tf:
            info = tarfile.TarInfo(f"export/{inner}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        out.write_bytes(gzip.compress(buf.getvalue()))
    else:
        out.write_bytes(pytest.importorskip("zstandard").ZstdCompressor().compress(data))
    return out


@pytest.mark.parametrize("container", ["zip", "tar.gz", "zst"])
@pytest.mark.parametrize("name", sorted(str(p.relative_to(_SAMPLE)) for p in _SAMPLE.rglob("*")
                                        if p.is_file() and p.suffix != ".md"))
def test_every_sample_export_reads_the_same_from_an_archive(tmp_path, name, container):
    """Exports mailed or downloaded as a one-file zip or tar.gz, or compressed with zstd (Parquet,
    JSONL, JSON and CSV, canonical and every platform), read like the file itself."""
    import gzip
    import warnings

    src = _SAMPLE / name
    data = src.read_bytes()
    inner = src.name.removesuffix(".gz")
    data = gzip.decompress(data) if src.name.endswith(".gz") else data
    plain = tmp_path / inner
    plain.write_bytes(data)
    packed = _pack(container, inner, data, tmp_path / f"{inner}.{container}")
    with warnings.catch_warnings():  # an annotations file alone warns that its spans are not loaded
        warnings.simplefilter("ignore", UserWarning)
        want, got = fl.read_traces(plain), fl.read_traces(packed)
    for frame in ("traces", "spans", "feedback", "events"):
        a, b = getattr(want, frame), getattr(got, frame)
        assert (a is None) == (b is None), frame
        if a is not None:
            assert a.equals(b), frame
    assert len(got.rejects) == len(want.rejects)
    assert sum(len(getattr(want, f)) for f in ("traces", "spans", "feedback", "events")) > 0  # not an empty read


def test_an_error_in_an_archive_member_names_the_member_not_the_temporary_copy(tmp_path):
    import io
    import tarfile

    p = tmp_path / "two.tar"
    with tarfile.open(p, "w") as tf:
        for n, text in (("a.jsonl", b'{"trace_id": "t"}\n'), ("b.jsonl", b"{}")):
            info = tarfile.TarInfo(n)
            info.size = len(text)
            tf.addfile(info, io.BytesIO(text))
    with pytest.raises(UnreadableFileError, match=rf"^{re.escape(str(p))}/b\.jsonl: not a recognised trace export"):
        fl.read_traces(p)


REAL = Path(__file__).parents[1] / "data" / "io" / "real"


def test_pretty_printed_documents_appended_to_one_file_are_each_read(tmp_path):
    # ``some-cli ... >> runs.json`` run by run: JSON documents one after another, not an array or JSONL
    runs = json.loads((REAL / "langsmith" / "runs_dict.json").read_text())
    want = fl.read_traces(REAL / "langsmith" / "runs_dict.json")
    f = tmp_path / "runs.json"
    f.write_text("".join(json.dumps(r, indent=2) + "\n" for r in runs[:4]) + json.dumps(runs[4:], indent=2) + "\n")
    got = fl.read_traces(f)
    assert got.rejects.height == 0
    assert got.spans.sort("span_id").equals(want.spans.sort("span_id"))
    assert sorted(got.traces["trace_id"]) == sorted(want.traces["trace_id"])


def test_a_damaged_document_after_good_ones_is_one_reject_naming_its_line(tmp_path):
    runs = json.loads((REAL / "langsmith" / "runs_dict.json").read_text())
    first = json.dumps(runs[0], indent=2) + "\n"
    f = tmp_path / "runs.json"
    f.write_text(first + '{\n  "id": "cut-off",\n  "name": ')
    ts = fl.read_traces(f, format="langsmith")
    assert ts.spans.height == 1
    assert ts.rejects.height == 1
    assert ts.rejects["line"][0] == first.count("\n") + 1
    assert "invalid JSON" in ts.rejects["reason"][0]


@pytest.mark.parametrize("fmt", ["auto", "phoenix", "canonical", "langfuse"])
def test_a_pickled_frame_is_refused_with_how_to_convert_it(tmp_path, fmt):
    """``DataFrame.to_pickle`` output is never unpickled (that can run code): a clear error instead
    of a parse of its bytes as CSV (which gave a reject per line of binary junk)."""
    import pickle

    frame = pl.read_parquet(Path(__file__).parents[1] / "data" / "io" / "real" / "phoenix" / "spans_df.parquet")
    p = tmp_path / "spans.pkl"
    p.write_bytes(pickle.dumps(frame.to_dicts(), protocol=4))
    gz = tmp_path / "spans.pkl.gz"
    gz.write_bytes(gzip.compress(p.read_bytes()))
    for path in (p, gz):
        with pytest.raises(UnreadableFileError, match=rf"{re.escape(str(path))}: a Python pickle.*read_pickle"):
            fl.read_traces(path, format=fmt)


def test_a_feather_file_is_refused_with_how_to_convert_it(tmp_path):
    p = tmp_path / "spans.feather"
    pl.read_parquet(Path(__file__).parents[1] / "data" / "io" / "real" / "phoenix" / "spans_df.parquet").write_ipc(p)
    with pytest.raises(UnreadableFileError, match=r"Arrow IPC / Feather file.*write_parquet"):
        fl.read_traces(p, format="phoenix")


def test_binary_content_read_as_a_platform_csv_is_one_clear_error(tmp_path):
    p = tmp_path / "spans.csv"
    p.write_bytes(b"context.span_id,name\n" + bytes(range(256)) * 20)
    with pytest.raises(UnreadableFileError, match=rf"{re.escape(str(p))}: binary content"):
        fl.read_traces(p, format="phoenix")


def test_an_annotation_store_database_is_refused_with_how_to_open_it(tmp_path):
    """feedback_lab's own annotation store is SQLite: read_traces says how to open it instead of
    'not a recognised trace export (binary content)'."""
    db = tmp_path / "labels.sqlite"
    store = fl.AnnotationStore(db)
    store.add(trace_id="t1", name="helpful", value=1.0, annotator="ana")
    store.close()
    with pytest.raises(UnreadableFileError, match=r"labels\.sqlite: a SQLite database.*AnnotationStore"):
        fl.read_traces(db)
    assert fl.AnnotationStore(db).to_frame()["trace_id"].to_list() == ["t1"]  # and that is how it opens


@pytest.mark.parametrize(("name", "data", "what"), [
    ("sheet.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048), r"an Excel 97-2003 workbook.*CSV"),
    ("sheet.xlsx", None, r"an Excel workbook \(\.xlsx\).*read_excel"),
])
def test_an_excel_workbook_is_refused_with_how_to_save_it_as_csv(tmp_path, name, data, what):
    import zipfile

    p = tmp_path / name
    if data is None:  # the parts every .xlsx holds (Office Open XML, ECMA-376)
        with zipfile.ZipFile(p, "w") as z:
            for part in ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml"):
                z.writestr(part, "<x/>")
    else:
        p.write_bytes(data)
    with pytest.raises(UnreadableFileError, match=rf"{re.escape(str(p))}: {what}"):
        fl.read_traces(p)


@pytest.mark.parametrize(("fixture", "cursor"), [
    ("langsmith_query_v2/runs_v2_page.json", None),  # the real first page: next_cursor "2"
    ("phoenix/rest_spans.json", {"next_cursor": "U3BhbjoxMA=="}),
    ("latitude/traces_page.json", {"hasMore": True, "nextCursor": "c2"}),
])
def test_a_saved_api_page_that_is_not_the_last_is_named_in_a_warning(fixture, cursor, tmp_path):
    src = Path(__file__).parents[1] / "data" / "io" / "real" / fixture
    page = json.loads(src.read_text())
    p = tmp_path / src.name
    p.write_text(json.dumps({**page, **(cursor or {})}))
    with pytest.warns(UserWarning, match=rf"{re.escape(p.name)}: a saved API page of \d+ record\(s\) whose response "
                                         r"says more follow"):
        ts = fl.read_traces(p)
    assert ts.rejects.height == 0
    # the last page (no next cursor) reads without that warning
    last = tmp_path / f"last_{src.name}"
    last.write_text(json.dumps({**page, "next_cursor": None, "nextCursor": None, "hasMore": False}))
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fl.read_traces(last)
    assert not [w for w in caught if "more follow" in str(w.message)]


@pytest.mark.parametrize("fixture", [
    "langsmith/runs_json.jsonl", "braintrust/logs_sync_pull.jsonl", "phoenix/spans_df.jsonl",
    "otel_instrumentations/openinference.jsonl", "latitude/trace_details.jsonl",
    "langfuse_cli/observations_pages_envelope.jsonl", "langsmith_query_v2/runs_v2_to_json.jsonl",
])
def test_two_exports_glued_on_one_line_read_as_both(fixture, tmp_path):
    """``cat a.jsonl b.jsonl > all.jsonl`` where a.jsonl had no final newline puts a's last record and
    b's first on one line (``{...}{...}``): both are read. Before, the line was one reject."""
    src = Path(__file__).parents[1] / "data" / "io" / "real" / fixture
    lines = src.read_bytes().rstrip(b"\n").split(b"\n")
    p = tmp_path / src.name
    p.write_bytes(lines[0] + lines[1] + b"\n" + b"".join(x + b"\n" for x in lines[2:]))
    want, got = fl.read_traces(src), fl.read_traces(p)
    assert got.rejects.height == want.rejects.height == 0

    def no_nulls(x):
        return {k: no_nulls(v) for k, v in x.items() if v is not None} if isinstance(x, dict) else x

    def values(v):
        return no_nulls(json.loads(v)) if v else v

    def rows(df):  # JSON text compared as values: a file polars cannot read in one go is read per line,
        # which writes JSON with spaces after separators and leaves out the attributes a span lacks
        return sorted(str({k: values(v) if k in ("metadata", "attributes") else v for k, v in r.items()})
                      for r in df.drop("source", strict=False).iter_rows(named=True))

    for frame in ("traces", "spans", "feedback"):
        assert rows(getattr(want, frame)) == rows(getattr(got, frame)), frame


def test_glued_canonical_records_read_as_both(tmp_path):
    p = tmp_path / "traces.jsonl"
    p.write_text('{"trace_id": "a", "input": "q1"}{"trace_id": "b", "input": "q2"} \n{"trace_id": "c", "input": "q3"}\n'
                 '{"trace_id": "d"} and words\n')
    ts = fl.read_traces(p)
    assert ts.traces["trace_id"].to_list() == ["a", "b", "c"]
    assert ts.rejects["line"].to_list() == [3] and "invalid JSON: Extra data" in ts.rejects["reason"][0]


@pytest.mark.parametrize("fixture", [
    "real/phoenix/spans_df.csv", "real/phoenix/annotations_df.csv", "real/phoenix_queries/qa_context.csv",
    "real/langsmith_experiments/evaluate_to_pandas.csv", "platforms/latitude/v2_traces_export.RECONSTRUCTED.csv",
    "platforms/helicone/helicone-export_output.RECONSTRUCTED.csv",
])
@pytest.mark.parametrize("sep", [";", "\t"])
def test_a_csv_saved_with_semicolons_or_tabs_reads_like_the_export(fixture, sep, tmp_path):
    """Excel saves "CSV" with semicolons where the decimal mark is a comma (German, French settings).
    Before, such a file sniffed as its platform and then every row was a reject (one column)."""
    import csv
    import io

    src = Path(__file__).parents[1] / "data" / "io" / fixture
    out = io.StringIO()
    csv.writer(out, delimiter=sep).writerows(csv.reader(io.StringIO(src.read_text(encoding="utf-8"), newline="")))
    p = tmp_path / src.name
    p.write_text(out.getvalue(), encoding="utf-8")
    assert fl.sniff_format(p) == fl.sniff_format(src)
    want, got = fl.read_traces(src), fl.read_traces(p)
    assert got.rejects.height == want.rejects.height
    assert sorted(got.traces.select("trace_id", "input", "output").rows()) == sorted(
        want.traces.select("trace_id", "input", "output").rows())
    assert sorted(map(str, got.feedback.select("trace_id", "name", "value", "label").rows())) == sorted(
        map(str, want.feedback.select("trace_id", "name", "value", "label").rows()))
    assert want.traces.height + want.feedback.height > 0


@pytest.mark.parametrize("fixture", ["real/phoenix_queries/qa_context.csv", "real/langsmith_experiments/evaluate_to_pandas.csv",
                                     "real/phoenix/spans_df.csv"])
def test_a_windows_1252_csv_reads_with_its_accents_and_a_warning(fixture, tmp_path):
    """Excel's "CSV (Comma delimited)" on Windows is Windows-1252. Before, every accented letter
    became U+FFFD without a word."""
    src = Path(__file__).parents[1] / "data" / "io" / fixture
    text = src.read_text(encoding="utf-8").replace("Capital", "Capitâle").replace("What", "Whàt")
    utf8, legacy = tmp_path / "utf8.csv", tmp_path / "legacy.csv"
    utf8.write_text(text, encoding="utf-8")
    legacy.write_bytes(text.encode("cp1252"))
    want = fl.read_traces(utf8)
    with pytest.warns(UserWarning, match=r"legacy\.csv: not UTF-8; read as Windows-1252"):
        got = fl.read_traces(legacy)
    assert got.traces.select("trace_id", "input", "output").rows() == want.traces.select("trace_id", "input", "output").rows()
    assert not any("\ufffd" in (v or "") for v in got.traces["input"].to_list() + got.traces["output"].to_list())


def test_a_utf8_csv_with_a_bad_byte_keeps_its_other_rows_as_they_are(tmp_path):
    p = tmp_path / "traces.csv"
    p.write_bytes("trace_id,input,output\nt1,Café,ok\n".encode() + b"t2,caf\xe9,cut\n")
    ts = fl.read_traces(p)
    assert ts.traces.filter(pl.col("trace_id") == "t1")["input"].to_list() == ["Café"]  # not re-read as Windows-1252


@pytest.mark.parametrize("fixture", [
    "real/langsmith_experiments/evaluate_to_pandas.csv", "platforms/helicone/helicone-export_output.RECONSTRUCTED.csv",
    "real/phoenix_queries/retrieved_documents.csv", "real/phoenix/annotations_df.csv",
])
def test_decimal_commas_of_a_semicolon_csv_read_as_numbers(fixture, tmp_path):
    """Excel where the decimal mark is a comma writes ``0,25`` (and separates fields with ``;``)."""
    import csv
    import io

    src = Path(__file__).parents[1] / "data" / "io" / fixture
    rows = list(csv.reader(io.StringIO(src.read_text(encoding="utf-8"), newline="")))
    number = re.compile(r"^-?\d+\.\d+(?:[eE][+-]?\d+)?$")
    local = [rows[0]] + [[v.replace(".", ",") if number.match(v) else v for v in r] for r in rows[1:]]
    assert local != rows, "the fixture has no decimal numbers to write with commas"
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(local)
    p = tmp_path / src.name
    p.write_text(out.getvalue(), encoding="utf-8")
    want, got = fl.read_traces(src), fl.read_traces(p)
    assert got.rejects.height == want.rejects.height
    assert got.traces.drop("source", strict=False).equals(want.traces.drop("source", strict=False))
    assert got.feedback.drop("source", strict=False).equals(want.feedback.drop("source", strict=False))
