# CNN Designer: `make run` launches the app, `make test` runs every test.
# Both create .venv on first use and install what is missing into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEPS := pyproject.toml

.PHONY: run test lint typecheck bench screenshots dist clean

$(STAMP): $(DEPS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip -q
	$(BIN)/python -m pip install -e '.[test]' -q
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cnn-designer $(FILE)

# Lint, types, import contract, then the whole suite (GUI tests offscreen, GL tests under Xvfb).
test: $(STAMP)
	$(BIN)/ruff check designer tests benchmarks tools
	$(BIN)/ruff format --check designer tests benchmarks tools
	$(BIN)/mypy designer
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen xvfb-run -a -s "-screen 0 1920x1200x24" $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check designer tests benchmarks tools
	$(BIN)/ruff format --check designer tests benchmarks tools

typecheck: $(STAMP)
	$(BIN)/mypy designer

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# The user guide's screenshots, from the app itself (under xvfb-run when there is no display).
screenshots: $(STAMP)
	$(BIN)/python tools/make_screenshots.py
	$(BIN)/cnn-designer export tests/data/designs/alexnet_paper_224.json --window conv1 --fps 3 -o docs/images/window_conv1_224.gif

# Standalone app folder dist/cnn-designer/ (PyInstaller, in the venv); then a start-up smoke test.
dist: $(STAMP)
	$(BIN)/python -m pip install -q 'pyinstaller>=6.10'
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/cnn-designer.spec
	bash packaging/smoke_test.sh dist/cnn-designer

clean:
	rm -rf $(VENV) build dist *.egg-info
