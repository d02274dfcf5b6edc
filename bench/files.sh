#!/usr/bin/env bash
# Benchmarks the files toolkit on the Go source tree, side by side in one run
# with ripgrep and the reference MCP filesystem server (npm), through real MCP
# calls over stdio. Prints medians and ratios.
# Usage: bench/files.sh [runs]   (default 10)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
runs=${1:-10}
command -v rg >/dev/null || { apt-get update -qq && apt-get install -y -qq ripgrep >/dev/null; }
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
(cd "$repo" && go build -o "$repo/bin/glm-mcp" .)
ref="node $here/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js"
cd "$repo"
go run ./bench/mcpbench -bin "$repo/bin/glm-mcp" -root "$(go env GOROOT)/src" -n "$runs" -ref-server "$ref"
