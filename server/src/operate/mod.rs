//! What the operator runs besides the server itself: `chat-server backup` and
//! `chat-server admin`. Each works on the configured database directly (no running server
//! needed) and reports in plain words on standard output, errors on standard error.

mod admin;
mod backup;
mod password_input;

use std::path::PathBuf;

use clap::Subcommand;

use crate::config::Config;

pub use admin::AdminCommand;

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Copy the SQLite database to FILE, consistently, while the server runs. Restoring is
    /// starting the server on the copy (`--database-url sqlite://FILE`). For Postgres use
    /// pg_dump.
    Backup {
        /// Where to write the copy; it must not exist yet.
        file: PathBuf,
    },
    /// Manage accounts in the configured database.
    #[command(subcommand)]
    Admin(AdminCommand),
}

/// Runs the command; `Err` carries the message for the operator.
pub async fn run(command: Command, config: &Config) -> anyhow::Result<()> {
    match command {
        Command::Backup { file } => backup::run(&config.database_url, &file).await,
        Command::Admin(admin) => admin::run(admin, &config.database_url).await,
    }
}
