#!/usr/bin/env bash
# Real servers for the tests of the nested modules (databases, caches,
# brokers), each on 127.0.0.1 on a port of its own, with its data under a
# state directory, never a system-wide instance.
#
#   run.sh start              install what is missing (Debian packages, as root),
#                             start every service, print export lines:
#                               eval "$(bash tools/services/run.sh start)"
#   run.sh env                print the export lines again
#   run.sh stop               stop the services this script started
#   run.sh test CMD [ARGS]    start, run CMD with the variables set and
#                             SOFA_TEST_REQUIRED=1, stop (services that were
#                             already running are used and left running)
#
# Each service is a file <name>.svc beside this script, sourced by bash. It
# sets the arrays <name>_packages (Debian packages) and <name>_commands
# (programs, on PATH or as absolute paths, that the packages install) and
# defines the functions <name>_up (exit 0 when the server answers),
# <name>_start (start it in the background with its data and pid under
# $SOFA_SVC_STATE_DIR/<name>, wait until it answers, fail with a reason),
# <name>_stop and <name>_env (print export lines for the tests).
# A server that already answers is reused and left running; one that this
# script started is stopped by the same "test" run, or by "stop" after "start".
#
# Environment: SOFA_SVC_STATE_DIR (${TMPDIR:-/tmp}/sofatracer-services).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export SOFA_SVC_STATE_DIR="${SOFA_SVC_STATE_DIR:-${TMPDIR:-/tmp}/sofatracer-services}"
mkdir -p "$SOFA_SVC_STATE_DIR"

log() { echo "services: $*" >&2; }

services=()
for f in "$here"/*.svc; do
	[[ -e "$f" ]] || continue
	# shellcheck source=/dev/null
	source "$f"
	services+=("$(basename "$f" .svc)")
done

install_missing() {
	local missing=() s cmd pkgs
	for s in "${services[@]}"; do
		pkgs="${s}_packages[@]"
		for cmd in $(eval echo "\${${s}_commands[@]:-}"); do
			if ! command -v "$cmd" >/dev/null 2>&1 && [[ ! -x "$cmd" ]]; then
				missing+=("${!pkgs}")
				break
			fi
		done
	done
	((${#missing[@]})) || return 0
	if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
		log "missing packages ${missing[*]}: install them (Debian: apt-get install ${missing[*]})"
		return 1
	fi
	log "installing ${missing[*]}"
	# Keep the packages' own init scripts from starting system-wide instances.
	local policy=/usr/sbin/policy-rc.d restore=""
	if [[ ! -e "$policy" ]]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod +x "$policy"
		restore=1
	fi
	(
		exec 8>/var/lib/apt/sofatracer-services.lock
		flock 8
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
	) >&2
	[[ -z "$restore" ]] || rm -f "$policy"
}

# owner: "manual" for start/stop, the pid of a test run for its own servers.
owner="manual"

start_all() {
	install_missing
	local s
	for s in "${services[@]}"; do
		(
			exec 7>"$SOFA_SVC_STATE_DIR/$s.lock"
			flock 7
			if "${s}_up" >/dev/null 2>&1; then
				log "$s: already running, reused"
				exit 0
			fi
			mkdir -p "$SOFA_SVC_STATE_DIR/$s"
			# The servers it starts must not inherit the lock (fd 7) or stdout.
			"${s}_start" 7>&- </dev/null >&2
			echo "$owner" >"$SOFA_SVC_STATE_DIR/$s.owner"
		) || {
			log "$s did not start; its files are under $SOFA_SVC_STATE_DIR/$s"
			return 1
		}
	done
	env_all
}

env_all() {
	local s
	for s in "${services[@]}"; do "${s}_env"; done
}

stop_all() {
	local s f
	for s in "${services[@]}"; do
		f="$SOFA_SVC_STATE_DIR/$s.owner"
		[[ -f "$f" && ( "$owner" == manual || "$(cat "$f")" == "$owner" ) ]] || continue
		"${s}_stop" >&2 || log "$s: stop failed"
		rm -f "$f"
	done
}

case "${1:-}" in
start) start_all ;;
env) env_all ;;
stop) stop_all ;;
test)
	shift
	owner="test-$$"
	trap stop_all EXIT
	envs="$(start_all)" # a server that does not start stops the run here
	eval "$envs"
	SOFA_TEST_REQUIRED=1 "$@"
	;;
*)
	sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
