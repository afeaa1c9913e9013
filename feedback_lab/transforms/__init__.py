"""Pure frame -> frame transforms for a review session (pandas or polars in, same kind out)."""

from feedback_lab._lazy import lazy_getattr

_EXPORTS = {
    "validate_feedback": "feedback_lab.transforms._validate",
    "implicit_signals": "feedback_lab.transforms._implicit",
    "reconcile": "feedback_lab.transforms._implicit",
    "feedback_trends": "feedback_lab.transforms._trends",
    "sample_for_review": "feedback_lab.transforms._sampling",
    "balance": "feedback_lab.transforms._balance",
    "golden_dataset": "feedback_lab.transforms._datasets",
    "regression_set": "feedback_lab.transforms._datasets",
    "write_dataset": "feedback_lab.transforms._datasets",
    "read_dataset": "feedback_lab.transforms._datasets",
    "preference_pairs": "feedback_lab.transforms._preferences",
    "write_preference_jsonl": "feedback_lab.transforms._preferences",
    "composite_score": "feedback_lab.transforms._scores",
    "check_thresholds": "feedback_lab.transforms._scores",
    "detect_regressions": "feedback_lab.transforms._scores",
    "compare_versions": "feedback_lab.transforms._versions",
    "win_rate": "feedback_lab.transforms._versions",
    "pair_judge_human": "feedback_lab.transforms._pairs",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
