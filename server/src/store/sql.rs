//! The one implementation of [`Store`] over either database. Queries use `$N` placeholders and
//! Unix-millisecond integers, which both dialects share, so each query is written once; message
//! inserts, where the backends differ, go to [`sqlite::inserts`] or [`postgres`].

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use chat_shared::{names, NotifyLevel, Room};
use sqlx::any::AnyRow;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::error::ErrorKind;
use sqlx::{AnyPool, Row};
use tokio_util::sync::CancellationToken;

use super::rows::{
    change_from_row, joins_filter, message_from_row, messages_from_rows, now_ms, room_from_row,
    room_select, CHANGE_KINDS, MESSAGE_SELECT,
};
use super::rows::{distinct, placeholders};
use super::sqlite::inserts::SqliteInserter;
use super::sqlite::search_indexer::SearchIndexer;
use super::{
    postgres, redacted, sqlite, Backend, CreateUserError, Credentials, Inserted, Joins, MarkRead,
    NewMessage, NewUser, RoomForUser, RoomRecord, SearchRequest, Store, StoreError, StoreResult,
    StoredMessage, Unread, User,
};

/// Which of a room's lines a read by position takes: those whose `column` compares by `op` with
/// `bound`, in `column`'s order.
struct Span {
    column: &'static str,
    op: &'static str,
    bound: i64,
}

impl Span {
    fn new(column: &'static str, op: &'static str, bound: i64) -> Self {
        Self { column, op, bound }
    }
}

/// SQL storage. Cheap to clone (the pools are shared).
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(super) pool: AnyPool,
    /// SQLite: where messages are inserted, on a connection of its own, so its page cache stays
    /// warm (any other connection's write would invalidate it) and it rarely checkpoints.
    /// Postgres: `None`; messages go through `pool`.
    inserter: Option<Arc<SqliteInserter>>,
    /// SQLite: indexes stored lines for search behind the inserter. Postgres: `None`; lines
    /// are indexed in the transaction that stores them.
    search_indexer: Option<Arc<SearchIndexer>>,
    backend: Backend,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

impl SqlStore {
    /// Connects to `database_url` (`sqlite://FILE` or `postgres://...`) and applies the
    /// migrations. A SQLite file is created if missing and put in WAL mode.
    pub async fn connect(database_url: &str, max_connections: u32) -> anyhow::Result<Self> {
        Self::open(database_url, max_connections, true).await
    }

    /// [`SqlStore::connect`] for the operator's commands: a SQLite file that is not there is
    /// an error (a mistyped path must not make a new, empty database).
    pub async fn connect_existing(database_url: &str) -> anyhow::Result<Self> {
        Self::open(database_url, 2, false).await
    }

