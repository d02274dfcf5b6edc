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
#   4. the two replicas left share the load.
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

if ! command -v haproxy >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "installing HAProxy: apt-get update && apt-get install -y haproxy"
	(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y haproxy) >/dev/null 2>&1 || true
fi
if ! command -v haproxy >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		bad "HAProxy is missing and could not be installed (apt-get update && apt-get install -y haproxy)"
		finish
	fi
	echo "skip: HAProxy is not installed; run: apt-get update && apt-get install -y haproxy"
	exit 0
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Package main may be in the middle of a rewrite: try a few times.
built=
for try in 1 2 3 4 5; do
	if (cd "$repo" && go build -o "$tmp/glm-mcp" . && go build -o "$tmp/client" ./team/client) >"$tmp/build.log" 2>&1; then
		built=1
		break
	fi
	echo "build failed (try $try of 5); retrying in 30 s"
	sleep 30
done
if [ -z "$built" ]; then
	cat "$tmp/build.log"
	bad "build"
	finish
fi
client="$tmp/client"

read -r p1 p2 p3 plb pstats pslow <<<"$("$client" ports 6)"
export GLM_MCP_TOKEN="team-token-$$-$RANDOM"
mkdir -p "$tmp/root"
echo hello >"$tmp/root/a.txt"
declare -A rpid
start_replica() { # NAME PORT
	"$tmp/glm-mcp" serve --http "127.0.0.1:$2" --http-token-env GLM_MCP_TOKEN \
		--root "$tmp/root" --toolkits files,http --allow-host "127.0.0.1:$pslow" \
		--shutdown-timeout 20s --log-format json --log-level info 2>"$tmp/$1.log" &
	rpid[$1]=$!
	pids+=($!)
}
start_replica r1 "$p1"
start_replica r2 "$p2"
start_replica r3 "$p3"
r1="http://127.0.0.1:$p1" r2="http://127.0.0.1:$p2" r3="http://127.0.0.1:$p3"
lb="http://127.0.0.1:$plb/mcp"
if ! "$client" wait "$r1" "$r2" "$r3"; then
	tail -n 5 "$tmp"/r*.log
	bad "replicas did not start"
	finish
fi

GLM_MCP_LB_BIND="127.0.0.1:$plb" GLM_MCP_LB_STATS="127.0.0.1:$pstats" \
	GLM_MCP_R1="127.0.0.1:$p1" GLM_MCP_R2="127.0.0.1:$p2" GLM_MCP_R3="127.0.0.1:$p3" \
	haproxy -db -f "$repo/examples/deploy/haproxy.cfg" >"$tmp/haproxy.log" 2>&1 &
pids+=($!)
if ! "$client" wait-lb "http://127.0.0.1:$pstats" 3; then
	cat "$tmp/haproxy.log"
	bad "HAProxy did not see three healthy replicas"
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
for _ in $(seq 1 250); do
	kill -0 "${rpid[r2]}" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "${rpid[r2]}" 2>/dev/null; then
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

if "$client" wait-lb "http://127.0.0.1:$pstats" 2 && "$client" spread -lb "$lb" -replicas "$r1,$r3" -n 200 -c 4; then
	ok "the two replicas left share the load"
else
	bad "load after one replica stopped"
fi

finish
