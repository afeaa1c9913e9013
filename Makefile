# feedback_lab — the two commands of the README:
#   make demo   set up (idempotent) and run the bi-weekly review on sample_data/
#   make test   set up (idempotent) and run the whole test suite
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
# CPU build by default; on a CUDA machine install your own torch into .venv first and it is kept.
TORCH_SPEC ?= torch==2.13.0
PYTEST_ARGS ?= -n 2 --dist loadfile --durations=15 --timeout=1800
# examples per loader fuzz test in `make fuzz` (CI runs 20-40; each run draws new random inputs)
FUZZ_EXAMPLES ?= 1000

.PHONY: setup demo test lint fuzz bench sample-data clean-venv

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	@$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q --disable-pip-version-check "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev]"
	@touch $@

demo: setup
	$(BIN)/python -m feedback_lab.cli demo

test: setup
	@bash scripts/setup_browser.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .  # the package, tests, bench, scripts and the notebooks

fuzz: setup
	FL_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -n 2 -p no:cacheprovider \
	  tests/io/test_fuzz_core.py tests/io/test_fuzz_platforms.py tests/io/test_fuzz_real_exports.py \
	  tests/io/test_langsmith_parquet_fast.py tests/io/test_otlp_proto.py

bench: setup
	$(BIN)/python -m bench --size small

sample-data: setup
	$(BIN)/python -m feedback_lab.sample_data sample_data

clean-venv:
	rm -rf $(VENV)
