"""A local Ray instance for tests/scale (2 CPUs, no dashboard, loopback), started once and shut down after."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def ray_local():
    try:
        import ray
        import ray.data
    except ImportError as exc:
        pytest.skip(f"Ray is not installed ({exc}); install it with: pip install 'feedback_lab[ray]'")
    # Ray workers are separate processes: make them import this checkout of feedback_lab
    os.environ["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
    started = not ray.is_initialized()
    if started:
        errors = []
        # Ray's raylet gives its agents a fixed 15-30 s to start (ray-project/ray#65983); on an
        # overloaded machine the first try can time out, so try three times before skipping.
        for _ in range(3):
            try:
                ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
                         log_to_driver=False, configure_logging=False)
                break
            except Exception as exc:  # Ray raises a bare Exception on startup timeout
                errors.append(f"{type(exc).__name__}: {exc}")
                ray.shutdown()
        else:
            from feedback_lab.scale._common import ray_start_hint

            pytest.skip(f"a local Ray instance could not start: {errors[-1]}{ray_start_hint()}")
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    yield ray
    if started:
        ray.shutdown()


@pytest.fixture(scope="session")
def sample_traces():
    """200 generated traces (pandas), with the planted failure modes and drift of the sample data."""
    import feedback_lab as fl

    return fl.sample_data.generate(n_traces=200).traces.to_pandas()


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("emb_cache")


@pytest.fixture(scope="session")
def local_embeddings(sample_traces, cache_dir):
    """``fl.embed`` of the outputs in one process, cache off (the reference)."""
    import feedback_lab as fl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(fl.embed(sample_traces["output"], cache=False))
