//! Where a message id falls among a room's lines, on SQLite. There one writer numbers every
//! line (the inserter, or the exact path under the same write lock), so within a room `seq`
//! rises with `id`, and "the room's lines up to id N" are its lines up to some seq. Every read
//! by position then walks the `(room_id, seq)` index that the table has anyway, and `messages`
//! needs no second index by `(room_id, id)`, which every insert would write a page of.

use sqlx::AnyPool;

/// The highest seq in `room_id` of a line whose id is at most `id`, or 0 if there is none: the
/// room's lines with a seq up to it are exactly those with an id up to `id`.
pub async fn seq_upto(pool: &AnyPool, room_id: i64, id: i64) -> Result<i64, sqlx::Error> {
    Ok(match locate(pool, room_id, id).await? {
        Place::Line(seq) | Place::After(seq) => seq,
    })
}

/// The highest seq in `room_id` of a line whose id is below `id`, or 0 if there is none.
pub async fn seq_below(pool: &AnyPool, room_id: i64, id: i64) -> Result<i64, sqlx::Error> {
    Ok(match locate(pool, room_id, id).await? {
        Place::Line(seq) => seq - 1,
        Place::After(seq) => seq,
    })
}

/// Where an id falls in a room.
enum Place {
    /// It is the room's line with this seq.
    Line(i64),
    /// It is no line of the room; the room's lines up to this seq (0: none) have smaller ids,
    /// the rest greater ones.
    After(i64),
}

async fn locate(pool: &AnyPool, room_id: i64, id: i64) -> Result<Place, sqlx::Error> {
    if id < 1 {
        return Ok(Place::After(0));
    }
    // Nearly always a line of the room: the oldest line a client holds, or the newest it saw.
    let line: Option<(i64, i64)> =
        sqlx::query_as("SELECT room_id, seq FROM messages WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    if let Some((room, seq)) = line {
        if room == room_id {
            return Ok(Place::Line(seq));
        }
    }
    let Some((mut high, newest_id)) = newest_upto(pool, room_id, i64::MAX).await? else {
        return Ok(Place::After(0));
    };
    if newest_id < id {
        return Ok(Place::After(high));
    }
    // An id of another room, or of no line: bisect. Lines up to seq `low` have smaller ids,
    // lines from seq `high` on greater ones.
    let mut low = 0;
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        match newest_upto(pool, room_id, middle).await? {
            Some((_, line_id)) if line_id > id => high = middle,
            _ => low = middle,
        }
    }
    Ok(Place::After(low))
}

/// The seq and id of the room's line with the highest seq up to `seq`.
async fn newest_upto(
    pool: &AnyPool,
    room_id: i64,
    seq: i64,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT seq, id FROM messages WHERE room_id = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1",
    )
    .bind(room_id)
    .bind(seq)
    .fetch_optional(pool)
    .await
}
