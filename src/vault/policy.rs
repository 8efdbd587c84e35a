//! The ACL policy that makes the server enforce admin modes ([`crate::vault::modes`]): generated from the
//! modes, compared with the server's copy, applied.
//!
//! # Rules
//! One exact-path rule per API path of each secret with a mode (KV v2 splits a secret over several):
//!
//! | mode | KV v2 | KV v1 |
//! | --- | --- | --- |
//! | readonly | `data/<p>`: read; `metadata/<p>`: read, list; `delete/`, `undelete/`, `destroy/<p>`: deny | `<p>`: read |
//! | key-only | `data/<p>`: deny; `metadata/<p>`: read, list; `delete/`, `undelete/`, `destroy/<p>`: deny | `<p>`: deny |
//!
//! and, on a KV v1 mount with modes, `<mount>/.sesame/annotations`: read, so that the registry holding the
//! modes and the key names of key-only secrets stays readable but cannot be rewritten by non-admins.
//!
//! # Why exact rules win (measured on OpenBao 2.7.2)
//! For one request path the server first looks for exact-path rules and uses them alone (the same path in
//! several policies unions its capabilities); glob and `+` rules are consulted only when no exact rule
//! matches. So `path "secret/data/team/x" { capabilities = ["read"] }` makes that secret read-only for a
//! token whose team policy grants create/update/delete on `secret/data/team/*`.
//!
//! **Caveat: an exact rule also grants.** A token holding this policy may read a readonly secret (and the
//! metadata of a key-only one) even if none of its other policies grants anything there, and even where
//! another policy has a glob `deny` over it. Attach the policy only to users who may read those secrets
//! anyway, or generate one policy per team from that team's folder (`sesame policy show --name
//! sesame-modes-ml secret/teams/ml/`) and attach each to its team.
//!
//! # Glob characters in names
//! A policy path has no escape for the ACL's own glob characters, so some names cannot have an exact rule:
//! - a trailing `*` makes the rule a prefix glob (`secret/data/team/a*` also matches `team/a`, `team/abc`,
//!   `team/a*/x`…);
//! - a segment that is exactly `+` is a one-segment wildcard (`team/+` matches every secret of `team/`);
//! - `+*` anywhere makes the server refuse the whole policy ("invalid use of wildcards").
//!
//! [`check_enforceable`] refuses these (so [`crate::vault::modes::Modes::set_mode`] does, and [`generate`]
//! leaves such secrets out with a comment). Everything else is literal: `*` inside a name (`q*r`,
//! `a*/in`), `+` inside a segment (`a+b`, `a+`) and segments starting with `+` (`+x`: the server files the
//! rule with the `+` rules, but it compares such a segment literally and still prefers it to a team's glob).
//!
//! # HCL strings
//! Vault's HCL 1 strings escape `"` and `\` with a backslash; `${` opens an interpolation inside which
//! quotes do not end the string, so `$` before `{` is written `\u0024`; control characters (which KV names
//! cannot hold anyway) are written `\uXXXX`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::annotations::REGISTRY_PATH;
use super::error::VaultError;
use super::kv::{KvVersion, Mount, Vault, encode_path};
use super::modes::Mode;

/// The default policy name.
pub const DEFAULT_POLICY_NAME: &str = "sesame-modes";

/// One secret with a mode, as the generator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeEntry {
    /// Mount path without slashes.
    pub mount: String,
    /// The mount's KV version.
    pub version: KvVersion,
    /// The secret's path inside the mount.
    pub path: String,
    /// Its mode ([`Mode::None`] entries produce no rule).
    pub mode: Mode,
}

/// One ACL rule: an exact API path and its capabilities.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Rule {
    /// The API path as policies see it (not percent-encoded), e.g. `secret/data/apps/web`.
    pub path: String,
    /// Capabilities, sorted (`deny` alone for a deny rule).
    pub capabilities: Vec<String>,
}

impl Rule {
    fn new(path: String, caps: &[&str]) -> Self {
        let mut capabilities: Vec<String> = caps.iter().map(|c| c.to_string()).collect();
        capabilities.sort();
        Self { path, capabilities }
    }
}

