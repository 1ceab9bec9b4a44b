# The two entry points of the README. Each one bootstraps, configures and builds first.
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 180
FUZZ_OUT ?= $(FUZZ_BUILD)/fuzz-out

.PHONY: all bootstrap configure build demo test bench install package clean fuzz

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
	@$(BUILD)/tests/bench/service_progress_bench
	@$(BUILD)/tests/bench/transfer_bench
	@$(BUILD)/tests/bench/http_bench 1024 5  # issue 14: 1 GiB, nginx ratio
	@$(BUILD)/tests/bench/first_minute_bench
	@$(BUILD)/tests/bench/first_minute_bench 5 --lsd  # as root: the CLI's default listen (LSD on)
	@$(BUILD)/tests/bench/restart_bench
	@$(BUILD)/tests/bench/apt_fleet_bench 8 24 16  # issue 12: plain, apt-cacher-ng, shoal node
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

# libFuzzer targets (tests/fuzz) built with clang, ASan and UBSan in $(FUZZ_BUILD), each run
# for $(FUZZ_SECONDS) s on its seed corpus; new inputs and findings go to $(FUZZ_OUT).
fuzz: bootstrap
	@cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSHOAL_FUZZ=ON \
	  -DSHOAL_BUILD_TESTS=OFF -DSHOAL_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target shoal_fuzz
	@tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_OUT)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
