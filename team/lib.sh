# team/lib.sh: start glm-mcp replicas and HAProxy on 127.0.0.1, for
# team/team.sh and bench/team.sh. Source it after setting `repo`; it sets
# tmp, client, the ports, r1..r3 (replica base URLs), lb (the balancer's MCP
# endpoint), stats and rpid[NAME], and kills everything it started on exit.
# Functions return non-zero on failure; the caller decides what to print.

# need_haproxy installs HAProxy from Debian's packages when it is missing and
# we are root. It returns 1 when HAProxy is still missing.
need_haproxy() {
	if ! command -v haproxy >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "installing HAProxy: apt-get update && apt-get install -y haproxy"
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y haproxy) >/dev/null 2>&1 || true
	fi
	command -v haproxy >/dev/null 2>&1
}

tmp=$(mktemp -d)
pids=()
declare -A rpid
team_cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap team_cleanup EXIT
trap 'exit 130' INT TERM

# build_all builds glm-mcp and the SDK client into $tmp. Package main may be
# in the middle of a rewrite: it tries five times, 30 s apart.
build_all() {
	local try
	for try in 1 2 3 4 5; do
		if (cd "$repo" && go build -o "$tmp/glm-mcp" . && go build -o "$tmp/client" ./team/client) >"$tmp/build.log" 2>&1; then
			client="$tmp/client"
			return 0
		fi
		echo "build failed (try $try of 5); retrying in 30 s"
		[ "$try" -lt 5 ] && sleep 30
	done
	cat "$tmp/build.log"
	return 1
}

# start_cluster starts three replicas (token on, files and http toolkits)
# and HAProxy with examples/deploy/haproxy.cfg, and waits until HAProxy
# sees all three healthy.
start_cluster() {
	read -r p1 p2 p3 plb pstats pslow <<<"$("$client" ports 6)"
	export GLM_MCP_TOKEN="team-token-$$-$RANDOM"
	mkdir -p "$tmp/root"
	echo hello >"$tmp/root/a.txt"
	start_replica r1 "$p1"
	start_replica r2 "$p2"
	start_replica r3 "$p3" --drain-delay 3s
	r1="http://127.0.0.1:$p1" r2="http://127.0.0.1:$p2" r3="http://127.0.0.1:$p3"
	lb="http://127.0.0.1:$plb/mcp"
	stats="http://127.0.0.1:$pstats"
	if ! "$client" wait "$r1" "$r2" "$r3"; then
		tail -n 5 "$tmp"/r*.log
		return 1
	fi
	GLM_MCP_LB_BIND="127.0.0.1:$plb" GLM_MCP_LB_STATS="127.0.0.1:$pstats" \
		GLM_MCP_R1="127.0.0.1:$p1" GLM_MCP_R2="127.0.0.1:$p2" GLM_MCP_R3="127.0.0.1:$p3" \
		haproxy -db -f "$repo/examples/deploy/haproxy.cfg" >"$tmp/haproxy.log" 2>&1 &
	pids+=($!)
	if ! "$client" wait-lb "$stats" 3; then
		cat "$tmp/haproxy.log"
		return 1
	fi
}

start_replica() { # NAME PORT [FLAG...]
	local name=$1 port=$2
	shift 2
	"$tmp/glm-mcp" serve --http "127.0.0.1:$port" --http-token-env GLM_MCP_TOKEN \
		--root "$tmp/root" --toolkits files,http --allow-host "127.0.0.1:$pslow" \
		--shutdown-timeout 20s --log-format json --log-level info "$@" 2>"$tmp/$name.log" &
	rpid[$name]=$!
	pids+=($!)
}
