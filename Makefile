# Zwei Befehle genügen: `make run` (Seite starten) und `make test` (alle Tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint relevance bench bytecode clean screenshots vendor-kern

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 oder neuer wird benötigt" if sys.version_info < (3, 11) else 0)'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(MAKE) --no-print-directory bytecode
	touch $(STAMP)

# Compiled bytecode of the package, as `pip install .` writes it for a production install (the
# editable install above does not, and with PYTHONDONTWRITEBYTECODE set every start of the
# server would compile ~30 modules again: 40-90 ms of a cold start).
bytecode:
	$(BIN)/python -m compileall -q src/zwk_kb

# Front-end for the tests only: axe-core (accessibility scans in the browser tests) from npm,
# pinned in package-lock.json. The site itself needs no Node.js: KERN UX (CSS and fonts) is
# vendored in src/zwk_kb/static/vendor/kern and ships in the wheel.
NODE_STAMP := node_modules/.package-lock.json
KERN_SRC := node_modules/@kern-ux/native
KERN_DIR := src/zwk_kb/static/vendor/kern

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "Node.js mit npm wird für die Barrierefreiheits-Tests benötigt (https://nodejs.org)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# Refresh the vendored KERN UX files from the npm package pinned in package.json (then commit).
vendor-kern: $(NODE_STAMP)
	rm -f $(KERN_DIR)/kern.min.css $(KERN_DIR)/LICENSE.md $(KERN_DIR)/fonts/fira-sans.css
	rm -rf $(KERN_DIR)/fonts/fira-sans
	mkdir -p $(KERN_DIR)/fonts/fira-sans
	cp $(KERN_SRC)/dist/kern.min.css $(KERN_SRC)/LICENSE.md $(KERN_DIR)/
	cp $(KERN_SRC)/dist/fonts/fira-sans.css $(KERN_DIR)/fonts/
	for f in $$(grep -o 'FiraSans-[A-Za-z]*\.woff2' $(KERN_SRC)/dist/fonts/fira-sans.css | sort -u); do \
		cp $(KERN_SRC)/dist/fonts/fira-sans/$$f $(KERN_DIR)/fonts/fira-sans/; done
	node -p 'require("./$(KERN_SRC)/package.json").version' > $(KERN_DIR)/VERSION

install: $(STAMP)

run: $(STAMP)
	$(BIN)/zwk-kb serve

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests

# Search quality on three judged sets, per class, beside plain Whoosh: the bundled toolkit, the
# held-out toolkit, and the blind set (queries written by someone who saw only the held-out cards)
relevance: $(STAMP)
	$(BIN)/zwk-kb eval
	$(BIN)/zwk-kb eval --toolkit relevance/heldout --judgments relevance/heldout/judgments.yml
	$(BIN)/zwk-kb eval --toolkit relevance/heldout --judgments relevance/blind/judgments.yml

# Benchmark: 1,000 and 10,000 generated cards, zwk-kb vs. plain Whoosh, targets with PASS/MISS
# (corpora and indexes are kept in .bench/; takes a few minutes)
bench: $(STAMP) bytecode
	$(BIN)/python -m zwk_kb.devtools.bench

# Screenshots of the main pages at 1280 px and 360 px width into screenshots/ (headless Chromium),
# and of the contribution form with errors and its preview at 360 px
screenshots: $(STAMP) $(NODE_STAMP)
	ZWK_KB_SCREENSHOTS=screenshots $(BIN)/python -m pytest tests/test_browser.py \
		tests/test_browser_contribute.py -k "screenshots or 360-js"

clean:
	rm -rf $(VENV) .zwk-index .pytest_cache .ruff_cache .bench
