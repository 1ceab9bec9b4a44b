# The two entry points of the README. Each one bootstraps, configures and builds first.
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: all bootstrap configure build demo test bench install clean

all: build

bootstrap:
	@./tools/bootstrap.sh

configure: bootstrap
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@$(BUILD)/tools/shoal demo

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300

bench: build
	@$(BUILD)/tests/bench/progress_bench
	@$(BUILD)/tests/bench/transfer_bench
	@$(BUILD)/tests/bench/http_bench
	@$(BUILD)/tests/bench/restart_bench
	@$(BUILD)/tools/shoal sim tools/sim/scenarios/default.json --out $(BUILD)/bench-sim

install: build
	@cmake --install $(BUILD)

clean:
	rm -rf $(BUILD)
