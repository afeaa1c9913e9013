"""Benchmarks: each ``bench_<area>.py`` compares feedback_lab with the peer tool in one run."""
