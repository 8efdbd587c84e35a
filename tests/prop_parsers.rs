//! Property tests: the parsers and decoders of sesame's own inputs (key rules, docker configs, SSH keys,
//! templates, secret values, file values, annotations, modes, the config and keymap files, policies and
//! paths) never panic on arbitrary Unicode, round-trip where an encoder exists, and never echo a secret value
//! in an error.

use std::collections::{BTreeMap, BTreeSet};

use percent_encoding::percent_decode_str;
use proptest::prelude::*;

use sesame::keymap::{Key, Keymap};
use sesame::secret::docker::{self, DockerConfig, RegistryCredentials};
use sesame::secret::file::{decode_value, value_from_bytes};
use sesame::secret::rules::{is_valid_key, key_error};
use sesame::secret::ssh::prepare_private_key;
use sesame::secret::templates::{Templates, builtin};
use sesame::secret::{SecretData, SecretValue};
use sesame::vault::annotations::{Annotations, Changes, apply_changes, check_name, check_value};
use sesame::vault::kv::{KvVersion, encode_path};
use sesame::vault::modes::{Mode, ModeRecord};
use sesame::vault::path::{join, split_parent};
use sesame::vault::policy::{ModeEntry, generate, hcl_string, parse_rules};

/// A marker standing for a secret value: it must never appear in an error.
const MARKER: &str = "S3CRETmarkerQZ";

fn cfg(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// The environment-variable grammar, written independently of `rules.rs`.
fn env_var_grammar(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && s != "_"
}

/// Keys mostly near the grammar (so both outcomes are common), sometimes arbitrary Unicode.
fn key_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_]{0,6}",
        "[A-Za-z_][A-Za-z0-9_]{0,5}[^A-Za-z0-9_]?[A-Za-z0-9_]{0,3}",
        "\\PC{0,8}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(cfg(256))]

    #[test]
    fn key_rules_accept_exactly_the_env_var_grammar(key in key_like()) {
        prop_assert_eq!(is_valid_key(&key), env_var_grammar(&key), "key {:?}", key);
        if let Some(reason) = key_error(&key) {
            prop_assert!(!reason.is_empty());
        }
    }

    #[test]
    fn docker_auth_round_trips(user in "[^:]{0,16}", pass in any::<String>()) {
        let auth = docker::encode_auth(&user, &pass);
        let (u, p) = docker::decode_auth(&auth).map_err(TestCaseError::fail)?;
        prop_assert_eq!(u, user);
        prop_assert_eq!(p.as_str(), pass.as_str());
    }

    #[test]
    fn docker_config_encode_then_parse_round_trips(
        user in "[^:\\p{Cc}\\s][^:\\p{Cc}]{0,10}[^:\\p{Cc}\\s]",
        pass in "[^\\p{Cc}]{1,24}",
        host in "[a-z][a-z0-9]{0,8}(\\.[a-z]{2,4}){0,2}(:[1-9][0-9]{0,3})?",
    ) {
        let form = DockerConfig {
            registries: vec![RegistryCredentials::new(&host, &user, &pass, None)],
            extra: Vec::new(),
        };
        let json = form.to_json().map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let stored = docker::parse(&json).map_err(|e| TestCaseError::fail(e.error))?;
        prop_assert_eq!(stored.entries.len(), 1);
        let e = &stored.entries[0];
        prop_assert_eq!(e.username.as_deref(), Some(user.as_str()));
        prop_assert_eq!(e.password.as_ref().map(|p| p.as_str()), Some(pass.as_str()));
        let (du, dp) = e.decoded_auth.clone().ok_or_else(|| TestCaseError::fail("no auth"))?;
        prop_assert_eq!(du, user);
        prop_assert_eq!(dp.as_str(), pass.as_str());
        prop_assert_eq!(e.source, docker::CredentialSource::Complete);
        // The stored secret is the same config once more, as a JSON string value.
        let data = form.to_secret_data().map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let again = docker::parse_value(&data.pairs[0].1).map_err(|e| TestCaseError::fail(e.error))?;
        prop_assert_eq!(again.entries.len(), 1);
    }

    #[test]
    fn docker_parse_never_panics(text in any::<String>()) {
        let _ = docker::parse(&text);
    }

    #[test]
    fn docker_parse_errors_never_quote_a_value(
        field in prop_oneof![Just("username"), Just("password"), Just("auth"), Just("email")],
        pre in "[^\"\\\\]{0,6}",
        junk in prop_oneof![Just(""), Just("\""), Just("!!"), Just("}"), Just("\\")],
        raw in any::<bool>(),
    ) {
        // A value holding the marker, either as a bad JSON token, a non-string, or an undecodable auth.
        let value = if raw { format!("{pre}{MARKER}{junk}") } else { format!("\"{pre}{MARKER}{junk}\"") };
        let text = format!("{{\"auths\":{{\"reg.example\":{{\"{field}\":{value}}}}}}}");
        if let Err(e) = docker::parse(&text) {
            prop_assert!(!e.error.contains(MARKER), "error quotes the value: {}", e.error);
            prop_assert!(!e.to_string().contains(MARKER));
            let dbg = format!("{:?}", e);
            prop_assert!(!dbg.contains(MARKER), "debug quotes the value");
        }
    }

    #[test]
    fn docker_validators_never_panic(s in any::<String>()) {
        let _ = docker::validate_registry(&s);
        let _ = docker::validate_username(&s);
        let _ = docker::validate_email(&s);
        if let Err(m) = docker::validate_password(&format!("{s}{MARKER}")) {
            prop_assert!(!m.contains(MARKER));
        }
    }
}

