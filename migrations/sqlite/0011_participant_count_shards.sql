-- Postgres keeps a room's participant count in parts from here on, so that concurrent joins to
-- one room do not queue on the room's row (its 0011). SQLite has one writer at a time anyway:
-- its count stays the column 0009 added, kept by 0009's triggers.
SELECT 1;
