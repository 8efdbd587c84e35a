//! Key names and values of indexed secrets, searched only on request.
//!
//! # Key names ([`key_names`])
//! - KV v2: `GET <mount>/subkeys/<path>?depth=1`, which sends the key names with `null` for every value.
//!   Where the answer's `custom_metadata` records a sesame mode, the annotations are read and a key-only
//!   secret gives its recorded names. Where `subkeys` is refused, a key-only secret still gives its recorded
//!   names (from its metadata); any other secret counts as unreadable.
//! - KV v1: a key-only secret (from the mount's annotation registry) gives its recorded names and is never
//!   read; any other is read and its values dropped at once (they live in zeroizing buffers).
//!
//! # Values ([`ValueQuery`])
//! Only with an explicit request. A key-only secret is never read (its mode is read first: KV v2 metadata,
//! the KV v1 registry). Other secrets are read, each value is matched in memory (a lowercased copy for a
//! case-blind match lives in a zeroizing buffer), and the data is dropped, which zeroizes it. A hit names the
//! secret and the key whose value matched, never the value. Where the mode cannot be read (no right on the
//! metadata or the registry), the secret is read as the token allows: the server's policy is what enforces
//! key-only for such tokens ([`crate::vault::policy`]).
//!
//! Values are matched as a substring (smart case), or with `--regex` as a regular expression; never fuzzily,
//! since a fuzzy pattern matches most long random values by chance.

use futures::stream::{self, StreamExt};
use serde_json::Value;
use zeroize::Zeroizing;

use super::rank::{MatchMode, Query, Ranker};
use crate::secret::annotation::PREFIX;
use crate::vault::VaultError;
use crate::vault::annotations::AnnotationStore;
use crate::vault::kv::{KvVersion, Mount, Vault, encode_path};
use crate::vault::modes::{Mode, ModeRecord};

/// Secrets examined at the same time by default.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// A secret's key names, as they were learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyNames {
    /// From the server (`subkeys`, or a KV v1 read whose values were dropped).
    Read(Vec<String>),
    /// A key-only secret: the names recorded in its annotations (the secret was not read).
    Recorded(Vec<String>),
}

impl KeyNames {
    /// The names.
    pub fn names(&self) -> &[String] {
        match self {
            Self::Read(k) | Self::Recorded(k) => k,
        }
    }
}

/// How values are matched (see the module docs).
#[derive(Debug)]
pub enum ValueQuery {
    /// A substring; `ignore_case` when the pattern has no capitals (the needle is then lowercase).
    Substring {
        /// The text looked for.
        needle: String,
        /// Case-blind.
        ignore_case: bool,
    },
    /// A regular expression.
    Regex(regex::Regex),
}

impl ValueQuery {
    /// The value matcher for a pattern typed in `mode` (fuzzy and exact are both a substring here).
    pub fn new(text: &str, mode: MatchMode) -> Result<Self, String> {
        let ignore_case = !text.chars().any(char::is_uppercase);
        match mode {
            MatchMode::Regex => regex::RegexBuilder::new(text)
                .case_insensitive(ignore_case)
                .build()
                .map(Self::Regex)
                .map_err(|e| format!("invalid regular expression: {e}")),
            MatchMode::Fuzzy | MatchMode::Exact => Ok(Self::Substring {
                needle: if ignore_case { text.to_lowercase() } else { text.to_string() },
                ignore_case,
            }),
        }
    }

    /// True when `value` matches. Any copy made lives in a zeroizing buffer.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Self::Regex(re) => re.is_match(value),
            Self::Substring { needle, ignore_case: false } => value.contains(needle.as_str()),
            Self::Substring { needle, ignore_case: true } => {
                let lower = Zeroizing::new(value.to_lowercase());
                lower.contains(needle.as_str())
            }
        }
    }
}

/// What matched inside a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Matched {
    /// A key name.
    Key,
    /// The value of a key (never shown).
    Value,
}

/// One match inside a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentHit {
    /// The secret's mount.
    pub mount: Mount,
    /// The secret, relative to the mount.
    pub path: String,
    /// The key whose name or value matched.
    pub key: String,
    /// Name or value.
    pub matched: Matched,
    /// The key name's score (0 for a value).
    pub score: u32,
    /// Character positions of the key name that matched (empty for a value).
    pub indices: Vec<u32>,
    /// True when the key name is a key-only secret's recorded name.
    pub recorded: bool,
}

/// What a content search met.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContentStats {
    /// Secrets examined.
    pub secrets: usize,
    /// Key-only secrets searched by their recorded key names (their values never read).
    pub key_only: usize,
    /// Secrets whose key names (or values) the token may not read.
    pub unreadable: usize,
    /// Secrets gone since they were indexed (deleted, or their latest version deleted).
    pub gone: usize,
}

