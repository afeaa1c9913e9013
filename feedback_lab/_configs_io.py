"""YAML/JSON files of feedback configs, so that a team keeps them in git: :func:`save_configs` and
:func:`load_configs` (the configs themselves are in :mod:`feedback_lab._configs`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from feedback_lab._configs import FeedbackConfig
from feedback_lab._deps import import_optional
from feedback_lab._validation import repeated

__all__ = ["load_configs", "save_configs"]


def _configs_list(configs: Any) -> list[FeedbackConfig]:
    if isinstance(configs, FeedbackConfig):
        return [configs]
    if isinstance(configs, Mapping):
        configs = list(configs.values())
    out = list(configs)
    bad = [type(c).__name__ for c in out if not isinstance(c, FeedbackConfig)]
    if bad:
        msg = f"Expected FeedbackConfig objects, got {bad}."
        raise TypeError(msg)
    dupes = repeated(c.name for c in out)
    if dupes:
        msg = f"Several FeedbackConfigs share the name(s) {dupes}; names must be unique."
        raise ValueError(msg)
    return out


def save_configs(configs: FeedbackConfig | Sequence[FeedbackConfig] | Mapping[str, FeedbackConfig],
                 path: str | Path) -> Path:
    """Write configs (with their rubric items) to ``.yaml``/``.yml`` or ``.json``.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "feedback.yaml")
    >>> _ = save_configs([FeedbackConfig("rating", "numeric", min=1, max=5)], p)
    >>> load_configs(p)["rating"].max
    5
    """
    path = Path(path)
    payload = {"feedback_configs": [c.to_dict() for c in _configs_list(configs)]}
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        yaml = import_optional("yaml", feature="save_configs (YAML)")
        text = yaml.safe_dump(payload, sort_keys=False, allow_unicode=True)
    elif suffix == ".json":
        text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    else:
        msg = f"save_configs: {path} must end in .yaml, .yml or .json (got {suffix or 'no suffix'!r})."
        raise ValueError(msg)
    path.write_text(text, encoding="utf-8")
    return path


def load_configs(path: str | Path) -> dict[str, FeedbackConfig]:
    """Read configs written by :func:`save_configs` (or by hand) into ``{name: FeedbackConfig}``.

    The file holds ``feedback_configs:`` followed by a list of mappings with the
    constructor's keyword names (a bare list is accepted too).

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; unknown suffix, malformed content or an invalid config (the
        message names the file and the config).
    """
    path = Path(path)
    if not path.is_file():
        msg = f"load_configs: no such file {path}."
        raise FileNotFoundError(msg)
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            data = import_optional("yaml", feature="load_configs (YAML)").safe_load(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            msg = f"load_configs: {path} must end in .yaml, .yml or .json."
            raise ValueError(msg)
    except ValueError:
        raise
    except Exception as exc:
        msg = f"load_configs: {path} is not valid {suffix[1:].upper()}: {exc}"
        raise ValueError(msg) from exc
    items = data.get("feedback_configs") if isinstance(data, Mapping) else data
    if not isinstance(items, list):
        msg = f"load_configs: {path} must hold a list under 'feedback_configs'; got {type(items).__name__}."
        raise ValueError(msg)
    out: dict[str, FeedbackConfig] = {}
    for i, d in enumerate(items):
        if not isinstance(d, Mapping):
            msg = f"load_configs: {path}, entry {i} is a {type(d).__name__}, expected a mapping."
            raise ValueError(msg)
        try:
            cfg = FeedbackConfig.from_dict(d)
        except (ValueError, TypeError) as exc:
            msg = f"load_configs: {path}, entry {i}: {exc}"
            raise ValueError(msg) from exc
        if cfg.name in out:
            msg = f"load_configs: {path} defines {cfg.name!r} twice (entries must have unique names)."
            raise ValueError(msg)
        out[cfg.name] = cfg
    return out
