//! What the token may do, from `sys/capabilities-self`, in sesame's terms ([`Action`]).
//!
//! Each action maps to the API paths and capabilities it needs on KV v1 or v2 ([`requirements`]): KV v2
//! splits a secret over `data/`, `metadata/`, `delete/`, `undelete/` and `destroy/`. The server is asked for
//! many paths per request ([`Vault::capabilities`]); [`Vault::permissions`] answers each (path, action)
//! with [`Permission`]. Where the server refuses to answer (no `default` policy, an old server), the answer
//! is [`Permission::Unknown`]: offer the action, try it, and report a 403 plainly.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};

use super::error::VaultError;
use super::kv::{KvVersion, Mount, Vault};

/// Paths asked per `sys/capabilities-self` request.
pub const CAPABILITIES_BATCH: usize = 100;

/// Something the user may want to do to a secret or a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read the latest data (and older versions).
    Read,
    /// List a folder (the path is the folder).
    List,
    /// Create a secret that does not exist yet.
    Create,
    /// Change an existing secret (also: roll back, which writes a new version).
    Update,
    /// KV v2: soft-delete the latest version. KV v1: delete.
    Delete,
    /// KV v2: soft-delete chosen versions.
    DeleteVersions,
    /// KV v2: remove every version and the metadata. KV v1: delete.
    DeleteAll,
    /// KV v2: read the metadata (history, custom metadata).
    History,
    /// KV v2: undelete versions.
    Undelete,
    /// KV v2: destroy versions.
    Destroy,
}

impl Action {
    /// A short verb for messages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::List => "list",
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::DeleteVersions => "delete versions",
            Self::DeleteAll => "delete all versions",
            Self::History => "read the history",
            Self::Undelete => "undelete",
            Self::Destroy => "destroy",
        }
    }
}

/// One capability check: the API path as policies see it (not percent-encoded) and the capabilities of
/// which one suffices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// e.g. `secret/data/apps/web`, `secret/metadata/apps/` (a folder's LIST path ends with `/`).
    pub api_path: String,
    /// Any one of these grants the action.
    pub any_of: &'static [&'static str],
}

/// Whether the token may perform an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permission {
    /// The policies allow it.
    Allowed,
    /// The policies forbid it; the reason is fit to show next to the disabled action.
    Denied(String),
    /// The server would not say; the reason explains why. Offer the action and report a 403 if it comes.
    Unknown(String),
}

impl Permission {
    /// True unless known to be denied.
    pub fn may_try(&self) -> bool {
        !matches!(self, Self::Denied(_))
    }
}

/// The API paths and capabilities `action` needs on `path` (a secret, or a folder for [`Action::List`];
/// `""` is the mount's root).
pub fn requirements(mount: &Mount, path: &str, action: Action) -> Vec<Requirement> {
    let path = path.trim_matches('/');
    let m = mount.path.trim_matches('/');
    let at = |api: &str| {
        let mut p = match mount.version {
            KvVersion::V1 => format!("{m}/"),
            KvVersion::V2 => format!("{m}/{api}/"),
        };
        p.push_str(path);
        p
    };
    let req = |api_path: String, any_of: &'static [&'static str]| Requirement { api_path, any_of };
    match (mount.version, action) {
        (_, Action::List) => {
            let mut p = at("metadata");
            if !path.is_empty() {
                p.push('/');
            }
            vec![req(p, &["list"])]
        }
        (_, Action::Read) => vec![req(at("data"), &["read"])],
        (_, Action::Create) => vec![req(at("data"), &["create"])],
        (_, Action::Update) => vec![req(at("data"), &["update"])],
        (KvVersion::V1, Action::Delete | Action::DeleteAll) => vec![req(at(""), &["delete"])],
        (KvVersion::V2, Action::Delete) => vec![req(at("data"), &["delete"])],
        (KvVersion::V2, Action::DeleteAll) => vec![req(at("metadata"), &["delete"])],
        (KvVersion::V2, Action::DeleteVersions) => vec![req(at("delete"), &["update", "create"])],
        (KvVersion::V2, Action::History) => vec![req(at("metadata"), &["read"])],
        (KvVersion::V2, Action::Undelete) => vec![req(at("undelete"), &["update", "create"])],
        (KvVersion::V2, Action::Destroy) => vec![req(at("destroy"), &["update", "create"])],
        (KvVersion::V1, Action::DeleteVersions | Action::History | Action::Undelete | Action::Destroy) => {
            Vec::new()
        }
    }
}

/// Decides one action from the capabilities the server listed for each required path.
pub fn decide(
    mount: &Mount,
    action: Action,
    reqs: &[Requirement],
    caps: &HashMap<String, Vec<String>>,
) -> Permission {
    if reqs.is_empty() {
        return Permission::Denied(format!("{} is a KV v1 mount: it has no versions", mount.path));
    }
    for r in reqs {
        let Some(have) = caps.get(&r.api_path) else {
            return Permission::Unknown(format!("the server said nothing about {}", r.api_path));
        };
        if have.iter().any(|c| c == "root") {
            continue;
        }
        if have.iter().any(|c| c == "deny") || have.is_empty() {
            return Permission::Denied(format!(
                "the token's policies deny {} here ({})",
                action.label(),
                r.api_path
            ));
        }
        if !r.any_of.iter().any(|need| have.iter().any(|c| c == need)) {
            return Permission::Denied(format!(
                "the token's policies grant {} on {}, not {}",
                have.join(", "),
                r.api_path,
                r.any_of.join(" or ")
            ));
        }
    }
    Permission::Allowed
}

