//! The terminal's modes while chat-tui runs: raw input, the alternate screen and bracketed
//! paste (a paste arrives as one event, so its line breaks do not send it line by line).
//! They are switched on at start and off again on every way out, panics included.

use std::io::{self, stdout, Write};

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use ratatui::DefaultTerminal;

/// Raw mode and the alternate screen (ratatui's `try_init`, whose panic hook restores them),
/// then bracketed paste.
pub fn init() -> io::Result<DefaultTerminal> {
    let terminal = ratatui::try_init()?;
    execute!(stdout(), EnableBracketedPaste)?;
    exit_on_any_panic();
    Ok(terminal)
}

/// Everything [`init`] switched on, off again.
pub fn restore() {
    // A terminal left in bracketed paste mode wraps every later paste in the shell with
    // `ESC[200~ … ESC[201~`.
    let _ = execute!(stdout(), DisableBracketedPaste);
    ratatui::restore();
}

/// A panic in a background task would otherwise leave the UI running on a terminal that the
/// hook has already restored: bracketed paste off, then ratatui's hook (restore, then
/// print), then the process ends.
#[allow(clippy::exit)]
fn exit_on_any_panic() {
    let restore_and_print = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableBracketedPaste);
        restore_and_print(info);
        std::process::exit(101);
    }));
}

/// Rings the terminal bell: BEL goes through the backend, so it reaches the terminal in order
/// with what is drawn.
pub fn bell(backend: &mut impl Write) -> io::Result<()> {
    backend.write_all(b"\x07")?;
    backend.flush()
}
