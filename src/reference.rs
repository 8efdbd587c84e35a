//! Secret references: text that names a secret (or one key of it) instead of holding it, resolved only when
//! a program starts (`sesame run --env-file`) or a file is rendered (`sesame inject`).
//!
//! Two spellings are read:
//! - vals' (as helmfile writes them): `ref+vault://PATH#/KEY`, also `#KEY`; on KV v2, `PATH` may hold the
//!   API's `data/` after the mount or not (`ref+vault://secret/data/app#/K` = `ref+vault://secret/app#/K`).
//!   The only query parameter read is `version=N`; others (vals' `address`, `token_env`…) are refused with
//!   a reason, since sesame takes its server and token from its own settings.
//! - sesame's short form: `vault://mount/path#KEY`.
//!
//! Without a key, a reference names the whole secret. Parsing never echoes more than the reference itself,
//! which names a secret and never holds a value.
//!
//! [`EnvFile`] reads dotenv files whose values may be references; [`resolve`] reads every secret named once,
//! concurrently.

use std::collections::BTreeMap;
use std::fmt;

use futures::stream::{self, StreamExt};
use zeroize::Zeroizing;

use crate::secret::SecretData;
use crate::vault::VaultError;
use crate::vault::kv::{KvVersion, Mount, Vault};

/// Secrets read at the same time while resolving.
pub const CONCURRENCY: usize = 16;

/// The longest reference accepted (a path and a key; anything longer is not a reference).
pub const MAX_LEN: usize = 4096;

/// How a reference was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Form {
    /// `ref+vault://…` (vals, helmfile).
    Vals,
    /// `vault://…` (sesame).
    Short,
}

/// A parsed reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    /// How it was written.
    pub form: Form,
    /// The full path as written (`mount/path`, for vals possibly with `data/` after the mount).
    pub path: String,
    /// The key, or `None` for the whole secret.
    pub key: Option<String>,
    /// A version to read (KV v2), or the latest.
    pub version: Option<u64>,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let version = self.version.map(|v| format!("?version={v}")).unwrap_or_default();
        match (self.form, &self.key) {
            (Form::Vals, Some(k)) => write!(f, "ref+vault://{}{version}#/{k}", self.path),
            (Form::Vals, None) => write!(f, "ref+vault://{}{version}", self.path),
            (Form::Short, Some(k)) => write!(f, "vault://{}{version}#{k}", self.path),
            (Form::Short, None) => write!(f, "vault://{}{version}", self.path),
        }
    }
}

/// True when `text` starts like a reference (so an error, not a literal, is the answer when it is malformed).
pub fn looks_like(text: &str) -> bool {
    text.starts_with("ref+vault://") || text.starts_with("vault://")
}

impl Reference {
    /// Parses one reference (the whole of `text`).
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.len() > MAX_LEN {
            return Err(format!("a reference is at most {MAX_LEN} bytes"));
        }
        let (form, rest) = if let Some(r) = text.strip_prefix("ref+vault://") {
            (Form::Vals, r)
        } else if let Some(r) = text.strip_prefix("vault://") {
            (Form::Short, r)
        } else {
            return Err("a reference starts with ref+vault:// or vault://".to_string());
        };
        let (before_key, key) = match rest.split_once('#') {
            Some((p, k)) => {
                let k = if form == Form::Vals { k.strip_prefix('/').unwrap_or(k) } else { k };
                if k.is_empty() {
                    return Err(format!("{} names no key after #", shown(text)));
                }
                if k.contains('/') {
                    return Err(format!(
                        "{}: nested keys (#/a/b) are not supported: name a top-level key",
                        shown(text)
                    ));
                }
                (p, Some(k.to_string()))
            }
            None => (rest, None),
        };
        let (path, query) = match before_key.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (before_key, None),
        };
        let mut version = None;
        for param in query.into_iter().flat_map(|q| q.split('&')).filter(|p| !p.is_empty()) {
            match param.split_once('=') {
                Some(("version", v)) => {
                    version = Some(
                        v.parse::<u64>()
                            .ok()
                            .filter(|&n| n > 0)
                            .ok_or_else(|| format!("{}: version must be a positive number", shown(text)))?,
                    );
                }
                _ => {
                    let name = param.split('=').next().unwrap_or(param);
                    return Err(format!(
                        "{}: the parameter {} is not supported (sesame uses its own server and token settings; \
                         only ?version=N is read)",
                        shown(text),
                        shown(name)
                    ));
                }
            }
        }
        let path = path.trim_matches('/');
        if path.is_empty() || !path.contains('/') {
            return Err(format!("{} names no secret: write mount/path/to/secret", shown(text)));
        }
        if path.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
            return Err(format!("{} has an empty, . or .. path segment", shown(text)));
        }
        Ok(Self { form, path: path.to_string(), key, version })
    }

    /// The short form naming `key` of `mount/path` (or the whole secret).
    pub fn short(mount: &Mount, path: &str, key: Option<&str>) -> String {
        Self { form: Form::Short, path: join(mount, path), key: key.map(str::to_string), version: None }
            .to_string()
    }

    /// vals' form naming `key` of `mount/path` (KV v2 paths without `data/`, which vals accepts too).
    pub fn vals(mount: &Mount, path: &str, key: Option<&str>) -> String {
        Self { form: Form::Vals, path: join(mount, path), key: key.map(str::to_string), version: None }
            .to_string()
    }
}

