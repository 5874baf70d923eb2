-- A room's participant count, kept with the room (issue 19). Reading a room used to count its
-- participants, and a join storm reads the room several times per join: O(N) each, O(N²) in
-- all. Triggers keep the count, so every way a participant row comes or goes is counted.
ALTER TABLE rooms ADD COLUMN participant_count INTEGER NOT NULL DEFAULT 0;

UPDATE rooms SET participant_count =
    (SELECT COUNT(*) FROM participants p WHERE p.room_id = rooms.id);

CREATE TRIGGER participant_counted_in AFTER INSERT ON participants
BEGIN
    UPDATE rooms SET participant_count = participant_count + 1 WHERE id = NEW.room_id;
END;

CREATE TRIGGER participant_counted_out AFTER DELETE ON participants
BEGIN
    UPDATE rooms SET participant_count = participant_count - 1 WHERE id = OLD.room_id;
END;
