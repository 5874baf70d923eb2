//! Starts `chat-tui`: reads the server address, sets up the terminal (restored on every
//! exit, panics included), and runs the loop: draw, wait for the next action, update with it
//! and with every action already waiting, hand the effects to the runtime, draw again.

use std::time::Instant;

use anyhow::{bail, Context};
use chat_tui::action::{Action, Effect};
use chat_tui::app::App;
use chat_tui::event::Events;
use chat_tui::net::http::Http;
use chat_tui::net::session::config_dir;
use chat_tui::runtime::Runtime;
use chat_tui::{terminal, ui, update};
use clap::Parser;
use rand::distributions::{Alphanumeric, DistString};
use ratatui::DefaultTerminal;

/// The most actions handled between two draws, so the screen stays alive through a flood.
const BATCH: usize = 1024;

/// A terminal client for the chat server.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The server's base URL.
    #[arg(long, env = "CHAT_SERVER", default_value = "http://127.0.0.1:8000")]
    server: String,
    /// The program `/open N` starts with a link as its one argument (not through a shell);
    /// by default `open` on macOS, else `xdg-open`. Empty: only show the link.
    #[arg(long, env = "CHAT_TUI_OPENER")]
    opener: Option<String>,
    /// Draw links underlined only, without OSC 8 hyperlinks (for terminals that show the
    /// escape instead of ignoring it).
    #[arg(long, env = "CHAT_TUI_NO_HYPERLINKS")]
    no_hyperlinks: bool,
    /// Do not ring the terminal bell when a line mentions you (also `CHAT_TUI_BELL=0`).
    #[arg(long)]
    no_bell: bool,
}

/// The bell rings unless `--no-bell` or `CHAT_TUI_BELL` is `0`, `false`, `no` or `off`.
fn bell_wanted(no_bell: bool, env: Option<&str>) -> bool {
    let off_in_env = env.is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "0" | "false" | "no" | "off"
        )
    });
    !no_bell && !off_in_env
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let base = url::Url::parse(&args.server)
        .with_context(|| format!("--server {:?} is not a URL", args.server))?;
    if !matches!(base.scheme(), "http" | "https") {
        bail!("--server must be an http:// or https:// URL, not {base}");
    }
    let http = Http::new(base.clone()).context("setting up the HTTP client")?;
    let mut terminal = terminal::init().context("setting up the terminal")?;
    let opener = chat_tui::opener::program(args.opener);
    let bell = bell_wanted(args.no_bell, std::env::var("CHAT_TUI_BELL").ok().as_deref());
    let result = run(
        &mut terminal,
        http,
        base.as_str().trim_end_matches('/'),
        opener,
        !args.no_hyperlinks,
        bell,
    )
    .await;
    terminal::restore();
    result
}

async fn run(
    terminal: &mut DefaultTerminal,
    http: Http,
    server: &str,
    opener: Option<String>,
    hyperlinks: bool,
    bell: bool,
) -> anyhow::Result<()> {
    let (mut events, actions) = Events::new();
    let mut runtime = Runtime::new(http, actions, config_dir().as_deref()).with_opener(opener);
    let nonce_prefix = Alphanumeric.sample_string(&mut rand::thread_rng(), 16);
    let mut app = App::new(server, Instant::now(), nonce_prefix);
    app.bell = bell;
    let size = terminal.size()?;
    update::update(
        &mut app,
        Action::Resize {
            width: size.width,
            height: size.height,
        },
    );
    runtime.run(Effect::RestoreSession);

    let mut clear = false;
    loop {
        ui::draw(terminal, &app, std::mem::take(&mut clear), hyperlinks)?;
        let mut next = events.next().await;
        if next.is_none() {
            break;
        }
        let mut handled = 0;
        while let Some(action) = next {
            app.now = Instant::now();
            for effect in update::update(&mut app, action) {
                match effect {
                    Effect::ClearScreen => clear = true,
                    Effect::Bell => terminal::bell(terminal.backend_mut())?,
                    effect => runtime.run(effect),
                }
            }
            handled += 1;
            next = if app.should_quit || handled == BATCH {
                None
            } else {
                events.try_next()
            };
        }
        if app.should_quit {
            break;
        }
    }
    runtime.shutdown();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::bell_wanted;

    #[test]
    fn the_bell_is_on_unless_switched_off() {
        assert!(bell_wanted(false, None));
        assert!(bell_wanted(false, Some("1")));
        assert!(!bell_wanted(true, None));
        assert!(!bell_wanted(false, Some("0")));
        assert!(!bell_wanted(false, Some("off")));
    }
}