fn join(mount: &Mount, path: &str) -> String {
    format!("{}/{}", mount.path.trim_matches('/'), path.trim_matches('/'))
}

/// A reference as it may appear in an error: escaped, shortened.
fn shown(text: &str) -> String {
    let s: String = text.chars().take(200).collect();
    crate::sanitize::terminal(&s).into_owned()
}

/// One line of an env file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvEntry {
    /// `NAME=literal`.
    Literal { name: String, value: Zeroizing<String> },
    /// `NAME=<reference to a key>`.
    Key { name: String, reference: Reference },
    /// A line that is only a reference to a whole secret: every key of it becomes a variable.
    Whole { reference: Reference },
}

/// A parsed env file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvFile {
    /// Its entries in file order.
    pub entries: Vec<EnvEntry>,
}

/// Lines longer than this are refused (an env file is small).
pub const MAX_LINE: usize = 64 * 1024;

impl EnvFile {
    /// Parses a dotenv body: `NAME=value`, `export NAME=value`, `#` comments and blank lines; values bare
    /// (an inline ` #` starts a comment), in single quotes (literal) or in double quotes (`\n`, `\t`, `\"`,
    /// `\\` escapes). A value that is a reference (`ref+vault://…`, `vault://…`, quoted or not) is resolved
    /// later; a line that is only a reference to a whole secret injects all its keys. Errors give the line
    /// number and never the value.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            if raw.len() > MAX_LINE {
                return Err(format!("line {n}: longer than {MAX_LINE} bytes"));
            }
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if looks_like(line) {
                let reference = Reference::parse(line).map_err(|e| format!("line {n}: {e}"))?;
                if reference.key.is_some() {
                    return Err(format!(
                        "line {n}: a reference to one key needs a name: NAME={}",
                        shown(line)
                    ));
                }
                entries.push(EnvEntry::Whole { reference });
                continue;
            }
            let line = line.strip_prefix("export ").map_or(line, str::trim_start);
            let Some((name, rest)) = line.split_once('=') else {
                return Err(format!("line {n}: expected NAME=value"));
            };
            let name = name.trim();
            if name.is_empty()
                || name.starts_with(|c: char| c.is_ascii_digit())
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(format!("line {n}: {} is not a variable name", shown(name)));
            }
            let value = unquote(rest.trim_start()).map_err(|e| format!("line {n}: {e}"))?;
            if looks_like(&value) {
                let reference = Reference::parse(&value).map_err(|e| format!("line {n}: {e}"))?;
                if reference.key.is_none() {
                    return Err(format!(
                        "line {n}: {name}={} names a whole secret: add #KEY, or write the reference alone on \
                         its line to inject every key",
                        shown(&value)
                    ));
                }
                entries.push(EnvEntry::Key { name: name.to_string(), reference });
            } else {
                entries.push(EnvEntry::Literal { name: name.to_string(), value });
            }
        }
        Ok(Self { entries })
    }

    /// Every reference, in file order.
    pub fn references(&self) -> impl Iterator<Item = &Reference> {
        self.entries.iter().filter_map(|e| match e {
            EnvEntry::Key { reference, .. } | EnvEntry::Whole { reference } => Some(reference),
            EnvEntry::Literal { .. } => None,
        })
    }

    /// The keys of `mount/path` this file refers to (by key, or all of them through a whole-secret line:
    /// `None` then), for showing beside a secret.
    pub fn keys_of(&self, mount: &Mount, path: &str) -> Option<Vec<String>> {
        let full = join(mount, path);
        let v2 = mount.version == KvVersion::V2;
        let mut keys = Vec::new();
        let mut any = false;
        for r in self.references() {
            if !same_secret(&r.path, &full, &mount.path, v2) {
                continue;
            }
            any = true;
            match &r.key {
                Some(k) => keys.push(k.clone()),
                None => return Some(Vec::new()),
            }
        }
        any.then_some(keys)
    }
}

