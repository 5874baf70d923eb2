-- Nicknames are unique by what they look like, not only by their letters (issue 18): the
-- UTS #39 confusable skeleton of the lowercase nickname, computed by the server
-- (chat_shared::names::skeleton). NULL until the server fills it in for accounts made before
-- this migration; a unique index lets several NULLs be.
ALTER TABLE users ADD COLUMN nickname_skeleton TEXT;
CREATE UNIQUE INDEX users_nickname_skeleton_key ON users (nickname_skeleton);