impl Vault {
    /// `sys/capabilities-self` for many API paths (asked [`CAPABILITIES_BATCH`] at a time): path →
    /// capabilities (`read`, `list`, `deny`, `root`…).
    pub async fn capabilities(
        &self,
        api_paths: &[String],
    ) -> Result<HashMap<String, Vec<String>>, VaultError> {
        let unique: Vec<&String> = api_paths.iter().collect::<BTreeSet<_>>().into_iter().collect();
        let mut out = HashMap::new();
        for chunk in unique.chunks(CAPABILITIES_BATCH) {
            let v = self.call_json("POST", "sys/capabilities-self", Some(&json!({ "paths": chunk }))).await?;
            let table = v.get("data").filter(|d| d.is_object()).unwrap_or(&v);
            for p in chunk {
                if let Some(caps) = table.get(p.as_str()).and_then(Value::as_array) {
                    out.insert(
                        (*p).clone(),
                        caps.iter().filter_map(Value::as_str).map(str::to_string).collect(),
                    );
                }
            }
        }
        Ok(out)
    }

    /// Whether the token may perform each `(path, action)` on `mount`, in one or a few requests. Never
    /// fails: where the server will not answer, each answer is [`Permission::Unknown`].
    pub async fn permissions(&self, mount: &Mount, queries: &[(String, Action)]) -> Vec<Permission> {
        let reqs: Vec<Vec<Requirement>> = queries.iter().map(|(p, a)| requirements(mount, p, *a)).collect();
        let paths: Vec<String> = reqs.iter().flatten().map(|r| r.api_path.clone()).collect();
        let caps = if paths.is_empty() { Ok(HashMap::new()) } else { self.capabilities(&paths).await };
        match caps {
            Ok(caps) => queries.iter().zip(&reqs).map(|((_, a), r)| decide(mount, *a, r, &caps)).collect(),
            Err(e) => {
                tracing::debug!(error = %e, "sys/capabilities-self refused");
                let why = format!("the server would not tell this token's capabilities ({e})");
                queries
                    .iter()
                    .zip(&reqs)
                    .map(|((_, a), r)| {
                        if r.is_empty() {
                            decide(mount, *a, r, &HashMap::new())
                        } else {
                            Permission::Unknown(why.clone())
                        }
                    })
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(v: KvVersion) -> Mount {
        Mount { path: "kv".into(), version: v, description: String::new() }
    }

    #[test]
    fn maps_actions_to_api_paths() {
        let v2 = mount(KvVersion::V2);
        let v1 = mount(KvVersion::V1);
        let p = |m: &Mount, path: &str, a| {
            requirements(m, path, a).into_iter().map(|r| r.api_path).collect::<Vec<_>>()
        };
        assert_eq!(p(&v2, "a/b", Action::Read), ["kv/data/a/b"]);
        assert_eq!(p(&v2, "a/b", Action::DeleteAll), ["kv/metadata/a/b"]);
        assert_eq!(p(&v2, "a/b", Action::Destroy), ["kv/destroy/a/b"]);
        assert_eq!(p(&v2, "a/", Action::List), ["kv/metadata/a/"]);
        assert_eq!(p(&v2, "", Action::List), ["kv/metadata/"]);
        assert_eq!(p(&v1, "a/b", Action::Update), ["kv/a/b"]);
        assert_eq!(p(&v1, "a", Action::List), ["kv/a/"]);
        assert_eq!(p(&v1, "", Action::List), ["kv/"]);
        assert!(p(&v1, "a", Action::Destroy).is_empty());
    }

    #[test]
    fn decides_from_capabilities() {
        let v2 = mount(KvVersion::V2);
        let mut caps = HashMap::new();
        caps.insert("kv/data/x".to_string(), vec!["read".to_string(), "list".to_string()]);
        caps.insert("kv/data/r".to_string(), vec!["root".to_string()]);
        caps.insert("kv/data/d".to_string(), vec!["deny".to_string()]);
        let ask = |path: &str, a| decide(&v2, a, &requirements(&v2, path, a), &caps);
        assert_eq!(ask("x", Action::Read), Permission::Allowed);
        assert!(matches!(ask("x", Action::Update), Permission::Denied(r) if r.contains("not update")));
        assert_eq!(ask("r", Action::Update), Permission::Allowed);
        assert!(matches!(ask("d", Action::Read), Permission::Denied(r) if r.contains("deny")));
        assert!(matches!(ask("zz", Action::Read), Permission::Unknown(_)));
        let v1 = mount(KvVersion::V1);
        assert!(matches!(decide(&v1, Action::Undelete, &[], &caps), Permission::Denied(_)));
    }
}