/// True when a reference's path names the secret `full` of `mount` (vals' `data/` after a KV v2 mount too).
fn same_secret(reference: &str, full: &str, mount: &str, v2: bool) -> bool {
    if reference == full {
        return true;
    }
    let m = mount.trim_matches('/');
    v2 && reference
        .strip_prefix(m)
        .and_then(|r| r.strip_prefix("/data/"))
        .is_some_and(|rest| full.strip_prefix(m).and_then(|f| f.strip_prefix('/')) == Some(rest))
}

/// A dotenv value: bare (up to an inline ` #`), single-quoted or double-quoted.
fn unquote(v: &str) -> Result<Zeroizing<String>, String> {
    if let Some(rest) = v.strip_prefix('\'') {
        let end = rest.find('\'').ok_or("a single-quoted value is not closed")?;
        check_after(&rest[end + 1..])?;
        return Ok(Zeroizing::new(rest[..end].to_string()));
    }
    if let Some(rest) = v.strip_prefix('"') {
        let mut out = Zeroizing::new(String::new());
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    check_after(&rest[i + 1..])?;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, 'r')) => out.push('\r'),
                    Some((_, c @ ('"' | '\\' | '$' | '\''))) => out.push(c),
                    Some((_, c)) => {
                        out.push('\\');
                        out.push(c);
                    }
                    None => break,
                },
                c => out.push(c),
            }
        }
        return Err("a double-quoted value is not closed".to_string());
    }
    let bare = match v.find(" #") {
        Some(i) => &v[..i],
        None => v,
    };
    Ok(Zeroizing::new(bare.trim_end().to_string()))
}

fn check_after(rest: &str) -> Result<(), String> {
    let rest = rest.trim_start();
    if rest.is_empty() || rest.starts_with('#') {
        Ok(())
    } else {
        Err("text after the closing quote".to_string())
    }
}

/// A secret read for references: its mount, its path in the mount, its data and the version read (KV v2).
pub type ReadSecret = (Mount, String, SecretData, Option<u64>);

/// Where a reference leads once its mount is known: mount, path in the mount, version asked.
type SecretKey = (String, String, Option<u64>);

/// The secrets a set of references names, read once each.
#[derive(Debug, Default)]
pub struct Resolved {
    /// A reference's path (as written, with its form) and version → the secret it names.
    aliases: BTreeMap<(String, Form, Option<u64>), SecretKey>,
    /// Each secret read.
    secrets: BTreeMap<SecretKey, ReadSecret>,
}

impl Resolved {
    /// The value a reference names (`None` when it names a whole secret).
    pub fn value(&self, r: &Reference) -> Result<Option<Zeroizing<String>>, String> {
        let (_, _, data, _) = self.secret(r)?;
        let Some(key) = &r.key else { return Ok(None) };
        match data.get(key) {
            Some(v) => Ok(Some(v.reveal())),
            None => Err(format!("{r}: the secret has no key {}", shown(key))),
        }
    }

    /// The secret a reference names.
    pub fn secret(&self, r: &Reference) -> Result<&ReadSecret, String> {
        self.aliases
            .get(&(r.path.clone(), r.form, r.version))
            .and_then(|k| self.secrets.get(k))
            .ok_or_else(|| format!("{r} was not read"))
    }

