-- Full-text search over a room's lines (issue 17). The index holds, for each text or action
-- line that is not deleted, the line's tokens as chat_shared::search cuts them (Hangul as
-- character bigrams, other words whole), joined by spaces; rowid = the message's id. The
-- server writes it in the transaction that stores, edits or deletes the line.
--
-- Contentless (the text is in `messages` already) with contentless_delete, so an edit or a
-- delete can take a line's entry out. The `ascii` tokenizer splits only on ASCII
-- non-alphanumerics (here: the spaces between our tokens) and keeps every other character,
-- so FTS5 keeps exactly the tokens the server made.
CREATE VIRTUAL TABLE message_search USING fts5(
    terms,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii'
);

-- The lines stored before this migration are indexed by the server when it starts (SQL cannot
-- cut Hangul into bigrams): every line with id <= upto, from the newest down, lowering `upto`
-- as it goes, so an interrupted start resumes. 0 once done.
CREATE TABLE search_backfill (
    upto INTEGER NOT NULL
);
INSERT INTO search_backfill (upto) SELECT COALESCE(MAX(id), 0) FROM messages;
