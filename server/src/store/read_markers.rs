//! Read markers: how far each participant has read each room, and what is unread after it
//! (`docs/protocol.md` "Read markers"). The queries are written once for both backends.

use std::collections::HashMap;

use chat_shared::limits::UNREAD_CAP;
use sqlx::Row;

use super::rows::{now_ms, placeholders};
use super::{Backend, MarkRead, SqlStore, StoreResult, Unread, User};

/// Moves a marker forward only: a lower or equal `up_to` leaves the row as it is.
const UPSERT_FORWARD: &str = "INSERT INTO read_markers (user_id, room_id, up_to, updated_at) \
     VALUES ($1, $2, $3, $4) \
     ON CONFLICT (user_id, room_id) DO UPDATE SET up_to = excluded.up_to, updated_at = excluded.updated_at \
     WHERE read_markers.up_to < excluded.up_to";

/// The unread lines of one room after a marker, counted up to the cap, and whether any of them
/// mentions the user: lines (`text`, `action`; not notices, not changes), not deleted, from
/// someone else. "After" is by `seq`, the room's stream order, so the walk is a range of the
/// `(room_id, seq)` index from the marker's row on: a read room costs one index probe, and a
/// long-unread one at most `UNREAD_CAP` rows (no sort: the cap only bounds the count).
const UNREAD_COUNT: &str = "SELECT CAST(COUNT(*) AS BIGINT) AS unread, \
     CAST(COALESCE(MAX(CASE WHEN t.mentions LIKE $4 ESCAPE '\\' THEN 1 ELSE 0 END), 0) AS BIGINT) AS mentioned \
     FROM (SELECT m.mentions FROM messages m \
           WHERE m.room_id = $1 \
             AND m.seq > COALESCE((SELECT s.seq FROM messages s WHERE s.id = $2 AND s.room_id = $1), 0) \
             AND m.sender_id <> $3 AND m.kind IN ('text', 'action') AND m.deleted_at IS NULL \
           LIMIT $5) t";

impl SqlStore {
    pub(super) async fn mark_read_in(
        &self,
        room_id: i64,
        user_id: i64,
        up_to: i64,
    ) -> StoreResult<MarkRead> {
        // Any entry of this room's stream (a line or a change): an id of another room, or
        // none at all, is refused rather than clamped, as it cannot be something the client
        // showed.
        let known = sqlx::query("SELECT 1 AS one FROM messages WHERE id = $1 AND room_id = $2")
            .bind(up_to)
            .bind(room_id)
            .fetch_optional(&self.pool)
            .await?;
        if known.is_none() {
            return Ok(MarkRead::NotInRoom);
        }
        let done = sqlx::query(UPSERT_FORWARD)
            .bind(user_id)
            .bind(room_id)
            .bind(up_to)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(if done.rows_affected() > 0 {
            MarkRead::Moved
        } else {
            MarkRead::Behind
        })
    }

    /// Puts new participants' markers (`joined`: room, user) at their rooms' latest entries:
    /// what was said before they joined is not unread for them. One statement for them all.
    pub(super) async fn mark_all_read(
        conn: &mut sqlx::AnyConnection,
        backend: Backend,
        joined: &[(i64, i64)],
    ) -> Result<(), sqlx::Error> {
        if joined.is_empty() {
            return Ok(());
        }
        // The room's newest line by the index each backend has on it: on SQLite seq rises
        // with id (`sqlite::positions`), and no index orders a room's lines by id.
        let newest = match backend {
            Backend::Postgres => "SELECT MAX(m.id) FROM messages m WHERE m.room_id = v.column1",
            Backend::Sqlite => {
                "SELECT m.id FROM messages m WHERE m.room_id = v.column1 ORDER BY m.seq DESC LIMIT 1"
            }
        };
        // `WHERE true`: SQLite reads an upsert's ON after a bare FROM as a join's.
        let sql = format!(
            "INSERT INTO read_markers (user_id, room_id, up_to, updated_at) \
             SELECT v.column2, v.column1, COALESCE(({newest}), 0), v.column3 \
             FROM (VALUES {}) AS v WHERE true \
             ON CONFLICT (user_id, room_id) DO UPDATE SET up_to = excluded.up_to, updated_at = excluded.updated_at \
             WHERE read_markers.up_to < excluded.up_to",
            placeholders(backend, joined.len(), 3)
        );
        let now = now_ms();
        let mut query = sqlx::query(&sql).persistent(false);
        for (room_id, user_id) in joined {
            query = query.bind(*room_id).bind(*user_id).bind(now);
        }
        query.execute(conn).await?;
        Ok(())
    }

    pub(super) async fn read_marker_of(
        &self,
        room_id: i64,
        user_id: i64,
    ) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT up_to FROM read_markers WHERE user_id = $1 AND room_id = $2")
            .bind(user_id)
            .bind(room_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("up_to")).transpose()?)
    }

    pub(super) async fn unread_in(
        &self,
        user: &User,
        room_ids: &[i64],
    ) -> StoreResult<HashMap<i64, Unread>> {
        let mut out = HashMap::new();
        if room_ids.is_empty() {
            return Ok(out);
        }
        // Only rooms the user takes part in have a count: a marker left from before leaving
        // counts nothing.
        // The ids are integers, written in as such: no placeholder numbering to share between
        // the dialects.
        let ids = room_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT r.room_id, r.up_to FROM read_markers r \
             JOIN participants p ON p.room_id = r.room_id AND p.user_id = r.user_id \
             WHERE r.user_id = $1 AND r.room_id IN ({ids})"
        );
        let markers = sqlx::query(&sql)
            .bind(user.id)
            .fetch_all(&self.pool)
            .await?;
        let mention = mention_pattern(&user.nickname);
        for marker in markers {
            let room_id: i64 = marker.try_get("room_id")?;
            let up_to: i64 = marker.try_get("up_to")?;
            let row = sqlx::query(UNREAD_COUNT)
                .bind(room_id)
                .bind(up_to)
                .bind(user.id)
                .bind(&mention)
                .bind(i64::from(UNREAD_CAP))
                .fetch_one(&self.pool)
                .await?;
            out.insert(
                room_id,
                Unread {
                    count: u32::try_from(row.try_get::<i64, _>("unread")?).unwrap_or(UNREAD_CAP),
                    mentioned: row.try_get::<i64, _>("mentioned")? != 0,
                },
            );
        }
        Ok(out)
    }

    pub(super) async fn rooms_of_user(&self, user_id: i64) -> StoreResult<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT p.room_id FROM participants p JOIN rooms r ON r.id = p.room_id \
             WHERE p.user_id = $1 AND r.active = 1",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("room_id"))
            .collect::<Result<_, _>>()?)
    }
}

/// A LIKE pattern that finds `nickname` in a `mentions` column (a JSON array of the
/// participants' nicknames as registered): the JSON string, with LIKE's own characters
/// escaped.
fn mention_pattern(nickname: &str) -> String {
    let json = serde_json::to_string(nickname).unwrap_or_default();
    let mut escaped = String::with_capacity(json.len() + 2);
    escaped.push('%');
    for c in json.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    escaped
}

#[cfg(test)]
mod tests {
    use super::mention_pattern;

    #[test]
    fn like_wildcards_in_a_nickname_match_only_themselves() {
        assert_eq!(mention_pattern("ana"), r#"%"ana"%"#);
        assert_eq!(mention_pattern("a_b%"), r#"%"a\_b\%"%"#);
    }
}
