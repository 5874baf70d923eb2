//! Full-text search (issue 17): what the index holds for a line, how a query reads it, and the
//! backfill of lines stored before the index existed. The tokens come from
//! `chat_shared::search`; here they become each backend's form: an FTS5 row and MATCH string
//! on SQLite, a tsvector and tsquery on Postgres (migrations 0006 explain the tables).
//!
//! Every token holds only letters and digits, and each is quoted, so nothing a user typed is
//! ever read as query syntax.

use chat_shared::search::{self, SearchQuery, Term};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Row, Transaction};

use super::rows::{message_from_row, placeholders};
use super::{Backend, StoreResult, StoredMessage};

/// Lines indexed per transaction by the start-up backfill.
const BACKFILL_CHUNK: i64 = 2000;

/// On Postgres, each word's first 1–4 letters are lexemes of their own (migration 0010), as
/// SQLite's FTS5 table keeps prefix indexes of 2–4 (0008): a GIN index answers `'and':*` by
/// merging every lexeme that begins with `and`, but `'and'` from one entry.
const POSTGRES_BEGINNING_MAX: usize = 4;

/// What the index holds for `body`: SQLite's space-separated tokens, or a Postgres tsvector
/// literal with positions (and the words' beginnings, without: no phrase asks for them);
/// `None` when the line has no word to find.
pub fn index_value(backend: Backend, body: &str) -> Option<String> {
    match backend {
        Backend::Sqlite => {
            let tokens = search::tokens(body);
            (!tokens.is_empty()).then(|| tokens.join(" "))
        }
        Backend::Postgres => {
            let line = search::indexed(body, POSTGRES_BEGINNING_MAX);
            if line.tokens.is_empty() {
                return None;
            }
            let positioned = line
                .tokens
                .iter()
                .enumerate()
                // Postgres keeps positions up to 16383; later ones are set to 16383.
                .map(|(i, t)| format!("'{t}':{}", (i + 1).min(16383)));
            let beginnings = line.beginnings.iter().map(|b| format!("'{b}'"));
            Some(positioned.chain(beginnings).collect::<Vec<_>>().join(" "))
        }
    }
}

/// The query in the backend's syntax: an FTS5 MATCH string, or a tsquery literal.
pub fn query_value(backend: Backend, query: &SearchQuery) -> String {
    let terms = query.terms.iter().map(|term| match (backend, term) {
        (Backend::Sqlite, Term::Prefix(word)) => format!("\"{word}\"*"),
        (Backend::Sqlite, Term::Phrase(bigrams)) => format!("\"{}\"", bigrams.join(" ")),
        (Backend::Postgres, Term::Prefix(word))
            if search::is_indexed_beginning(word, POSTGRES_BEGINNING_MAX) =>
        {
            format!("'{word}'")
        }
        (Backend::Postgres, Term::Prefix(word)) => format!("'{word}':*"),
        (Backend::Postgres, Term::Phrase(bigrams)) => format!(
            "({})",
            bigrams
                .iter()
                .map(|b| format!("'{b}'"))
                .collect::<Vec<_>>()
                .join(" <-> ")
        ),
    });
    let joiner = match backend {
        Backend::Sqlite => " AND ",
        Backend::Postgres => " & ",
    };
    terms.collect::<Vec<_>>().join(joiner)
}

/// The lines the index holds, as a condition on `messages`: text and action lines that are
/// not deleted (the start-up backfill and SQLite's indexer read them with it).
pub const SEARCHABLE_LINE: &str = "kind IN ('text', 'action') AND deleted_at IS NULL";

/// A line to index: its id, room and body.
pub type Line<'a> = (i64, i64, &'a str);

