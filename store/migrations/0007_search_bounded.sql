-- 0007: the full-text index holds the first 100,000 characters of each
-- message's content and reasoning and of each tool call's arguments, not the
-- whole text. Indexing a piped prompt of megabytes of distinct words took
-- hundreds of MB, and, under the heap limit SQLite keeps for the whole
-- process when the sqlite toolkit runs beside the store, failed the write.
-- The indexed text is a virtual generated column of the content table, so
-- that FTS4, which reads the content table to remove a row's terms, reads
-- the same text it indexed. Search and its snippets see that prefix.

DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update_before;
DROP TRIGGER messages_fts_update_after;
DROP TRIGGER tool_executions_fts_insert;
DROP TRIGGER tool_executions_fts_delete;
DROP TRIGGER tool_executions_fts_update_before;
DROP TRIGGER tool_executions_fts_update_after;
DROP TABLE messages_fts;
DROP TABLE tool_executions_fts;

ALTER TABLE messages ADD COLUMN search_content TEXT GENERATED ALWAYS AS (substr(content, 1, 100000)) VIRTUAL;
ALTER TABLE messages ADD COLUMN search_reasoning TEXT GENERATED ALWAYS AS (substr(reasoning, 1, 100000)) VIRTUAL;
ALTER TABLE tool_executions ADD COLUMN search_arguments TEXT GENERATED ALWAYS AS (substr(arguments, 1, 100000)) VIRTUAL;

CREATE VIRTUAL TABLE messages_fts USING fts4(content="messages", search_content, search_reasoning, tokenize=unicode61);
CREATE VIRTUAL TABLE tool_executions_fts USING fts4(content="tool_executions", search_arguments, tokenize=unicode61);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (docid, search_content, search_reasoning) VALUES (NEW.id, NEW.search_content, NEW.search_reasoning);
END;
CREATE TRIGGER messages_fts_delete BEFORE DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE docid = OLD.id;
END;
CREATE TRIGGER messages_fts_update_before BEFORE UPDATE OF content, reasoning ON messages BEGIN
    DELETE FROM messages_fts WHERE docid = OLD.id;
END;
CREATE TRIGGER messages_fts_update_after AFTER UPDATE OF content, reasoning ON messages BEGIN
    INSERT INTO messages_fts (docid, search_content, search_reasoning) VALUES (NEW.id, NEW.search_content, NEW.search_reasoning);
END;

CREATE TRIGGER tool_executions_fts_insert AFTER INSERT ON tool_executions BEGIN
    INSERT INTO tool_executions_fts (docid, search_arguments) VALUES (NEW.id, NEW.search_arguments);
END;
CREATE TRIGGER tool_executions_fts_delete BEFORE DELETE ON tool_executions BEGIN
    DELETE FROM tool_executions_fts WHERE docid = OLD.id;
END;
CREATE TRIGGER tool_executions_fts_update_before BEFORE UPDATE OF arguments ON tool_executions BEGIN
    DELETE FROM tool_executions_fts WHERE docid = OLD.id;
END;
CREATE TRIGGER tool_executions_fts_update_after AFTER UPDATE OF arguments ON tool_executions BEGIN
    INSERT INTO tool_executions_fts (docid, search_arguments) VALUES (NEW.id, NEW.search_arguments);
END;

INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
INSERT INTO tool_executions_fts (tool_executions_fts) VALUES ('rebuild');
