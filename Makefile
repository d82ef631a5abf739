# A thin layer over CMake: every target here is a cmake/ctest call a developer could type.
# The README's two commands are `make run` and `make test`; both install missing Debian
# packages first (deploy/install-deps.sh), so a fresh Debian 12 machine needs nothing else.

BUILD_TYPE ?= Release
BUILD_DIR  ?= build/release
JOBS       ?= $(shell nproc)
CONFIG     ?= config/stitch.yaml
CMAKE_ARGS ?=
# Seconds each fuzzer runs in `make fuzz`.
FUZZ_SECONDS ?= 30

SHARED_BENCH ?= $(abspath ../shared/bench)

configure = cmake -S . -B $(1) -G Ninja -DCMAKE_BUILD_TYPE=$(2) $(3) $(CMAKE_ARGS) >/dev/null

.PHONY: all deps deps-dev deps-bench build run test test-unit test-integration check-sanitize \
        demo bench bench-e2e bench-ingest fuzz clang format format-check tidy clean config-docs

all: build

deps:
	@deploy/install-deps.sh build

deps-dev: deps
	@deploy/install-deps.sh dev

deps-bench: deps
	@deploy/install-deps.sh bench

build: deps
	@$(call configure,$(BUILD_DIR),$(BUILD_TYPE))
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Starts stitchd in the foreground with the default config (loopback only). Ctrl-C stops it.
run: build
	exec $(BUILD_DIR)/daemon/stitchd --config $(CONFIG)

# stitchd and the Node.js demo services; prints a failing and a slow trace (deploy/demo/run.sh).
demo: build
	STITCHD=$(abspath $(BUILD_DIR)/daemon/stitchd) STITCH=$(abspath $(BUILD_DIR)/daemon/stitch) \
	  deploy/demo/run.sh

# The whole suite: unit, config, integration and end-to-end tests, fuzz-corpus replays.
test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 600

test-unit: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) -L unit

test-integration: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) -L integration

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (gcc), in their own tree.
check-sanitize: deps
	@$(call configure,build/sanitize,Debug,-DSTITCH_SANITIZE=ON -DSTITCH_BUILD_BENCH=OFF -DSTITCH_WERROR=OFF)
	cmake --build build/sanitize -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --test-dir build/sanitize --output-on-failure -j $(JOBS) -L unit

# Google Benchmark micro-benchmarks (tests/bench). Results go to docs/performance.md by hand.
bench: build
	@for b in $(BUILD_DIR)/tests/bench/*_bench; do echo "== $$b"; $$b --benchmark_min_time=0.5; done

# The whole pipeline against rsyslog and syslog-ng through ../shared/bench/run_all.sh.
bench-e2e: build deps-bench
	SHARED_BENCH=$(SHARED_BENCH) STITCHD=$(abspath $(BUILD_DIR)/daemon/stitchd) \
	  tests/bench/e2e/run.sh

# stitchd's ingest against rsyslog and syslog-ng (TCP full speed, UDP at 100k records/s).
bench-ingest: build deps-bench
	SHARED_BENCH=$(SHARED_BENCH) STITCHD=$(abspath $(BUILD_DIR)/daemon/stitchd) \
	  tests/bench/ingest_race.sh

# libFuzzer targets (clang), each run for FUZZ_SECONDS on its seed corpus.
fuzz: deps-dev
	@$(call configure,build/fuzz,RelWithDebInfo,-DCMAKE_CXX_COMPILER=clang++ -DSTITCH_FUZZ=ON -DSTITCH_BUILD_BENCH=OFF)
	cmake --build build/fuzz -j $(JOBS)
	@for f in build/fuzz/tests/fuzz/*_fuzz; do \
	  name=$$(basename $$f); mkdir -p build/fuzz/corpus/$$name; \
	  echo "== $$name ($(FUZZ_SECONDS)s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 build/fuzz/corpus/$$name \
	      tests/fuzz/corpus/$$name || exit 1; \
	done

# The same tree built with clang 14, to keep both compilers clean.
clang: deps-dev
	@$(call configure,build/clang,Release,-DCMAKE_CXX_COMPILER=clang++)
	cmake --build build/clang -j $(JOBS)

# Rewrites the generated halves of config/stitch.yaml and docs/configuration.md from the
# schemas in config/sections/ (a unit test fails when they are stale).
config-docs: build
	cmake --build $(BUILD_DIR) --target config-docs

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

format-check:
	git ls-files '*.h' '*.cc' | xargs clang-format --dry-run -Werror

tidy: build
	git ls-files 'core/*.cc' 'config/*.cc' 'daemon/*.cc' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf build