/// Indexes new lines in `tx`, the transaction that stores them.
pub async fn index_lines(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    lines: &[Line<'_>],
) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, i64, String)> = lines
        .iter()
        .filter_map(|(id, room, body)| index_value(backend, body).map(|v| (*id, *room, v)))
        .collect();
    // 3 parameters a row stays below both databases' limits.
    for chunk in rows.chunks(2000) {
        let sql = match backend {
            Backend::Sqlite => format!(
                "INSERT INTO message_search (rowid, terms) VALUES {}",
                placeholders(backend, chunk.len(), 2)
            ),
            Backend::Postgres => format!(
                "INSERT INTO message_search (message_id, room_id, terms) \
                 SELECT v.id, v.room_id, v.terms::tsvector FROM (VALUES {}) AS v (id, room_id, terms) \
                 ON CONFLICT (message_id) DO NOTHING",
                placeholders(backend, chunk.len(), 3)
            ),
        };
        let mut query = sqlx::query(&sql);
        for (id, room, value) in chunk {
            query = query.bind(*id);
            if backend == Backend::Postgres {
                query = query.bind(*room);
            }
            query = query.bind(value.as_str());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Whether lines are indexed in the transaction that stores them: on Postgres. SQLite's are
/// indexed behind the inserter (`sqlite::search_indexer`, migration 0013).
pub fn indexed_when_stored(backend: Backend) -> bool {
    backend == Backend::Postgres
}

/// Whether the line `id` has been through the index (found by its words, if it has any): on
/// SQLite, once the indexer has reached it. Read after the transaction's first write, when it
/// holds the write lock, so the indexer cannot reach the line before the transaction ends.
pub async fn is_indexed(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    id: i64,
) -> Result<bool, sqlx::Error> {
    if indexed_when_stored(backend) {
        return Ok(true);
    }
    let upto: i64 = sqlx::query("SELECT upto FROM search_indexed")
        .fetch_one(&mut **tx)
        .await?
        .try_get("upto")?;
    Ok(id <= upto)
}

/// Takes a line out of the index (it was deleted, or is about to be indexed anew).
pub async fn unindex(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    id: i64,
) -> Result<(), sqlx::Error> {
    let sql = match backend {
        Backend::Sqlite => "DELETE FROM message_search WHERE rowid = $1",
        Backend::Postgres => "DELETE FROM message_search WHERE message_id = $1",
    };
    sqlx::query(sql).bind(id).execute(&mut **tx).await?;
    Ok(())
}

/// What a search asks the store for.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub user_id: i64,
    /// One room, or every room the user is in.
    pub room: Option<i64>,
    pub query: SearchQuery,
    /// Lines with ids below this (the next page); `None` for the newest.
    pub before: Option<i64>,
    pub limit: u32,
}

/// The columns `message_from_row` reads, as the search queries name them.
const LINE_COLUMNS: &str =
    "m.id, m.room_id, m.seq, m.sender_id, u.nickname AS sender, m.body, m.sent_at, m.nonce, \
     m.kind, m.target_id, m.edited_at, m.deleted_at, m.mentions";

/// The rooms a user may search: those they are a participant of, active, not banned from.
const SEARCHABLE_ROOMS: &str =
    "SELECT p.room_id FROM participants p JOIN rooms r ON r.id = p.room_id \
     WHERE p.user_id = $1 AND r.active = 1 AND NOT EXISTS \
     (SELECT 1 FROM room_bans b WHERE b.room_id = p.room_id AND b.user_id = p.user_id)";

/// Rows of the user's rooms the newest-first walk reads on Postgres before it takes the word
/// for a rare one and asks the word index instead (see [`postgres_hits`]).
const WALK_ROWS: i64 = 10_000;

/// The matching lines, newest first. The rooms are read first and written into the query as
/// numbers (ids from the database, never user text), so the search itself is on the index
/// alone: the newest matching ids from those rooms, `limit` of them, then their rows (a join
/// in the same statement made Postgres read every match of a common word and sort them).
pub async fn search(
    pool: &AnyPool,
    backend: Backend,
    request: &SearchRequest,
) -> StoreResult<Vec<StoredMessage>> {
    let rows = sqlx::query(SEARCHABLE_ROOMS)
        .bind(request.user_id)
        .fetch_all(pool)
        .await?;
    let mut rooms: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get("room_id"))
        .collect::<Result<_, _>>()?;
    if let Some(room) = request.room {
        rooms.retain(|r| *r == room);
    }
    if rooms.is_empty() {
        return Ok(Vec::new());
    }
    let hits = Hits {
        rooms: numbers(&rooms),
        query: query_value(backend, &request.query),
        before: request.before.unwrap_or(i64::MAX),
        limit: i64::from(request.limit),
    };
    let ids = match backend {
        Backend::Sqlite => sqlite_hits(pool, &hits).await?,
        Backend::Postgres => postgres_hits(pool, &hits).await?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {LINE_COLUMNS} FROM messages m JOIN users u ON u.id = m.sender_id \
         WHERE m.id IN ({}) AND m.deleted_at IS NULL ORDER BY m.id DESC",
        numbers(&ids)
    );
    let rows: Vec<AnyRow> = sqlx::query(&sql).persistent(false).fetch_all(pool).await?;
    Ok(rows
        .iter()
        .map(message_from_row)
        .collect::<Result<_, _>>()?)
}

