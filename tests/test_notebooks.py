"""Every notebook template runs top to bottom on the sample data with the real embedding model.

Notebooks run in one kernel process each (nbclient), with the embedding cache and numba's
compilation cache shared across them so that only the first pays for embedding and JIT.
Their assertion cells check the planted truths of sample_data/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))

pytestmark = pytest.mark.model


@pytest.fixture(scope="module", autouse=True)
def _shared_caches(tmp_path_factory):
    keep = {k: os.environ.get(k) for k in ("FEEDBACK_LAB_CACHE_DIR", "NUMBA_CACHE_DIR", "MPLBACKEND")}
    os.environ.setdefault("FEEDBACK_LAB_CACHE_DIR", str(tmp_path_factory.mktemp("embed-cache")))
    os.environ.setdefault("NUMBA_CACHE_DIR", str(tmp_path_factory.mktemp("numba-cache")))
    yield
    for k, v in keep.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def test_templates_are_committed_without_outputs_and_up_to_date():
    assert NOTEBOOKS, "no notebook templates found"
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{path.name} has outputs"
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1, f"{path.name}: exactly one cell must be tagged 'parameters'"
        src = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "import feedback_lab as fl" in src and "feedback_lab." not in src.replace("import feedback_lab as fl", ""), (
            f"{path.name}: templates use only the public API (import feedback_lab as fl)"
        )
    check = subprocess.run([sys.executable, str(REPO / "scripts" / "build_notebooks.py"), "--check"],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    # outputs go to a temporary folder, not into the repository
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            cell.source += f'\nOUT_DIR = {str(tmp_path / "out")!r}\n'
    client = NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
