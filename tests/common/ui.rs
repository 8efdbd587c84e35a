//! Helpers for tests that drive `App::update` and draw with ratatui's `TestBackend`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sesame::app::{App, Msg};
use sesame::vault::kv::{Entry, KvVersion, Mount};

/// A key press of a character.
pub fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// A key press of a named key.
pub fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// Ctrl and a character.
pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Enter.
pub fn enter() -> Msg {
    code(KeyCode::Enter)
}

/// Types text; `\n` is Enter and `\t` is Tab.
pub fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(match c {
            '\n' => code(KeyCode::Enter),
            '\t' => code(KeyCode::Tab),
            c => key(c),
        });
    }
}

/// A mount with no description.
pub fn mount(path: &str, version: KvVersion) -> Mount {
    Mount { path: path.into(), version, description: String::new() }
}

/// Entries from LIST keys (`name` or `name/`), sorted as the explorer sorts them.
pub fn entries(keys: &[&str]) -> Vec<Entry> {
    let mut v: Vec<Entry> = keys.iter().map(|k| Entry::from_key(k)).collect();
    sesame::vault::kv::sort_entries(&mut v);
    v
}

/// The screen drawn at `w`x`h`, as text.
pub fn render(app: &App, (w, h): (u16, u16)) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| sesame::ui::draw(f, app)).unwrap();
    format!("{}", terminal.backend())
}