proptest! {
    #![proptest_config(cfg(64))]

    #[test]
    fn ssh_key_parser_never_panics_nor_echoes(body in "[A-Za-z0-9+/=\n]{0,200}", text in any::<String>()) {
        let _ = prepare_private_key(&text);
        for kind in ["OPENSSH", "RSA", "EC", ""] {
            let sep = if kind.is_empty() { "" } else { " " };
            let pem = format!(
                "-----BEGIN {kind}{sep}PRIVATE KEY-----\n{MARKER}{body}\n-----END {kind}{sep}PRIVATE KEY-----\n"
            );
            if let Err(e) = prepare_private_key(&pem) {
                prop_assert!(!e.to_string().contains(MARKER), "{}", e);
                let dbg = format!("{:?}", e);
                prop_assert!(!dbg.contains(MARKER), "debug quotes the value");
            }
        }
    }

    #[test]
    fn templates_file_never_panics(text in any::<String>(), name in "\\PC{0,10}") {
        let _ = Templates::from_toml(&text);
        let toml = format!("[[templates]]\nid = {}\nname = {}\n", toml_str(&name), toml_str(&text));
        let _ = Templates::from_toml(&toml);
    }

    #[test]
    fn template_checks_never_quote_the_value(pre in "\\PC{0,12}", post in any::<String>()) {
        let templates = builtin().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let value = format!("{pre}{MARKER}{post}");
        for tpl in &templates.templates {
            for key in &tpl.keys {
                for w in key.check(&value) {
                    prop_assert!(!w.contains(MARKER), "{}/{}: {}", tpl.id, key.name, w);
                }
            }
        }
    }

    #[test]
    fn config_file_never_panics(text in any::<String>(), v in any::<String>()) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.path().join("config.toml");
        for t in [text.clone(), format!("[editor]\nuppercase_keys = {}\n", toml_str(&v))] {
            std::fs::write(&path, &t).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let _ = sesame::config::Config::load_from(&path);
        }
    }
}

