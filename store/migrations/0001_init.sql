-- 0001: transcripts, their messages in order, tool executions and completion
-- requests. Times are Unix milliseconds, durations microseconds, JSON is text.

CREATE TABLE transcripts (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL DEFAULT '',
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'done', 'error', 'cancelled', 'max_steps', 'interrupted')),
    error       TEXT NOT NULL DEFAULT '',
    provider    TEXT NOT NULL DEFAULT '',
    base_url    TEXT NOT NULL DEFAULT '',
    model       TEXT NOT NULL DEFAULT '',
    params      TEXT,
    parent_id   TEXT REFERENCES transcripts (id) ON DELETE SET NULL,
    relation    TEXT CHECK (relation IN ('continue', 'replay'))
);
-- Listing newest first; ids are also sortable by time, and their prefixes
-- are looked up on the primary key's index.
CREATE INDEX transcripts_created ON transcripts (created_ms DESC, id DESC);
CREATE INDEX transcripts_parent ON transcripts (parent_id);

CREATE TABLE messages (
    id            INTEGER PRIMARY KEY,
    transcript_id TEXT NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content       TEXT NOT NULL DEFAULT '',
    reasoning     TEXT NOT NULL DEFAULT '',
    tool_calls    TEXT,
    tool_call_id  TEXT NOT NULL DEFAULT '',
    created_ms    INTEGER NOT NULL,
    UNIQUE (transcript_id, seq)
);

CREATE TABLE tool_executions (
    id            INTEGER PRIMARY KEY,
    transcript_id TEXT NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
    step          INTEGER NOT NULL DEFAULT 0,
    call_id       TEXT NOT NULL,
    tool          TEXT NOT NULL,
    server        TEXT NOT NULL DEFAULT '',
    arguments     TEXT NOT NULL DEFAULT '',
    result        TEXT NOT NULL DEFAULT '',
    is_error      INTEGER NOT NULL DEFAULT 0 CHECK (is_error IN (0, 1)),
    started_ms    INTEGER NOT NULL,
    duration_us   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tool_executions_transcript ON tool_executions (transcript_id, id);

CREATE TABLE completions (
    id                INTEGER PRIMARY KEY,
    transcript_id     TEXT NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
    step              INTEGER NOT NULL DEFAULT 0,
    started_ms        INTEGER NOT NULL,
    request_body      TEXT,
    response_body     TEXT,
    http_status       INTEGER NOT NULL DEFAULT 0,
    latency_us        INTEGER NOT NULL DEFAULT 0,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens      INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens  INTEGER NOT NULL DEFAULT 0,
    cached_tokens     INTEGER NOT NULL DEFAULT 0,
    error             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX completions_transcript ON completions (transcript_id, id);
