-- Which of a room's lines notify the participant on every device: 'all', 'mentions' or
-- 'none'. Kept with the participation, so leaving a room forgets it.
ALTER TABLE participants ADD COLUMN notify TEXT NOT NULL DEFAULT 'mentions';
