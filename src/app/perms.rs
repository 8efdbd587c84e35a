//! What the token may do here: answers of `sys/capabilities-self` for the rows on screen, the current folder
//! and the open secret, cached per folder.
//!
//! The app asks in batches ([`PermCache::missing`] after each update), never twice for the same (path,
//! action) while it stays in the folder. Leaving the folder drops every answer (a folder's answers are only
//! worth keeping while its rows are on screen). Answers for a folder already left are dropped on arrival.
//!
//! Each user action maps to the capabilities it needs ([`needs`]). An action is disabled only when the
//! server said no ([`Permission::Denied`]); when it would not say ([`Permission::Unknown`]) or has not
//! answered yet, the action is offered, and a 403 is reported plainly if it comes.

use std::collections::{HashMap, HashSet};

use crate::vault::capabilities::{Action as Cap, Permission};
use crate::vault::kv::{KvVersion, Mount};

/// At most this many questions are remembered per folder. Scrolling through a folder of 100,000 secrets
/// would otherwise keep eight questions (and their answers) for every row ever shown; past the bound, what
/// is no longer on screen is forgotten and asked again if it comes back.
pub const MAX_QUERIES: usize = 4_096;

/// The name asked about for "anything new in this folder" (a new secret or folder): policies with a glob
/// over the folder (`secret/data/apps/*`) match it; policies naming single secrets do not.
pub const ANY_NAME: &str = "*";

/// One question: a path inside the mount and a capability-level action.
pub type Query = (String, Cap);

/// Answers for one folder.
#[derive(Debug, Clone, Default)]
pub struct PermCache {
    /// `mount/folder` the answers are for.
    pub scope: String,
    answers: HashMap<Query, Permission>,
    asked: HashSet<Query>,
}

impl PermCache {
    /// Moves to `scope`: answers for another folder are dropped.
    pub fn enter(&mut self, scope: &str) {
        if self.scope != scope {
            self.scope = scope.to_string();
            self.answers.clear();
            self.asked.clear();
        }
    }

    /// The queries not asked yet, marked as asked. Past [`MAX_QUERIES`], questions and answers that are not
    /// wanted now are forgotten first, so memory follows the screen, not how far the user scrolled.
    pub fn missing(&mut self, wanted: Vec<Query>) -> Vec<Query> {
        if self.asked.len() + wanted.len() > MAX_QUERIES {
            let keep: HashSet<&Query> = wanted.iter().collect();
            self.asked.retain(|q| keep.contains(q));
            self.answers.retain(|q, _| keep.contains(q));
        }
        let mut out = Vec::new();
        for q in wanted {
            if self.asked.insert(q.clone()) {
                out.push(q);
            }
        }
        out
    }

    /// Stores answers for `scope` (dropped when the app left that folder meanwhile).
    pub fn store(&mut self, scope: &str, answers: Vec<(Query, Permission)>) {
        if scope != self.scope {
            return;
        }
        self.answers.extend(answers);
    }

    /// The answer for one query, if the server gave one.
    pub fn get(&self, path: &str, cap: Cap) -> Option<&Permission> {
        self.answers.get(&(path.to_string(), cap))
    }

    /// Why `cap` on `path` is refused, when the server said it is.
    pub fn denied(&self, path: &str, cap: Cap) -> Option<String> {
        match self.get(path, cap) {
            Some(Permission::Denied(reason)) => Some(reason.clone()),
            _ => None,
        }
    }

    /// Why the first of several needs is refused, when one is.
    pub fn first_denied(&self, needs: &[Query]) -> Option<String> {
        needs.iter().find_map(|(p, c)| self.denied(p, *c))
    }
}

/// The questions worth asking about a secret on screen: everything its actions need.
pub fn secret_queries(mount: &Mount, path: &str) -> Vec<Query> {
    let mut caps = vec![Cap::Read, Cap::Update, Cap::Delete];
    if mount.version == KvVersion::V2 {
        caps.extend([Cap::DeleteAll, Cap::History, Cap::Undelete, Cap::Destroy, Cap::DeleteVersions]);
    }
    caps.into_iter().map(|c| (path.to_string(), c)).collect()
}

/// The questions about a folder on screen (its content must be listed to delete, move or copy it).
pub fn folder_queries(path: &str) -> Vec<Query> {
    vec![(path.to_string(), Cap::List)]
}

/// The question about creating something new in `folder`.
pub fn create_query(folder: &str) -> Query {
    (crate::app::join(folder, ANY_NAME), Cap::Create)
}

