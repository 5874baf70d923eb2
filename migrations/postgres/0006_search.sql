-- Full-text search over a room's lines (issue 17). One row for each text or action line that
-- is not deleted: its tokens as chat_shared::search cuts them (Hangul as character bigrams,
-- other words whole), written by the server as a tsvector literal with positions (so no text
-- search parser or dictionary changes them, and phrases of bigrams can match), in the
-- transaction that stores, edits or deletes the line.
CREATE TABLE message_search (
    message_id BIGINT PRIMARY KEY REFERENCES messages (id),
    -- The line's room, so a search limited to the user's rooms does not visit `messages`
    -- for lines in other rooms.
    room_id    BIGINT   NOT NULL,
    terms      TSVECTOR NOT NULL
);
CREATE INDEX message_search_terms ON message_search USING GIN (terms);

-- The lines stored before this migration are indexed by the server when it starts: every
-- line with id <= upto, from the newest down, lowering `upto` as it goes, so an interrupted
-- start resumes. 0 once done.
CREATE TABLE search_backfill (
    upto BIGINT NOT NULL
);
INSERT INTO search_backfill (upto) SELECT COALESCE(MAX(id), 0) FROM messages;
