#!/usr/bin/env bash
# bench/team.sh: calls per second on the stateless protocol through HAProxy
# in front of three replicas, against one replica reached directly; the same
# client (team/client, the official MCP Go SDK), the same cluster, one run,
# the two set-ups interleaved. Each call is list_directory on a tiny folder,
# so the figure is the cost of the transport and the balancer, not of a tool.
# On a 2-core machine the client, HAProxy and three replicas share the cores:
# expect the balancer's cost, not a speed-up.
# Usage: bench/team.sh [calls per run (default 3000)] [rounds (default 2)]
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
n=${1:-3000}
rounds=${2:-2}
source "$repo/team/lib.sh"
need_haproxy || { echo "HAProxy is not installed: apt-get update && apt-get install -y haproxy"; exit 1; }
build_all || exit 1
start_cluster || { echo "the cluster did not come up"; exit 1; }
echo "$(nproc) cores; HAProxy $(haproxy -v | head -n 1 | awk '{print $3}')"
for c in 1 8; do
	for _ in $(seq 1 "$rounds"); do
		"$client" bench -label "one replica, direct" -url "$r1/mcp" -n "$n" -c "$c" || exit 1
		"$client" bench -label "HAProxy, three replicas" -url "$lb" -n "$n" -c "$c" || exit 1
	done
done
