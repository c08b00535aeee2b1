# The test command of README.md and CI: formatting, vet, the race-enabled
# tests of every module (with real servers from tools/services), the
# end-to-end tests against a real collector, the benchmarks once, and short
# fuzzing of every parser.
.PHONY: test check unit unit-modules unit-go125 e2e fuzz-smoke bench-smoke bench-modules quickstart

# Every Go module of the repository (the SDK at ".", nested plugin and tool
# modules), except tools/zipkin-server, which only builds the collector.
MODULES := $(shell find . -name go.mod -not -path './tools/zipkin-server/*' -not -path '*/testdata/*' -printf '%h\n' | sort)

test: check unit bench-smoke fuzz-smoke

# The SDK module's tests on the older Go release the Go team supports too
# (run by unit, with the servers up). The doc-snippet builds are left to the
# Go 1.26 run: they build nested modules, which need Go 1.26.
unit-go125:
	GOTOOLCHAIN=go1.25.14 go test -count=1 -skip 'TestDocSnippetsCompile|TestCheckerCatchesBadSnippets' ./...

check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@set -e; for m in $(MODULES); do echo "go vet $$m"; (cd $$m && go vet ./...); done

# Starts the servers of tools/services (PostgreSQL, MariaDB, Redis, RabbitMQ,
# ...) and the Jaeger collector of tools/zipkin-server on 127.0.0.1, runs
# every module's tests (the end-to-end ones included) with
# SOFA_TEST_REQUIRED=1 and SOFA_TRACER_E2E_REQUIRED=1 (a test whose server is
# missing fails rather than skips), stops them.
unit:
	bash tools/services/run.sh test bash tools/zipkin-server/run.sh exec $(MAKE) --no-print-directory unit-modules unit-go125

# Every module is tested even when an earlier one fails; the failures are
# listed at the end.
unit-modules:
	@fail=""; for m in $(MODULES); do echo "go test -race $$m"; (cd $$m && go test -race -count=1 ./...) || fail="$$fail $$m"; done; \
	if [ -n "$$fail" ]; then echo "FAIL in:$$fail"; exit 1; fi

# Only the SDK's end-to-end tests through a real Jaeger (Zipkin v2 and OTLP)
# on 127.0.0.1 (unit runs them too): builds or reuses the binary, starts it,
# runs ./e2e/ (which fails, not skips, when the collector is missing), stops it.
e2e:
	bash tools/zipkin-server/run.sh test -count=1 -race

# The benchmarks compile and run once each; timing is never asserted.
bench-smoke:
	bash tools/services/run.sh test bash tools/zipkin-server/run.sh exec $(MAKE) --no-print-directory bench-modules

bench-modules:
	@set -e; for m in $(MODULES); do echo "go test -bench $$m"; (cd $$m && go test -run '^$$' -bench . -benchtime 1x ./...); done

# Each fuzz target for a fixed number of executions (a few seconds each);
# findings land in testdata/fuzz. A count, not a duration: with a duration,
# Go 1.26's fuzz coordinator can fail a target with "context deadline
# exceeded" at the deadline on a loaded machine (golang/go#75804).
FUZZTIME ?= 20000x
fuzz-smoke:
	@set -e; for m in $(MODULES); do \
	  for pkg in $$(cd $$m && go list ./...); do \
	    dir=$$(cd $$m && go list -f '{{.Dir}}' $$pkg); \
	    for t in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
	      echo "fuzz $$pkg $$t"; \
	      (cd $$m && go test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg) || exit 1; \
	    done; \
	  done; \
	done

quickstart:
	go run ./examples/quickstart
