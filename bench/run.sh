#!/usr/bin/env bash
# Runs every benchmark of the bench module (sofatracer-go and its peers in
# the same scenarios), saves the raw output and prints benchstat tables.
#
#   ./run.sh                      # -count 5 -cpu 1,2, about 15-30 minutes
#   COUNT=10 CPU=1,2,4 ./run.sh
#   BENCH='BenchmarkA_' COUNT=3 ./run.sh
#   OUT=/tmp/before.txt ./run.sh  # then compare two runs: benchstat before.txt after.txt
#
# Run it on a quiet machine: the numbers of a loaded one are not comparable.
set -euo pipefail
cd "$(dirname "$0")"

COUNT="${COUNT:-5}"
CPU="${CPU:-1,2}"
BENCH="${BENCH:-.}"
BENCHTIME="${BENCHTIME:-1s}"
TIMEOUT="${TIMEOUT:-0}" # the full run takes longer than go test's default 10m
OUT="${OUT:-results/bench-$(date +%Y%m%d-%H%M%S).txt}"
mkdir -p "$(dirname "$OUT")"

echo "# go test -run '^\$' -bench '$BENCH' -benchmem -benchtime $BENCHTIME -count $COUNT -cpu $CPU ./...  > $OUT" >&2
go test -run '^$' -bench "$BENCH" -benchmem -benchtime "$BENCHTIME" -count "$COUNT" -cpu "$CPU" -timeout "$TIMEOUT" ./... | tee "$OUT"

benchstat=$(command -v benchstat || true)
if [ -z "$benchstat" ]; then
	gobin=$(go env GOBIN)
	[ -n "$gobin" ] || gobin="$(go env GOPATH | cut -d: -f1)/bin"
	benchstat="$gobin/benchstat"
	if [ ! -x "$benchstat" ]; then
		echo "# installing benchstat" >&2
		go install golang.org/x/perf/cmd/benchstat@latest
	fi
fi

echo
echo "######## all benchmarks ($OUT)"
"$benchstat" "$OUT"
echo
echo "######## scaling of BenchmarkA_RootSpan3TagsParallel by GOMAXPROCS"
"$benchstat" -col /gomaxprocs -filter '.name:A_RootSpan3TagsParallel' "$OUT"
echo
echo "raw results: $OUT"