/// What examining one secret gave.
enum Examined {
    Gone,
    Unreadable,
    Seen { keys: KeyNames, value_hits: Vec<String> },
}

/// The key names of one secret without its values (see the module docs); `None` when it is gone.
///
/// Errors: [`VaultError::Forbidden`] when the token may read neither the key names nor a key-only record;
/// connection errors.
pub async fn key_names(
    vault: &Vault,
    store: &AnnotationStore,
    mount: &Mount,
    path: &str,
) -> Result<Option<KeyNames>, VaultError> {
    let path = path.trim_matches('/');
    match mount.version {
        KvVersion::V2 => {
            let api = format!("{}/subkeys/{}?depth=1", encode_path(&mount.path), encode_path(path));
            let (status, body) = vault.raw("GET", &api, None).await?;
            match status {
                200 => {
                    let (keys, has_mode) = parse_subkeys(&body)
                        .map_err(|detail| VaultError::BadResponse { path: api.clone(), detail })?;
                    if has_mode && let Some(keys) = recorded_keys(store, mount, path).await {
                        return Ok(Some(KeyNames::Recorded(keys)));
                    }
                    Ok(keys.map(KeyNames::Read))
                }
                404 => Ok(None),
                403 => match recorded_keys(store, mount, path).await {
                    Some(keys) => Ok(Some(KeyNames::Recorded(keys))),
                    None => Err(VaultError::Forbidden {
                        path: format!("{}/{path}", mount.path),
                        detail: String::new(),
                    }),
                },
                _ => Vault::check(status, &api, &body).map(|()| None),
            }
        }
        KvVersion::V1 => {
            if let Some(keys) = recorded_keys(store, mount, path).await {
                return Ok(Some(KeyNames::Recorded(keys)));
            }
            let read = match vault.read(mount, path, None).await {
                Ok(r) => r,
                Err(VaultError::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e),
            };
            // The data (values in zeroizing buffers) is dropped at the end of this statement.
            Ok(read.data.map(|d| {
                let mut keys: Vec<String> = d.keys().map(str::to_string).collect();
                keys.sort();
                KeyNames::Read(keys)
            }))
        }
    }
}

/// A `subkeys` answer: the sorted top-level key names (`None` when the answer has none: a deleted version),
/// and whether `custom_metadata` records a sesame mode.
fn parse_subkeys(body: &[u8]) -> Result<(Option<Vec<String>>, bool), String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let data = v.get("data");
    let has_mode = data
        .and_then(|d| d.get("metadata"))
        .and_then(|m| m.get("custom_metadata"))
        .and_then(|c| c.get(format!("{PREFIX}mode")))
        .is_some();
    let keys = data.and_then(|d| d.get("subkeys")).and_then(Value::as_object).map(|o| {
        let mut keys: Vec<String> = o.keys().cloned().collect();
        keys.sort();
        keys
    });
    Ok((keys, has_mode))
}

/// The recorded key names when the secret is key-only (and its annotations readable).
async fn recorded_keys(store: &AnnotationStore, mount: &Mount, path: &str) -> Option<Vec<String>> {
    mode_of(store, mount, path).await.ok().flatten().filter(|r| r.mode == Mode::KeyOnly).map(|r| r.keys)
}

