-- 0003: each transcript's step count and token totals, kept by a trigger as
-- completions are recorded, so that listing thousands of transcripts reads
-- one table instead of aggregating every completion. Completions are only
-- ever inserted (and deleted with their transcript), so the trigger on
-- insert is all that keeps the totals right. Existing rows are backfilled.

ALTER TABLE transcripts ADD COLUMN steps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transcripts ADD COLUMN prompt_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transcripts ADD COLUMN completion_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transcripts ADD COLUMN total_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transcripts ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transcripts ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0;

-- Steps are the distinct step numbers: a retried request is one step.
DROP INDEX completions_transcript;
CREATE INDEX completions_transcript ON completions (transcript_id, step);

CREATE TRIGGER completions_totals AFTER INSERT ON completions BEGIN
    UPDATE transcripts SET
        steps = (SELECT count(DISTINCT step) FROM completions WHERE transcript_id = NEW.transcript_id),
        prompt_tokens = prompt_tokens + NEW.prompt_tokens,
        completion_tokens = completion_tokens + NEW.completion_tokens,
        total_tokens = total_tokens + NEW.total_tokens,
        reasoning_tokens = reasoning_tokens + NEW.reasoning_tokens,
        cached_tokens = cached_tokens + NEW.cached_tokens
    WHERE id = NEW.transcript_id;
END;

UPDATE transcripts SET
    steps = (SELECT count(DISTINCT step) FROM completions c WHERE c.transcript_id = transcripts.id),
    prompt_tokens = (SELECT total(prompt_tokens) FROM completions c WHERE c.transcript_id = transcripts.id),
    completion_tokens = (SELECT total(completion_tokens) FROM completions c WHERE c.transcript_id = transcripts.id),
    total_tokens = (SELECT total(total_tokens) FROM completions c WHERE c.transcript_id = transcripts.id),
    reasoning_tokens = (SELECT total(reasoning_tokens) FROM completions c WHERE c.transcript_id = transcripts.id),
    cached_tokens = (SELECT total(cached_tokens) FROM completions c WHERE c.transcript_id = transcripts.id);