proptest! {
    #![proptest_config(cfg(256))]

    #[test]
    fn secret_string_values_round_trip(s in any::<String>()) {
        let v = SecretValue::from_string(&s);
        prop_assert!(v.is_string());
        prop_assert_eq!(v.kind(), "string");
        let shown = v.reveal();
        prop_assert_eq!(shown.as_str(), s.as_str());
        let parsed: Result<String, _> = serde_json::from_str(v.json_text());
        prop_assert_eq!(parsed.ok(), Some(s));
    }

    #[test]
    fn secret_data_preserves_json_exactly(map in prop::collection::btree_map(any::<String>(), any::<String>(), 0..6), n in any::<i64>()) {
        let mut obj = serde_json::Map::new();
        for (k, v) in &map {
            obj.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
        obj.insert("\u{0}n".into(), serde_json::json!([n, {"x": null}]));
        let text = serde_json::Value::Object(obj.clone()).to_string();
        let data = SecretData::from_json_object(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(data.pairs.len(), obj.len());
        for (k, v) in &obj {
            let got = data.get(k).ok_or_else(|| TestCaseError::fail("missing key"))?;
            prop_assert_eq!(got.json_text(), v.to_string());
        }
        let back: serde_json::Value = serde_json::from_str(&data.to_json_compact()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &serde_json::Value::Object(obj.clone()));
        let pretty: serde_json::Value = serde_json::from_str(&data.to_json_pretty()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(pretty, serde_json::Value::Object(obj));
    }

    #[test]
    fn secret_data_parser_never_panics_nor_echoes(text in any::<String>()) {
        let _ = SecretData::from_json_object(&text);
        let bad = format!("{{\"k\": {MARKER}{text}");
        if let Err(e) = SecretData::from_json_object(&bad) {
            prop_assert!(!e.to_string().contains(MARKER));
        }
    }

    #[test]
    fn file_values_round_trip_to_the_same_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256), text in any::<String>()) {
        for input in [bytes, text.into_bytes()] {
            let fv = value_from_bytes(&input);
            prop_assert_eq!(fv.size, input.len() as u64);
            let out = decode_value(&fv.value, fv.encoding).ok_or_else(|| TestCaseError::fail("not decodable"))?;
            prop_assert_eq!(out.as_slice(), input.as_slice());
        }
    }

    #[test]
    fn annotation_names_follow_their_grammar(name in prop_oneof!["[A-Za-z0-9._-]{0,12}", "\\PC{0,8}", any::<String>()]) {
        let grammar = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        match check_name(&name) {
            Ok(()) => prop_assert!(grammar),
            Err(m) => prop_assert!(!grammar || m.contains("too long"), "{}", m),
        }
    }

    #[test]
    fn annotation_value_errors_never_quote_the_value(pre in any::<String>(), post in any::<String>()) {
        let value = format!("{pre}{MARKER}{post}");
        match check_value("note", &value) {
            Ok(()) => prop_assert!(!value.chars().any(char::is_control)),
            Err(m) => prop_assert!(!m.contains(MARKER), "{}", m),
        }
    }

    #[test]
    fn apply_changes_leaves_exactly_the_changes(
        current in prop::collection::btree_map("[a-c]{1,2}", any::<String>(), 0..5),
        changes in prop::collection::btree_map("[a-c]{1,2}", prop::option::of(any::<String>()), 0..5),
    ) {
        let mut a: Annotations = current.clone();
        let changes: Changes = changes;
        let changed = apply_changes(&mut a, &changes);
        let mut want = current.clone();
        for (k, v) in &changes {
            match v {
                Some(v) => { want.insert(k.clone(), v.clone()); }
                None => { want.remove(k); }
            }
        }
        prop_assert_eq!(&a, &want);
        prop_assert_eq!(changed, want != current);
    }

    #[test]
    fn mode_records_round_trip_through_annotations(
        keys in prop::collection::vec(any::<String>(), 0..30),
        by in "[^\\p{Cc}]{0,20}",
        mode in prop_oneof![Just(Mode::ReadOnly), Just(Mode::KeyOnly), Just(Mode::None)],
        stale in prop::collection::btree_map("mode(\\.keys(\\.[0-9])?)?|other", any::<String>(), 0..4),
    ) {
        let rec = ModeRecord { mode, set_by: Some(by.clone()), set_at: None, keys: keys.clone() };
        let mut a: Annotations = stale.clone();
        let changes = rec.to_changes(&a).map_err(TestCaseError::fail)?;
        apply_changes(&mut a, &changes);
        let back = ModeRecord::from_annotations(&a).map_err(TestCaseError::fail)?;
        prop_assert_eq!(back.mode, mode);
        let want: Vec<String> = if mode == Mode::KeyOnly {
            keys.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect()
        } else {
            Vec::new()
        };
        prop_assert_eq!(back.keys, want);
        if mode != Mode::None && !by.is_empty() {
            prop_assert_eq!(back.set_by.as_deref(), Some(by.as_str()));
        }
        prop_assert_eq!(a.get("other"), stale.get("other"));
    }

    #[test]
    fn mode_decoding_never_panics(a in prop::collection::btree_map(prop_oneof![Just("mode".to_string()), Just("mode.keys".to_string()), Just("mode.keys.2".to_string()), any::<String>()], any::<String>(), 0..5)) {
        let a: Annotations = a;
        let _ = ModeRecord::from_annotations(&a);
        let _ = sesame::vault::modes::mode_of(&a);
        let _ = a.get("mode").map(|m| m.parse::<Mode>());
    }

    #[test]
    fn keymap_keys_never_panic(s in any::<String>(), c in any::<char>()) {
        let _ = Key::parse(&s);
        let one = Key::parse(&c.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(one.code, crossterm::event::KeyCode::Char(c));
        let ctrl = Key::parse(&format!("Ctrl-{c}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(ctrl.code, crossterm::event::KeyCode::Char(c.to_ascii_lowercase()));
        let toml = format!("[[binding]]\ncontext = \"list\"\naction = \"quit\"\nkeys = [{}]\n", toml_str(&s));
        let _ = Keymap::parse(&toml);
        let _ = Keymap::parse(&s);
        let _ = Keymap::default_keymap().with_overrides(&s);
    }

    #[test]
    fn hcl_strings_parse_back(path in any::<String>(), cap in "[a-z]{1,8}") {
        let hcl = format!("path {} {{\n  capabilities = [{}]\n}}\n", hcl_string(&path), hcl_string(&cap));
        let rules = parse_rules(&hcl).map_err(TestCaseError::fail)?;
        prop_assert_eq!(rules.len(), 1);
        prop_assert_eq!(&rules[0].path, &path);
        prop_assert_eq!(&rules[0].capabilities, &vec![cap]);
    }

    #[test]
    fn policy_parser_never_panics(text in any::<String>(), pre in "[^\"]{0,10}") {
        let _ = parse_rules(&text);
        let _ = parse_rules(&format!("path \"{pre}{text}"));
        let _ = parse_rules(&format!("path \"a\" {{ capabilities = [\"{pre}\" {text}"));
    }

    #[test]
    fn generated_policies_parse_back_to_their_rules(
        entries in prop::collection::vec(
            (prop_oneof![Just("secret"), Just("kv1")], "\\PC{1,12}(/\\PC{1,8}){0,2}", prop_oneof![Just(Mode::ReadOnly), Just(Mode::KeyOnly)]),
            0..6,
        ),
    ) {
        let entries: Vec<ModeEntry> = entries
            .into_iter()
            .map(|(m, p, mode)| ModeEntry {
                mount: m.to_string(),
                version: if m == "kv1" { KvVersion::V1 } else { KvVersion::V2 },
                path: p,
                mode,
            })
            .collect();
        let g = generate("sesame-modes", &entries);
        let parsed = parse_rules(&g.hcl).map_err(TestCaseError::fail)?;
        let mut want: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in &g.rules {
            want.entry(r.path.clone()).or_default().extend(r.capabilities.iter().cloned());
        }
        let got: BTreeMap<String, BTreeSet<String>> =
            parsed.into_iter().map(|r| (r.path, r.capabilities.into_iter().collect())).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn encoded_paths_decode_back_segment_by_segment(path in any::<String>()) {
        let enc = encode_path(&path);
        prop_assert!(enc.is_ascii());
        prop_assert!(!enc.chars().any(|c| c.is_ascii_control() || matches!(c, ' ' | '?' | '#' | '"' | '<' | '>' | '\\')));
        let segs: Vec<String> = enc
            .split('/')
            .map(|s| percent_decode_str(s).decode_utf8().map(|c| c.into_owned()))
            .collect::<Result<_, _>>()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(segs.join("/"), path);
    }

    #[test]
    fn join_and_split_parent_agree(parts in prop::collection::vec("[^/]{1,6}", 0..5), lead in "/{0,2}", trail in "/{0,2}") {
        let path = format!("{lead}{}{trail}", parts.join("/"));
        let (parent, name) = split_parent(&path);
        prop_assert_eq!(name, parts.last().map(String::as_str).unwrap_or(""));
        prop_assert_eq!(join(parent, name), parts.join("/"));
        prop_assert!(!parent.starts_with('/') && !parent.ends_with('/'));
    }
}

/// A TOML basic string holding `s` exactly.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON value of any shape, strings arbitrary Unicode.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<String>().prop_map(serde_json::Value::String),
        "[A-Za-z0-9+/]{0,12}={0,2}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("username".to_string()),
                    Just("password".to_string()),
                    Just("auth".to_string()),
                    Just("email".to_string()),
                    Just("auths".to_string()),
                    any::<String>()
                ],
                inner,
                0..4
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(cfg(256))]

    #[test]
    fn docker_parse_of_any_json_shape_never_panics(auths in prop::collection::btree_map(any::<String>(), json_value(), 0..4), top in json_value()) {
        let config = serde_json::json!({ "auths": auths, "other": top });
        let text = config.to_string();
        if let Ok(stored) = docker::parse(&text) {
            // A readable config becomes a form and a masked rendering without panicking; the mask hides
            // every password.
            let _ = stored.to_form().validate();
            let masked = stored.render(false);
            for e in &stored.entries {
                if let Some(p) = e.password.as_ref().filter(|p| p.chars().count() > 3) {
                    prop_assert!(!masked.contains(&format!("{:?}", p.as_str())), "masked rendering shows a password");
                }
            }
        }
        let _ = docker::parse_value(&SecretValue::from_string(&text));
        let _ = docker::parse_value(&SecretValue::from_json_text(&text));
    }

    #[test]
    fn registry_urls_never_panic(host in any::<String>(), scheme in prop_oneof![Just("https://"), Just("http://"), Just("ftp://"), Just("")]) {
        if let Ok(key) = docker::validate_registry(&format!("{scheme}{host}")) {
            prop_assert!(!key.chars().any(|c| c.is_whitespace() || c.is_control()));
        }
    }

    #[test]
    fn names_and_paths_never_panic_and_agree(segs in prop::collection::vec(prop_oneof!["\\PC{0,6}", any::<String>()], 1..4)) {
        use sesame::secret::rules::{check_path, name_error, path_error, uppercase_suggestion};
        // Segments never hold `/` (that is what splits them); one trailing `/` (a folder) is checked apart.
        let segs: Vec<String> = segs.into_iter().map(|s| s.replace('/', "")).collect();
        let path = segs.join("/");
        if !path.ends_with('/') {
            prop_assert_eq!(path_error(&format!("{path}/")).is_none(), path_error(&path).is_none());
        }
        let ok = path_error(&path).is_none();
        prop_assert_eq!(check_path(&path).is_ok(), ok);
        // A path is fine exactly when every segment is a fine name.
        // (An empty last segment is the trailing `/` of a folder.)
        let named = match segs.split_last() {
            Some((last, rest)) if last.is_empty() && !rest.is_empty() => rest,
            _ => &segs[..],
        };
        prop_assert_eq!(ok, named.iter().all(|s| name_error(s).is_none()));
        for s in &segs {
            if let Some(up) = uppercase_suggestion(s) {
                prop_assert!(is_valid_key(&up));
                prop_assert_eq!(up.to_ascii_lowercase(), s.to_ascii_lowercase());
            }
        }
    }

    #[test]
    fn key_chunks_fit_and_join_to_the_key_list(keys in prop::collection::vec(any::<String>(), 0..40)) {
        use sesame::vault::annotations::MAX_VALUE_LEN;
        if let Ok(chunks) = sesame::vault::modes::key_chunks(&keys) {
            prop_assert!(chunks.iter().all(|c| c.len() <= MAX_VALUE_LEN && !c.is_empty()));
            let joined: String = chunks.concat();
            let back: Result<Vec<String>, _> = serde_json::from_str(&joined);
            let want: Vec<String> = keys.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect();
            prop_assert_eq!(back.ok(), Some(want));
        }
    }

    #[test]
    fn encoding_records_never_panic(key in any::<String>(), rec in any::<String>()) {
        use sesame::secret::file::{Encoding, encoding_metadata_key, recorded_encoding};
        let md: BTreeMap<String, String> = encoding_metadata_key(&key).into_iter().map(|k| (k, "base64".to_string())).collect();
        let enc = recorded_encoding(md.iter(), &key);
        prop_assert_eq!(enc == Encoding::Base64, !md.is_empty());
        let _ = Encoding::from_record(&rec);
    }
}

/// The private-key fixtures, as (name, text).
fn ssh_fixtures() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ssh");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(e.path()).ok()?;
            text.contains("PRIVATE KEY-----").then_some((name, text))
        })
        .collect();
    out.sort();
    out
}

