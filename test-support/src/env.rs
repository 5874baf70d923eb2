//! What the environment selects for a test run, and the skip-or-fail rule: outside CI a test
//! whose service or tool is missing (Postgres, Redis, Chromium) skips after printing why; with
//! `CI=true` it fails instead, so a green CI run has really run everything.

use std::time::Duration;

/// True when `CI=true`: nothing may skip.
pub fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Call when `test` cannot run because of `reason`: panics on CI, else prints the reason
/// (the caller then returns early).
pub fn skip_or_fail(test: &str, reason: &str) {
    if on_ci() {
        panic!("{reason}: {test} may not skip on CI");
    }
    eprintln!("skipping {test}: {reason}");
}

/// `TEST_DATABASE_URL` when it names a Postgres server: the suite then runs on a fresh
/// Postgres database per test instead of a SQLite file.
pub fn test_database_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres"))
}

/// `TEST_REDIS_URL`, when set: the suite then fans out through Redis.
pub fn test_redis_url() -> Option<String> {
    std::env::var("TEST_REDIS_URL").ok()
}

/// The Postgres server the scale-out tests share instances on: `TEST_POSTGRES_URL`, by
/// default the local one CI starts.
pub fn scaleout_postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The Redis the scale-out tests share instances through: `TEST_REDIS_URL`, by default the
/// local one CI starts.
pub fn scaleout_redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// True when the scale-out services answer. Otherwise [`skip_or_fail`]: false after saying
/// why outside CI, a panic on CI.
pub async fn scaleout_services_available() -> bool {
    let postgres = scaleout_postgres_url();
    let redis = scaleout_redis_url();
    let pg = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(3))
        .connect(&postgres)
        .await
        .map(|_| ())
        .map_err(|e| format!("Postgres at {postgres}: {e}"));
    let redis = match redis::Client::open(redis.as_str()) {
        Ok(client) => client
            .get_multiplexed_async_connection()
            .await
            .map(|_| ())
            .map_err(|e| format!("Redis at {redis}: {e}")),
        Err(e) => Err(format!("Redis URL: {e}")),
    };
    match pg.and(redis) {
        Ok(()) => true,
        Err(why) => {
            skip_or_fail("the scale-out test", &why);
            false
        }
    }
}
