# `make run` and `make test` are all a user needs: both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench lock clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/careerbot run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/matcher_bench.py
	$(BIN)/python benchmarks/layer_rebuild_bench.py
	$(BIN)/python benchmarks/progress_bench.py
	$(BIN)/python benchmarks/knowledge_cache_bench.py
	$(BIN)/python benchmarks/loop_stall_bench.py
	$(BIN)/python benchmarks/startup_bench.py

# The Docker image installs from requirements.lock: regenerate it when pyproject.toml changes.
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.12 \
		--python-platform x86_64-unknown-linux-gnu -o requirements.lock

clean:
	rm -rf $(VENV) build *.egg-info
