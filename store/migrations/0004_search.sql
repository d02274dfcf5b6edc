-- 0004: full-text search over what was said and done: messages' content and
-- reasoning (prompts, answers, tool results as the model read them) and tool
-- executions' arguments. FTS4 tables with external content: the text stays
-- in messages and tool_executions, the index holds only the terms (FTS4 is
-- compiled into go-sqlite3 by default; FTS5 would need a build tag). Triggers
-- keep the index in the same transaction as each write; deletes run before
-- the row goes, since FTS4 reads the old text to remove its terms, and also
-- when a transcript's rows go by ON DELETE CASCADE. Existing rows are indexed
-- by 'rebuild'.

CREATE VIRTUAL TABLE messages_fts USING fts4(content="messages", content, reasoning, tokenize=unicode61);
CREATE VIRTUAL TABLE tool_executions_fts USING fts4(content="tool_executions", arguments, tokenize=unicode61);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (docid, content, reasoning) VALUES (NEW.id, NEW.content, NEW.reasoning);
END;
CREATE TRIGGER messages_fts_delete BEFORE DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE docid = OLD.id;
END;
CREATE TRIGGER messages_fts_update_before BEFORE UPDATE OF content, reasoning ON messages BEGIN
    DELETE FROM messages_fts WHERE docid = OLD.id;
END;
CREATE TRIGGER messages_fts_update_after AFTER UPDATE OF content, reasoning ON messages BEGIN
    INSERT INTO messages_fts (docid, content, reasoning) VALUES (NEW.id, NEW.content, NEW.reasoning);
END;

CREATE TRIGGER tool_executions_fts_insert AFTER INSERT ON tool_executions BEGIN
    INSERT INTO tool_executions_fts (docid, arguments) VALUES (NEW.id, NEW.arguments);
END;
CREATE TRIGGER tool_executions_fts_delete BEFORE DELETE ON tool_executions BEGIN
    DELETE FROM tool_executions_fts WHERE docid = OLD.id;
END;
CREATE TRIGGER tool_executions_fts_update_before BEFORE UPDATE OF arguments ON tool_executions BEGIN
    DELETE FROM tool_executions_fts WHERE docid = OLD.id;
END;
CREATE TRIGGER tool_executions_fts_update_after AFTER UPDATE OF arguments ON tool_executions BEGIN
    INSERT INTO tool_executions_fts (docid, arguments) VALUES (NEW.id, NEW.arguments);
END;

INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
INSERT INTO tool_executions_fts (tool_executions_fts) VALUES ('rebuild');
