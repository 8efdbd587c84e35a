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