    async fn open(
        database_url: &str,
        max_connections: u32,
        create_missing: bool,
    ) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of(database_url).with_context(|| {
            format!(
                "unsupported DATABASE_URL {:?}: use sqlite://FILE or postgres://USER@HOST/DB",
                redacted(database_url)
            )
        })?;
        let url = match backend {
            Backend::Sqlite if create_missing => sqlite::creating(database_url),
            _ => database_url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .with_context(|| format!("invalid DATABASE_URL {:?}", redacted(database_url)))?;
        let open_failed = || {
            format!(
                "could not open the database at {} (check DATABASE_URL, and that the server is running and reachable)",
                redacted(database_url)
            )
        };
        let (pool, inserter) = match backend {
            Backend::Sqlite => {
                let (pool, inserter) = sqlite::open(&url, options, max_connections)
                    .await
                    .with_context(open_failed)?;
                (pool, Some(Arc::new(inserter)))
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(3))
                    .connect_with(options)
                    .await
                    .with_context(open_failed)?;
                (pool, None)
            }
        };
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        // On Postgres the migrator holds an advisory lock, so instances starting together
        // apply each migration once.
        migrator
            .run(&pool)
            .await
            .context("could not apply the database migrations")?;
        let search_indexer = match &inserter {
            Some(inserter) => Some(Arc::new(
                SearchIndexer::open(inserter.connection())
                    .await
                    .context("could not read how far the search index is")?,
            )),
            None => None,
        };
        let store = Self {
            pool,
            inserter,
            search_indexer,
            backend,
        };
        store
            .fill_nickname_skeletons()
            .await
            .context("could not compute the nickname skeletons of older accounts")?;
        super::search::spawn_backfill(store.pool.clone(), backend);
        Ok(store)
    }

    /// Accounts made before skeletons were stored get theirs (once: afterwards none is
    /// missing). Two older accounts that look the same keep their names; the second keeps no
    /// skeleton, and a warning says which.
    async fn fill_nickname_skeletons(&self) -> Result<(), sqlx::Error> {
        let missing = sqlx::query("SELECT id, nickname FROM users WHERE nickname_skeleton IS NULL")
            .fetch_all(&self.pool)
            .await?;
        for row in missing {
            let id: i64 = row.try_get("id")?;
            let nickname: String = row.try_get("nickname")?;
            let filled = sqlx::query("UPDATE users SET nickname_skeleton = $1 WHERE id = $2")
                .bind(names::skeleton(&nickname))
                .bind(id)
                .execute(&self.pool)
                .await;
            match filled {
                Ok(_) => {}
                Err(e) if violated_constraint(&e).is_some() => {
                    tracing::warn!(%nickname, id, "an older account's nickname looks like another's; left as it is");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Rows of a room's stream as entries: lines as they are, and each change with the line
    /// it changed as that line is now (read in one more query).
    async fn entries_from_rows(&self, rows: &[AnyRow]) -> StoreResult<Vec<StoredMessage>> {
        let mut entries = Vec::with_capacity(rows.len());
        let mut changes = Vec::new();
        for row in rows {
            match change_from_row(row)? {
                Some(change) => {
                    changes.push((entries.len(), change));
                    entries.push(None);
                }
                None => entries.push(Some(message_from_row(row)?)),
            }
        }
        if !changes.is_empty() {
            let targets = distinct(changes.iter().map(|(_, (_, _, target))| *target));
            let sql = format!(
                "{MESSAGE_SELECT} WHERE m.id IN {}",
                placeholders(self.backend, 1, targets.len())
            );
            let mut query = sqlx::query(&sql);
            for id in &targets {
                query = query.bind(*id);
            }
            let lines: std::collections::HashMap<i64, StoredMessage> =
                messages_from_rows(&query.fetch_all(&self.pool).await?)?
                    .into_iter()
                    .map(|m| (m.message.id, m))
                    .collect();
            for (at, (change, seq, target)) in changes {
                // A line is never removed from the table, so its change always finds it.
                if let Some(line) = lines.get(&target) {
                    entries[at] = Some(StoredMessage {
                        message: line.message.clone(),
                        seq,
                        change: Some(change),
                    });
                }
            }
        }
        Ok(entries.into_iter().flatten().collect())
    }

    /// The `nickname` column of what `sql` (with the room as `$1`) reads.
    async fn nicknames(&self, sql: &str, room_id: i64) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(sql).bind(room_id).fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("nickname"))
            .collect::<Result<_, _>>()?)
    }

    /// A room's lines before message id `before` (`i64::MAX`: all of them), as a condition that
    /// an index of the room serves: by id on Postgres (0012's `(room_id, id)`), by seq on
    /// SQLite, where seq rises with id ([`sqlite::positions`]).
    async fn lines_before_span(&self, room_id: i64, before: i64) -> StoreResult<Span> {
        Ok(match self.backend {
            Backend::Postgres => Span::new("m.id", "<", before),
            Backend::Sqlite if before == i64::MAX => Span::new("m.seq", "<", i64::MAX),
            Backend::Sqlite => Span::new(
                "m.seq",
                "<=",
                sqlite::positions::seq_below(&self.pool, room_id, before).await?,
            ),
        })
    }

    /// A room's lines after message id `after`, as [`SqlStore::lines_before_span`] does.
    async fn lines_after_span(&self, room_id: i64, after: i64) -> StoreResult<Span> {
        Ok(match self.backend {
            Backend::Postgres => Span::new("m.id", ">", after),
            Backend::Sqlite => Span::new(
                "m.seq",
                ">",
                sqlite::positions::seq_upto(&self.pool, room_id, after).await?,
            ),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts what the backend needs in the background until `shutdown`: on SQLite, copying
    /// the write-ahead log into the database file ([`sqlite::checkpoint`]) and indexing new
    /// lines for search every `search_index_interval` ([`sqlite::search_indexer`]).
    pub fn start_upkeep(&self, shutdown: CancellationToken, search_index_interval: Duration) {
        if self.backend == Backend::Sqlite {
            tokio::spawn(sqlite::checkpoint::checkpoint_until(
                self.pool.clone(),
                shutdown.clone(),
            ));
        }
        if let Some(indexer) = self.search_indexer.clone() {
            tokio::spawn(async move { indexer.run(search_index_interval, shutdown).await });
        }
    }

    /// [`Store::add_participants`] as a transaction: the participants, then their read
    /// markers in a savepoint. The pairs that were not participants yet.
    async fn add_participants_step_by_step(
        &self,
        joins: &[(i64, i64)],
    ) -> StoreResult<std::collections::HashSet<(i64, i64)>> {
        // One transaction and two statements for the whole group: a join storm writes once per
        // group, not once (or twice) per member.
        let mut tx = self.pool.begin().await?;
        let now = now_ms();
        let sql = format!(
            "INSERT INTO participants (room_id, user_id, joined_at) VALUES {} \
             ON CONFLICT (room_id, user_id) DO NOTHING RETURNING room_id, user_id",
            placeholders(self.backend, joins.len(), 3)
        );
        // Statements of every group size are not worth keeping prepared.
        let mut query = sqlx::query(&sql).persistent(false);
        for (room_id, user_id) in joins {
            query = query.bind(*room_id).bind(*user_id).bind(now);
        }
        let mut joined = std::collections::HashSet::new();
        for row in query.fetch_all(&mut *tx).await? {
            joined.insert((
                row.try_get::<i64, _>("room_id")?,
                row.try_get::<i64, _>("user_id")?,
            ));
        }
        let new: Vec<(i64, i64)> = joined.iter().copied().collect();
        // Entering must not fail for the marker's sake (without one the room shows no count
        // until the user's first read, which places it): a savepoint keeps the participants
        // if the markers cannot be written.
        if !new.is_empty() {
            let mut marker = sqlx::Acquire::begin(&mut *tx).await?;
            match Self::mark_all_read(&mut marker, self.backend, &new).await {
                Ok(()) => marker.commit().await?,
                Err(e) => {
                    tracing::warn!(error = ?e, count = new.len(), "could not place new participants' read markers");
                    marker.rollback().await?;
                }
            }
        }
        tx.commit().await?;
        Ok(joined)
    }
}

/// The lowercase key to look a user up by, or `None` for a value with NUL in it: Postgres
/// refuses NUL in text, and no stored email or nickname has one, so such a value matches
/// no account (rather than being altered into one that might).
/// A user from a row with `id`, `nickname`, `is_admin` and `created_at`.
fn user_from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get("id")?,
        nickname: row.try_get("nickname")?,
        is_admin: row.try_get::<i64, _>("is_admin")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) fn lookup_key(value: &str) -> Option<String> {
    (!value.contains('\0')).then(|| value.to_lowercase())
}

/// Which unique constraint a failed insert broke, if any (Postgres names it; SQLite's
/// message names the column).
fn violated_constraint(err: &sqlx::Error) -> Option<String> {
    let db = err.as_database_error()?;
    if db.kind() != ErrorKind::UniqueViolation {
        return None;
    }
    Some(
        db.constraint()
            .map(str::to_owned)
            .unwrap_or_else(|| db.message().to_owned()),
    )
}

#[async_trait]
impl Store for SqlStore {
    async fn create_user(&self, new: NewUser) -> Result<User, CreateUserError> {
        let created_at = now_ms();
        let result = sqlx::query(
            "INSERT INTO users (email, email_lower, nickname, nickname_lower, nickname_skeleton, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&new.email)
        .bind(new.email.to_lowercase())
        .bind(&new.nickname)
        .bind(new.nickname.to_lowercase())
        .bind(names::skeleton(&new.nickname))
        .bind(&new.password_hash)
        .bind(created_at)
        .fetch_one(&self.pool)
        .await;
        match result {
            Ok(row) => Ok(User {
                id: row.try_get("id").map_err(StoreError::from)?,
                nickname: new.nickname,
                is_admin: false,
                created_at,
            }),
            Err(err) => match violated_constraint(&err) {
                Some(c) if c.contains("email") => Err(CreateUserError::EmailTaken),
                Some(c) if c.contains("nickname") => Err(CreateUserError::NicknameTaken),
                _ => Err(CreateUserError::Store(err.into())),
            },
        }
    }

    async fn taken(&self, email: &str, nickname: &str) -> StoreResult<(bool, bool)> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM users WHERE email_lower = $1) AS emails, \
                    (SELECT COUNT(*) FROM users WHERE nickname_lower = $2 OR nickname_skeleton = $3) AS nicknames",
        )
        // An empty key matches nothing: stored emails and nicknames are never empty.
        .bind(lookup_key(email).unwrap_or_default())
        .bind(lookup_key(nickname).unwrap_or_default())
        .bind(lookup_key(nickname).map(|n| names::skeleton(&n)).unwrap_or_default())
        .fetch_one(&self.pool)
        .await?;
        Ok((
            row.try_get::<i64, _>("emails")? > 0,
            row.try_get::<i64, _>("nicknames")? > 0,
        ))
    }

    async fn credentials(&self, email: &str) -> StoreResult<Option<Credentials>> {
        let Some(key) = lookup_key(email) else {
            return Ok(None);
        };
        let row =
            // A disabled account fails to log in as a wrong password does.
            sqlx::query("SELECT id, nickname, is_admin, created_at, password_hash FROM users WHERE email_lower = $1 AND disabled_at IS NULL")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| {
            Ok(Credentials {
                user: user_from_row(&row)?,
                password_hash: row.try_get("password_hash")?,
            })
        })
        .transpose()
        .map_err(<StoreError as From<sqlx::Error>>::from)
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now_ms())
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session_user(&self, token_hash: &str, now: i64) -> StoreResult<Option<(User, i64)>> {
        let row = sqlx::query(
            "SELECT u.id, u.nickname, u.is_admin, u.created_at, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((user_from_row(&row)?, row.try_get("expires_at")?)))
            .transpose()
            .map_err(<StoreError as From<sqlx::Error>>::from)
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn active_rooms(&self, before: Option<i64>, limit: u32) -> StoreResult<Vec<Room>> {
        // Keyset, not OFFSET: every page costs one walk of `rooms_active (active, id)`.
        let rows = sqlx::query(&format!(
            "{} WHERE r.active = 1 AND r.id < $1 ORDER BY r.id DESC LIMIT $2",
            room_select(self.backend)
        ))
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| room_from_row(r).map(|rec| rec.room))
            .collect::<Result<_, _>>()?)
    }

    async fn active_room_ids_after(&self, after: i64, limit: u32) -> StoreResult<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT id FROM rooms WHERE active = 1 AND id > $1 ORDER BY id ASC LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get::<i64, _>("id"))
            .collect::<Result<_, _>>()?)
    }

    async fn room(&self, id: i64) -> StoreResult<Option<RoomRecord>> {
        let row = sqlx::query(&format!("{} WHERE r.id = $1", room_select(self.backend)))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(room_from_row).transpose()?)
    }

    async fn room_for_user(&self, id: i64, user_id: i64) -> StoreResult<Option<RoomForUser>> {
        // Each subquery is one probe of a primary key.
        let row = sqlx::query(&format!(
            "SELECT x.*, \
             (SELECT COUNT(*) FROM room_bans b WHERE b.room_id = x.id AND b.user_id = $2) AS banned, \
             (SELECT COUNT(*) FROM participants p WHERE p.room_id = x.id AND p.user_id = $2) AS participant, \
             (SELECT k.up_to FROM read_markers k WHERE k.user_id = $2 AND k.room_id = x.id) AS read_up_to \
             FROM ({} WHERE r.id = $1) x",
            room_select(self.backend)
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(RoomForUser {
            record: room_from_row(&row)?,
            banned: row.try_get::<i64, _>("banned")? > 0,
            participant: row.try_get::<i64, _>("participant")? > 0,
            read_up_to: row.try_get("read_up_to")?,
        }))
    }

    async fn rooms(&self, ids: &[i64]) -> StoreResult<Vec<RoomRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        // The ids are numbers, written in: a statement per count of rooms is not worth keeping.
        let rows = sqlx::query(&format!(
            "{} WHERE r.id IN ({ids})",
            room_select(self.backend)
        ))
        .persistent(false)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(room_from_row).collect::<Result<_, _>>()?)
    }

    async fn create_room(&self, title: &str, creator_id: i64) -> StoreResult<Room> {
        let row = sqlx::query("INSERT INTO rooms (title, creator_id, created_at, active) VALUES ($1, $2, $3, 1) RETURNING id")
            .bind(title)
            .bind(creator_id)
            .bind(now_ms())
            .fetch_one(&self.pool)
            .await?;
        let id: i64 = row.try_get("id")?;
        let record = self
            .room(id)
            .await?
            .ok_or(StoreError::from(sqlx::Error::RowNotFound))?;
        Ok(record.room)
    }

    async fn rename_room(&self, id: i64, title: &str) -> StoreResult<()> {
        sqlx::query("UPDATE rooms SET title = $1 WHERE id = $2")
            .bind(title)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn remove_room(&self, id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE rooms SET active = 0 WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn add_participants(&self, joins: &[(i64, i64)]) -> StoreResult<Vec<bool>> {
        if joins.is_empty() {
            return Ok(Vec::new());
        }
        let mut joined = match self.backend {
            Backend::Postgres => {
                match postgres::add_participants(&self.pool, joins, now_ms()).await {
                    Ok(joined) => joined,
                    // The markers' failure must not keep the users out: the careful path keeps
                    // the participants without them.
                    Err(e) => {
                        tracing::warn!(error = ?e, count = joins.len(), "entering in one statement failed; trying step by step");
                        self.add_participants_step_by_step(joins).await?
                    }
                }
            }
            Backend::Sqlite => self.add_participants_step_by_step(joins).await?,
        };
        // A pair asked for twice in the group joined once: the first asking is told so.
        Ok(joins.iter().map(|pair| joined.remove(pair)).collect())
    }

    async fn remove_participant(&self, room_id: i64, user_id: i64) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM participants WHERE room_id = $1 AND user_id = $2")
            .bind(room_id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn participants(&self, room_id: i64) -> StoreResult<Vec<String>> {
        self.nicknames(
            "SELECT u.nickname FROM participants p JOIN users u ON u.id = p.user_id \
             WHERE p.room_id = $1 ORDER BY p.joined_at, u.id",
            room_id,
        )
        .await
    }

    async fn insert_messages(&self, batch: &[NewMessage]) -> StoreResult<Vec<Inserted>> {
        if let Some(inserter) = &self.inserter {
            let inserted = inserter.insert(&self.pool, batch).await?;
            if let (Some(indexer), Some(newest)) = (
                &self.search_indexer,
                inserted.iter().map(|i| i.stored.message.id).max(),
            ) {
                indexer.stored(newest);
            }
            return Ok(inserted);
        }
        let mut tx = self.pool.begin().await?;
        let inserted = postgres::insert(&mut tx, batch).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    async fn message(&self, room_id: i64, id: i64) -> StoreResult<Option<StoredMessage>> {
        let row = sqlx::query(&format!(
            "{MESSAGE_SELECT} WHERE m.room_id = $1 AND m.id = $2 AND m.kind NOT IN {CHANGE_KINDS}"
        ))
        .bind(room_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(message_from_row).transpose()?)
    }

    async fn latest_messages(
        &self,
        room_id: i64,
        limit: u32,
        joins: Joins,
    ) -> StoreResult<Vec<StoredMessage>> {
        self.messages_before(room_id, i64::MAX, limit, joins).await
    }

    async fn messages_before(
        &self,
        room_id: i64,
        before: i64,
        limit: u32,
        joins: Joins,
    ) -> StoreResult<Vec<StoredMessage>> {
        let span = self.lines_before_span(room_id, before).await?;
        let rows = sqlx::query(&format!(
            "{MESSAGE_SELECT} WHERE m.room_id = $1 AND {} {} $2 AND m.kind NOT IN {CHANGE_KINDS}{} \
             ORDER BY {} DESC LIMIT $3",
            span.column,
            span.op,
            joins_filter(joins),
            span.column
        ))
        .bind(room_id)
        .bind(span.bound)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut messages = messages_from_rows(&rows)?;
        messages.reverse();
        Ok(messages)
    }

    async fn lines_after(
        &self,
        room_id: i64,
        after: i64,
        limit: u32,
        joins: Joins,
    ) -> StoreResult<Vec<StoredMessage>> {
        let span = self.lines_after_span(room_id, after).await?;
        let rows = sqlx::query(&format!(
            "{MESSAGE_SELECT} WHERE m.room_id = $1 AND {} {} $2 AND m.kind NOT IN {CHANGE_KINDS}{} \
             ORDER BY {} LIMIT $3",
            span.column,
            span.op,
            joins_filter(joins),
            span.column
        ))
        .bind(room_id)
        .bind(span.bound)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        messages_from_rows(&rows)
    }

    async fn search(&self, request: &SearchRequest) -> StoreResult<Vec<StoredMessage>> {
        if let Some(indexer) = &self.search_indexer {
            indexer.catch_up().await;
        }
        super::search::search(&self.pool, self.backend, request).await
    }

    async fn messages_after(
        &self,
        room_id: i64,
        after: i64,
        limit: u32,
        joins: Joins,
    ) -> StoreResult<Vec<StoredMessage>> {
        let span = self.lines_after_span(room_id, after).await?;
        let rows = sqlx::query(&format!(
            "{MESSAGE_SELECT} WHERE m.room_id = $1 AND {} {} $2{} ORDER BY {} LIMIT $3",
            span.column,
            span.op,
            joins_filter(joins),
            span.column
        ))
        .bind(room_id)
        .bind(span.bound)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        self.entries_from_rows(&rows).await
    }

    async fn messages_by_seq(
        &self,
        room_id: i64,
        after_seq: i64,
        upto_seq: i64,
    ) -> StoreResult<Vec<StoredMessage>> {
        let rows = sqlx::query(&format!(
            "{MESSAGE_SELECT} WHERE m.room_id = $1 AND m.seq > $2 AND m.seq <= $3 ORDER BY m.seq"
        ))
        .bind(room_id)
        .bind(after_seq)
        .bind(upto_seq)
        .fetch_all(&self.pool)
        .await?;
        self.entries_from_rows(&rows).await
    }

    async fn set_notify(
        &self,
        room_id: i64,
        user_id: i64,
        level: NotifyLevel,
    ) -> StoreResult<bool> {
        let done =
            sqlx::query("UPDATE participants SET notify = $1 WHERE room_id = $2 AND user_id = $3")
                .bind(level.as_str())
                .bind(room_id)
                .bind(user_id)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn notify(&self, room_id: i64, user_id: i64) -> StoreResult<Option<NotifyLevel>> {
        let row =
            sqlx::query("SELECT notify FROM participants WHERE room_id = $1 AND user_id = $2")
                .bind(room_id)
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(row) => Some(
                NotifyLevel::parse(row.try_get::<String, _>("notify")?.as_str())
                    .unwrap_or_default(),
            ),
            None => None,
        })
    }

    async fn ban(&self, room_id: i64, user_id: i64, by: i64) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "INSERT INTO room_bans (room_id, user_id, banned_by, banned_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (room_id, user_id) DO NOTHING",
        )
        .bind(room_id)
        .bind(user_id)
        .bind(by)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM participants WHERE room_id = $1 AND user_id = $2")
            .bind(room_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn unban(&self, room_id: i64, user_id: i64) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM room_bans WHERE room_id = $1 AND user_id = $2")
            .bind(room_id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn is_banned(&self, room_id: i64, user_id: i64) -> StoreResult<bool> {
        let row = sqlx::query("SELECT 1 AS one FROM room_bans WHERE room_id = $1 AND user_id = $2")
            .bind(room_id)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn bans(&self, room_id: i64) -> StoreResult<Vec<String>> {
        self.nicknames(
            "SELECT u.nickname FROM room_bans b JOIN users u ON u.id = b.user_id \
             WHERE b.room_id = $1 ORDER BY b.banned_at, u.id",
            room_id,
        )
        .await
    }

    async fn user_by_nickname(&self, nickname: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query(
            "SELECT id, nickname, is_admin, created_at FROM users WHERE nickname_lower = $1",
        )
        .bind(nickname.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    async fn mark_read(&self, room_id: i64, user_id: i64, up_to: i64) -> StoreResult<MarkRead> {
        self.mark_read_in(room_id, user_id, up_to).await
    }

    async fn read_marker(&self, room_id: i64, user_id: i64) -> StoreResult<Option<i64>> {
        self.read_marker_of(room_id, user_id).await
    }

    async fn unread(
        &self,
        user: &User,
        room_ids: &[i64],
    ) -> StoreResult<std::collections::HashMap<i64, Unread>> {
        self.unread_in(user, room_ids).await
    }

    async fn rooms_of(&self, user_id: i64) -> StoreResult<Vec<i64>> {
        self.rooms_of_user(user_id).await
    }

    async fn disabled_since(&self, since: i64) -> StoreResult<Vec<i64>> {
        let rows = sqlx::query("SELECT id FROM users WHERE disabled_at >= $1")
            .bind(since)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|row| row.try_get("id"))
            .collect::<Result<_, _>>()?)
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn last_seq(&self, room_id: i64) -> StoreResult<i64> {
        let row =
            sqlx::query("SELECT COALESCE(MAX(seq), 0) AS seq FROM messages WHERE room_id = $1")
                .bind(room_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(row.try_get("seq")?)
    }

    async fn secret(&self, name: &str, fresh: &str) -> StoreResult<String> {
        sqlx::query("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(fresh)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("value")?)
    }
}
