//! The one SQL implementation of [`Store`], over SQLite (the embedded default) or Postgres
//! (scale-out). Queries use `$N` placeholders and Unix-millisecond integers, which both
//! dialects share, so each query is written once; where the dialects differ (locking) the
//! backend is checked explicitly.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use chat_shared::{Message, Room};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::error::ErrorKind;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{AnyPool, Executor, Row};

use super::batch::SqliteWriter;
use super::*;

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQL storage. Cheap to clone (the pools are shared).
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    /// SQLite: where messages are inserted, one connection of its own, so its page cache stays
    /// warm (any other connection's write would invalidate it) and it rarely checkpoints.
    /// Postgres: `None`; messages go through `pool`.
    writer: Option<Arc<SqliteWriter>>,
    backend: Backend,
}

/// Every SQLite connection's settings, the pool's and the writer's. Wait for the writer
/// instead of failing at once; NORMAL is durable in WAL mode against process crashes, which is
/// what `kill -9` tests; after a checkpoint, a log that grew under a burst shrinks back.
const SQLITE_CONNECTION_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
     PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 67108864;";

/// SQLite's message writer connection, on the native driver: its worker thread gets a name of
/// its own, and its statements need no `Any` conversions. (It once also needed a row buffer of a
/// whole batch for `RETURNING`, which `Any` cannot set; the insert no longer returns rows,
/// BENCHMARKS.md sixth round.)
async fn sqlite_writer(url: &str) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        // Tells its thread apart from the pool's in `top -H` and profiles.
        .thread_name(|id| format!("sqlite-writer-{id}"));
    SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(3))
        .test_before_acquire(false)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(SQLITE_CONNECTION_PRAGMAS).await?;
                // `SqlStore::checkpoint` copies the log into the database without blocking
                // the writer; the writer checkpoints itself only at 32 MiB of log, which then
                // has little left to copy. Without that backstop, a log that is written to
                // without pause is never restarted and grows without bound.
                conn.execute("PRAGMA wal_autocheckpoint = 8192;").await?;
                // A 16 MiB page cache. A batch of a thousand messages to a hundred rooms
                // dirties ~600 pages, more than SQLite's default 2 MiB (500 pages) holds, so
                // it spilled pages to the log in the middle of each write and read them back:
                // 41k reads and 72k writes a second at 650k deliveries/s, 8k and 50k with
                // this (BENCHMARKS.md, fifth round). Only this connection writes messages.
                conn.execute("PRAGMA cache_size = -16384;").await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
}

/// Pool settings per backend.
fn pool_options(backend: Backend, max_connections: u32) -> AnyPoolOptions {
    let options = AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(3));
    if backend == Backend::Postgres {
        return options;
    }
    // A local file: checking a connection before handing it out would only add a round trip
    // to its worker thread before every query.
    options
        .test_before_acquire(false)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(SQLITE_CONNECTION_PRAGMAS).await?;
                Ok(())
            })
        })
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

