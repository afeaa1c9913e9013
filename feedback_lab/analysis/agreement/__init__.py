"""Judge-human agreement statistics with bootstrap intervals, multi-rater reliability, audits."""

from feedback_lab._lazy import lazy_getattr

_EXPORTS = {
    "agreement": "feedback_lab.analysis.agreement._agreement",
    "AgreementResult": "feedback_lab.analysis.agreement._agreement",
    "inter_rater": "feedback_lab.analysis.agreement._multirater",
    "InterRaterResult": "feedback_lab.analysis.agreement._multirater",
    "judge_vs_humans": "feedback_lab.analysis.agreement._multirater",
    "JudgeVsHumansResult": "feedback_lab.analysis.agreement._multirater",
    "CorrectedPassRateResult": "feedback_lab.analysis.agreement._corrected",
    "krippendorff_alpha": "feedback_lab.analysis.agreement._reliability",
    "corrected_pass_rate": "feedback_lab.analysis.agreement._corrected",
    "disagreements": "feedback_lab.analysis.agreement._audit",
    "audit_sample": "feedback_lab.analysis.agreement._audit",
    "meets": "feedback_lab.analysis.agreement._audit",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
