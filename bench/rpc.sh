#!/usr/bin/env bash
# Sequential tools/call throughput over stdio: glm-mcp side by side with a
# bare mcp-go echo server and the reference server-everything (npm).
# Usage: bench/rpc.sh [runs]   (calls per server = 200 x runs; default 10)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
runs=${1:-10}
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
cd "$repo"
go build -o bin/glm-mcp . && go build -o bin/echoserver ./bench/echoserver
everything=$(ls "$here"/node_modules/@modelcontextprotocol/server-everything/dist/index.js)
go run ./bench/mcpbench -bin bin/glm-mcp -echo-server bin/echoserver -everything "$everything" -n "$runs"
