#!/usr/bin/env bash
# A real Zipkin v2 and OTLP collector for SOFATracer's end-to-end tests:
# Jaeger v2 (github.com/jaegertracing/jaeger/cmd/jaeger, pinned by this
# directory's go.mod) with zipkin and otlp (gRPC, HTTP) receivers, the
# in-memory store and the query API, every port on 127.0.0.1.
#
#   run.sh build          build the binary once (reused while go.sum is unchanged); print its path
#   run.sh start          build, start in the background, wait until both ports answer;
#                         print the export lines for the tests on stdout:
#                           eval "$(bash tools/zipkin-server/run.sh start)"
#   run.sh env            print the export lines again
#   run.sh stop           stop it
#   run.sh status         say whether it runs
#   run.sh test [args]    start, go test ./e2e/ [args] with SOFA_TRACER_E2E_REQUIRED=1, stop
#                         (a collector that was already running is used and left running)
#   run.sh exec CMD...    the same around any command, run in the repository root, e.g.
#                         run.sh exec sh -c 'cd sofaotel && go test -count=1 ./e2e/'
#
# The binary is cached outside the repository, keyed by go.sum:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/sofatracer-go/jaeger-<sha256 of go.sum>
# The first build takes about 6-7 minutes and ~3 GB of Go caches on 2 cores.
#
# Environment: SOFA_ZS_ZIPKIN_PORT (19411), SOFA_ZS_QUERY_PORT (16696),
# SOFA_ZS_QUERY_GRPC_PORT (16695), SOFA_ZS_OTLP_GRPC_PORT (14317),
# SOFA_ZS_OTLP_HTTP_PORT (14318), SOFA_ZS_STATE_DIR (pid and log files;
# ${TMPDIR:-/tmp}/sofatracer-zipkin-server), SOFA_ZS_START_TIMEOUT (60 s),
# SOFA_ZS_CACHE_DIR (the cache directory above).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
zport="${SOFA_ZS_ZIPKIN_PORT:-19411}"
qport="${SOFA_ZS_QUERY_PORT:-16696}"
gport="${SOFA_ZS_QUERY_GRPC_PORT:-16695}"
ogport="${SOFA_ZS_OTLP_GRPC_PORT:-14317}"
ohport="${SOFA_ZS_OTLP_HTTP_PORT:-14318}"
state="${SOFA_ZS_STATE_DIR:-${TMPDIR:-/tmp}/sofatracer-zipkin-server}"
cache="${SOFA_ZS_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/sofatracer-go}"
pidfile="$state/jaeger.pid"
logfile="$state/jaeger.log"

log() { echo "zipkin-server: $*" >&2; }

binpath() {
	local sum
	sum="$(sha256sum "$here/go.sum" | cut -d' ' -f1)"
	echo "$cache/jaeger-$sum"
}

build() {
	local bin tmp
	bin="$(binpath)"
	if [[ -x "$bin" ]]; then
		echo "$bin"
		return
	fi
	mkdir -p "$cache"
	# One build at a time, also across concurrent callers.
	exec 9>"$cache/.build.lock"
	flock 9
	if [[ ! -x "$bin" ]]; then
		log "building jaeger into $bin (first time: several minutes)"
		tmp="$bin.tmp.$$"
		(cd "$here" && go build -o "$tmp" github.com/jaegertracing/jaeger/cmd/jaeger) >&2
		mv -f "$tmp" "$bin"
	fi
	exec 9>&-
	echo "$bin"
}

running() {
	[[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

answers() {
	curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$qport/api/services" &&
		curl -fsS -o /dev/null --max-time 2 -H 'Content-Type: application/json' --data '[]' "http://127.0.0.1:$zport/api/v2/spans" &&
		curl -fsS -o /dev/null --max-time 2 -H 'Content-Type: application/json' --data '{}' "http://127.0.0.1:$ohport/v1/traces"
}

envlines() {
	echo "export SOFA_TRACER_E2E_ZIPKIN=http://127.0.0.1:$zport"
	echo "export SOFA_TRACER_E2E_QUERY=http://127.0.0.1:$qport"
	echo "export SOFA_TRACER_E2E_OTLP_GRPC=http://127.0.0.1:$ogport"
	echo "export SOFA_TRACER_E2E_OTLP_HTTP=http://127.0.0.1:$ohport"
	echo "export SOFA_TRACER_E2E_JAEGER_BIN=$(binpath)"
}

start() {
	local bin pid deadline
	bin="$(build)"
	mkdir -p "$state"
	if running; then
		log "already running (pid $(cat "$pidfile"))"
	else
		SOFA_ZS_ZIPKIN_ADDR="127.0.0.1:$zport" SOFA_ZS_QUERY_ADDR="127.0.0.1:$qport" SOFA_ZS_QUERY_GRPC_ADDR="127.0.0.1:$gport" \
			SOFA_ZS_OTLP_GRPC_ADDR="127.0.0.1:$ogport" SOFA_ZS_OTLP_HTTP_ADDR="127.0.0.1:$ohport" \
			nohup "$bin" --config "$here/config.yaml" >"$logfile" 2>&1 </dev/null &
		pid=$!
		echo "$pid" >"$pidfile"
		log "started pid $pid (log $logfile)"
	fi
	deadline=$((SECONDS + ${SOFA_ZS_START_TIMEOUT:-60}))
	until answers 2>/dev/null; do
		if ! running; then
			log "jaeger exited; the end of $logfile:"
			tail -n 30 "$logfile" >&2 || true
			rm -f "$pidfile"
			return 1
		fi
		if ((SECONDS >= deadline)); then
			log "ports $zport, $qport and $ohport do not answer after ${SOFA_ZS_START_TIMEOUT:-60}s; the end of $logfile:"
			tail -n 30 "$logfile" >&2 || true
			stop
			return 1
		fi
		sleep 0.2
	done
	log "zipkin http://127.0.0.1:$zport/api/v2/spans, otlp grpc 127.0.0.1:$ogport http http://127.0.0.1:$ohport/v1/traces, query http://127.0.0.1:$qport/api/traces/{id}"
	envlines
}

stop() {
	local pid i
	if [[ ! -f "$pidfile" ]]; then
		log "not running"
		return 0
	fi
	pid="$(cat "$pidfile")"
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -9 "$pid" 2>/dev/null || true
		fi
		log "stopped pid $pid"
	fi
	rm -f "$pidfile"
}

case "${1:-}" in
build) build ;;
start) start ;;
stop) stop ;;
env) envlines ;;
status)
	if running; then log "running (pid $(cat "$pidfile"))"; else log "not running"; exit 1; fi
	;;
test | exec)
	cmd="$1"
	shift
	if running; then
		envs="$(start)" # someone else's: leave it running
	else
		envs="$(start)"
		trap stop EXIT
	fi
	eval "$envs"
	export SOFA_TRACER_E2E_REQUIRED=1
	if [[ "$cmd" == test ]]; then
		(cd "$root" && go test "$@" ./e2e/)
	else
		(cd "$root" && "$@")
	fi
	;;
*)
	echo "usage: $0 build|start|env|stop|status|test [go test args]|exec CMD..." >&2
	exit 2
	;;
esac
