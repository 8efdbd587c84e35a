//! Key bindings: one table, loaded from `assets/keymap.toml` and optionally overridden by the user's file,
//! that both the dispatcher and the help overlay read.

use std::fmt;
use std::path::Path;

use anyhow::{Context as _, bail};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use crate::action::Action;

/// The built-in bindings.
pub const DEFAULT_KEYMAP: &str = include_str!("../assets/keymap.toml");

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    /// Everywhere (checked after the screen's own context).
    Global,
    /// The folder list.
    Explorer,
    /// The secret view.
    Secret,
    /// The JSON view of a secret.
    Json,
    /// The key/value editor.
    Editor,
    /// The version history of a secret.
    History,
    /// The generated ACL policy of the admin modes.
    Policy,
    /// "New secret": choosing the type or template.
    TypePicker,
    /// The docker registry and SSH key forms (characters always type; only these bindings apply).
    Form,
    /// The audit of the modes (admins).
    Audit,
    /// Menus: the use-in-service chooser, the mode of a secret, the versions a delete removes.
    Menu,
    /// Questions: confirmations such as copying a value, overwriting a destination, applying a policy.
    Confirm,
    /// A save that met a newer version on the server (the editor and the typed forms).
    Conflict,
    /// Scrolling reports: the help overlay, the report of a delete, move or copy.
    Report,
    /// One-line text fields: names, destinations, typed confirmations (every other key types).
    Line,
    /// The finder (every other key types the query).
    Finder,
    /// The comparison of two secrets or folders.
    Compare,
}

impl Context {
    /// The heading of this context in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Self::Global => "Everywhere",
            Self::Explorer => "Explorer",
            Self::Secret => "Secret view",
            Self::Json => "JSON view",
            Self::Editor => "Editor",
            Self::History => "History",
            Self::Policy => "Policy view",
            Self::TypePicker => "New secret: type",
            Self::Form => "Docker registry and SSH key forms",
            Self::Audit => "Audit of the modes (admins)",
            Self::Menu => "Menus (use in service, mode, versions to delete)",
            Self::Confirm => "Questions",
            Self::Conflict => "Save conflicts",
            Self::Report => "Reports and this help",
            Self::Line => "Text fields (names, destinations, typed confirmations)",
            Self::Finder => "Finder (every other key types the query)",
            Self::Compare => "Comparison (= marks, = on another compares)",
        }
    }

    /// Every context, in the help overlay's order.
    pub const ALL: [Context; 17] = [
        Context::Global,
        Context::Explorer,
        Context::Secret,
        Context::Json,
        Context::Editor,
        Context::History,
        Context::TypePicker,
        Context::Form,
        Context::Audit,
        Context::Policy,
        Context::Menu,
        Context::Confirm,
        Context::Conflict,
        Context::Report,
        Context::Line,
        Context::Finder,
        Context::Compare,
    ];
}

/// A key with modifiers, as written in the keymap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl/Alt (Shift is folded into the character).
    pub mods: KeyModifiers,
}

impl Key {
    /// Parses `j`, `G`, `?`, `Enter`, `Ctrl-c`, `Alt-x`, `F5`, `Space`…
    pub fn parse(s: &str) -> anyhow::Result<Self> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("Ctrl-").or_else(|| rest.strip_prefix("C-")) {
                mods |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("Alt-").or_else(|| rest.strip_prefix("M-")) {
                mods |= KeyModifiers::ALT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "PageUp" => KeyCode::PageUp,
            "PageDown" => KeyCode::PageDown,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" => KeyCode::Tab,
            "BackTab" => KeyCode::BackTab,
            "Backspace" => KeyCode::Backspace,
            "Delete" => KeyCode::Delete,
            "Insert" => KeyCode::Insert,
            "Space" => KeyCode::Char(' '),
            f if f.len() > 1 && f.starts_with('F') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse::<u8>().unwrap_or(1))
            }
            c if c.chars().count() == 1 => {
                let ch = c.chars().next().unwrap_or(' ');
                KeyCode::Char(if mods.contains(KeyModifiers::CONTROL) { ch.to_ascii_lowercase() } else { ch })
            }
            other => bail!("unknown key {other:?} in {s:?}"),
        };
        Ok(Self { code, mods })
    }

    /// Normalises a terminal key event for lookup (Shift is part of the character already).
    pub fn from_event(ev: &KeyEvent) -> Self {
        let mut mods = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match ev.code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => KeyCode::Char(c.to_ascii_lowercase()),
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::ALT);
                KeyCode::BackTab
            }
            c => c,
        };
        Self { code, mods }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One binding: keys that trigger an action in a context, with the help text.
