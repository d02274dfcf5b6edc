#!/usr/bin/env bash
# Measures a `glm-mcp chat` turn's own overhead in a real pty, against
# PRODUCT.md's target (under 5 ms): (a) Enter to the completion request at
# a fake GLM endpoint on 127.0.0.1, (b) the endpoint's last token to the
# prompt back on screen. Side by side in the same run and harness: `cat`
# and a shell read loop, what the terminal and process plumbing alone cost.
# Prints a Markdown table; exits 1 when the median of (a), of (b) or of
# their sum per turn is over the target (2 when the harness fails).
# Usage: bench/chat.sh [turns]   (default 50)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
turns=${1:-50}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$repo"
go build -o "$work/glm-mcp" .
go build -o "$work/chatbench" ./bench/chat
echo "# $(date -u +%FT%TZ) $(uname -sm), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"$work/chatbench" -bin "$work/glm-mcp" -n "$turns"
