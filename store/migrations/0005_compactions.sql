-- 0005: what the context budget elided from the requests of a transcript
-- (the tool results replaced by notes, and the conversation's estimated size
-- before and after). The messages themselves always stay whole.

CREATE TABLE compactions (
    id            INTEGER PRIMARY KEY,
    transcript_id TEXT NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
    step          INTEGER NOT NULL DEFAULT 0,
    created_ms    INTEGER NOT NULL,
    tokens_before INTEGER NOT NULL DEFAULT 0,
    tokens_after  INTEGER NOT NULL DEFAULT 0,
    elided        TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX compactions_transcript ON compactions (transcript_id, id);
