-- On SQLite one writer numbers every line, so within a room `seq` rises with `id`, and the
-- server reads a room's lines by position through `(room_id, seq)` (server/src/store/sqlite/
-- positions.rs). 0012's `(room_id, id)` served nothing more, and every insert wrote a page of
-- it for each room in the batch: ~8% of the server's CPU at 12k lines a second over 100 rooms
-- (issue 19, BENCHMARKS.md). Postgres keeps it: there reads by position stay by id.
DROP INDEX messages_room_id;