impl SqlStore {
    /// Connects to `database_url` (`sqlite://FILE` or `postgres://...`) and applies the
    /// migrations. A SQLite file is created if missing and put in WAL mode.
    pub async fn connect(database_url: &str, max_connections: u32) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if database_url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if database_url.starts_with("postgres:") || database_url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!(
                "unsupported DATABASE_URL {:?}: use sqlite://FILE or postgres://USER@HOST/DB",
                redacted(database_url)
            );
        };
        let url = match backend {
            Backend::Sqlite if !database_url.contains("mode=") => {
                let sep = if database_url.contains('?') { '&' } else { '?' };
                format!("{database_url}{sep}mode=rwc")
            }
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
        let pool = pool_options(backend, max_connections)
            .connect_with(options)
            .await
            .with_context(open_failed)?;
        let writer = match backend {
            Backend::Sqlite => {
                // WAL lets readers (history, room lists) run while the writer commits.
                pool.execute("PRAGMA journal_mode = WAL;")
                    .await
                    .context("could not switch the SQLite database to WAL mode")?;
                Some(Arc::new(SqliteWriter::new(
                    sqlite_writer(&url).await.with_context(open_failed)?,
                )))
            }
            Backend::Postgres => None,
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
        Ok(Self {
            pool,
            writer,
            backend,
        })
    }

    /// SQLite: copies the write-ahead log into the database file, without blocking anyone, so
    /// the checkpoint's copying and fsyncs stay off the message writer's path (which checkpoints
    /// by itself only as a backstop). The server calls this several times a second.
    pub async fn checkpoint(&self) -> StoreResult<()> {
        if self.backend == Backend::Sqlite {
            self.pool.execute("PRAGMA wal_checkpoint(PASSIVE);").await?;
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

const ROOM_SELECT: &str =
    "SELECT r.id, r.title, u.nickname AS creator, r.created_at, r.creator_id, r.active, \
     (SELECT COUNT(*) FROM participants p WHERE p.room_id = r.id) AS participant_count \
     FROM rooms r JOIN users u ON u.id = r.creator_id";

pub(super) const MESSAGE_SELECT: &str =
    "SELECT m.id, m.room_id, m.seq, m.sender_id, u.nickname AS sender, m.body, m.sent_at, m.nonce \
     FROM messages m JOIN users u ON u.id = m.sender_id";

/// The lowercase key to look a user up by, or `None` for a value with NUL in it: Postgres
/// refuses NUL in text, and no stored email or nickname has one, so such a value matches
/// no account (rather than being altered into one that might).
fn lookup_key(value: &str) -> Option<String> {
    (!value.contains('\0')).then(|| value.to_lowercase())
}

/// The URL without its password, for messages and logs.
pub fn redacted(database_url: &str) -> String {
    match url::Url::parse(database_url) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => database_url.to_owned(),
    }
}

/// Unix milliseconds as RFC 3339 UTC, the contract's time format.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn room_from_row(row: &AnyRow) -> Result<RoomRecord, sqlx::Error> {
    Ok(RoomRecord {
        room: Room {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            creator: row.try_get("creator")?,
            participant_count: row.try_get("participant_count")?,
            created_at: rfc3339(row.try_get("created_at")?),
        },
        creator_id: row.try_get("creator_id")?,
        active: row.try_get::<i64, _>("active")? != 0,
    })
}

pub(super) fn message_from_row(row: &AnyRow) -> Result<StoredMessage, sqlx::Error> {
    Ok(StoredMessage {
        message: Message {
            id: row.try_get("id")?,
            room_id: row.try_get("room_id")?,
            sender: row.try_get("sender")?,
            body: row.try_get("body")?,
            sent_at: rfc3339(row.try_get("sent_at")?),
            nonce: row.try_get("nonce")?,
        },
        seq: row.try_get("seq")?,
    })
}

fn messages_from_rows(rows: &[AnyRow]) -> StoreResult<Vec<StoredMessage>> {
    Ok(rows
        .iter()
        .map(message_from_row)
        .collect::<Result<_, _>>()?)
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
        let result = sqlx::query(
            "INSERT INTO users (email, email_lower, nickname, nickname_lower, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&new.email)
        .bind(new.email.to_lowercase())
        .bind(&new.nickname)
        .bind(new.nickname.to_lowercase())
        .bind(&new.password_hash)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await;
        match result {
            Ok(row) => Ok(User {
                id: row.try_get("id").map_err(StoreError)?,
                nickname: new.nickname,
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
                    (SELECT COUNT(*) FROM users WHERE nickname_lower = $2) AS nicknames",
        )
        // An empty key matches nothing: stored emails and nicknames are never empty.
        .bind(lookup_key(email).unwrap_or_default())
        .bind(lookup_key(nickname).unwrap_or_default())
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
            sqlx::query("SELECT id, nickname, password_hash FROM users WHERE email_lower = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| {
            Ok(Credentials {
                user: User {
                    id: row.try_get("id")?,
                    nickname: row.try_get("nickname")?,
                },
                password_hash: row.try_get("password_hash")?,
            })
        })
        .transpose()
        .map_err(StoreError)
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

    async fn session_user(&self, token_hash: &str, now: i64) -> StoreResult<Option<User>> {
        let row = sqlx::query(
            "SELECT u.id, u.nickname FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(User {
                id: row.try_get("id")?,
                nickname: row.try_get("nickname")?,
            })
        })
        .transpose()
        .map_err(StoreError)
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

    async fn active_rooms(&self) -> StoreResult<Vec<Room>> {
        let rows = sqlx::query(&format!(
            "{ROOM_SELECT} WHERE r.active = 1 ORDER BY r.id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| room_from_row(r).map(|rec| rec.room))
            .collect::<Result<_, _>>()?)
    }

    async fn room(&self, id: i64) -> StoreResult<Option<RoomRecord>> {
        let row = sqlx::query(&format!("{ROOM_SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(room_from_row).transpose()?)
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
            .ok_or(StoreError(sqlx::Error::RowNotFound))?;
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

    async fn add_participant(&self, room_id: i64, user_id: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO participants (room_id, user_id, joined_at) VALUES ($1, $2, $3) \
             ON CONFLICT (room_id, user_id) DO NOTHING",
        )
        .bind(room_id)
        .bind(user_id)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
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
        let rows = sqlx::query(
            "SELECT u.nickname FROM participants p JOIN users u ON u.id = p.user_id \
             WHERE p.room_id = $1 ORDER BY p.joined_at, u.id",
        )
        .bind(room_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("nickname"))
            .collect::<Result<_, _>>()?)
    }

    async fn insert_messages(&self, batch: &[NewMessage]) -> StoreResult<Vec<Inserted>> {
        if let Some(writer) = &self.writer {
            return Ok(writer.insert(&self.pool, batch).await?);
        }
        let mut tx = self.pool.begin().await?;
        let inserted = super::batch::insert_postgres(&mut tx, batch).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    async fn latest_messages(&self, room_id: i64, limit: u32) -> StoreResult<Vec<StoredMessage>> {
        self.messages_before(room_id, i64::MAX, limit).await
    }

    async fn messages_before(
        &self,
        room_id: i64,
        before: i64,
        limit: u32,
    ) -> StoreResult<Vec<StoredMessage>> {
        let rows = sqlx::query(&format!(
            "{MESSAGE_SELECT} WHERE m.room_id = $1 AND m.id < $2 ORDER BY m.id DESC LIMIT $3"
        ))
        .bind(room_id)
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut messages = messages_from_rows(&rows)?;
        messages.reverse();
        Ok(messages)
    }

    async fn messages_after(
        &self,
        room_id: i64,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<StoredMessage>> {
        let rows = sqlx::query(&format!(
            "{MESSAGE_SELECT} WHERE m.room_id = $1 AND m.id > $2 ORDER BY m.id LIMIT $3"
        ))
        .bind(room_id)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        messages_from_rows(&rows)
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
        messages_from_rows(&rows)
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
