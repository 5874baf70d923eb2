//! Starts `chat-tui`: reads the server address, sets up the terminal (restored on every
//! exit, panics included), and runs the loop: draw, wait for the next action, update, hand
//! the effects to the runtime.

use std::time::Instant;

use anyhow::{bail, Context};
use chat_tui::action::{Action, Effect};
use chat_tui::app::App;
use chat_tui::event::Events;
use chat_tui::net::http::Http;
use chat_tui::net::session::{config_dir, SessionFile};
use chat_tui::runtime::Runtime;
use chat_tui::{ui, update};
use clap::Parser;
use rand::distributions::{Alphanumeric, DistString};
use ratatui::DefaultTerminal;

/// A terminal client for the chat server.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The server's base URL.
    #[arg(long, env = "CHAT_SERVER", default_value = "http://127.0.0.1:8000")]
    server: String,
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
    // `try_init` enters raw mode and the alternate screen and installs a panic hook that
    // restores the terminal before the panic message is printed.
    let mut terminal = ratatui::try_init().context("setting up the terminal")?;
    exit_on_any_panic();
    let result = run(&mut terminal, http, base.as_str().trim_end_matches('/')).await;
    ratatui::restore();
    result
}

/// A panic in a background task would otherwise leave the UI running on a terminal that the
/// hook has already restored: after ratatui's hook (restore, then print), end the process.
#[allow(clippy::exit)]
fn exit_on_any_panic() {
    let restore_and_print = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_and_print(info);
        std::process::exit(101);
    }));
}

async fn run(terminal: &mut DefaultTerminal, http: Http, server: &str) -> anyhow::Result<()> {
    let (mut events, actions) = Events::new();
    let session_file = config_dir().map(|dir| SessionFile::in_dir(&dir));
    let mut runtime = Runtime::new(http, actions, session_file);
    let nonce_prefix = Alphanumeric.sample_string(&mut rand::thread_rng(), 16);
    let mut app = App::new(server, Instant::now(), nonce_prefix);
    let size = terminal.size()?;
    update::update(
        &mut app,
        Action::Resize {
            width: size.width,
            height: size.height,
        },
    );
    runtime.run(Effect::RestoreSession);

    loop {
        terminal.draw(|frame| ui::render(&app, frame))?;
        let Some(first) = events.next().await else {
            break;
        };
        let mut next = Some(first);
        while let Some(action) = next {
            app.now = Instant::now();
            for effect in update::update(&mut app, action) {
                runtime.run(effect);
            }
            next = if app.should_quit {
                None
            } else {
                events.try_next_network()
            };
        }
        if app.should_quit {
            break;
        }
    }
    runtime.shutdown();
    Ok(())
}
