#!/usr/bin/env bash
# Prints, side by side in one run, the o200k_base tokens of each glm-mcp
# tool's text block against its CLI counterpart (the file, rg -n --heading,
# rg --files, ls -l, sqlite3 .schema) on this repository, the Go source tree
# and a generated SQLite database, as a Markdown table with ratios and the
# budgets of PRODUCT.md. Exits non-zero when a row is over its budget.
# Usage: bench/tokens.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
need=()
command -v rg >/dev/null || need+=(ripgrep)
command -v sqlite3 >/dev/null || need+=(sqlite3)
if ((${#need[@]})); then
	apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
cd "$repo"
go run ./bench/tokens -repo "$repo" -gosrc "$(go env GOROOT)/src"
