-- A room's participant count, kept with the room (issue 19). Reading a room used to count its
-- participants, and a join storm reads the room several times per join: O(N) each, O(N²) in
-- all. A trigger keeps the count, so every way a participant row comes or goes is counted.
ALTER TABLE rooms ADD COLUMN participant_count BIGINT NOT NULL DEFAULT 0;

UPDATE rooms r SET participant_count =
    (SELECT COUNT(*) FROM participants p WHERE p.room_id = r.id);

CREATE FUNCTION count_participant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE rooms SET participant_count = participant_count + 1 WHERE id = NEW.room_id;
        RETURN NEW;
    END IF;
    UPDATE rooms SET participant_count = participant_count - 1 WHERE id = OLD.room_id;
    RETURN OLD;
END
$$;

CREATE TRIGGER participant_counted AFTER INSERT OR DELETE ON participants
    FOR EACH ROW EXECUTE FUNCTION count_participant();
