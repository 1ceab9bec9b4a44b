# The two entry points of the README. Each one bootstraps, configures and builds first.
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: all bootstrap configure build demo test bench install package clean

all: build

bootstrap:
	@./tools/bootstrap.sh

CONFIGURE = cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

configure: bootstrap
	@$(CONFIGURE)

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
	@$(BUILD)/tests/bench/first_minute_bench
	@$(BUILD)/tests/bench/restart_bench
	@$(BUILD)/tools/shoal sim tools/sim/scenarios/default.json --out $(BUILD)/bench-sim

# install never installs Debian packages (no bootstrap): a missing dependency stops CMake's
# configure step with its name. PREFIX=/opt/shoal installs elsewhere (default /usr/local).
install:
	@$(CONFIGURE)
	@cmake --build $(BUILD) -j $(JOBS)
	@cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

# build/shoal_<version>_amd64.deb (tools/package_smoke.sh installs and checks it).
package: build
	@cd $(BUILD) && cpack -G DEB

clean:
	rm -rf $(BUILD)
