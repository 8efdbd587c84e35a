//! Naming rules: secret keys (environment-variable names, as the EDITO/Onyxia explorer writes them) and
//! secret/folder names (path segments).
//!
//! Every check returns a short reason fit to show next to the field being edited, or `None` when the input
//! is fine. Keys and names are not secret, so reasons may quote them. These rules apply to what sesame
//! *writes*: keys that break them but already exist in a secret written by another tool are flagged by
//! [`check_keys`], never rejected on load.

/// Why a key breaks the environment-variable rule `^[A-Za-z_][A-Za-z0-9_]*$` (and is not `_` alone), or
/// `None` when it is valid.
pub fn key_error(key: &str) -> Option<String> {
    let mut chars = key.chars();
    let Some(first) = chars.next() else {
        return Some("a key cannot be empty".to_string());
    };
    if key == "_" {
        return Some("`_` alone is not a valid key".to_string());
    }
    if first.is_ascii_digit() {
        return Some("a key cannot start with a digit".to_string());
    }
    if let Some(bad) = key.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_')) {
        return Some(format!(
            "{} is not allowed in a key: use letters A-Z, digits and _",
            describe_char(bad)
        ));
    }
    None
}

/// True when `key` follows the environment-variable rule.
pub fn is_valid_key(key: &str) -> bool {
    key_error(key).is_none()
}

/// The upper-cased key when that differs from `key` and is itself valid (UPPERCASE is the convention;
/// offer it, never force it).
pub fn uppercase_suggestion(key: &str) -> Option<String> {
    let upper = key.to_ascii_uppercase();
    (upper != key && is_valid_key(&upper)).then_some(upper)
}

/// What is wrong (or worth a warning) with one key among the keys of a secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyIssue {
    /// A reason that blocks saving this key as typed: the key rule or a duplicate.
    pub error: Option<String>,
    /// A reason to look twice that does not block: another key differs only by case.
    pub warning: Option<String>,
}

impl KeyIssue {
    /// True when there is neither an error nor a warning.
    pub fn is_clean(&self) -> bool {
        self.error.is_none() && self.warning.is_none()
    }
}

/// Checks the keys of a secret in order, returning one [`KeyIssue`] per key.
///
/// A key equal to an earlier one (case-sensitive) is an error on the later row; keys that differ only by
/// case each get a warning naming the other.
pub fn check_keys<'a, I>(keys: I) -> Vec<KeyIssue>
where
    I: IntoIterator<Item = &'a str>,
{
    let keys: Vec<&str> = keys.into_iter().collect();
    keys.iter()
        .enumerate()
        .map(|(i, key)| {
            let mut issue = KeyIssue { error: key_error(key), warning: None };
            if let Some(first) = keys[..i].iter().position(|k| k == key) {
                issue.error = Some(format!("duplicate key: row {} has the same name", first + 1));
            } else if let Some(other) = keys.iter().find(|k| *k != key && k.eq_ignore_ascii_case(key)) {
                issue.warning = Some(format!("differs from {other} only by case"));
            }
            issue
        })
        .collect()
}

/// Why one path segment (a secret or folder name) cannot be written, or `None` when it can.
///
/// Rules: not empty, not `.` or `..`, no leading or trailing whitespace, no control characters. Any other
/// character works and is percent-encoded on the wire.
pub fn name_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a name cannot be empty".to_string());
    }
    if name == "." || name == ".." {
        return Some(format!("`{name}` is not allowed as a name"));
    }
    if name.contains('/') {
        return Some("a name cannot contain `/` (it separates folders)".to_string());
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Some(format!("control characters are not allowed in a name ({})", describe_char(c)));
    }
    if name.starts_with(char::is_whitespace) || name.ends_with(char::is_whitespace) {
        return Some("a name cannot start or end with a space".to_string());
    }
    None
}

/// Why a slash-separated path (relative to a mount; one trailing `/` marks a folder and is allowed) cannot
/// be written, or `None` when it can. The reason names the offending segment.
pub fn path_error(path: &str) -> Option<String> {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    if trimmed.is_empty() {
        return Some("the path is empty".to_string());
    }
    if trimmed.starts_with('/') {
        return Some("the path has an empty segment (`//` or a leading `/`)".to_string());
    }
    for seg in trimmed.split('/') {
        if seg.is_empty() {
            return Some("the path has an empty segment (`//`)".to_string());
        }
        if let Some(reason) = name_error(seg) {
            return Some(format!("{reason}: {seg:?}"));
        }
    }
    None
}

/// [`path_error`] as a `Result`.
pub fn check_path(path: &str) -> Result<(), String> {
    match path_error(path) {
        Some(reason) => Err(reason),
        None => Ok(()),
    }
}

