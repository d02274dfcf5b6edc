#!/usr/bin/env bash
# team/team.sh: `glm-mcp serve --http` as three replicas behind a real HAProxy
# running examples/deploy/haproxy.cfg (issue 18). Everything listens on
# 127.0.0.1 and is killed on exit. The official MCP Go SDK (team/client)
# checks that:
#   1. 1,000 calls on the stateless protocol (2026-07-28) reach all three
#      replicas, as each replica's /metrics counts them;
#   2. a 2025-11-25 session keeps working across 100 calls, all on one replica;
#   3. a replica given SIGTERM mid-load lets its call in flight finish, no call
#      through the balancer fails, and it exits 0 within --shutdown-timeout;
#   4. the two replicas left share the load;
#   5. a replica with --drain-delay given SIGTERM mid-load is marked DOWN by
#      HAProxy's health check (its /healthz at 503) while it still listens,
#      no call fails, and it exits 0.
# Installs HAProxy from Debian's packages when missing; in CI (CI=true) a
# missing HAProxy fails, elsewhere the script skips and says how to install it.
# Ends with "N passed, M failed"; exit status 1 when anything failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
pass=0
fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

source "$here/lib.sh"

# exited PID: waits up to 25 s for the process to end; false if it did not.
exited() {
	for _ in $(seq 1 250); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}
if ! need_haproxy; then
	if [ "${CI:-}" = true ]; then
		bad "HAProxy is missing and could not be installed (apt-get update && apt-get install -y haproxy)"
		finish
	fi
	echo "skip: HAProxy is not installed; run: apt-get update && apt-get install -y haproxy"
	exit 0
fi
if ! build_all; then
	bad "build"
	finish
fi
if ! start_cluster; then
	bad "three replicas behind HAProxy did not come up"
	finish
fi
ok "three replicas and HAProxy $(haproxy -v | head -n 1 | awk '{print $3}') up on 127.0.0.1"

if "$client" spread -lb "$lb" -replicas "$r1,$r2,$r3" -n 1000 -c 8; then
	ok "1,000 stateless calls spread over three replicas"
else
	bad "stateless calls through HAProxy"
fi

if "$client" session -lb "$lb" -replicas "$r1,$r2,$r3" -n 100; then
	ok "a 2025-11-25 session kept working across 100 calls on one replica"
else
	bad "2025-11-25 session through HAProxy"
fi

start=$(date +%s)
if "$client" drain -lb "$lb" -victim "$r2" -victim-pid "${rpid[r2]}" -slow "127.0.0.1:$pslow" -n 2000 -c 6; then
	ok "SIGTERM mid-load: the call in flight finished and no call failed"
else
	bad "SIGTERM mid-load"
fi
# The replica must exit 0 within its --shutdown-timeout (20 s).
if ! exited "${rpid[r2]}"; then
	bad "the stopped replica was still running 25 s after SIGTERM"
else
	wait "${rpid[r2]}"
	code=$?
	took=$(($(date +%s) - start))
	if [ "$code" -eq 0 ]; then
		ok "the stopped replica exited 0 (${took}s after the drain began)"
	else
		tail -n 5 "$tmp/r2.log"
		bad "the stopped replica exited $code"
	fi
fi
if grep -q '"drained"' "$tmp/r2.log"; then
	ok "the stopped replica logged a clean drain"
else
	bad "no drain in the stopped replica's log"
fi

if "$client" wait-lb "$stats" 2 && "$client" spread -lb "$lb" -replicas "$r1,$r3" -n 200 -c 4; then
	ok "the two replicas left share the load"
else
	bad "load after one replica stopped"
fi

# r3 runs with --drain-delay 3s: HAProxy must see its 503 and take it out
# before it closes its listener.
if "$client" drain -lb "$lb" -victim "$r3" -victim-pid "${rpid[r3]}" -slow "127.0.0.1:$pslow" -delay 5s -n 2000 -c 6; then
	ok "SIGTERM with --drain-delay mid-load: no call failed"
else
	bad "SIGTERM with --drain-delay mid-load"
fi
exited "${rpid[r3]}"
wait "${rpid[r3]}" 2>/dev/null
code=$?
down=$(grep -m1 -E 'r3 is DOWN.*503' "$tmp/haproxy.log")
if [ -n "$down" ] && [ "$code" -eq 0 ]; then
	ok "HAProxy took the draining replica out on its 503 ($(echo "$down" | grep -o 'check duration: [0-9]*ms' || true)), and it exited 0"
else
	tail -n 5 "$tmp/haproxy.log" "$tmp/r3.log"
	bad "the draining replica: HAProxy saw no 503 (\"$down\") or it exited $code"
fi
# Its listener closed only after the delay: the log says when each happened.
if grep -q 'still serving until the load balancer notices' "$tmp/r3.log"; then
	ok "the draining replica served on through its drain delay"
else
	bad "no drain delay in the draining replica's log"
fi

finish
