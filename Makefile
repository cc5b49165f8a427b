# The front door. `make test` is the test command (README, .ci/run).
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CTEST_ARGS ?=
# How long each load-suite case runs under `make test` (ctest label `load`).
LOAD_TEST_DURATION ?= 2s
# Every build (plain, sanitizer, fuzz) compiles through ccache when it is
# installed (ci/install-deps.sh brings it): paths count relative to the
# checkout, so any clone on the machine reuses what another compiled.
CCACHE := $(shell command -v ccache)
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
CMAKE_LAUNCHER = $(if $(CCACHE),-DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE))

.PHONY: all deps configure build test unit integration bench peers clean format package

all: build

deps:
	@ci/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_LAUNCHER)

configure: $(BUILD_DIR)/build.ninja

build: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && LOADGATE_DURATION=$(LOAD_TEST_DURATION) ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

integration: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L integration

# Sanitizer builds, each in its own directory, at -O1 with line numbers:
#   make asan  AddressSanitizer + UndefinedBehaviorSanitizer over the unit and
#              integration labels (not `container`: its images carry the
#              plain build's binaries, not the sanitizer runtimes). A leak or
#              the first error of either fails the test.
#   make tsan  ThreadSanitizer over the tests of the concurrent parts: the
#              engine, the live view, the stack fixtures and both services.
# Only the tests and the binaries they start are built (loadgate, mock-llm,
# sample-app). Every process writes its reports to $(DIR)/sanitizer-logs/
# (the services a test starts, too, whose exit status a test may not look
# at); any report there fails the target.
# No suppressions are needed; one would be for third-party code only, with
# its reason.
ASAN_DIR ?= build-asan
TSAN_DIR ?= build-tsan
SANITIZER_FLAGS_asan = -fsanitize=address,undefined -fno-sanitize-recover=all
SANITIZER_FLAGS_tsan = -fsanitize=thread
ALL_TESTS = $(basename $(notdir $(wildcard tests/unit/*_test.cc tests/integration/*_test.cc)))
# (CMake targets carry a loadgate_ prefix: tests/unit/metrics_test.cc is
# loadgate_metrics_test, bin/mock-llm is loadgate_mock_llm.)
ASAN_TESTS = $(addprefix loadgate_,$(ALL_TESTS))
TSAN_TESTS = $(addprefix loadgate_,$(filter engine_% coordinated_omission_test load_test_fixture_test \
	live_% fixtures_% mock_llm_% app_% services_%,$(ALL_TESTS)))
SANITIZER_BINARIES = loadgate_cli loadgate_mock_llm loadgate_sample_app

# $(call sanitizer_build,asan|tsan,DIR,TEST_TARGETS)
define sanitizer_build
	cmake -S . -B $(2) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
	  -DCMAKE_CXX_FLAGS="$(SANITIZER_FLAGS_$(1)) -fno-omit-frame-pointer" \
	  -DCMAKE_EXE_LINKER_FLAGS="$(SANITIZER_FLAGS_$(1))" \
	  $(CMAKE_LAUNCHER)
	cmake --build $(2) -j $(JOBS) --target $(3) $(SANITIZER_BINARIES)
endef

# $(call sanitizer_test,DIR,ENVIRONMENT): the unit and integration tests
# built in DIR (one not built there has no label, so -L leaves it out).
define sanitizer_test
	@rm -rf $(1)/sanitizer-logs && mkdir -p $(1)/sanitizer-logs
	cd $(1) && $(2) \
	  ctest --output-on-failure -j $(JOBS) -L 'unit|integration' -LE container $(CTEST_ARGS); \
	status=$$?; for log in $$(grep -ls 'ERROR: \|WARNING: \|runtime error' sanitizer-logs/*); do \
	  echo "== $(1)/$$log"; cat $$log; status=1; done; exit $$status
endef
ASAN_LOGS = $(abspath $(ASAN_DIR))/sanitizer-logs
TSAN_LOGS = $(abspath $(TSAN_DIR))/sanitizer-logs

.PHONY: asan asan-build tsan tsan-build

asan-build: deps
	$(call sanitizer_build,asan,$(ASAN_DIR),$(ASAN_TESTS))

asan: asan-build
	$(call sanitizer_test,$(ASAN_DIR),\
	  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:log_path=$(ASAN_LOGS)/asan \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$(ASAN_LOGS)/ubsan)

tsan-build: deps
	$(call sanitizer_build,tsan,$(TSAN_DIR),$(TSAN_TESTS))

tsan: tsan-build
	$(call sanitizer_test,$(TSAN_DIR),\
	  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:log_path=$(TSAN_LOGS)/tsan)

# The Debian package (CLI, libraries, headers, CMake package) in
# $(BUILD_DIR)/packages/ (cmake/package.cmake); `ctest -R PackageDeb`
# installs it into a clean Debian container and builds a consumer there.
package: build
	cmake --build $(BUILD_DIR) --target package

# The `loadgate` CLI image (compose/Containerfile.cli) from this build's
# binary: localhost/loadgate-cli:latest and :<version>.
.PHONY: cli-image
cli-image: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target loadgate_cli
	LOADGATE_BIN_DIR=$(abspath $(BUILD_DIR))/bin compose/local-stack.sh build-cli

bench: build
	@for b in $(BUILD_DIR)/bin/*_bench; do echo "== $$b"; $$b --benchmark_min_time=0.2; done

# loadgate against wrk on a private nginx (see bench/peers.sh).
peers: build
	bench/peers.sh

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)

# Load tests (suites/). With no HOST the suite starts the embedded stack
# (mock LLM + sample app as local processes); HOST=http://host:port runs it
# against an application already running there. Each run goes to
# results/<UTC timestamp>/ (JSON and CSV reports, GoogleTest XML, the SLO
# JUnit file, report.html), with results/latest pointing at it;
# LOADGATE_DURATION=5s shortens every preset.
RESULTS_DIR ?= results
LOADGATE ?= $(BUILD_DIR)/bin/loadgate
LOAD_SUITES = db_api_load chat_api_load llm_load scale_load
LOAD_STACK_ENV = $(if $(HOST),LOADGATE_STACK=external LOADGATE_APP_URL=$(HOST))
# load-test-web: the live page's port, how long it stays up after the run,
# and which suite and tests it shows.
LIVE_PORT ?= 8089
LIVE_LINGER ?= 60s
SUITE ?= db_api
FILTER ?= *
# make baseline: the suites recorded into ci/baselines/ and for how long
# each case runs (CI must run them for as long: ci/github/load-tests.yml).
# BASELINE_REPEAT > 1 records that many runs into ci/baselines/run-K/, from
# which the gate measures the run-to-run spread; 1 keeps one flat run.
BASELINE_SUITES ?= db_api chat_api llm
BASELINE_DURATION ?= 10s
BASELINE_DIR ?= ci/baselines
BASELINE_REPEAT ?= 1

# $(call run_load_suite,SUITE,GTEST_FILTER[,EXTRA_ENV])
# Ctrl-C stops the suite (the running test fails, the rest are skipped); the
# shell outlives it (trap) to write the HTML report and the table anyway.
define run_load_suite
	@[ -x $(BUILD_DIR)/bin/$(1)_load ] || { echo "no load suite \"$(1)\" (suites/ has:" \
	  $$(ls suites | grep -v '\.') ")" >&2; exit 2; }; \
	stamp=$$(date -u +%Y%m%dT%H%M%SZ); dir=$(RESULTS_DIR)/$$stamp; \
	mkdir -p $$dir && ln -sfn $$stamp $(RESULTS_DIR)/latest; \
	trap 'echo; echo "interrupted: writing the reports of what ran"' INT; \
	LOADGATE_REPORT_DIR=$$dir LOADGATE_SLO_JUNIT=$$dir/$(1)_load.slo.xml \
	  $(LOAD_STACK_ENV) $(3) $(BUILD_DIR)/bin/$(1)_load \
	  --gtest_filter='$(2)' --gtest_output=xml:$$dir/$(1)_load.xml; status=$$?; \
	LOADGATE=$(LOADGATE) ci/load-report.sh $$dir; \
	echo; ci/load-results.py $$dir; exit $$status
endef

.PHONY: install-load-tests load-build load-test-db-api load-test-chat \
	load-test-db-api-10rps load-test-db-api-100rps load-test-db-api-1000rps \
	load-test-chat-10rps load-test-chat-100rps load-test-chat-1000rps \
	load-test-scale load-test-web load-test-report load-test-results baseline

install-load-tests: build

# Configures again so suite folders added since the last configure are built.
load-build: deps configure
	@cmake -S . -B $(BUILD_DIR) > /dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS) --target $(addprefix loadgate_,$(LOAD_SUITES)) \
	  loadgate_mock_llm loadgate_sample_app loadgate_cli

load-test-db-api: load-build
	$(call run_load_suite,db_api,*)

load-test-db-api-10rps: load-build
	$(call run_load_suite,db_api,*rps_10)

load-test-db-api-100rps: load-build
	$(call run_load_suite,db_api,*rps_100)

load-test-db-api-1000rps: load-build
	$(call run_load_suite,db_api,*rps_1000)

load-test-chat: load-build
	$(call run_load_suite,chat_api,*)

load-test-chat-10rps: load-build
	$(call run_load_suite,chat_api,*rps_10)

load-test-chat-100rps: load-build
	$(call run_load_suite,chat_api,*rps_100)

load-test-chat-1000rps: load-build
	$(call run_load_suite,chat_api,*rps_1000)

load-test-scale: load-build
	$(call run_load_suite,scale,*)

# A suite with its live page on http://127.0.0.1:$(LIVE_PORT)/.
load-test-web: load-build
	$(call run_load_suite,$(SUITE),$(FILTER),LOADGATE_LIVE=127.0.0.1:$(LIVE_PORT) LOADGATE_LIVE_LINGER=$(LIVE_LINGER))

# The HTML report of the latest run (written by every run; this rewrites it,
# e.g. after a newer loadgate).
load-test-report:
	@LOADGATE=$(LOADGATE) ci/load-report.sh $(RESULTS_DIR)/latest

load-test-results:
	@ci/load-results.py $(RESULTS_DIR)/latest

# Records the baselines the CI gate compares against (ci/gate.sh): each
# suite's JSON reports of BASELINE_REPEAT runs, kept only when every test of
# the suite passed in every run. A suite's new reports replace its old ones
# in either layout (flat or run-K/); it fails when suites recorded with
# different BASELINE_REPEAT left both layouts, which ci/gate.sh refuses.
baseline: load-build
	@case "$(BASELINE_REPEAT)" in ''|*[!0-9]*|0) \
	  echo "baseline: BASELINE_REPEAT=$(BASELINE_REPEAT): expected a whole number >= 1" >&2; exit 2;; esac; \
	scratch=$$(mktemp -d); status=0; \
	for suite in $(BASELINE_SUITES); do \
	  ok=1; \
	  for run in $$(seq 1 $(BASELINE_REPEAT)); do \
	    dir=$$scratch/$$suite/run-$$run; mkdir -p $$dir; \
	    LOADGATE_DURATION=$(BASELINE_DURATION) LOADGATE_REPORT_DIR=$$dir \
	      LOADGATE_SLO_JUNIT=$$dir.slo.xml $(BUILD_DIR)/bin/$${suite}_load || { ok=0; break; }; \
	  done; \
	  if [ $$ok = 0 ]; then \
	    echo "baseline: $$suite failed its SLOs; its baselines are unchanged" >&2; status=1; continue; fi; \
	  for report in $$scratch/$$suite/run-1/*.json; do \
	    rm -f $(BASELINE_DIR)/$$(basename $$report) $(BASELINE_DIR)/run-*/$$(basename $$report); done; \
	  rmdir $(BASELINE_DIR)/run-*/ 2> /dev/null; \
	  for run in $$(seq 1 $(BASELINE_REPEAT)); do \
	    dest=$(BASELINE_DIR); [ $(BASELINE_REPEAT) -gt 1 ] && dest=$(BASELINE_DIR)/run-$$run; \
	    mkdir -p $$dest && cp $$scratch/$$suite/run-$$run/*.json $$dest/; \
	  done; \
	done; rm -rf $$scratch; ls -lR $(BASELINE_DIR); \
	if ls $(BASELINE_DIR)/*.json > /dev/null 2>&1 && ls -d $(BASELINE_DIR)/run-*/ > /dev/null 2>&1; then \
	  echo "baseline: $(BASELINE_DIR) mixes flat reports and run-K/ folders, which ci/gate.sh refuses;" \
	    "record every suite with the same BASELINE_REPEAT" >&2; status=1; fi; \
	exit $$status

# Fuzzing (fuzz/README.md): libFuzzer targets built with clang, ASan and
# UBSan in their own build directory (the main build stays g++). `make fuzz`
# runs every target for FUZZ_SECONDS, `make fuzz-smoke` for
# FUZZ_SMOKE_SECONDS (CI); FUZZ_TARGETS picks some (default: all). New
# inputs go to $(FUZZ_BUILD_DIR)/corpus/, reproducers to fuzz/crashes-found/.
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_CXX ?= clang++-14
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_TARGETS ?=

.PHONY: fuzz-build fuzz fuzz-smoke

fuzz-build:
	@command -v $(FUZZ_CXX) > /dev/null || { echo "fuzz: $(FUZZ_CXX) not found" \
	  "(Debian: apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }
	cmake -S fuzz -B $(FUZZ_BUILD_DIR) -G Ninja -DCMAKE_CXX_COMPILER=$(FUZZ_CXX) \
	  $(CMAKE_LAUNCHER) > /dev/null
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) $(if $(FUZZ_TARGETS),--target $(FUZZ_TARGETS:=_fuzzer))

fuzz: fuzz-build
	fuzz/run.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	fuzz/run.sh $(FUZZ_BUILD_DIR) $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)