    /// How many secrets were read.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// True when no secret was read.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// True when a secret read has changed on the server since: a new current version (KV v2, read from its
    /// metadata, without values), other data (KV v1, read again and compared in memory), or gone. A
    /// reference pinned to a version never changes.
    pub async fn changed(&self, vault: &Vault) -> Result<bool, VaultError> {
        for ((_, _, pinned), (mount, path, data, version)) in &self.secrets {
            if pinned.is_some() {
                continue;
            }
            let now = match mount.version {
                KvVersion::V2 => match vault.metadata(mount, path).await {
                    Ok(m) => Some(m.current_version) != *version,
                    Err(VaultError::NotFound { .. }) => true,
                    Err(e) => return Err(e),
                },
                KvVersion::V1 => match vault.read(mount, path, None).await {
                    Ok(read) => read.data.as_ref() != Some(data),
                    Err(VaultError::NotFound { .. }) => true,
                    Err(e) => return Err(e),
                },
            };
            if now {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Reads every secret the references name, once each however it is spelled (vals' `data/` or not, either
/// form), [`CONCURRENCY`] at a time. A key-only secret is refused unless `key_only_ok` (`run` injects them
/// into a process as it does for whole secrets; `inject`, which writes a file, refuses them as `export`
/// does). Errors name the reference, never a value.
pub async fn resolve<'a>(
    vault: &Vault,
    refs: impl IntoIterator<Item = &'a Reference>,
    key_only_ok: bool,
) -> Result<Resolved, anyhow::Error> {
    // Where each distinct spelling leads (one mount lookup per spelling).
    let mut spellings: BTreeMap<(String, Form, Option<u64>), &Reference> = BTreeMap::new();
    for r in refs {
        spellings.entry((r.path.clone(), r.form, r.version)).or_insert(r);
    }
    let located: Vec<_> =
        stream::iter(spellings.into_iter().map(|(k, r)| async move { (k, r, locate(vault, r).await) }))
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
    let mut out = Resolved::default();
    let mut wanted: BTreeMap<SecretKey, (Mount, &Reference)> = BTreeMap::new();
    for (alias, r, result) in located {
        let (mount, path) = result?;
        let key = (mount.path.clone(), path, r.version);
        out.aliases.insert(alias, key.clone());
        wanted.entry(key).or_insert((mount, r));
    }
    let results: Vec<_> = stream::iter(
        wanted
            .into_iter()
            .map(|(k, (m, r))| async move { (k.clone(), read_one(vault, m, &k.1, r, key_only_ok).await) }),
    )
    .buffer_unordered(CONCURRENCY)
    .collect()
    .await;
    for (k, result) in results {
        out.secrets.insert(k, result?);
    }
    Ok(out)
}

/// The mount and the path in it a reference names (vals' `data/` after a KV v2 mount dropped).
async fn locate(vault: &Vault, r: &Reference) -> Result<(Mount, String), anyhow::Error> {
    let (mount, path) = vault.locate(&r.path).await.map_err(|e| anyhow::anyhow!("{r}: {e}"))?;
    if r.form == Form::Vals
        && mount.version == KvVersion::V2
        && let Some(rest) = path.strip_prefix("data/")
    {
        return Ok((mount, rest.to_string()));
    }
    Ok((mount, path))
}

async fn read_one(
    vault: &Vault,
    mount: Mount,
    path: &str,
    r: &Reference,
    key_only_ok: bool,
) -> Result<ReadSecret, anyhow::Error> {
    if !key_only_ok {
        let store = crate::vault::annotations::AnnotationStore::new(vault.clone());
        if crate::vault::modes::key_only(&store, &mount, path).await.is_some() {
            anyhow::bail!("{}", crate::vault::modes::values_refused(&join(&mount, path)));
        }
    }
    let read = vault.read(&mount, path, r.version).await.map_err(|e| match e {
        VaultError::NotFound { .. } => anyhow::anyhow!("{r}: no such secret"),
        e => anyhow::anyhow!("{r}: {e}"),
    })?;
    let version = read.version.as_ref().map(|v| v.version);
    let data = read.data.ok_or_else(|| anyhow::anyhow!("{r}: no such secret (or its version is deleted)"))?;
    Ok((mount, path.to_string(), data, version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v2() -> Mount {
        Mount { path: "secret".into(), version: KvVersion::V2, description: String::new() }
    }

    #[test]
    fn both_spellings() {
        let r = Reference::parse("ref+vault://secret/data/apps/web#/DB_PASSWORD").unwrap();
        assert_eq!(
            (r.form, r.path.as_str(), r.key.as_deref()),
            (Form::Vals, "secret/data/apps/web", Some("DB_PASSWORD"))
        );
        let r = Reference::parse("ref+vault://secret/apps/web#DB_PASSWORD").unwrap();
        assert_eq!(r.key.as_deref(), Some("DB_PASSWORD"));
        let r = Reference::parse("vault://secret/apps/web#K").unwrap();
        assert_eq!((r.form, r.path.as_str()), (Form::Short, "secret/apps/web"));
        let r = Reference::parse("vault://secret/apps/web?version=3").unwrap();
        assert_eq!((r.key, r.version), (None, Some(3)));
        assert_eq!(Reference::short(&v2(), "apps/web", Some("K")), "vault://secret/apps/web#K");
        assert_eq!(Reference::vals(&v2(), "apps/web", Some("K")), "ref+vault://secret/apps/web#/K");
    }

    #[test]
    fn bad_references_say_why() {
        for (text, why) in [
            ("vault://secret", "names no secret"),
            ("vault://secret/a#", "names no key"),
            ("ref+vault://secret/a?address=http://x#/K", "not supported"),
            ("vault://secret/a?version=x#K", "positive number"),
            ("vault://secret/../a#K", ".."),
            ("ref+vault://secret/a#/b/c", "nested keys"),
            ("https://secret/a", "starts with"),
        ] {
            let e = Reference::parse(text).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
        }
    }

    #[test]
    fn env_files() {
        let f = EnvFile::parse(
            "# comment\n\nexport A=plain # note\nB='single # kept'\nC=\"dq \\\"x\\\"\\n\"\nD=vault://secret/app#K\n\
             E=\"ref+vault://secret/data/app#/K2\"\nvault://secret/whole\n",
        )
        .unwrap();
        assert_eq!(f.entries.len(), 6);
        assert!(
            matches!(&f.entries[0], EnvEntry::Literal { name, value } if name == "A" && value.as_str() == "plain")
        );
        assert!(
            matches!(&f.entries[1], EnvEntry::Literal { value, .. } if value.as_str() == "single # kept")
        );
        assert!(matches!(&f.entries[2], EnvEntry::Literal { value, .. } if value.as_str() == "dq \"x\"\n"));
        assert!(
            matches!(&f.entries[3], EnvEntry::Key { name, reference } if name == "D" && reference.key.as_deref() == Some("K"))
        );
        assert!(matches!(&f.entries[5], EnvEntry::Whole { reference } if reference.path == "secret/whole"));
        assert_eq!(f.keys_of(&v2(), "app"), Some(vec!["K".to_string(), "K2".to_string()]));
        assert_eq!(f.keys_of(&v2(), "whole"), Some(vec![]));
        assert_eq!(f.keys_of(&v2(), "other"), None);
    }

    #[test]
    fn env_file_errors_name_the_line_not_the_value() {
        for (text, why) in [
            ("A='hunter2-secret", "line 1: a single-quoted value is not closed"),
            ("1A=x", "is not a variable name"),
            ("\nnoequals", "line 2: expected NAME=value"),
            ("A=vault://secret/app", "names a whole secret"),
            ("vault://secret/app#K", "needs a name"),
        ] {
            let e = EnvFile::parse(text).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
    }

    proptest! {
        #[test]
        fn references_of_any_text_never_panic(s in "\\PC{0,80}") {
            let _ = Reference::parse(&s);
            let _ = Reference::parse(&format!("vault://{s}"));
            let _ = Reference::parse(&format!("ref+vault://{s}"));
        }

        #[test]
        fn a_written_reference_reads_back(
            path in "[a-z]{1,8}(/[a-z0-9_-]{1,8}){1,4}",
            key in proptest::option::of("[A-Za-z_][A-Za-z0-9_.-]{0,12}"),
            version in proptest::option::of(1u64..1000),
            vals in any::<bool>(),
        ) {
            let r = Reference { form: if vals { Form::Vals } else { Form::Short }, path, key, version };
            prop_assert_eq!(Reference::parse(&r.to_string()).unwrap(), r);
        }

        #[test]
        fn env_files_of_any_text_never_panic(s in "\\PC{0,200}") {
            let _ = EnvFile::parse(&s);
        }

        #[test]
        fn single_quoted_values_are_literal(v in "[^'\\n\\r]{0,40}") {
            prop_assume!(!looks_like(&v));
            let f = EnvFile::parse(&format!("NAME='{v}'")).unwrap();
            match &f.entries[..] {
                [EnvEntry::Literal { value, .. }] => prop_assert_eq!(value.as_str(), v.as_str()),
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }
}