/// `text` with its base64 body decoded, changed by `edit`, and encoded again under the same armour.
fn mutate_pem(text: &str, edit: impl FnOnce(&mut Vec<u8>)) -> Option<String> {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    let lines: Vec<&str> = text.lines().collect();
    let begin = lines.iter().position(|l| l.starts_with("-----BEGIN"))?;
    let end = lines.iter().position(|l| l.starts_with("-----END"))?;
    let body: String =
        lines[begin + 1..end].iter().filter(|l| !l.contains(':') && !l.trim().is_empty()).copied().collect();
    let mut blob = engine.decode(body.trim()).ok()?;
    edit(&mut blob);
    let b64 = engine.encode(&blob);
    let wrapped: Vec<&str> =
        b64.as_bytes().chunks(70).map(|c| std::str::from_utf8(c).unwrap_or("")).collect();
    Some(format!("{}\n{}\n{}\n", lines[begin], wrapped.join("\n"), lines[end]))
}

proptest! {
    #![proptest_config(cfg(48))]

    #[test]
    fn damaged_real_keys_never_panic(at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>(), which in any::<prop::sample::Index>()) {
        let fixtures = ssh_fixtures();
        prop_assert!(fixtures.len() >= 10, "fixtures missing");
        let (name, text) = &fixtures[which.index(fixtures.len())];
        // The fixture itself gives an answer (a key or a clear refusal), then flipped and truncated copies.
        let _ = prepare_private_key(text);
        let flipped = mutate_pem(text, |b| {
            if !b.is_empty() {
                let i = at.index(b.len());
                b[i] = byte;
            }
        });
        let truncated = mutate_pem(text, |b| {
            let n = cut.index(b.len().max(1));
            b.truncate(n);
        });
        for damaged in [flipped, truncated].into_iter().flatten() {
            match prepare_private_key(&damaged) {
                Ok(p) => prop_assert!(!p.info.fingerprint.is_empty(), "{}", name),
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }
    }
}
