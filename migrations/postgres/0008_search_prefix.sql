-- Search in one room (issue 17). The search first walks the newest lines of the rooms
-- searched and tests each against the query (server/src/store/search.rs); for one room this
-- index walks that room's lines alone, newest first, instead of every room's. (The number
-- matches SQLite's 0008, which adds prefix indexes to its search table.)
CREATE INDEX message_search_room ON message_search (room_id, message_id);
