//! Key presses and pastes: the login and register forms, and the main screen's keys
//! (switching rooms, scrolling, the lobby selection, the input box with its line breaks).

use chat_shared::limits;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::{commands, edits, lobby, mentions, participants, search, sending};
use super::{cycle_view, switch_to};
use crate::action::Effect;
use crate::app::{App, LoginForm, Prompt, RegisterForm, Screen, View};
use crate::input::LineInput;

/// What an editing key did to a line.
#[derive(Debug, PartialEq, Eq)]
enum Edit {
    Ignored,
    Moved,
    Changed,
}

/// The editing keys every input shares.
fn edit(input: &mut LineInput, key: KeyEvent) -> Edit {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    match key.code {
        KeyCode::Left => input.left(),
        KeyCode::Right => input.right(),
        KeyCode::Home => input.home(),
        KeyCode::End => input.end(),
        KeyCode::Char('a') if ctrl => input.home(),
        KeyCode::Char('e') if ctrl => input.end(),
        KeyCode::Backspace => {
            input.backspace();
            return Edit::Changed;
        }
        KeyCode::Delete => {
            input.delete();
            return Edit::Changed;
        }
        KeyCode::Char('u') if ctrl => {
            input.kill_to_start();
            return Edit::Changed;
        }
        KeyCode::Char('w') if ctrl => {
            input.kill_word();
            return Edit::Changed;
        }
        // Ctrl+H is what many terminals send for Backspace.
        KeyCode::Char('h') if ctrl => {
            input.backspace();
            return Edit::Changed;
        }
        KeyCode::Char(c) if !ctrl && !alt => {
            input.insert(c);
            return Edit::Changed;
        }
        _ => return Edit::Ignored,
    }
    Edit::Moved
}

/// A paste (bracketed paste: the terminal marks where it starts and ends). In a room it goes
/// into the draft whole, line breaks and all, as one message to be; a form field takes it as
/// one line.
pub(super) fn on_paste(app: &mut App, text: &str) -> Vec<Effect> {
    // Terminals send a pasted line break as CR; the draft, like the message, uses LF. Tabs
    // become the spaces the server would get (`prepare_body`), so the draft is what is sent.
    let text = limits::prepare_body(&text.replace("\r\n", "\n").replace('\r', "\n"));
    let one_line = || text.replace('\n', " ");
    match &mut app.screen {
        Screen::Login(form) => {
            let field = if form.focus == 0 {
                &mut form.email
            } else {
                &mut form.password
            };
            field.insert_str(one_line().trim());
        }
        Screen::Register(form) => {
            let field = match form.focus {
                0 => &mut form.email,
                1 => &mut form.nickname,
                2 => &mut form.password1,
                _ => &mut form.password2,
            };
            field.insert_str(one_line().trim());
        }
        Screen::Main if app.show_help => app.show_help = false,
        Screen::Main if app.view == View::Lobby || app.prompt.is_some() => {
            app.input_mut().insert_str(&one_line());
        }
        Screen::Main => {
            app.input_mut().insert_str(&text);
            return commands::maybe_typing(app);
        }
        Screen::Starting => {}
    }
    Vec::new()
}

/// Keys that start a new line in the draft instead of sending it: Alt+Enter, Shift+Enter
/// (where the terminal tells it apart from Enter) and Ctrl+J (a line feed).
fn is_line_break(key: KeyEvent) -> bool {
    match key.code {
        KeyCode::Enter => key
            .modifiers
            .intersects(KeyModifiers::ALT | KeyModifiers::SHIFT),
        KeyCode::Char('j') => key.modifiers.contains(KeyModifiers::CONTROL),
        _ => false,
    }
}

pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        app.should_quit = true;
        return vec![Effect::Quit];
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('l') {
        return vec![Effect::ClearScreen];
    }
    match app.screen {
        Screen::Starting => Vec::new(),
        Screen::Login(_) => login_key(app, key),
        Screen::Register(_) => register_key(app, key),
        Screen::Main => main_key(app, key),
    }
}

/// Is this the key that switches between the login and the register form?
fn is_form_switch(key: KeyEvent) -> bool {
    key.code == KeyCode::F(2)
        || (key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('r'))
}

fn login_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Screen::Login(form) = &mut app.screen else {
        return Vec::new();
    };
    if is_form_switch(key) {
        let email = form.email.text();
        app.screen = Screen::Register(RegisterForm {
            email: LineInput::with_text(&email),
            ..RegisterForm::default()
        });
        return Vec::new();
    }
    match key.code {
        KeyCode::Tab | KeyCode::Down | KeyCode::BackTab | KeyCode::Up => {
            form.focus = 1 - form.focus;
        }
        KeyCode::Enter if form.focus == 0 && form.password.is_empty() => form.focus = 1,
        KeyCode::Enter if !form.busy => {
            let email = form.email.text().trim().to_owned();
            let password = form.password.text();
            if email.is_empty() || password.is_empty() {
                form.error = Some("Type your email and your password.".into());
                return Vec::new();
            }
            form.busy = true;
            form.error = None;
            form.info = None;
            return vec![Effect::Login { email, password }];
        }
        _ => {
            let input = if form.focus == 0 {
                &mut form.email
            } else {
                &mut form.password
            };
            edit(input, key);
        }
    }
    Vec::new()
}

