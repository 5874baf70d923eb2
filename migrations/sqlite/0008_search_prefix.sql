-- Search index with prefix indexes (issue 17). A Latin word is a prefix query (`"the"*`), and
-- without a prefix index FTS5 answers it by merging the doclists of every token it begins
-- (the, there, their, them, ...: hundreds of thousands of entries for a short common word)
-- before it can return the newest 20. `prefix = '2 3 4'` keeps, next to each token's doclist,
-- one for each of its first 2, 3 and 4 characters, so a query of 2 to 4 letters reads one
-- doclist from the newest rowid down and stops at the page's end; longer words begin few
-- tokens. The index grows (BENCHMARKS.md, "Search (issue 17)", has the sizes).
--
-- FTS5 cannot add prefix indexes to a table, so it is made anew, and every line is indexed
-- again by the server's start-up backfill (0006's `search_backfill`, from the newest down).
-- Otherwise as in 0006.
DROP TABLE message_search;
CREATE VIRTUAL TABLE message_search USING fts5(
    terms,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii',
    prefix = '2 3 4'
);
UPDATE search_backfill SET upto = (SELECT COALESCE(MAX(id), 0) FROM messages);
