"""Top-level names from the core and schema layers."""

from feedback_lab._lazy import lazy_getattr

_EXPORTS = {
    "TraceSet": "feedback_lab.schema",
    "ColumnMap": "feedback_lab.schema",
    "FeedbackLabError": "feedback_lab.exceptions",
    "MissingDependencyError": "feedback_lab.exceptions",
    "SchemaError": "feedback_lab.exceptions",
    "ColumnNotFoundError": "feedback_lab.exceptions",
    "UnreadableFileError": "feedback_lab.exceptions",
    "FormatError": "feedback_lab.exceptions",
    # feedback configs live in the schema layer (DESIGN.md); implemented by the feedback-model work
    "FeedbackConfig": "feedback_lab._configs",
    "RubricItem": "feedback_lab._configs",
    "load_configs": "feedback_lab._configs_io",
    "save_configs": "feedback_lab._configs_io",
}
__getattr__ = lazy_getattr(__name__, _EXPORTS)
