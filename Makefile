# The two commands: `make run` starts the device, `make test` runs the checks and the tests.
# Each creates .venv, installs ambient into it and fetches the models on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: run test lint models install benchmarks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

models: $(STAMP)
	$(PY) -m ambient models fetch

run: models
	$(PY) -m ambient run --demo $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check ambient tests benchmarks
	$(VENV)/bin/ruff format --check ambient tests benchmarks
	$(VENV)/bin/mypy

test: models lint
	$(PY) -m pytest $(ARGS)

benchmarks: models
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(PY) benchmarks/audio_path.py
	$(PY) benchmarks/wakeword.py
	$(PY) benchmarks/wakeword_adapt.py
	$(PY) benchmarks/wakeword_confirm.py
	$(PY) benchmarks/stt.py
	$(PY) benchmarks/latency.py
	$(PY) benchmarks/presence.py
	$(PY) benchmarks/face_detectors.py
	$(PY) benchmarks/liveness.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
