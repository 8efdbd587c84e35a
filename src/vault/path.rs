//! Paths as users write them: `mount/folder/secret`. One join, one split into mount and path.

use super::error::VaultError;
use super::kv::{Mount, Vault};

/// `a/b`, or `b` when `a` is empty (slashes around either are dropped).
pub fn join(a: &str, b: &str) -> String {
    let (a, b) = (a.trim_matches('/'), b.trim_matches('/'));
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}/{b}"),
    }
}

/// The folder holding `path` (`""` at the mount's root) and the last segment.
pub fn split_parent(path: &str) -> (&str, &str) {
    let path = path.trim_matches('/');
    match path.rsplit_once('/') {
        Some((parent, name)) => (parent, name),
        None => ("", path),
    }
}

impl Vault {
    /// Splits a full path (`secret/apps/web/db`) into the mount holding it and the path inside that mount
    /// (`""` for the mount itself), asking the server where the mount ends ([`Vault::mount_of`]).
    pub async fn locate(&self, path: &str) -> Result<(Mount, String), VaultError> {
        let trimmed = path.trim_matches('/');
        if trimmed.is_empty() {
            return Err(VaultError::Invalid(
                "give a path that starts with a mount, e.g. secret/ or secret/apps/web/db".to_string(),
            ));
        }
        let mount = self.mount_of(trimmed).await?;
        let rest = trimmed.strip_prefix(mount.path.as_str()).unwrap_or("").trim_matches('/').to_string();
        Ok((mount, rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("a/", "/b"), "a/b");
        assert_eq!(join("a", ""), "a");
        assert_eq!(join("a/b", "c"), "a/b/c");
        assert_eq!(split_parent("a/b/c"), ("a/b", "c"));
        assert_eq!(split_parent("/c/"), ("", "c"));
    }
}