/// What a user action on a secret or folder needs. `folder` is the folder holding it (for a rename's new
/// name); for a folder target, `path` is the folder itself.
pub fn needs(
    mount: &Mount,
    action: crate::action::Action,
    path: &str,
    is_folder: bool,
    folder: &str,
) -> Vec<Query> {
    use crate::action::Action as A;
    let p = |c: Cap| (path.to_string(), c);
    // Moving the source away deletes it with every version (KV v1: the secret).
    let remove = if mount.version == KvVersion::V2 { Cap::DeleteAll } else { Cap::Delete };
    match (action, is_folder) {
        (A::Delete | A::Move | A::Duplicate | A::Rename, true) => vec![p(Cap::List)],
        (A::Edit, false) => vec![p(Cap::Read), p(Cap::Update)],
        (A::Move, false) => vec![p(Cap::Read), p(remove)],
        (A::Rename, false) => vec![p(Cap::Read), p(remove), create_query(folder)],
        (A::Duplicate, false) => vec![p(Cap::Read)],
        (A::History, false) if mount.version == KvVersion::V2 => vec![p(Cap::History)],
        (A::Rollback, false) => vec![p(Cap::Update)],
        (A::Undelete, false) => vec![p(Cap::Undelete)],
        (A::DeleteVersion, false) => vec![p(Cap::DeleteVersions)],
        (A::DestroyVersion, false) => vec![p(Cap::Destroy)],
        (A::NewSecret | A::NewFolder, _) => vec![create_query(folder)],
        _ => Vec::new(),
    }
}

/// Why deleting a secret is refused: KV v2 offers two ways (latest version, every version), so it is
/// refused only when both are.
pub fn delete_denied(cache: &PermCache, mount: &Mount, path: &str) -> Option<String> {
    let latest = cache.denied(path, Cap::Delete)?;
    if mount.version == KvVersion::V2 {
        cache.denied(path, Cap::DeleteAll)?;
    }
    Some(latest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(v: KvVersion) -> Mount {
        Mount { path: "kv".into(), version: v, description: String::new() }
    }

    #[test]
    fn asks_once_and_drops_other_folders() {
        let mut c = PermCache::default();
        c.enter("kv/a");
        let q = vec![("a/x".to_string(), Cap::Read)];
        assert_eq!(c.missing(q.clone()).len(), 1);
        assert!(c.missing(q.clone()).is_empty(), "asked once");
        c.store("kv/other", vec![(q[0].clone(), Permission::Denied("no".into()))]);
        assert!(c.get("a/x", Cap::Read).is_none(), "answers for another folder are dropped");
        c.store("kv/a", vec![(q[0].clone(), Permission::Denied("no".into()))]);
        assert_eq!(c.denied("a/x", Cap::Read).as_deref(), Some("no"));
        c.enter("kv/b");
        assert!(c.get("a/x", Cap::Read).is_none());
        assert_eq!(c.missing(q).len(), 1, "asked again after coming back");
    }

    #[test]
    fn memory_follows_the_screen_not_the_scrolling() {
        let mut c = PermCache::default();
        c.enter("kv/big");
        let page = |first: usize| -> Vec<Query> {
            (first..first + 40).map(|i| (format!("big/s{i:06}"), Cap::Read)).collect()
        };
        for p in 0..1_000 {
            let wanted = page(p * 40);
            let answers = wanted.iter().map(|q| (q.clone(), Permission::Allowed)).collect();
            assert_eq!(c.missing(wanted).len(), 40, "each new page is asked for");
            c.store("kv/big", answers);
        }
        assert!(c.asked.len() <= MAX_QUERIES && c.answers.len() <= MAX_QUERIES);
        let on_screen = page(999 * 40);
        assert!(c.missing(on_screen.clone()).is_empty(), "what is on screen is still known");
        assert!(c.get(&on_screen[0].0, Cap::Read).is_some());
    }

    #[test]
    fn delete_needs_one_way() {
        let mut c = PermCache::default();
        c.enter("kv/");
        let v2 = m(KvVersion::V2);
        c.store("kv/", vec![(("s".into(), Cap::Delete), Permission::Denied("latest".into()))]);
        assert!(delete_denied(&c, &v2, "s").is_none(), "every version may still be deleted");
        c.store("kv/", vec![(("s".into(), Cap::DeleteAll), Permission::Denied("all".into()))]);
        assert_eq!(delete_denied(&c, &v2, "s").as_deref(), Some("latest"));
        assert_eq!(delete_denied(&c, &m(KvVersion::V1), "s").as_deref(), Some("latest"));
    }

    #[test]
    fn needs_of_actions() {
        let v1 = m(KvVersion::V1);
        let n = needs(&v1, crate::action::Action::Move, "f/s", false, "f");
        assert_eq!(n, vec![("f/s".to_string(), Cap::Read), ("f/s".to_string(), Cap::Delete)]);
        let n = needs(&v1, crate::action::Action::NewSecret, "", false, "f");
        assert_eq!(n, vec![("f/*".to_string(), Cap::Create)]);
        assert!(needs(&v1, crate::action::Action::History, "s", false, "").is_empty());
    }
}
