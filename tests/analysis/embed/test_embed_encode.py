"""The encoding loop with a stand-in model: order, background tokenisation, OOM splitting."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from feedback_lab.analysis.embed._encode import _batches, default_batch_size, encode_texts  # noqa: E402
from feedback_lab.analysis.embed._model import LoadedModel  # noqa: E402


class FakeST:
    """Embeds a text as [len(text), first char code, 1]; optionally fails like a full GPU."""

    def __init__(self, max_rows=None, fail_tokenising=None):
        self.max_rows = max_rows
        self.fail_tokenising = fail_tokenising
        self.batch_rows: list[int] = []

    def preprocess(self, texts):
        if self.fail_tokenising and self.fail_tokenising in texts:
            raise RuntimeError(f"cannot tokenise {self.fail_tokenising!r}")
        return {
            "features": torch.tensor([[len(t), ord(t[0]), 1.0] for t in texts]),
            "note": "non-tensor entries pass through",
        }

    def __call__(self, features):
        rows = features["features"].shape[0]
        if self.max_rows is not None and rows > self.max_rows:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        self.batch_rows.append(rows)
        return {"sentence_embedding": features["features"] * 1.0}


def _loaded(st, device="cpu"):
    return LoadedModel(st=st, model_id="fake", source="fake", device=device, dtype="float32", dim=3, max_seq_length=None)


TEXTS = ["a" * n + chr(98 + n % 20) for n in (5, 1, 30, 7, 7, 2, 19, 11, 3, 25, 4)]


@pytest.mark.parametrize("overlap", [False, True])
def test_output_rows_follow_input_order_whatever_the_batching(overlap):
    want = np.array([[len(t), ord(t[0]), 1.0] for t in TEXTS], dtype=np.float32)
    for bs in (1, 2, 3, 64):
        st = FakeST()
        got = encode_texts(_loaded(st), TEXTS, batch_size=bs, overlap=overlap)
        np.testing.assert_array_equal(got, want)
        assert sum(st.batch_rows) == len(TEXTS) and max(st.batch_rows) <= bs


def test_batches_are_length_sorted_longest_first():
    order, batches = _batches(TEXTS, 4)
    lengths = [len(TEXTS[i]) for i in order]
    assert lengths == sorted(lengths, reverse=True)
    assert [len(b) for b in batches] == [4, 4, 3]
    assert default_batch_size("cpu") < default_batch_size("cuda")


@pytest.mark.parametrize("overlap", [False, True])
def test_out_of_memory_batches_are_split_and_retried(overlap):
    st = FakeST(max_rows=2)
    got = encode_texts(_loaded(st), TEXTS, batch_size=8, overlap=overlap)
    np.testing.assert_array_equal(got[:, 0], [len(t) for t in TEXTS])
    assert max(st.batch_rows) <= 2


@pytest.mark.parametrize("overlap", [False, True])
def test_tokeniser_errors_reach_the_caller(overlap):
    with pytest.raises(RuntimeError, match="cannot tokenise"):
        encode_texts(_loaded(FakeST(fail_tokenising=TEXTS[4])), TEXTS, batch_size=2, overlap=overlap)


def test_progress_callback_and_edge_cases():
    done: list[int] = []
    encode_texts(_loaded(FakeST()), TEXTS, batch_size=4, on_batch=done.append)
    assert sum(done) == len(TEXTS)
    assert encode_texts(_loaded(FakeST()), [], batch_size=4).shape == (0, 3)
    with pytest.raises(ValueError, match="positive"):
        encode_texts(_loaded(FakeST()), TEXTS, batch_size=-1)
