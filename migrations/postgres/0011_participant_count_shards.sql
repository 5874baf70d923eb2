-- A room's participant count without a hot row (issue 19, the scale-out join storm). 0009's
-- trigger updated the room's row for every participant that came or went, and that row lock is
-- held until the transaction commits: joins to one room, from every instance, committed one
-- after the other, each waiting for the previous one's commit to reach the disk. Message
-- inserts, which lock the same row to number messages, queued behind them as well.
--
-- The count is now kept in a few rows per room, each holding part of it (a delta, which may be
-- negative); a transaction adds to the part its database connection picks, so concurrent joins
-- rarely touch the same row and their commits can share a flush. A room's count is the sum of
-- its parts (server/src/store/rows.rs, `room_select`). A trigger still keeps it, so every way
-- a participant row comes or goes is counted.
CREATE TABLE room_participant_counts (
    room_id      BIGINT   NOT NULL,
    -- Which part: the backend's process id modulo the number of parts (see below).
    part         SMALLINT NOT NULL,
    participants BIGINT   NOT NULL,
    PRIMARY KEY (room_id, part)
);

INSERT INTO room_participant_counts (room_id, part, participants)
    SELECT id, 0, participant_count FROM rooms WHERE participant_count <> 0;

DROP TRIGGER participant_counted ON participants;
DROP FUNCTION count_participant();
-- `rooms.participant_count` stays, no longer kept: during an upgrade, instances of the
-- previous release still read it until they restart (a stale count, not a failed read). A
-- later migration drops it.

-- 32 parts: more than the connections that usually write at once (DATABASE_MAX_CONNECTIONS is
-- 8 per instance), and few enough that reading a count stays a short index range.
CREATE FUNCTION count_participant() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change BIGINT := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
    room BIGINT := CASE WHEN TG_OP = 'INSERT' THEN NEW.room_id ELSE OLD.room_id END;
BEGIN
    INSERT INTO room_participant_counts (room_id, part, participants)
        VALUES (room, pg_backend_pid() % 32, change)
        ON CONFLICT (room_id, part)
        DO UPDATE SET participants = room_participant_counts.participants + excluded.participants;
    RETURN NULL;
END
$$;

CREATE TRIGGER participant_counted AFTER INSERT OR DELETE ON participants
    FOR EACH ROW EXECUTE FUNCTION count_participant();
