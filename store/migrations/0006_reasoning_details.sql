-- 0006: a message's structured reasoning as some providers send it
-- (OpenRouter's reasoning_details), kept so a continued conversation can
-- echo it back in the field the provider expects.

ALTER TABLE messages ADD COLUMN reasoning_details TEXT;