/// Why a secret's path cannot be named by an exact ACL rule, if it cannot (see the module docs).
pub fn check_enforceable(mount: &str, path: &str) -> Result<(), String> {
    let full = format!("{}/{}", mount.trim_matches('/'), path.trim_matches('/'));
    if full.ends_with('*') {
        return Err(
            "its name ends with '*', which an ACL policy reads as a prefix glob (the rule would also \
                    cover every secret whose path starts the same way); rename it to give it a mode"
                .into(),
        );
    }
    if full.split('/').any(|s| s == "+") {
        return Err(
            "a segment of its path is exactly '+', which an ACL policy reads as a wildcard for any one \
                    segment; rename it to give it a mode"
                .into(),
        );
    }
    if full.contains("+*") {
        return Err(
            "its path contains '+*', which makes the server refuse the whole ACL policy; rename it to \
                    give it a mode"
                .into(),
        );
    }
    Ok(())
}

/// The rules that enforce `mode` on one secret (none for [`Mode::None`]). The KV v1 registry rule is not
/// included (see [`registry_rule`]).
pub fn rules_for(mount: &str, version: KvVersion, path: &str, mode: Mode) -> Vec<Rule> {
    let m = mount.trim_matches('/');
    let p = path.trim_matches('/');
    let at = |api: &str| format!("{m}/{api}/{p}");
    let deny_versions = || ["delete", "undelete", "destroy"].map(|api| Rule::new(at(api), &["deny"]));
    match (version, mode) {
        (_, Mode::None) => Vec::new(),
        (KvVersion::V1, Mode::ReadOnly) => vec![Rule::new(format!("{m}/{p}"), &["read"])],
        (KvVersion::V1, Mode::KeyOnly) => vec![Rule::new(format!("{m}/{p}"), &["deny"])],
        (KvVersion::V2, Mode::ReadOnly) => {
            let mut r = vec![Rule::new(at("data"), &["read"]), Rule::new(at("metadata"), &["read", "list"])];
            r.extend(deny_versions());
            r
        }
        (KvVersion::V2, Mode::KeyOnly) => {
            let mut r = vec![Rule::new(at("data"), &["deny"]), Rule::new(at("metadata"), &["read", "list"])];
            r.extend(deny_versions());
            r
        }
    }
}

/// The rule keeping a KV v1 mount's annotation registry readable and not writable by holders of the policy.
pub fn registry_rule(mount: &str) -> Rule {
    Rule::new(format!("{}/{REGISTRY_PATH}", mount.trim_matches('/')), &["read"])
}

/// A generated policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The policy name.
    pub name: String,
    /// The HCL text (deterministic: sorted, no timestamp).
    pub hcl: String,
    /// Every rule in it, in order.
    pub rules: Vec<Rule>,
    /// Secrets left out: `mount/path` and why.
    pub skipped: Vec<(String, String)>,
    /// How many secrets have a rule.
    pub secrets: usize,
}

/// Quotes a string for HCL 1 (see the module docs).
pub fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\u0024"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Generates the policy `name` from the modes of `entries` (any order; duplicates and [`Mode::None`] are
/// ignored). Secrets whose path no exact rule can name ([`check_enforceable`]) are left out and listed.
pub fn generate(name: &str, entries: &[ModeEntry]) -> Generated {
    let mut sorted: Vec<&ModeEntry> = entries.iter().filter(|e| e.mode != Mode::None).collect();
    sorted.sort_by(|a, b| (&a.mount, &a.path).cmp(&(&b.mount, &b.path)));
    sorted.dedup_by(|a, b| a.mount == b.mount && a.path == b.path);
    let mut rules = Vec::new();
    let mut skipped = Vec::new();
    let mut body = String::new();
    let mut secrets = 0;
    let mut by_mount: BTreeMap<&str, Vec<&ModeEntry>> = BTreeMap::new();
    for e in &sorted {
        by_mount.entry(e.mount.as_str()).or_default().push(e);
    }
    for (mount, list) in &by_mount {
        let version = list.first().map(|e| e.version).unwrap_or(KvVersion::V2);
        body.push_str(&format!("\n# ---- {} ({})\n", hcl_string(mount), version.label()));
        let mut mount_rules = 0;
        for e in list {
            let full = format!("{}/{}", e.mount, e.path.trim_matches('/'));
            if let Err(reason) = check_enforceable(&e.mount, &e.path) {
                body.push_str(&format!("# skipped {}: {reason}\n", hcl_string(&full)));
                skipped.push((full, reason));
                continue;
            }
            body.push_str(&format!("\n# {} {}\n", e.mode.as_str(), hcl_string(&full)));
            for r in rules_for(&e.mount, e.version, &e.path, e.mode) {
                body.push_str(&rule_hcl(&r));
                rules.push(r);
                mount_rules += 1;
            }
            secrets += 1;
        }
        if version == KvVersion::V1 && mount_rules > 0 {
            let r = registry_rule(mount);
            body.push_str("\n# the annotation registry holding the modes: readable, not writable\n");
            body.push_str(&rule_hcl(&r));
            rules.push(r);
        }
    }
    let mut hcl = format!(
        "# {name}: generated by sesame from the admin modes of {secrets} secret{} (`sesame policy show`).\n\
         # Do not edit: `sesame policy apply` replaces it. Attach it to the non-admin users' group, role or auth\n\
         # method, never to admins. Each exact rule also grants its capabilities: attach it only to users who\n\
         # may read these secrets anyway, or generate one policy per team folder.\n\
         # readonly: data read; metadata read, list; delete, undelete, destroy denied.\n\
         # key-only: data denied; metadata (with the key names) read, list; delete, undelete, destroy denied.\n",
        if secrets == 1 { "" } else { "s" }
    );
    hcl.push_str(&body);
    Generated { name: name.to_string(), hcl, rules, skipped, secrets }
}

