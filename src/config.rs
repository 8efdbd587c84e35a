//! User configuration from the platform's config directory (`~/.config/sesame/` on Linux).

use std::path::PathBuf;

/// The config directory, if the platform has one.
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "sesame").map(|d| d.config_dir().to_path_buf())
}

/// The user's keymap override file.
pub fn keymap_path() -> Option<PathBuf> {
    std::env::var_os("SESAME_KEYMAP")
        .map(PathBuf::from)
        .or_else(|| config_dir().map(|d| d.join("keymap.toml")))
}

/// True when colours are off: `--no-color` or a non-empty `NO_COLOR` (<https://no-color.org>).
pub fn no_color(flag: bool) -> bool {
    flag || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The config file: `$SESAME_CONFIG`, else `config.toml` in the config directory.
pub fn config_path() -> Option<PathBuf> {
    std::env::var_os("SESAME_CONFIG")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| config_dir().map(|d| d.join("config.toml")))
}

/// Settings from the config file ([`config_path`]), shared by the TUI and the CLI. Every section and key is
/// optional; a missing file means the defaults.
///
/// ```toml
/// [clipboard]
/// method = "auto"      # auto | system | osc52 | tmux | off
/// clear_after = 30     # seconds before a copied secret value is cleared; 0 = never
///
/// [service]
/// top_folder = "onyxia-kv/user-alice"   # "relative" paths are relative to this folder
///
/// [editor]
/// uppercase_keys = true   # upper-case keys as they are typed (the convention); `u` toggles it in the editor
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct Config {
    /// `[clipboard]`.
    pub clipboard: crate::clipboard::ClipboardSettings,
    /// `[service]`.
    pub service: crate::snippet::ServiceSettings,
    /// `[editor]`.
    pub editor: EditorSettings,
}

/// `[editor]` settings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EditorSettings {
    /// Upper-case keys as they are typed (UPPERCASE is the convention; existing keys are never changed).
    pub uppercase_keys: bool,
}

impl Default for EditorSettings {
    fn default() -> Self {
        Self { uppercase_keys: true }
    }
}

impl Config {
    /// Loads [`config_path`]; a missing file gives the defaults.
    pub fn load() -> anyhow::Result<Self> {
        match config_path() {
            Some(path) => Self::load_from(&path),
            None => Ok(Self::default()),
        }
    }

    /// Loads one file; a missing file gives the defaults.
    pub fn load_from(path: &std::path::Path) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        match std::fs::read_to_string(path) {
            Ok(text) => {
                toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read the config file {}", path.display())),
        }
    }
}

#[cfg(test)]
mod editor_tests {
    use super::*;

    #[test]
    fn uppercase_keys_is_on_unless_the_file_says_otherwise() {
        assert!(Config::default().editor.uppercase_keys);
        let c: Config = toml::from_str("[editor]\nuppercase_keys = false\n").unwrap();
        assert!(!c.editor.uppercase_keys);
        assert!(toml::from_str::<Config>("[editor]\nupper = 1\n").is_err(), "unknown keys are reported");
    }
}
