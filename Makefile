# tsize — build entry points. Every target installs missing Debian packages first (make deps).
MAKEFLAGS += --no-print-directory
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= 2
DEMO_MODEL ?= gpt2-xl

FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all deps build test test-asan demo bench fuzz tidy clean python web test-web

all: build

deps:
	@bash scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The Python module (pybind11, Debian's python3): python/tsize, importable with
# PYTHONPATH=python. `make test` builds it and runs its tests (ctest's python.module).
python: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target _tsize
	@echo "tsize: built python/tsize; use it with PYTHONPATH=$(CURDIR)/python python3"

# The web page: the library as WebAssembly (Debian's emscripten) and the static site, in
# $(WEB_BUILD)/ (open $(WEB_BUILD)/index.html through any static server).
WEB_BUILD ?= build-web
WEB_FILES := web/index.html web/app.js web/style.css
web:
	@bash scripts/deps.sh web
	@NODE_PATH=/usr/share/nodejs emcmake cmake -S . -B $(WEB_BUILD)/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
	@NODE_PATH=/usr/share/nodejs cmake --build $(WEB_BUILD)/wasm -j $(JOBS) --target tsize_wasm
	@cp $(WEB_FILES) $(WEB_BUILD)/wasm/tsize.js $(WEB_BUILD)/wasm/tsize.wasm $(WEB_BUILD)/
	@echo "tsize: the page is in $(WEB_BUILD)/ (serve it: python3 -m http.server -d $(WEB_BUILD))"

# Drives the page in headless Chromium and checks its numbers against the CLI's (web/test/).
test-web: web build
	@bash scripts/deps.sh test-web
	@cd web/test && npm ci --no-audit --no-fund --silent
	@node web/test/page_test.mjs $(WEB_BUILD) $(BUILD)/tsize

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTSIZE_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

# Builds only the binary it runs (not the tests and benchmarks).
demo: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target tsize
	@./$(BUILD)/tsize report $(DEMO_MODEL)

bench: build
	@./$(BUILD)/tsize_bench
	@PYTHONPATH=python /usr/bin/python3 bench/python_bench.py  # the same calls from Python

# libFuzzer (clang-14): the config.json loader, the command line and the checkpoint headers
# (safetensors, GGUF), FUZZ_SECONDS each.
# A crash leaves its input in $(FUZZ_BUILD)/crash-*: fix it, then keep the input in
# fuzz/regressions/ so `make test` replays it.
fuzz:
	@bash scripts/deps.sh fuzz
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DTSIZE_FUZZ=ON -DTSIZE_TESTS=OFF -DTSIZE_BENCH=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_config fuzz_args fuzz_checkpoint
	@mkdir -p $(FUZZ_BUILD)/corpus/config $(FUZZ_BUILD)/corpus/args $(FUZZ_BUILD)/corpus/checkpoint
	@cp models/*.json tests/data/hf-configs/*.json $(FUZZ_BUILD)/corpus/config/
	@cp fuzz/corpus/args/* $(FUZZ_BUILD)/corpus/args/
	@cp fuzz/regressions/config/* $(FUZZ_BUILD)/corpus/config/ 2>/dev/null || true
	@cp fuzz/regressions/args/* $(FUZZ_BUILD)/corpus/args/ 2>/dev/null || true
	@cp fuzz/corpus/checkpoint/* $(FUZZ_BUILD)/corpus/checkpoint/
	./$(FUZZ_BUILD)/fuzz_config -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	  -artifact_prefix=$(FUZZ_BUILD)/crash-config- $(FUZZ_BUILD)/corpus/config
	./$(FUZZ_BUILD)/fuzz_args -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	  -artifact_prefix=$(FUZZ_BUILD)/crash-args- $(FUZZ_BUILD)/corpus/args
	./$(FUZZ_BUILD)/fuzz_checkpoint -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	  -artifact_prefix=$(FUZZ_BUILD)/crash-checkpoint- $(FUZZ_BUILD)/corpus/checkpoint

# clang-tidy with the project's .clang-tidy over the library and the CLI.
tidy: build
	@for f in $$(git ls-files 'src/*.cpp'); do \
	  clang-tidy -p $(BUILD) --quiet --extra-arg=-Wno-unknown-warning-option $$f 2>/dev/null; \
	done

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(WEB_BUILD)
