-- The search index follows the messages instead of being written with them (issue 19): the
-- server's search indexer (server/src/store/sqlite/search_indexer.rs) indexes every line with
-- an id above `upto`, in its own transactions, and raises `upto` in the transaction that
-- indexes. Every line stored so far was indexed when it was stored, or is left to the
-- start-up backfill (0006's `search_backfill`), so the indexer starts after the newest.
CREATE TABLE search_indexed (
    upto INTEGER NOT NULL
);
INSERT INTO search_indexed (upto) SELECT COALESCE(MAX(id), 0) FROM messages;
