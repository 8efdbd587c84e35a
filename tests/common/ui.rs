//! Helpers for tests that drive `App::update` and draw with ratatui's `TestBackend`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use sesame::app::{App, Effect, Msg};
use sesame::keymap::Keymap;
use sesame::vault::kv::{Entry, KvVersion, Mount};

/// A new app with the default keymap (`start` as `sesame PATH`), and the commands it starts with.
pub fn new_app(start: Option<&str>) -> (App, Vec<Effect>) {
    App::new("http://127.0.0.1:8200", Keymap::default_keymap(), start.map(str::to_string))
}

/// A new app on a terminal of `w`x`h`.
pub fn sized_app((w, h): (u16, u16)) -> App {
    let (mut app, _) = new_app(None);
    app.update(Msg::Resize(w, h));
    app
}

/// `legacy` (KV v1) and `secret` (KV v2), with no descriptions.
pub fn two_mounts() -> Vec<Mount> {
    vec![mount("legacy", KvVersion::V1), mount("secret", KvVersion::V2)]
}

/// The request id of the listing among `cmds`.
pub fn list_req_id(cmds: &[Effect]) -> u64 {
    cmds.iter()
        .find_map(|c| if let Effect::List { req, .. } = c { Some(*req) } else { None })
        .expect("a listing")
}

/// The request id of the secret read among `cmds`.
pub fn read_req_id(cmds: &[Effect]) -> u64 {
    cmds.iter()
        .find_map(|c| match c {
            Effect::Read { req, .. } | Effect::OpenSecret { req, .. } => Some(*req),
            _ => None,
        })
        .expect("a read")
}

/// Selects the row `name` of the list, moving down from the top as a person would.
pub fn select(app: &mut App, name: &str) {
    app.update(key('g'));
    while app.list.selected_entry().map(|e| e.name.as_str()) != Some(name) {
        app.update(key('j'));
    }
}

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

/// The cells drawn at `w`x`h`.
pub fn draw(app: &App, (w, h): (u16, u16)) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| sesame::ui::draw(f, app)).unwrap();
    terminal.backend().buffer().clone()
}

/// The screen drawn at `w`x`h`, as text.
pub fn render(app: &App, (w, h): (u16, u16)) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| sesame::ui::draw(f, app)).unwrap();
    format!("{}", terminal.backend())
}

/// Runs `cmds` against a real server as the terminal loop does, feeding the answers back, until the app asks
/// for nothing more. Bookmarks are not written (they go to the user's config directory).
pub async fn settle(vault: &sesame::vault::Vault, app: &mut App, mut cmds: Vec<Effect>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for _ in 0..200 {
        if cmds.is_empty() {
            return;
        }
        for c in cmds.drain(..) {
            if !matches!(c, Effect::SaveBookmarks { .. }) {
                sesame::app::effects::run(vault, &[], c, &tx).await;
            }
        }
        while let Ok(msg) = rx.try_recv() {
            cmds.extend(app.update(msg));
        }
    }
    panic!("the app kept asking for more work");
}
