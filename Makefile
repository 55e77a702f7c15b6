# The README's commands. Each target installs missing Debian packages first (idempotent).
#   make demo      build (release) and run the flagship example
#   make test      build (release, -Werror) and run the whole test suite
#   make sanitize  ASan + UBSan build running the tests
#   make bench     Google Benchmark programs; see bench/RESULTS.md
#   make fuzz      libFuzzer on the file readers, FUZZ_SECONDS (600) each; see fuzz/README.md
#   make fuzz-smoke  each fuzzer for a few seconds over its committed corpus (part of make test)
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 600
NABLA_DATA ?= ../shared/data
# Absolute, so that tests running in the build tree find the same folder (CI passes ../shared/data).
override NABLA_DATA := $(abspath $(NABLA_DATA))
export NABLA_DATA

.PHONY: all deps build demo test sanitize bench fuzz fuzz-smoke format format-check clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

demo: build
	@echo "make demo: nabla's flagship example, the Keras MNIST convnet trained for 3 epochs."
	@build/release/examples/mnist_cnn --epochs 3 --data $(NABLA_DATA)/mnist

test: build
	@ctest --preset release -j $(JOBS)
	@JOBS=$(JOBS) fuzz/run.sh smoke 3

fuzz: build
	@JOBS=$(JOBS) fuzz/run.sh fuzz $(FUZZ_SECONDS)

fuzz-smoke: build
	@JOBS=$(JOBS) fuzz/run.sh smoke 3

sanitize: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan -j $(JOBS)

bench: build
	@bench/run.sh build/release

format: deps
	@git ls-files '*.cpp' '*.hpp' '*.cu' '*.cuh' | xargs clang-format -i

format-check: deps
	@git ls-files '*.cpp' '*.hpp' '*.cu' '*.cuh' | xargs clang-format --dry-run --Werror

clean:
	@rm -rf build