fn rule_hcl(r: &Rule) -> String {
    let caps: Vec<String> = r.capabilities.iter().map(|c| hcl_string(c)).collect();
    format!("path {} {{\n  capabilities = [{}]\n}}\n", hcl_string(&r.path), caps.join(", "))
}

/// Parses the `path "…" { capabilities = […] }` rules out of a policy (HCL 1 subset: comments, quoted
/// strings with escapes, other attributes of a rule skipped). Rules naming the same path are merged, as the
/// server does.
///
/// Errors: text outside that subset, with the position.
pub fn parse_rules(hcl: &str) -> Result<Vec<Rule>, String> {
    let tokens = tokenize(hcl)?;
    let mut merged: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut i = 0;
    let expect_token = |i: usize, want: &Tok| -> Result<(), String> {
        match tokens.get(i) {
            Some((t, _)) if t == want => Ok(()),
            Some((t, pos)) => Err(format!("at byte {pos}: expected {want:?}, found {t:?}")),
            None => Err(format!("unexpected end of the policy, expected {want:?}")),
        }
    };
    while i < tokens.len() {
        match &tokens[i].0 {
            Tok::Ident(id) if id == "path" => {
                let Some((Tok::Str(path), _)) = tokens.get(i + 1) else {
                    return Err(format!("at byte {}: `path` must be followed by a quoted path", tokens[i].1));
                };
                let mut j = i + 2;
                if matches!(tokens.get(j), Some((Tok::Punct('='), _))) {
                    j += 1;
                }
                expect_token(j, &Tok::Punct('{'))?;
                j += 1;
                let caps = merged.entry(path.clone()).or_default();
                // Attributes until the matching `}`.
                let mut depth = 1;
                while depth > 0 {
                    let Some((t, _)) = tokens.get(j) else {
                        return Err("unclosed `{` in a path rule".into());
                    };
                    match t {
                        Tok::Punct('{') | Tok::Punct('[') => depth += 1,
                        Tok::Punct('}') | Tok::Punct(']') => depth -= 1,
                        Tok::Ident(a) if a == "capabilities" && depth == 1 => {
                            expect_token(j + 1, &Tok::Punct('='))?;
                            expect_token(j + 2, &Tok::Punct('['))?;
                            j += 3;
                            loop {
                                match tokens.get(j) {
                                    Some((Tok::Str(c), _)) => {
                                        caps.insert(c.clone());
                                    }
                                    Some((Tok::Punct(','), _)) => {}
                                    Some((Tok::Punct(']'), _)) => break,
                                    Some((t, pos)) => return Err(format!("at byte {pos}: unexpected {t:?}")),
                                    None => return Err("unclosed capabilities list".into()),
                                }
                                j += 1;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                i = j;
            }
            t => return Err(format!("at byte {}: expected a `path` rule, found {t:?}", tokens[i].1)),
        }
    }
    Ok(merged
        .into_iter()
        .map(|(path, caps)| {
            let capabilities =
                if caps.contains("deny") { vec!["deny".to_string()] } else { caps.into_iter().collect() };
            Rule { path, capabilities }
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
    Other(String),
}

fn tokenize(s: &str) -> Result<Vec<(Tok, usize)>, String> {
    let mut out = Vec::new();
    let mut it = s.char_indices().peekable();
    while let Some((pos, c)) = it.next() {
        match c {
            c if c.is_whitespace() => {}
            '#' => {
                for (_, c) in it.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if it.peek().map(|p| p.1) == Some('/') => {
                for (_, c) in it.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if it.peek().map(|p| p.1) == Some('*') => {
                it.next();
                let mut prev = ' ';
                let mut closed = false;
                for (_, c) in it.by_ref() {
                    if prev == '*' && c == '/' {
                        closed = true;
                        break;
                    }
                    prev = c;
                }
                if !closed {
                    return Err(format!("at byte {pos}: unclosed comment"));
                }
            }
            '"' => {
                let mut v = String::new();
                let mut closed = false;
                while let Some((_, c)) = it.next() {
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => match it.next().map(|p| p.1) {
                            Some('n') => v.push('\n'),
                            Some('t') => v.push('\t'),
                            Some('r') => v.push('\r'),
                            Some('u') => {
                                let hex: String = (0..4).filter_map(|_| it.next().map(|p| p.1)).collect();
                                let unit = u32::from_str_radix(&hex, 16)
                                    .map_err(|_| format!("at byte {pos}: bad \\u escape"))?;
                                if (0xD800..0xDC00).contains(&unit) {
                                    // A surrogate pair: \uD83D\uDE00.
                                    let next: String =
                                        (0..6).filter_map(|_| it.next().map(|p| p.1)).collect();
                                    let low = next
                                        .strip_prefix("\\u")
                                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                                        .ok_or_else(|| format!("at byte {pos}: bad surrogate pair"))?;
                                    let cp = 0x10000
                                        + ((unit - 0xD800) << 10)
                                        + (low.wrapping_sub(0xDC00) & 0x3FF);
                                    v.push(
                                        char::from_u32(cp)
                                            .ok_or_else(|| format!("at byte {pos}: bad escape"))?,
                                    );
                                } else {
                                    v.push(
                                        char::from_u32(unit)
                                            .ok_or_else(|| format!("at byte {pos}: bad escape"))?,
                                    );
                                }
                            }
                            Some(c) => v.push(c),
                            None => break,
                        },
                        c => v.push(c),
                    }
                }
                if !closed {
                    return Err(format!("at byte {pos}: unterminated string"));
                }
                out.push((Tok::Str(v), pos));
            }
            '{' | '}' | '[' | ']' | '=' | ',' => out.push((Tok::Punct(c), pos)),
            c if c.is_alphanumeric() || c == '_' => {
                let mut id = c.to_string();
                while let Some(&(_, n)) = it.peek() {
                    if n.is_alphanumeric() || n == '_' || n == '-' || n == '.' {
                        id.push(n);
                        it.next();
                    } else {
                        break;
                    }
                }
                out.push((Tok::Ident(id), pos));
            }
            c => out.push((Tok::Other(c.to_string()), pos)),
        }
    }
    Ok(out)
}

/// A line diff of the server's policy (`None`: it does not exist) against the generated text, in unified
/// format (`-` server, `+` generated); empty when they are equal.
pub fn diff(name: &str, current: Option<&str>, generated: &str) -> String {
    let old = current.unwrap_or("");
    if old == generated {
        return String::new();
    }
    let d = similar::TextDiff::from_lines(old, generated);
    d.unified_diff()
        .context_radius(3)
        .header(
            &if current.is_some() {
                format!("{name} (on the server)")
            } else {
                format!("{name} (absent on the server)")
            },
            &format!("{name} (generated)"),
        )
        .to_string()
}

/// Reads the ACL policy `name` from the server (`None` when it does not exist).
pub async fn read_policy(vault: &Vault, name: &str) -> Result<Option<String>, VaultError> {
    let api = format!("sys/policies/acl/{}", encode_path(name));
    match vault.call_json("GET", &api, None).await {
        Ok(v) => Ok(Some(
            v.get("data")
                .and_then(|d| d.get("policy"))
                .or_else(|| v.get("policy"))
                .or_else(|| v.get("rules"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        )),
        Err(VaultError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Creates or replaces the ACL policy `name` with `hcl`.
pub async fn apply_policy(vault: &Vault, name: &str, hcl: &str) -> Result<(), VaultError> {
    if name.is_empty() || name.contains('/') {
        return Err(VaultError::Invalid(format!("invalid policy name {name:?}")));
    }
    let api = format!("sys/policies/acl/{}", encode_path(name));
    vault.call("PUT", &api, Some(&json!({ "policy": hcl }))).await?;
    Ok(())
}

/// The expected rules of `entry` missing from (or different in) the server's `rules`, as API paths.
pub fn missing_rules(entry: &ModeEntry, rules: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    rules_for(&entry.mount, entry.version, &entry.path, entry.mode)
        .into_iter()
        .filter(|r| rules.get(&r.path) != Some(&r.capabilities))
        .map(|r| r.path)
        .collect()
}

/// The secret (mount-relative path) a rule of this policy is about, for mounts of the given version.
pub fn secret_of_rule(mount: &str, version: KvVersion, rule_path: &str) -> Option<String> {
    let rest = rule_path.strip_prefix(mount.trim_matches('/'))?.strip_prefix('/')?;
    let p = match version {
        KvVersion::V1 => {
            if rest == REGISTRY_PATH {
                return None;
            }
            rest
        }
        KvVersion::V2 => {
            let (api, p) = rest.split_once('/')?;
            if !matches!(api, "data" | "metadata" | "delete" | "undelete" | "destroy") {
                return None;
            }
            p
        }
    };
    (!p.is_empty()).then(|| p.to_string())
}

/// Turns a mount into the generator's view of one of its secrets.
pub fn entry(mount: &Mount, path: &str, mode: Mode) -> ModeEntry {
    ModeEntry {
        mount: mount.path.trim_matches('/').to_string(),
        version: mount.version,
        path: path.trim_matches('/').to_string(),
        mode,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_for_hcl() {
        assert_eq!(hcl_string("a b"), "\"a b\"");
        assert_eq!(hcl_string("q\"\\"), "\"q\\\"\\\\\"");
        assert_eq!(hcl_string("d${x}$"), "\"d\\u0024{x}$\"");
        assert_eq!(hcl_string("ü\n"), "\"ü\\u000a\"");
    }

    #[test]
    fn glob_characters_are_checked() {
        assert!(check_enforceable("secret", "team/a*").unwrap_err().contains("prefix glob"));
        assert!(check_enforceable("secret", "team/+/x").unwrap_err().contains("wildcard"));
        assert!(check_enforceable("secret", "+").is_err());
        assert!(check_enforceable("secret", "x+*y").unwrap_err().contains("refuse"));
        for ok in ["team/a+b", "team/+x", "team/a+", "q*r", "a*/in", "sp ace", "ünï", "d${x}"] {
            assert!(check_enforceable("secret", ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rules_parse_back() {
        let entries = vec![
            ModeEntry {
                mount: "s".into(),
                version: KvVersion::V2,
                path: "q\"${a}".into(),
                mode: Mode::ReadOnly,
            },
            ModeEntry { mount: "o".into(), version: KvVersion::V1, path: "x y".into(), mode: Mode::KeyOnly },
            ModeEntry { mount: "s".into(), version: KvVersion::V2, path: "bad*".into(), mode: Mode::KeyOnly },
        ];
        let g = generate("n", &entries);
        assert_eq!(g.secrets, 2);
        assert_eq!(g.skipped.len(), 1);
        let mut want = g.rules.clone();
        want.sort();
        assert_eq!(parse_rules(&g.hcl).unwrap(), want);
        let hand = "/* c */ path \"a/b\" { capabilities = [\"update\", \"read\"] } // x\npath \"a/b\" { \
                    capabilities = [\"list\"]\n allowed_parameters = { \"k\" = [] } }\npath \"d\" = { capabilities = [\"deny\", \"read\"] }";
        assert_eq!(
            parse_rules(hand).unwrap(),
            [
                Rule {
                    path: "a/b".into(),
                    capabilities: vec!["list".into(), "read".into(), "update".into()]
                },
                Rule { path: "d".into(), capabilities: vec!["deny".into()] }
            ]
        );
        assert!(parse_rules("path { }").is_err());
        assert!(parse_rules("path \"x\" { capabilities = [\"read\" }").is_err());
        assert_eq!(parse_rules("path \"\\ud83d\\ude00\" {}").unwrap()[0].path, "😀");
    }

    #[test]
    fn rules_map_back_to_secrets() {
        assert_eq!(secret_of_rule("s", KvVersion::V2, "s/destroy/a/b").as_deref(), Some("a/b"));
        assert_eq!(secret_of_rule("s", KvVersion::V2, "s/config"), None);
        assert_eq!(secret_of_rule("s", KvVersion::V2, "sx/data/a"), None);
        assert_eq!(secret_of_rule("o", KvVersion::V1, "o/.sesame/annotations"), None);
        assert_eq!(secret_of_rule("o", KvVersion::V1, "o/a").as_deref(), Some("a"));
    }

    #[test]
    fn diff_shows_changes() {
        assert_eq!(diff("p", Some("a\n"), "a\n"), "");
        let d = diff("p", Some("a\nb\n"), "a\nc\n");
        assert!(d.contains("-b") && d.contains("+c") && d.contains("p (on the server)"), "{d}");
        assert!(diff("p", None, "a\n").contains("absent on the server"));
    }
}
