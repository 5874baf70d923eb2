//! A fresh, empty database for each test, so tests never see each other's rows.

use std::path::Path;

use crate::env;

/// A fresh database for one test: a SQLite file in `dir`, or a new Postgres database on the
/// server `TEST_DATABASE_URL` names.
pub async fn fresh_database_url(dir: &Path) -> String {
    match env::test_database_url() {
        Some(base) => fresh_postgres_database(&base).await,
        None => sqlite_url(dir),
    }
}

/// `sqlite://<dir>/chat.db`: the file is created by the server's migrations.
pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("chat.db").display())
}

/// Creates a new, empty database on the Postgres server `base` names and returns its URL.
pub async fn fresh_postgres_database(base: &str) -> String {
    use sqlx::{Connection, Executor};
    let name = format!("chat_test_{}", uuid_like());
    let mut conn = sqlx::PgConnection::connect(base)
        .await
        .expect("the test Postgres server is reachable");
    conn.execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
        .await
        .expect("creating a test database");
    let mut url = url::Url::parse(base).expect("a Postgres URL");
    url.set_path(&name);
    url.to_string()
}

/// 32 random hex digits: database names and Redis key prefixes no other test uses.
pub fn uuid_like() -> String {
    use rand::Rng;
    let n: u128 = rand::thread_rng().gen();
    format!("{n:032x}")
}
