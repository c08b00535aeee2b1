# The test command of README.md and CI: formatting, vet, the race-enabled
# tests of every package, and short fuzzing of every parser.
.PHONY: test check unit e2e fuzz-smoke bench-smoke quickstart

test: check unit e2e bench-smoke fuzz-smoke

check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	cd bench && go vet ./...

# End-to-end tests through a real Jaeger (Zipkin v2 API) on 127.0.0.1:
# builds or reuses the binary, starts it, runs ./e2e/ (which fails, not
# skips, when the collector is missing), stops it.
e2e:
	bash tools/zipkin-server/run.sh test -count=1 -race

# The benchmarks compile and run once each; timing is never asserted.
bench-smoke:
	go test -run '^$$' -bench . -benchtime 1x ./...
	cd bench && go test -run '^$$' -bench . -benchtime 1x ./...

unit:
	go test -race -count=1 ./...

# Each fuzz target for a fixed number of executions (a few seconds each);
# findings land in testdata/fuzz. A count, not a duration: with a duration,
# Go 1.26's fuzz coordinator can fail a target with "context deadline
# exceeded" at the deadline on a loaded machine (golang/go#75804).
FUZZTIME ?= 20000x
fuzz-smoke:
	@for pkg in $$(go list ./...); do \
	  dir=$$(go list -f '{{.Dir}}' $$pkg); \
	  for t in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
	    echo "fuzz $$pkg $$t"; \
	    go test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

quickstart:
	go run ./examples/quickstart
