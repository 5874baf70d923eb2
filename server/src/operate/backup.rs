//! `chat-server backup FILE`: SQLite's `VACUUM INTO`, which writes a consistent, compact copy
//! from one read transaction. In WAL mode that does not block the running server's writes;
//! the copy holds every message committed, and so acknowledged, before it began.

use std::path::Path;
use std::str::FromStr;
use std::time::Instant;

use anyhow::{bail, Context};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Row};

use crate::store::{redacted, Backend};

pub async fn run(database_url: &str, target: &Path) -> anyhow::Result<()> {
    match Backend::of(database_url) {
        Some(Backend::Sqlite) => {}
        Some(Backend::Postgres) => bail!(
            "backups of a Postgres database are made with pg_dump, e.g. \
             `pg_dump --format=custom --file=chat.dump \"$DATABASE_URL\"` (README, \"Backups\")"
        ),
        None => bail!(
            "unsupported DATABASE_URL {:?}: use sqlite://FILE",
            redacted(database_url)
        ),
    }
    if target.exists() {
        bail!(
            "{} already exists; name a new file (a backup never overwrites one)",
            target.display()
        );
    }
    let target_text = target
        .to_str()
        .context("the backup path must be valid UTF-8")?;
    let started = Instant::now();
    let mut source = SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("invalid DATABASE_URL {:?}", redacted(database_url)))?
        .read_only(true)
        .connect()
        .await
        .with_context(|| {
            format!(
                "could not open the database at {} (check DATABASE_URL)",
                redacted(database_url)
            )
        })?;
    sqlx::query("VACUUM INTO $1")
        .bind(target_text)
        .execute(&mut source)
        .await
        .with_context(|| format!("could not write the backup to {}", target.display()))?;
    source.close().await?;

    let mut copy = SqliteConnectOptions::new()
        .filename(target)
        .read_only(true)
        .connect()
        .await
        .context("could not open the backup to check it")?;
    let integrity: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&mut copy)
        .await?
        .try_get(0)?;
    if integrity != "ok" {
        bail!(
            "the backup at {} failed SQLite's integrity check: {integrity}",
            target.display()
        );
    }
    let counts = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM rooms) AS rooms, \
                (SELECT COUNT(*) FROM messages) AS messages",
    )
    .fetch_one(&mut copy)
    .await?;
    copy.close().await?;
    let bytes = std::fs::metadata(target).map(|m| m.len()).unwrap_or(0);
    println!(
        "backed up {} users, {} rooms and {} messages to {} ({:.1} MB) in {} ms",
        counts.try_get::<i64, _>("users")?,
        counts.try_get::<i64, _>("rooms")?,
        counts.try_get::<i64, _>("messages")?,
        target.display(),
        bytes as f64 / 1_000_000.0,
        started.elapsed().as_millis()
    );
    Ok(())
}
