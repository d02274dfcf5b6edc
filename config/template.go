package config

// InitTemplate is a commented starting file: every section, nothing set.
// Lines starting with "# " are settings to uncomment; "## " lines explain.
func InitTemplate() string { return initTemplate }

const initTemplate = `## glm-mcp configuration (TOML). Precedence: flags, then environment, then
## this file, then built-in defaults. Keys are the flag names in snake_case
## (--max-steps is max_steps). 'glm-mcp config show' prints what is in effect
## and where each value came from. Keys never go here: name the variable.

## The endpoint: zai, zai-coding, bigmodel, aimlapi or openai-compatible.
# provider = "zai"
# model = "glm-4.7"
# base_url = "https://api.z.ai/api/paas/v4"
# api_key_env = "ZAI_API_KEY"

## Request parameters (left out of the request unless set).
# temperature = 0.6
# max_tokens = 8192
# thinking = "enabled"

## The loop.
# max_steps = 20
# tool_concurrency = 8
# tool_timeout = "60s"
# max_tool_output = 20000
# hide_reasoning = false

## The toolkits: folders the files toolkit may read, SQLite databases
## ([NAME=]PATH, opened read-only), hosts fetch_url may reach off the public net.
# toolkits = "files,sqlite,http"
# root = ["/home/me/src/project", "/home/me/notes"]
# sqlite = ["shop=/home/me/data/shop.db"]
# sqlite_write = false
# sqlite_timeout = "5s"
# allow_host = ["localhost:8080"]
# fetch_timeout = "30s"
# fetch_max_bytes = 10485760

## Which tools the model is offered (globs over tool names).
# tools = ["*"]
# exclude_tools = ["sqlite_execute"]
# prefix_tools = false
# mcp_timeout = "30s"

## The transcript store (else $GLM_MCP_DB, else ~/.local/share/glm-mcp/transcripts.db).
# db = "/home/me/.local/share/glm-mcp/transcripts.db"
# system = "Answer briefly. Cite the files you read."

## Logs on stderr.
# log_level = "warn"
# log_format = "console"

## serve --http for a team (the token itself stays in the environment).
# http = "10.0.0.11:8080"
# http_token_env = "GLM_MCP_TOKEN"
# drain_delay = "3s"
# shutdown_timeout = "30s"

## External MCP servers, the same shape as an mcpServers entry. Values may
## refer to the environment as ${VAR}; secrets must (never write them here).
# [mcp_servers.github]
# command = "docker"
# args = ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server"]
# env = { GITHUB_PERSONAL_ACCESS_TOKEN = "${GITHUB_TOKEN}" }
#
# [mcp_servers.docs]
# url = "https://mcp.example.com/mcp"
# headers = { Authorization = "Bearer ${DOCS_TOKEN}" }

## Tool calls decided without asking: globs over tool names (SERVER__TOOL
## for external tools). deny wins over allow; anything else that is not
## read-only is asked.
# [approval]
# allow = ["github__get_*", "github__list_*"]
# deny = ["github__delete_*", "github__merge_*"]

## Prices in US dollars per million tokens, for the cost shown in transcripts
## (cached_input defaults to input).
# [prices."glm-4.7"]
# input = 0.6
# cached_input = 0.11
# output = 2.2

## Profiles, chosen with --profile NAME (or profile = "NAME" at the top):
## the same keys and tables, laid over the rest.
# [profiles.coding]
# provider = "zai-coding"
# model = "glm-4.7"
# max_steps = 40
# sqlite_write = true
#
# [profiles.coding.approval]
# allow = ["sqlite_execute"]
`
