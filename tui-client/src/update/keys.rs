//! Key presses: the login and register forms, and the main screen's keys (switching rooms,
//! scrolling, the lobby selection, the input line).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::commands;
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

pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        app.should_quit = true;
        return vec![Effect::Quit];
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
        app.show_help = false;
        return Vec::new();
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let plain_lobby = app.view == View::Lobby && app.prompt.is_none() && app.input.is_empty();
    match key.code {
        KeyCode::Char(d @ '0'..='9') if alt => {
            let index = d as usize - '0' as usize;
            if index == 0 {
                switch_to(app, View::Lobby);
            } else if let Some(room) = app.rooms.get(index - 1) {
                let id = room.id;
                switch_to(app, View::Room(id));
            }
        }
        KeyCode::Char('n') if ctrl => cycle_view(app, true),
        KeyCode::Char('p') if ctrl => cycle_view(app, false),
        KeyCode::F(1) => app.show_help = true,
        KeyCode::Esc if app.prompt.is_some() => {
            app.prompt = None;
            app.input.clear();
        }
        KeyCode::Esc => switch_to(app, View::Lobby),
        KeyCode::PageUp => return commands::page_up(app),
        KeyCode::PageDown => commands::page_down(app),
        KeyCode::Enter => return commands::submit(app),
        KeyCode::Up if plain_lobby => {
            app.lobby.selected = app.lobby.selected.saturating_sub(1);
        }
        KeyCode::Down if plain_lobby => {
            let last = app.lobby.rooms.len().saturating_sub(1);
            app.lobby.selected = (app.lobby.selected + 1).min(last);
        }
        KeyCode::Up => {
            app.input.recall_previous();
        }
        KeyCode::Down => {
            app.input.recall_next();
        }
        KeyCode::Char('n') if plain_lobby && !alt => {
            app.prompt = Some(Prompt::CreateRoom);
        }
        _ => {
            if edit(&mut app.input, key) == Edit::Changed {
                return commands::maybe_typing(app);
            }
        }
    }
    Vec::new()
}
