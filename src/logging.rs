//! Logs go to a file, never to the terminal under the TUI. `SESAME_LOG` sets the filter
//! (default `sesame=info`). Nothing logs a secret value: only paths, statuses and timings. The file is
//! created 0600, and the default cache folder 0700 ([`crate::fsutil`]).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use tracing_subscriber::EnvFilter;

use crate::fsutil;

/// The default log file: `sesame.log` in the cache directory.
pub fn default_log_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "sesame").map(|d| d.cache_dir().join("sesame.log"))
}

/// Starts logging to `path` (or the default file). Returns the file in use.
pub fn init(path: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
    let Some(path) = path.map(Path::to_path_buf).or_else(default_log_path) else { return Ok(None) };
    let default = default_log_path();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // sesame's own cache folder is narrowed if an older version made it 0755; a folder the user named
        // is only created (0700) when missing.
        let made = if default.as_deref() == Some(path.as_path()) {
            fsutil::own_private_dir(dir)
        } else {
            fsutil::create_private_dir(dir)
        };
        made.with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let file = fsutil::open_private_append(&path)
        .with_context(|| format!("cannot open the log file {}", path.display()))?;
    let filter = EnvFilter::try_from_env("SESAME_LOG").unwrap_or_else(|_| EnvFilter::new("sesame=info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Ok(Some(path))
}