/// A secret's mode record; `Ok(None)` when it has none (or does not exist).
async fn mode_of(
    store: &AnnotationStore,
    mount: &Mount,
    path: &str,
) -> Result<Option<ModeRecord>, VaultError> {
    let a = match store.get(mount, path).await {
        Ok(a) => a,
        Err(VaultError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(ModeRecord::from_annotations(&a).ok().filter(|r| r.mode != Mode::None))
}

/// Examines one secret: its key names (when asked) and which keys' values match (when asked).
async fn examine(
    vault: &Vault,
    store: &AnnotationStore,
    mount: &Mount,
    path: &str,
    values: Option<&ValueQuery>,
) -> Result<Examined, VaultError> {
    let Some(values) = values else {
        return match key_names(vault, store, mount, path).await {
            Ok(Some(keys)) => Ok(Examined::Seen { keys, value_hits: Vec::new() }),
            Ok(None) => Ok(Examined::Gone),
            Err(VaultError::Forbidden { .. }) => Ok(Examined::Unreadable),
            Err(e) => Err(e),
        };
    };
    // Values: the mode first, so that a key-only secret is never read.
    match mode_of(store, mount, path).await {
        Ok(Some(r)) if r.mode == Mode::KeyOnly => {
            return Ok(Examined::Seen { keys: KeyNames::Recorded(r.keys), value_hits: Vec::new() });
        }
        Ok(_) => {}
        Err(e) if e.is_connection() => return Err(e),
        Err(e) => tracing::debug!(error = %e, "mode unreadable; the server's policy decides on the read"),
    }
    let read = match vault.read(mount, path, None).await {
        Ok(r) => r,
        Err(VaultError::NotFound { .. }) => return Ok(Examined::Gone),
        Err(VaultError::Forbidden { .. }) => return Ok(Examined::Unreadable),
        Err(e) => return Err(e),
    };
    let Some(data) = read.data else { return Ok(Examined::Gone) };
    let mut keys = Vec::with_capacity(data.pairs.len());
    let mut value_hits = Vec::new();
    for (k, v) in &data.pairs {
        let shown = v.reveal();
        if values.matches(&shown) {
            value_hits.push(k.clone());
        }
        keys.push(k.clone());
    }
    drop(data);
    keys.sort();
    value_hits.sort();
    Ok(Examined::Seen { keys: KeyNames::Read(keys), value_hits })
}

/// Searches the key names (when `keys`) and the values (when `values` is given) of `secrets`, at most
/// `concurrency` at a time, calling `on_hit` for each match as it is found.
///
/// Errors only when the server cannot be reached (or is sealed): refusals and secrets gone meanwhile are
/// counted in [`ContentStats`].
pub async fn search(
    vault: &Vault,
    secrets: Vec<(Mount, String)>,
    query: &Query,
    keys: bool,
    values: Option<&ValueQuery>,
    concurrency: usize,
    mut on_hit: impl FnMut(ContentHit),
) -> Result<ContentStats, VaultError> {
    let store = AnnotationStore::new(vault.clone());
    let mut stats = ContentStats::default();
    let mut ranker = Ranker::new();
    let store = &store;
    let mut results = stream::iter(secrets)
        .map(|(mount, path)| async move {
            let r = examine(vault, store, &mount, &path, values).await;
            (mount, path, r)
        })
        .buffer_unordered(concurrency.max(1));
    while let Some((mount, path, r)) = results.next().await {
        stats.secrets += 1;
        match r? {
            Examined::Gone => stats.gone += 1,
            Examined::Unreadable => stats.unreadable += 1,
            Examined::Seen { keys: names, value_hits } => {
                let recorded = matches!(names, KeyNames::Recorded(_));
                stats.key_only += usize::from(recorded);
                if keys {
                    for k in names.names() {
                        if let Some((score, indices)) = ranker.indices(query, k) {
                            on_hit(ContentHit {
                                mount: mount.clone(),
                                path: path.clone(),
                                key: k.clone(),
                                matched: Matched::Key,
                                score,
                                indices,
                                recorded,
                            });
                        }
                    }
                }
                for k in value_hits {
                    on_hit(ContentHit {
                        mount: mount.clone(),
                        path: path.clone(),
                        key: k,
                        matched: Matched::Value,
                        score: 0,
                        indices: Vec::new(),
                        recorded: false,
                    });
                }
            }
        }
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn subkeys_answers() {
        let body = br#"{"data":{"subkeys":{"b":null,"a":{"x":null}},"metadata":{"custom_metadata":{"sesame.mode":"key-only"}}}}"#;
        assert_eq!(parse_subkeys(body).unwrap(), (Some(vec!["a".into(), "b".into()]), true));
        let body = br#"{"data":{"subkeys":{"K":null},"metadata":{"custom_metadata":null}}}"#;
        assert_eq!(parse_subkeys(body).unwrap(), (Some(vec!["K".into()]), false));
        assert_eq!(parse_subkeys(br#"{"data":{"subkeys":null}}"#).unwrap(), (None, false));
        assert!(parse_subkeys(b"<html>").is_err());
    }

    proptest! {
        #[test]
        fn subkeys_of_any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse_subkeys(&bytes);
        }

        #[test]
        fn subkeys_give_exactly_the_keys(keys in proptest::collection::btree_set("[^\\x00]{0,12}", 0..12)) {
            let obj: serde_json::Map<String, Value> = keys.iter().map(|k| (k.clone(), Value::Null)).collect();
            let body = serde_json::to_vec(&serde_json::json!({"data": {"subkeys": obj}})).unwrap();
            let (got, mode) = parse_subkeys(&body).unwrap();
            prop_assert_eq!(got, Some(keys.into_iter().collect::<Vec<_>>()));
            prop_assert!(!mode);
        }
    }

    #[test]
    fn values_match_as_substrings_or_regexes() {
        let q = ValueQuery::new("hunter", MatchMode::Fuzzy).unwrap();
        assert!(q.matches("xxHUNTER2"));
        assert!(!q.matches("h-u-n-t-e-r"), "never fuzzy");
        let q = ValueQuery::new("Hunter", MatchMode::Exact).unwrap();
        assert!(!q.matches("hunter2") && q.matches("Hunter2"));
        let q = ValueQuery::new("^pa+ss$", MatchMode::Regex).unwrap();
        assert!(q.matches("PAAss") && !q.matches("xpass"));
        assert!(ValueQuery::new("(", MatchMode::Regex).is_err());
    }
}
