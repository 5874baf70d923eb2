-- How far each participant has read each room: the id of the last entry of the room's stream
-- (a line or a change) they have seen. Lines after it from others are their unread ones. A
-- marker only moves forward; joining a room (again) puts it at the room's latest entry, so a
-- room is never all unread at first sight.
CREATE TABLE read_markers (
    user_id    BIGINT NOT NULL REFERENCES users (id),
    room_id    BIGINT NOT NULL REFERENCES rooms (id),
    up_to      BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, room_id)
);

-- Participants from before read markers start with everything read: an old room does not
-- turn all unread when they upgrade.
INSERT INTO read_markers (user_id, room_id, up_to, updated_at)
SELECT p.user_id, p.room_id,
       COALESCE((SELECT MAX(m.id) FROM messages m WHERE m.room_id = p.room_id), 0),
       p.joined_at
FROM participants p;
