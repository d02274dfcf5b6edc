package store

import (
	"context"
	"database/sql"
	"flag"
	"os"
	"testing"
)

var updateV3 = flag.Bool("update-v3", false, "rewrite testdata/schema-v3.db")

// v3Fixture is a database as the release before full-text search wrote it
// (schema version 3), committed so that search is tested on a real old file.
const v3Fixture = "testdata/schema-v3.db"

// v3 fixture ids: the older transcript has the parallel tool calls.
const (
	v3Older = "01jmv3old00000000000000000"
	v3Newer = "01jmv3new00000000000000000"
)

// TestWriteSchemaV3Fixture rewrites the fixture with -update-v3, applying
// only the first three migrations; otherwise it checks the committed
// fixture is still at version 3.
func TestWriteSchemaV3Fixture(t *testing.T) {
	oldSchemaFixture(t, v3Fixture, 3, *updateV3, v3Rows)
}

// oldSchemaFixture keeps a database as an older release wrote it: with
// write set it creates path with the first version migrations and rows;
// otherwise it checks that the committed file is still at that version.
func oldSchemaFixture(t *testing.T, path string, version int, write bool, rows []string) {
	t.Helper()
	ctx := context.Background()
	if !write {
		db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&immutable=1")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if v, err := inspect(ctx, db); err != nil || v != version {
			t.Fatalf("fixture %s at version %d, %v; want %d", path, v, err, version)
		}
		return
	}
	os.Remove(path)
	db, err := sql.Open("sqlite3", path+"?_txlock=immediate&_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, m := range ms[:version] {
		if err := apply(ctx, tx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range rows {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// v3Rows: an older run with a prompt word (zanzibar), a reasoning phrase
// (consult the quokka manual) and two parallel tool calls, one of whose
// results holds a marker (xylophone42); a newer run that shares a word
// (config) with the older one.
var v3Rows = []string{
	`INSERT INTO transcripts (id, title, created_ms, updated_ms, status, provider, base_url, model, params, writer, writer_pid, tool_config)
	 VALUES ('` + v3Older + `', 'where is the zanzibar config?', 1750000000000, 1750000009000, 'done',
	         'zai', 'https://api.z.ai/api/paas/v4', 'glm-4.7', '{"temperature":0.5}', NULL, NULL, '{"roots":["."]}'),
	        ('` + v3Newer + `', 'explain the config loader', 1750000100000, 1750000104000, 'done',
	         'zai', 'https://api.z.ai/api/paas/v4', 'glm-4.7', NULL, NULL, NULL, NULL)`,
	`INSERT INTO messages (transcript_id, seq, role, content, reasoning, tool_calls, tool_call_id, created_ms) VALUES
	 ('` + v3Older + `', 1, 'user', 'Where is the zanzibar config?', '', NULL, '', 1750000000000),
	 ('` + v3Older + `', 2, 'assistant', '', 'I should consult the quokka manual, then search.',
	  '[{"id":"call_a","type":"function","function":{"name":"search_content","arguments":"{\"query\":\"zanzibar\"}"}},` +
		`{"id":"call_b","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"notes/quokka.txt\"}"}}]', '', 1750000001000),
	 ('` + v3Older + `', 3, 'tool', '{"matches":[{"path":"conf/app.toml","line":3,"text":"zanzibar = true"}]}', '', NULL, 'call_a', 1750000002500),
	 ('` + v3Older + `', 4, 'tool', 'quokka notes: the secret word is xylophone42, keep it', '', NULL, 'call_b', 1750000002600),
	 ('` + v3Older + `', 5, 'assistant', 'It is in conf/app.toml.', '', NULL, '', 1750000009000),
	 ('` + v3Newer + `', 1, 'user', 'Explain the config loader.', '', NULL, '', 1750000100000),
	 ('` + v3Newer + `', 2, 'assistant', 'The config loader reads defaults, then flags.', 'Short answer.', NULL, '', 1750000104000)`,
	`INSERT INTO tool_executions (transcript_id, step, call_id, tool, server, arguments, result, is_error, started_ms, duration_us) VALUES
	 ('` + v3Older + `', 1, 'call_a', 'search_content', 'glm-mcp', '{"query":"zanzibar"}',
	  '{"matches":[{"path":"conf/app.toml","line":3,"text":"zanzibar = true"}]}', 0, 1750000002000, 400000),
	 ('` + v3Older + `', 1, 'call_b', 'read_file', 'glm-mcp', '{"path":"notes/quokka.txt"}',
	  'quokka notes: the secret word is xylophone42, keep it', 0, 1750000002100, 150000)`,
	`INSERT INTO completions (transcript_id, step, started_ms, request_body, response_body, http_status, latency_us,
	 prompt_tokens, completion_tokens, total_tokens, reasoning_tokens, cached_tokens) VALUES
	 ('` + v3Older + `', 1, 1750000000100, '{"model":"glm-4.7"}', '{"id":"a"}', 200, 900000, 1000, 200, 1200, 50, 400),
	 ('` + v3Older + `', 2, 1750000003000, '{"model":"glm-4.7"}', '{"id":"b"}', 200, 800000, 1500, 100, 1600, 0, 1000),
	 ('` + v3Newer + `', 1, 1750000100100, '{"model":"glm-4.7"}', '{"id":"c"}', 200, 700000, 300, 60, 360, 0, 0)`,
}