/// `'-'`, or `U+0007` for a character that does not print.
fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        if c == ' ' { "a space".to_string() } else { format!("U+{:04X}", u32::from(c)) }
    } else {
        format!("'{c}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn key_examples() {
        for ok in ["A", "_A", "a_b", "DB_PASSWORD", "x1", "__"] {
            assert_eq!(key_error(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("_", "alone"),
            ("1A", "digit"),
            ("A-B", "'-'"),
            ("A B", "a space"),
            ("CLÉ", "'É'"),
            (".dockerconfigjson", "'.'"),
            ("A\n", "U+000A"),
        ] {
            let reason = key_error(bad).unwrap_or_default();
            assert!(reason.contains(why), "{bad:?}: {reason}");
        }
    }

    #[test]
    fn duplicates_and_case_warnings() {
        let issues = check_keys(["A", "b", "A", "B", "c-d"]);
        assert!(issues[0].error.is_none());
        assert!(issues[0].warning.is_none(), "{:?}", issues[0]);
        assert_eq!(issues[1].warning.as_deref(), Some("differs from B only by case"));
        assert_eq!(issues[2].error.as_deref(), Some("duplicate key: row 1 has the same name"));
        assert_eq!(issues[3].warning.as_deref(), Some("differs from b only by case"));
        assert!(issues[4].error.is_some());
        assert!(check_keys(["X", "Y"]).iter().all(KeyIssue::is_clean));
    }

    #[test]
    fn uppercase() {
        assert_eq!(uppercase_suggestion("db_host").as_deref(), Some("DB_HOST"));
        assert_eq!(uppercase_suggestion("DB"), None);
        assert_eq!(uppercase_suggestion("a-b"), None);
    }

    #[test]
    fn name_examples() {
        for ok in ["a", ".keep", "model registry ünïcødé", "a%b#c?d&e+f=g", "...", "x y", "é"] {
            assert_eq!(name_error(ok), None, "{ok}");
        }
        for bad in ["", ".", "..", " a", "a ", "a\tb", "a\u{7f}", "\u{a0}x", "a/b"] {
            assert!(name_error(bad).is_some(), "{bad:?}");
        }
        assert_eq!(path_error("a/b c/d"), None);
        assert_eq!(path_error("a/b/"), None);
        for bad in ["", "/", "a//b", "/a", "a/../b", "a/./b", "a/ b", "a//"] {
            assert!(path_error(bad).is_some(), "{bad:?}");
        }
        assert!(path_error("ok/ bad").unwrap().contains("\" bad\""));
    }

    fn percent_decode(s: &str) -> String {
        percent_encoding::percent_decode_str(s).decode_utf8().map(|c| c.into_owned()).unwrap_or_default()
    }

    /// A segment that passes [`name_error`]: any characters but controls and `/`, trimmed.
    fn valid_segment() -> impl Strategy<Value = String> {
        "[^/\\p{Cc}]{1,24}".prop_filter_map("not a valid name", |s| {
            let t = s.trim().to_string();
            name_error(&t).is_none().then_some(t)
        })
    }

    proptest! {
        #[test]
        fn valid_keys_are_accepted(key in "[A-Za-z_][A-Za-z0-9_]{0,40}") {
            prop_assume!(key != "_");
            prop_assert_eq!(key_error(&key), None);
            prop_assert!(check_keys([key.as_str()])[0].is_clean());
        }

        #[test]
        fn every_invalid_key_gets_a_reason(key in "[A-Za-z0-9_. -]{0,8}|\\PC{0,12}|.{0,6}") {
            let by_regex = !key.is_empty()
                && key != "_"
                && key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            match key_error(&key) {
                None => prop_assert!(by_regex, "{key:?} accepted"),
                Some(reason) => {
                    prop_assert!(!by_regex, "{key:?} rejected: {reason}");
                    prop_assert!(!reason.is_empty());
                }
            }
        }

        #[test]
        fn uppercase_suggestions_are_valid(key in "[a-z_][a-z0-9_]{0,12}") {
            if let Some(up) = uppercase_suggestion(&key) {
                prop_assert!(is_valid_key(&up));
            }
        }

        #[test]
        fn path_encoding_round_trips(segs in proptest::collection::vec(valid_segment(), 1..4)) {
            let path = segs.join("/");
            prop_assert_eq!(path_error(&path), None);
            let encoded = crate::vault::kv::encode_path(&path);
            prop_assert!(encoded.is_ascii());
            prop_assert!(!encoded.contains(['?', '#', ' ', '+', '&'].as_slice()), "{}", encoded);
            prop_assert_eq!(encoded.matches('/').count(), segs.len() - 1);
            let decoded: Vec<String> = encoded.split('/').map(percent_decode).collect();
            prop_assert_eq!(decoded.join("/"), path);
        }

        #[test]
        fn names_with_bad_edges_are_rejected(core in valid_segment(), edge in "[ \\t\\u{a0}\\u{3000}]") {
            let leading = format!("{edge}{core}");
            let trailing = format!("{core}{edge}");
            prop_assert!(name_error(&leading).is_some());
            prop_assert!(name_error(&trailing).is_some());
        }
    }
}
