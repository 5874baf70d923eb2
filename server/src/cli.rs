//! The command line: the server's settings (`Config`), and optionally one of the operator's
//! commands (`operate`) to run on the same database instead of serving.

use clap::Parser;

use crate::config::Config;
use crate::operate::Command;

#[derive(Debug, Parser)]
#[command(
    name = "chat-server",
    version,
    about = "A small self-hosted live chat server",
    after_help = "Without a command, serves. Settings come from flags or their environment variables."
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}
