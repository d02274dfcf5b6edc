#!/usr/bin/env bash
# Benchmarks the sqlite toolkit on a generated table of 1,000,000 rows: a
# sqlite_query returning 5,000 rows through a real MCP call side by side with
# the sqlite3 shell running the same query, and the server's peak memory
# during a SELECT * over the whole table with max_rows 200.
# Usage: bench/sqlite.sh [runs]   (default 10)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
runs=${1:-10}
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sqlite3 "$work/big.db" <<'SQL'
CREATE TABLE big (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, note TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO big SELECT i, 'item-' || i, i * 0.25, CASE WHEN i % 7 = 0 THEN NULL ELSE 'note ' || (i % 1000) END FROM n;
SQL
(cd "$repo" && go build -o "$repo/bin/glm-mcp" .)
cd "$repo"
go run ./bench/mcpbench -bin "$repo/bin/glm-mcp" -sqlite-db "$work/big.db" -n "$runs"