/// Ids from the database written into a statement: `1, 2, 3`.
fn numbers(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One search as the index is asked it.
struct Hits {
    /// The rooms searched, as [`numbers`].
    rooms: String,
    /// [`query_value`].
    query: String,
    /// Ids below this.
    before: i64,
    limit: i64,
}

/// Runs a statement that answers `id`s with the query, `before` and `limit` bound as `$1..$3`.
/// Planned for each query's own words and rooms (an unnamed statement on Postgres; the text
/// differs by rooms anyway).
async fn ids(pool: &AnyPool, sql: &str, hits: &Hits) -> Result<Vec<i64>, sqlx::Error> {
    let rows = sqlx::query(sql)
        .persistent(false)
        .bind(hits.query.as_str())
        .bind(hits.before)
        .bind(hits.limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}

/// SQLite: FTS5 walks the word's doclist from the newest rowid down (a prefix index,
/// migration 0008, gives a short word one doclist instead of a merge of every word it begins)
/// and stops at `limit` rows in the rooms.
async fn sqlite_hits(pool: &AnyPool, hits: &Hits) -> Result<Vec<i64>, sqlx::Error> {
    let sql = format!(
        "SELECT s.rowid AS id FROM message_search s JOIN messages m ON m.id = s.rowid \
         WHERE message_search MATCH $1 AND s.rowid < $2 AND m.room_id IN ({}) \
         ORDER BY s.rowid DESC LIMIT $3",
        hits.rooms
    );
    ids(pool, &sql, hits).await
}

/// Postgres: which plan is fast depends on how many lines the words are in, which the planner
/// cannot tell for a prefix (`'kaloren45':*`). So first the walk: the newest [`WALK_ROWS`]
/// rows of the rooms, each tested against the query; words in more than one line in
/// `WALK_ROWS / limit` (1 in 500 for a page of 20) fill the page there, and the walk stops as
/// soon as they have. A page it does not fill is rarer words': the word index (GIN) gives their
/// matches, sorted (a short word is one lexeme there: [`POSTGRES_BEGINNING_MAX`]).
async fn postgres_hits(pool: &AnyPool, hits: &Hits) -> Result<Vec<i64>, sqlx::Error> {
    let walk = format!(
        "SELECT w.message_id AS id FROM (SELECT message_id, terms FROM message_search \
         WHERE message_id < $2 AND room_id IN ({}) ORDER BY message_id DESC LIMIT {WALK_ROWS}) w \
         WHERE w.terms @@ $1::tsquery ORDER BY w.message_id DESC LIMIT $3",
        hits.rooms
    );
    let found = ids(pool, &walk, hits).await?;
    if found.len() as i64 >= hits.limit {
        return Ok(found);
    }
    // MATERIALIZED: planned alone, the match is a bitmap scan of the GIN index, never a walk.
    let index = format!(
        "WITH found AS MATERIALIZED (SELECT message_id, room_id FROM message_search \
         WHERE terms @@ $1::tsquery) \
         SELECT message_id AS id FROM found WHERE message_id < $2 AND room_id IN ({}) \
         ORDER BY message_id DESC LIMIT $3",
        hits.rooms
    );
    ids(pool, &index, hits).await
}

/// Indexes the lines stored before the index existed, in the background: the server serves
/// from the start (a million lines take minutes to index), and searches find older lines as
/// the backfill reaches them, newest first. A failed chunk (say, a write that raced an edit)
/// is tried again a little later.
pub fn spawn_backfill(pool: AnyPool, backend: Backend) {
    tokio::spawn(async move {
        loop {
            match backfill(&pool, backend).await {
                Ok(indexed) => {
                    if indexed > 0 {
                        tracing::info!(indexed, "added older messages to the search index");
                    }
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = ?e, "could not add older messages to the search index; trying again");
                    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                }
            }
        }
    });
}

/// Indexes the lines stored before the index existed (migration 0006's `search_backfill`),
/// newest first, a chunk per transaction, so a start that stops midway resumes where it was.
async fn backfill(pool: &AnyPool, backend: Backend) -> Result<u64, sqlx::Error> {
    let mut indexed = 0u64;
    loop {
        let upto: i64 = sqlx::query("SELECT upto FROM search_backfill")
            .fetch_one(pool)
            .await?
            .try_get("upto")?;
        if upto <= 0 {
            return Ok(indexed);
        }
        let lowest = (upto - BACKFILL_CHUNK).max(0);
        let mut tx = pool.begin().await?;
        let rows = sqlx::query(&format!(
            "SELECT id, room_id, body FROM messages WHERE id > $1 AND id <= $2 AND {SEARCHABLE_LINE}"
        ))
        .bind(lowest)
        .bind(upto)
        .fetch_all(&mut *tx)
        .await?;
        let lines: Vec<(i64, i64, String)> = rows
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("room_id")?, r.try_get("body")?)))
            .collect::<Result<_, sqlx::Error>>()?;
        let borrowed: Vec<Line<'_>> = lines
            .iter()
            .map(|(id, room, body)| (*id, *room, body.as_str()))
            .collect();
        if backend == Backend::Sqlite {
            // A start that stopped after indexing but before lowering `upto` would index
            // these again; FTS5 does not refuse a repeated rowid, so take them out first.
            sqlx::query("DELETE FROM message_search WHERE rowid > $1 AND rowid <= $2")
                .bind(lowest)
                .bind(upto)
                .execute(&mut *tx)
                .await?;
        }
        index_lines(&mut tx, backend, &borrowed).await?;
        sqlx::query("UPDATE search_backfill SET upto = $1")
            .bind(lowest)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        indexed += lines.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_quote_every_token() {
        let q = search::parse_query("deploy 대화방").unwrap();
        assert_eq!(
            query_value(Backend::Sqlite, &q),
            "\"deploy\"* AND \"대화 화방\""
        );
        assert_eq!(
            query_value(Backend::Postgres, &q),
            "'deploy':* & ('대화' <-> '화방')"
        );
    }

    #[test]
    fn index_values_keep_positions_on_postgres() {
        assert_eq!(
            index_value(Backend::Postgres, "Hi 대화방").as_deref(),
            Some("'hi':1 '대화':2 '화방':3 'h'")
        );
        assert_eq!(
            index_value(Backend::Sqlite, "Hi 대화방").as_deref(),
            Some("hi 대화 화방")
        );
        assert_eq!(index_value(Backend::Sqlite, "?!"), None);
        assert_eq!(index_value(Backend::Postgres, "?!"), None);
    }

    #[test]
    fn short_words_are_read_from_their_own_lexeme_on_postgres() {
        let q = search::parse_query("and window 대 deplo").unwrap();
        assert_eq!(
            query_value(Backend::Postgres, &q),
            "'and' & 'window':* & '대':* & 'deplo':*"
        );
        assert_eq!(
            index_value(Backend::Postgres, "Andrew deploys").as_deref(),
            Some("'andrew':1 'deploys':2 'a' 'an' 'and' 'andr' 'd' 'de' 'dep' 'depl'")
        );
    }
}
