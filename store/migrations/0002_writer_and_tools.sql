-- 0002: who is writing a running transcript, so that readers can tell a live
-- writer from a dead one (see live_unix.go), and the toolkit configuration
-- the transcript ran with, which replay runs the tools with again.
-- Transcripts from version 1 have no writer: a running one is interrupted.

ALTER TABLE transcripts ADD COLUMN writer TEXT;
ALTER TABLE transcripts ADD COLUMN writer_pid INTEGER;
ALTER TABLE transcripts ADD COLUMN tool_config TEXT;
