-- Search keeps words' beginnings as lexemes (issue 17). A Latin word is a prefix query
-- (`'and':*`), and the GIN index answers one by merging the posting lists of every lexeme it
-- begins (and, android, anderson, ...) before it can intersect them with the other words':
-- that was most of a two-word search's time. Each line's tsvector now also holds its words'
-- first 1 to 4 letters, without positions (server/src/store/search.rs, `index_value`), and a
-- query word of up to 4 letters is that one lexeme (`'and'`); longer words begin few lexemes
-- and stay prefix queries. As SQLite's 0008 did for FTS5, every line is indexed again by the
-- server's backfill (0006's `search_backfill`), newest first, beside the running server.
TRUNCATE message_search;
UPDATE search_backfill SET upto = (SELECT COALESCE(MAX(id), 0) FROM messages);