fn register_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Screen::Register(form) = &mut app.screen else {
        return Vec::new();
    };
    if is_form_switch(key) || key.code == KeyCode::Esc {
        let email = form.email.text();
        app.screen = Screen::Login(LoginForm {
            email: LineInput::with_text(&email),
            ..LoginForm::default()
        });
        return Vec::new();
    }
    match key.code {
        KeyCode::Tab | KeyCode::Down => form.focus = (form.focus + 1) % 4,
        KeyCode::BackTab | KeyCode::Up => form.focus = (form.focus + 3) % 4,
        KeyCode::Enter if form.focus < 3 => form.focus += 1,
        KeyCode::Enter if !form.busy => {
            form.busy = true;
            form.errors = Default::default();
            return vec![Effect::Register {
                email: form.email.text().trim().to_owned(),
                nickname: form.nickname.text().trim().to_owned(),
                password1: form.password1.text(),
                password2: form.password2.text(),
            }];
        }
        _ => {
            let input = match form.focus {
                0 => &mut form.email,
                1 => &mut form.nickname,
                2 => &mut form.password1,
                _ => &mut form.password2,
            };
            edit(input, key);
        }
    }
    Vec::new()
}

fn main_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if app.show_help {
        // The help may be taller than the terminal: Down and PageDown read on, Up and PageUp
        // back; any other key closes it.
        match key.code {
            KeyCode::Down => app.help_scroll = app.help_scroll.saturating_add(1),
            KeyCode::PageDown => app.help_scroll = app.help_scroll.saturating_add(10),
            KeyCode::Up => app.help_scroll = app.help_scroll.saturating_sub(1),
            KeyCode::PageUp => app.help_scroll = app.help_scroll.saturating_sub(10),
            _ => {
                app.show_help = false;
                app.help_scroll = 0;
            }
        }
        return Vec::new();
    }
    if let Some(Prompt::ConfirmDelete { .. }) = app.prompt {
        let yes = matches!(key.code, KeyCode::Char('y' | 'Y'));
        return edits::answer_delete(app, yes);
    }
    if app.prompt.is_none() {
        if let Some(effects) = search::on_key(app, key) {
            return effects;
        }
    }
    if key.code != KeyCode::Tab {
        app.completion = None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let in_room = matches!(app.view, View::Room(_));
    let plain_lobby = app.view == View::Lobby && app.prompt.is_none() && app.input().is_empty();
    let scrolled = app.active_room().is_some_and(|r| r.scroll > 0);
    match key.code {
        _ if is_line_break(key) && in_room => {
            app.input_mut().insert('\n');
        }
        KeyCode::Char(d @ '0'..='9') if alt => {
            let index = d as usize - '0' as usize;
            if index == 0 {
                switch_to(app, View::Lobby);
            } else if let Some(room) = app.rooms.get(index - 1) {
                let id = room.id;
                switch_to(app, View::Room(id));
            }
        }
        KeyCode::Char('a' | 'A') if alt => mentions::next_active(app),
        KeyCode::Char('u' | 'U') if alt && in_room => return super::reads::jump_to_new(app),
        KeyCode::Tab if in_room && app.prompt.is_none() => mentions::complete(app),
        KeyCode::Char('n') if ctrl => cycle_view(app, true),
        KeyCode::Char('p') if ctrl => cycle_view(app, false),
        KeyCode::F(1) => app.show_help = true,
        KeyCode::Esc if app.prompt.is_some() => {
            app.prompt = None;
            app.input_mut().clear();
        }
        KeyCode::Esc if edits::cancel_editing(app) => {}
        KeyCode::Esc => switch_to(app, View::Lobby),
        KeyCode::Up if alt && in_room => return participants::scroll(app, -1),
        KeyCode::Down if alt && in_room => return participants::scroll(app, 1),
        KeyCode::PageUp if alt && in_room => return participants::scroll(app, -pane_page(app)),
        KeyCode::PageDown if alt && in_room => return participants::scroll(app, pane_page(app)),
        KeyCode::PageUp => return commands::page_up(app),
        KeyCode::PageDown => return commands::page_down(app),
        KeyCode::End if scrolled => {
            commands::jump_to_newest(app);
            app.input_mut().end();
        }
        KeyCode::Enter => return commands::submit(app),
        KeyCode::Up if plain_lobby => return lobby::move_selection(app, -1),
        KeyCode::Down if plain_lobby => return lobby::move_selection(app, 1),
        KeyCode::Up => up(app),
        KeyCode::Down => {
            let input = app.input_mut();
            if !input.line_down() {
                input.recall_next();
            }
        }
        KeyCode::Char('n') if plain_lobby && !alt => {
            app.prompt = Some(Prompt::CreateRoom);
        }
        _ => {
            if edit(app.input_mut(), key) == Edit::Changed {
                return commands::maybe_typing(app);
            }
        }
    }
    Vec::new()
}

/// How many rows Alt+PgUp/PgDn scroll the participant pane: its height less one, so a row
/// stays in sight.
fn pane_page(app: &App) -> isize {
    let height = crate::layout::participants::list_height(app).unwrap_or(1);
    height.saturating_sub(1).max(1) as isize
}

/// Up: the line above in a multi-line draft; with an empty draft, a line the server refused
/// (taken back to edit, or to drop by clearing it), else our newest stored line to edit;
/// while editing, our line before it; otherwise the previous line sent.
fn up(app: &mut App) {
    if let Some((room_id, current)) = edits::editing(app) {
        if !app.input_mut().line_up() {
            edits::edit_older(app, room_id, current);
        }
        return;
    }
    if app.input().is_empty() {
        if let View::Room(id) = app.view {
            if let Some(body) = app.room_mut(id).and_then(sending::take_failed) {
                app.input_mut().set(&body);
                return;
            }
            if edits::start_editing(app, id) {
                return;
            }
        }
    }
    let input = app.input_mut();
    if !input.line_up() {
        input.recall_previous();
    }
}
