"""Build the notebook templates in notebooks/ from the cell lists in scripts/_notebooks/*.py.

    python scripts/build_notebooks.py          # write notebooks/*.ipynb (outputs empty)
    python scripts/build_notebooks.py --check  # exit 1 if a committed notebook differs

Keeping the source as Python lists keeps diffs readable; the committed .ipynb files are
what users open. Cells are ("md", text), ("code", text) or ("params", text) — the latter is
tagged ``parameters`` (papermill convention).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(__file__).resolve().parent / "_notebooks"
OUT = ROOT / "notebooks"


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, text) in enumerate(cells):
        text = text.strip("\n")
        if kind == "md":
            cell = nbformat.v4.new_markdown_cell(text)
        else:
            cell = nbformat.v4.new_code_cell(text)
            if kind == "params":
                cell.metadata["tags"] = ["parameters"]
            if kind == "check":
                cell.metadata["tags"] = ["assertions"]
        cell["id"] = f"cell-{i:02d}"
        nb.cells.append(cell)
    return nb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    stale = []
    for src in sorted(SRC.glob("*.py")):
        spec = importlib.util.spec_from_file_location(src.stem, src)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        text = nbformat.writes(build(mod.CELLS)) + "\n"
        dest = OUT / f"{src.stem}.ipynb"
        if args.check:
            if not dest.exists() or dest.read_text() != text:
                stale.append(dest.name)
        else:
            dest.write_text(text)
            print(f"wrote {dest.relative_to(ROOT)}")
    if stale:
        print(f"out of date (run python scripts/build_notebooks.py): {stale}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