#[derive(Debug, Clone)]
pub struct Binding {
    /// Where it applies.
    pub context: Context,
    /// What it does.
    pub action: Action,
    /// The keys.
    pub keys: Vec<Key>,
    /// Help text.
    pub desc: String,
    /// A short word or two for the hints under a popup (`copy`, `close`), shown after the key.
    pub hint: String,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    binding: Vec<RawBinding>,
}

#[derive(Deserialize)]
struct RawBinding {
    context: Context,
    action: Action,
    keys: Vec<String>,
    #[serde(default)]
    desc: Option<String>,
    #[serde(default)]
    hint: Option<String>,
}

/// The bindings table.
#[derive(Debug, Clone)]
pub struct Keymap {
    /// In file order, which is the help overlay's order.
    pub bindings: Vec<Binding>,
}

impl Keymap {
    /// The built-in bindings.
    pub fn default_keymap() -> Self {
        // The built-in file is tested to parse, so this fallback never triggers in practice.
        Self::parse(DEFAULT_KEYMAP).unwrap_or(Self { bindings: Vec::new() })
    }

    /// Parses a keymap file.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let file: File = toml::from_str(text).context("invalid keymap file")?;
        let mut bindings = Vec::new();
        for raw in file.binding {
            let keys = raw.keys.iter().map(|k| Key::parse(k)).collect::<anyhow::Result<Vec<_>>>()?;
            bindings.push(Binding {
                context: raw.context,
                action: raw.action,
                keys,
                desc: raw.desc.unwrap_or_default(),
                hint: raw.hint.unwrap_or_default(),
            });
        }
        Ok(Self { bindings })
    }

    /// The defaults with a user's file merged over them: a (context, action) the user names gets the user's
    /// keys (and description, if given); new pairs are added.
    pub fn with_overrides(mut self, text: &str) -> anyhow::Result<Self> {
        let user = Self::parse(text)?;
        for b in user.bindings {
            match self.bindings.iter_mut().find(|d| d.context == b.context && d.action == b.action) {
                Some(d) => {
                    d.keys = b.keys;
                    if !b.desc.is_empty() {
                        d.desc = b.desc;
                    }
                    if !b.hint.is_empty() {
                        d.hint = b.hint;
                    }
                }
                None => self.bindings.push(b),
            }
        }
        Ok(self)
    }

    /// Loads the defaults plus the user's file at `path` if it exists.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let base = Self::parse(DEFAULT_KEYMAP)?;
        match path {
            Some(p) if p.exists() => {
                let text =
                    std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
                base.with_overrides(&text).with_context(|| format!("in {}", p.display()))
            }
            _ => Ok(base),
        }
    }

    /// The action bound to a key in a context, falling back to the global context.
    pub fn lookup(&self, context: Context, key: Key) -> Option<Action> {
        self.lookup_in(context, key).or_else(|| self.lookup_in(Context::Global, key))
    }

    /// The action bound to a key in exactly this context (no global fallback): for forms, where every other
    /// key types.
    pub fn lookup_in(&self, context: Context, key: Key) -> Option<Action> {
        self.bindings.iter().find(|b| b.context == context && b.keys.contains(&key)).map(|b| b.action)
    }

    /// The first key bound to an action in a context, for hints.
    pub fn key_for(&self, context: Context, action: Action) -> Option<Key> {
        // The context's own binding wins over a global one, as in `lookup` (a form's F1 help, not `?`).
        let find = |ctx: Context| self.bindings.iter().find(|b| b.context == ctx && b.action == action);
        find(context).or_else(|| find(Context::Global)).and_then(|b| b.keys.first().copied())
    }

    /// The hint of one binding as the user's keymap has it: its first key and its short hint (`y copy`).
    /// `verb` replaces the binding's own hint where a popup means something more precise by it. Empty when
    /// the action has no key in this context.
    pub fn hint(&self, context: Context, action: Action, verb: Option<&str>) -> String {
        let Some(b) = self.bindings.iter().find(|b| b.context == context && b.action == action) else {
            return String::new();
        };
        let Some(key) = b.keys.first() else { return String::new() };
        let word = verb.unwrap_or(if b.hint.is_empty() { b.desc.as_str() } else { b.hint.as_str() });
        format!("{key} {word}")
    }

    /// Hints joined with ` · ` (bindings without a key are left out): the line under a popup.
    pub fn hints(&self, context: Context, items: &[(Action, Option<&str>)]) -> String {
        items
            .iter()
            .map(|&(a, verb)| self.hint(context, a, verb))
            .filter(|h| !h.is_empty())
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// The first key of an action in a context, as text (`y`), or `?` when unbound: for hints that
    /// embed the key inside a sentence.
    pub fn key_text(&self, context: Context, action: Action) -> String {
        self.key_for(context, action).map_or_else(|| "?".to_string(), |k| k.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keymap_parses_and_dispatches() {
        let km = Keymap::parse(DEFAULT_KEYMAP).unwrap();
        assert!(km.bindings.len() > 20);
        assert_eq!(km.lookup(Context::Explorer, Key::parse("j").unwrap()), Some(Action::Down));
        assert_eq!(km.lookup(Context::Explorer, Key::parse("?").unwrap()), Some(Action::Help));
        assert_eq!(km.lookup(Context::Secret, Key::parse("q").unwrap()), Some(Action::Back));
        assert_eq!(km.lookup(Context::Explorer, Key::parse("q").unwrap()), Some(Action::Quit));
        assert_eq!(km.lookup(Context::Explorer, Key::parse("Ctrl-c").unwrap()), Some(Action::Quit));
        assert!(km.bindings.iter().all(|b| !b.desc.is_empty()), "every binding has a description");
    }

    #[test]
    fn user_overrides_replace_keys() {
        let km = Keymap::parse(DEFAULT_KEYMAP)
            .unwrap()
            .with_overrides("[[binding]]\ncontext = \"explorer\"\naction = \"down\"\nkeys = [\"n\"]\n")
            .unwrap();
        assert_eq!(km.lookup(Context::Explorer, Key::parse("n").unwrap()), Some(Action::Down));
        assert_eq!(km.lookup(Context::Explorer, Key::parse("j").unwrap()), None);
    }

    #[test]
    fn bad_keys_are_reported() {
        let err =
            Keymap::parse("[[binding]]\ncontext = \"explorer\"\naction = \"down\"\nkeys = [\"Hyper-x\"]\n")
                .unwrap_err();
        assert!(format!("{err:#}").contains("Hyper-x"));
        assert!(
            Keymap::parse("[[binding]]\ncontext = \"explorer\"\naction = \"fly\"\nkeys = [\"x\"]\n").is_err()
        );
    }

    #[test]
    fn key_parsing() {
        assert_eq!(
            Key::parse("Ctrl-C").unwrap(),
            Key { code: KeyCode::Char('c'), mods: KeyModifiers::CONTROL }
        );
        assert_eq!(Key::parse("G").unwrap().code, KeyCode::Char('G'));
        assert_eq!(Key::parse("F5").unwrap().code, KeyCode::F(5));
        assert_eq!(Key::parse("Space").unwrap().to_string(), "Space");
    }
}
