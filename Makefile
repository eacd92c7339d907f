# Two commands set up a fresh machine:  `make run`  and  `make test`.
# Every target is idempotent: the venv is rebuilt only when pyproject.toml changes.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH_VERSION ?= 2.13.0
# Leave empty to take torch from PyPI/pip's configured find-links (the local CPU build on
# this machine). For a CPU-only build elsewhere on Linux: TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_INDEX ?=

.PHONY: install run test lint model-test package check-package bench screenshots clean help

help:
	@echo "make run      set up .venv (first time) and start the desktop app"
	@echo "make test     set up .venv (first time) and run the whole test suite headless"
	@echo "make package  build the PyInstaller one-folder app into dist/"

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "torch==$(TORCH_VERSION)"
	$(BIN)/python -m pip install --quiet -e ".[training,dev,package]"
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python main.py

test: $(STAMP)
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -p no:cacheprovider; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check triage_app tests benchmarks main.py
	$(BIN)/lint-imports

package: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --clean pyinstaller.spec

check-package: package
	scripts/check_package.sh

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all

screenshots: $(STAMP)
	xvfb-run -a $(BIN)/python scripts/screenshots.py

clean:
	rm -rf build dist .pytest_cache
