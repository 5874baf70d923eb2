//! `render(&App, &mut Frame)`: draws the state and nothing else. Each pane has its own file;
//! where things go (the pane split, wrapping, the message pane's lines) is `crate::layout`'s,
//! which `update` pages by too. Text from other people goes through `crate::sanitize`
//! wherever a pane draws it. `draw` then turns the message pane's links into OSC 8
//! hyperlinks (`hyperlink`); `render` alone never puts an escape in a cell.

pub mod help;
pub mod hyperlink;
pub mod lines;
pub mod lobby;
pub mod login;
pub mod messages;
pub mod prompt;
pub mod search;
pub mod sidebar;
pub mod status;
pub mod theme;

#[cfg(test)]
mod tests;

use std::io;

use ratatui::backend::Backend;
use ratatui::layout::{Alignment, Rect};
use ratatui::widgets::Paragraph;
use ratatui::{Frame, Terminal};

use crate::app::{App, Screen, View};
use crate::layout::input::input_box;
use crate::layout::screen::main_layout;
use crate::sanitize::{sanitize, scrub};

/// Draws the app. ratatui sends only the cells that changed since the last draw, so whatever
/// else wrote to the terminal (another program, a message from the system) stays until
/// `clear_first` (Ctrl+L) wipes the screen and every cell is sent again. With `hyperlinks`,
/// the links in messages become OSC 8 hyperlinks.
pub fn draw<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &App,
    clear_first: bool,
    hyperlinks: bool,
) -> io::Result<()> {
    if clear_first {
        terminal.clear()?;
    }
    terminal.draw(|frame| {
        render(app, frame);
        if hyperlinks {
            let links = links_on_screen(app, frame.area());
            hyperlink::apply(frame.buffer_mut(), &links);
        }
    })?;
    Ok(())
}

/// The links the message pane shows on a screen of `area`, top to bottom (none while the
/// help covers it).
pub fn links_on_screen(app: &App, area: Rect) -> Vec<messages::ScreenLink> {
    if app.screen != Screen::Main || app.show_help {
        return Vec::new();
    }
    let Some(room) = app.active_room() else {
        return Vec::new();
    };
    let in_room = matches!(app.view, View::Room(_));
    let areas = main_layout(area, in_room, input_box(app, area.width).height);
    messages::visible_links(app, room, areas.body)
}

pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    match &app.screen {
        Screen::Starting => {
            let text = format!("Connecting to {}…", sanitize(&app.server));
            let y = area.y + area.height / 2;
            let line = Rect::new(area.x, y, area.width, 1.min(area.height));
            frame.render_widget(Paragraph::new(text).alignment(Alignment::Center), line);
        }
        Screen::Login(form) => login::render_login(app, form, frame, area),
        Screen::Register(form) => login::render_register(app, form, frame, area),
        Screen::Main => {
            let in_room = matches!(app.view, View::Room(_));
            let areas = main_layout(area, in_room, input_box(app, area.width).height);
            if let Some(rect) = areas.sidebar {
                sidebar::render(app, frame, rect);
            }
            match app.active_room() {
                _ if app.search.is_some() => {
                    if let Some(found) = &app.search {
                        search::render(app, found, frame, areas.header, areas.body);
                    }
                }
                Some(room) => {
                    messages::render_header(app, room, frame, areas.header);
                    messages::render(app, room, frame, areas.body);
                    if let Some(rect) = areas.participants {
                        sidebar::render_participants(room, frame, rect);
                    }
                }
                None => lobby::render(app, frame, areas.header, areas.body),
            }
            prompt::render(app, frame, areas.input);
            status::render(app, frame, areas.status);
            if app.show_help {
                help::render(frame, area, app.help_scroll);
            }
        }
    }
    scrub(frame.buffer_mut());
}
