-- A room's stream holds more than plain messages: action lines (/me), notices (a ban, shown as
-- a quiet line), and changes to earlier lines (an edit, a delete). Every entry takes the next
-- seq, so resume (?after=) and the instances' gap fill carry changes in order with messages.

-- 'text', 'action', 'notice', or for a change: 'edit', 'delete'.
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
-- An edit or delete: the id of the line it changed (in the same room). Its own body is empty:
-- the line itself holds the current text, so deleting it leaves the text nowhere.
ALTER TABLE messages ADD COLUMN target_id BIGINT;
-- When the line was last edited, and when it was deleted (Unix ms); its body is then ''.
ALTER TABLE messages ADD COLUMN edited_at BIGINT;
ALTER TABLE messages ADD COLUMN deleted_at BIGINT;
-- The nicknames the line mentions, as the server found them when storing it: a JSON array.
ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]';

-- Who may not enter a room. Banning also ends their participation.
CREATE TABLE room_bans (
    room_id   BIGINT NOT NULL REFERENCES rooms (id),
    user_id   BIGINT NOT NULL REFERENCES users (id),
    banned_by BIGINT NOT NULL REFERENCES users (id),
    banned_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
