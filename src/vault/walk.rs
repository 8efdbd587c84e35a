//! Recursive listing, one folder at a time (a concurrent walk replaces this).

use super::VaultError;
use super::kv::{Mount, Vault};

/// Options of a recursive walk.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Use OpenBao's recursive SCAN where allowed.
    pub use_scan: bool,
}

/// Lists every secret below `folder`, as paths relative to the mount.
pub async fn walk(
    vault: &Vault,
    mount: &Mount,
    folder: &str,
    _opts: &WalkOptions,
) -> Result<Vec<String>, VaultError> {
    let mut out = Vec::new();
    let mut todo = vec![folder.trim_matches('/').to_string()];
    while let Some(f) = todo.pop() {
        for e in vault.list(mount, &f).await? {
            let p = crate::app::join(&f, &e.name);
            if e.is_folder { todo.push(p) } else { out.push(p) }
        }
    }
    out.sort();
    Ok(out)
}
