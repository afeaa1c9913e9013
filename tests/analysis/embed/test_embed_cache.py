"""EmbeddingCache: round trip, safe format, errors, two processes writing at once."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from feedback_lab.analysis.embed._cache import CacheError, EmbeddingCache, text_key


def test_round_trip_keeps_order_and_reports_misses(tmp_path):
    cache = EmbeddingCache(tmp_path)
    vecs = np.arange(12, dtype=np.float32).reshape(4, 3)
    assert cache.put("m", ["a", "b", "c", "d"], vecs) == 4
    found, got = cache.get("m", ["d", "zz", "a", "b", "b"])
    assert found.tolist() == [True, False, True, True, True]
    np.testing.assert_array_equal(got, vecs[[3, 0, 1, 1]])
    # another model id shares nothing
    found, got = cache.get("other-model", ["a"])
    assert found.tolist() == [False] and got.shape[0] == 0
    # existing entries are kept (first writer wins), counts per model
    cache.put("m", ["a"], np.full((1, 3), 9, dtype=np.float32))
    assert cache.get("m", ["a"])[1][0].tolist() == [0.0, 1.0, 2.0]
    assert cache.count("m") == 4 and cache.count("other-model") == 0 and len(cache) == 4
    cache.clear("m")
    assert len(cache) == 0 and cache.models() == {}


def test_format_is_plain_sqlite_with_float32_blobs(tmp_path):
    """No pickle: the key is sha256(text) and the value the little-endian float32 bytes."""
    cache = EmbeddingCache(tmp_path / "vectors.db")
    v = np.array([[0.5, -1.25, 3.0]], dtype=np.float32)
    cache.put("toy", ["héllo wörld"], v)
    con = sqlite3.connect(tmp_path / "vectors.db")
    (key, blob), = con.execute("SELECT key, vec FROM vectors").fetchall()
    assert key == hashlib.sha256("héllo wörld".encode()).digest() == text_key("héllo wörld")
    assert blob == v.astype("<f4").tobytes()
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # texts themselves are not stored anywhere
    assert "wörld".encode() not in (tmp_path / "vectors.db").read_bytes()


def test_bad_input_and_dimension_clash(tmp_path):
    cache = EmbeddingCache(tmp_path)
    with pytest.raises(ValueError, match="one vector per text"):
        cache.put("m", ["a", "b"], np.zeros((3, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="non-finite"):
        cache.put("m", ["a"], np.array([[np.nan, 1.0]], dtype=np.float32))
    cache.put("m", ["a"], np.zeros((1, 2), dtype=np.float32))
    with pytest.raises(CacheError, match="holds 2-dimensional vectors for model 'm'"):
        cache.put("m", ["b"], np.zeros((1, 5), dtype=np.float32))


def test_corrupt_file_is_named(tmp_path):
    path = tmp_path / "embeddings.sqlite"
    path.write_bytes(b"garbage" * 500)
    with pytest.raises(CacheError, match=r"embeddings.sqlite.*Delete the file") as err:
        EmbeddingCache(tmp_path).get("m", ["a"])
    assert isinstance(err.value, OSError)


_WRITER = textwrap.dedent(
    """
    import sys, time, numpy as np
    from feedback_lab.analysis.embed._cache import EmbeddingCache
    path, who, start = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    cache = EmbeddingCache(path, timeout=120)
    cache.count()  # open (and create) before the start line
    time.sleep(max(0.0, start - time.time()))  # both start writing at the same moment
    for rnd in range(200):
        # both writers write overlapping keys "shared-*" and their own "w{who}-*"
        texts = [f"shared-{rnd}-{i}" for i in range(25)] + [f"w{who}-{rnd}-{i}" for i in range(25)]
        vecs = np.array([[int(t.split("-")[-1]), len(t), 1.0] for t in texts], dtype=np.float32)
        cache.put("m", texts, vecs)
        found, _ = cache.get("m", texts[:5])
        assert found.all()
    print("done")
    """
)


def test_two_processes_writing_at_once(tmp_path, repo_root):
    start = time.time() + 4
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(tmp_path), str(who), str(start)],
            cwd=repo_root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in (1, 2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    cache = EmbeddingCache(tmp_path)
    assert cache.count("m") == 200 * 25 * 3  # shared keys once, each writer's own keys once
    texts = [f"w2-199-{i}" for i in range(25)] + [f"shared-150-{i}" for i in range(25)]
    found, vecs = cache.get("m", texts)
    assert found.all()
    assert vecs[:, 0].tolist() == [float(i) for i in range(25)] * 2
    assert (vecs[:, 1] == [len(t) for t in texts]).all()
