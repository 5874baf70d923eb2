-- A room's newest lines, and the lines after or before a point in it, are read by id within the
-- room (the welcome's history, scrolling back, a resume). Without this index those reads walk
-- the primary key of every room's messages and filter: a room whose newest lines are not the
-- newest rows of the whole table (any but the busiest room; a big room with only join lines)
-- cost 13 ms a welcome against 142k messages, 5000 joins 70 s (issue 19, BENCHMARKS.md).
CREATE INDEX messages_room_id ON messages (room_id, id);
