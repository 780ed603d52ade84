# tsize — build entry points. Every target installs missing Debian packages first (make deps).
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= 2
DEMO_MODEL ?= gpt2-xl

.PHONY: all deps build test test-asan demo bench fuzz clean

all: build

deps:
	@bash scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTSIZE_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	@./$(BUILD)/tsize report $(DEMO_MODEL)

bench: build
	@./$(BUILD)/tsize_bench

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
