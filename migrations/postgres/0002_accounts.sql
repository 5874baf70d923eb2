-- Accounts the operator manages with `chat-server admin`.

-- When the account was disabled (Unix ms), or NULL: a disabled account cannot log in, its
-- sessions are deleted, and every instance closes its sockets (it polls this column).
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
-- 1 for a server admin, who may remove any room.
ALTER TABLE users ADD COLUMN is_admin BIGINT NOT NULL DEFAULT 0;
-- The instances' poll reads only the few disabled accounts.
CREATE INDEX users_disabled ON users (disabled_at) WHERE disabled_at IS NOT NULL;
