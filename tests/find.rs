//! The finder against a real OpenBao: the index built with SCAN and with the walk, denied folders skipped
//! and counted, results streamed in batches; `sesame find` with key names (through `subkeys`), values (never
//! printed), exit codes, JSON and `-z`.

mod common;

use serde_json::{Value, json};
use sesame::find::index::{self, BuildEvent, BuildOptions, BuildProgress, Index, Root};
use sesame::find::rank::{MatchMode, Query, Ranker, rank};
use sesame::vault::annotations::AnnotationStore;
use sesame::vault::kv::{KvVersion, Mount};
use sesame::vault::modes::{Mode, Modes};
use sesame::vault::walk::WalkOptions;

/// Secrets of the test tree, relative to the mount.
const TREE: &[&str] = &[
    "top",
    "apps/web/db",
    "apps/web/api key",
    "apps/web/conf/nested/deep/leaf",
    "apps/ünï/cödé",
    "team/private/one",
    "team/private/deeper/two",
    "team/public/three",
    "ops/db-admin",
];

/// The value every secret of the tree holds under `PASSWORD`.
const VALUE: &str = "Sup3r-s3cret-v4lue";

fn sorted(paths: impl IntoIterator<Item = impl Into<String>>) -> Vec<String> {
    let mut v: Vec<String> = paths.into_iter().map(Into::into).collect();
    v.sort();
    v
}

/// A fresh mount of `version` holding [`TREE`], each secret with keys `PASSWORD` and `USER`.
async fn seeded(version: u8) -> Mount {
    let m = common::kv_mount(version).await;
    for p in TREE {
        common::server().write_kv(&m.path, version, p, json!({"PASSWORD": VALUE, "USER": "bob"})).await;
    }
    m
}

/// The API prefix of LIST/SCAN paths (`<mount>/metadata/` on v2, `<mount>/` on v1).
fn list_prefix(m: &Mount) -> String {
    match m.version {
        KvVersion::V1 => format!("{}/", m.path),
        KvVersion::V2 => format!("{}/metadata/", m.path),
    }
}

/// A token whose only policy (besides `default`) is `hcl`.
async fn token_with(hcl: &str) -> String {
    let s = common::server();
    let name = format!("find-{}", common::random_suffix(8));
    s.put_policy(&name, hcl).await;
    s.token_with_policies(&[&name]).await
}

/// Builds the index of `m` with `token`, returning it and every event's kind in order.
async fn build_with(token: &str, m: &Mount, use_scan: bool) -> (Index, Vec<BuildEvent>) {
    let v = common::vault().with_token(token);
    let opts =
        BuildOptions { walk: WalkOptions { use_scan, ..WalkOptions::default() }, ..BuildOptions::default() };
    let progress = BuildProgress::default();
    let mut ix = Index::default();
    let mut events = Vec::new();
    index::build(&v, &[Root::mount(m.clone())], &opts, &progress, |e| {
        ix.apply(&e);
        events.push(e);
    })
    .await;
    let p = progress.snapshot();
    assert_eq!(p.secrets, ix.len(), "progress counts what the index holds");
    assert_eq!(p.denied, ix.denied().len());
    assert_eq!((p.roots, p.roots_done), (1, 1));
    (ix, events)
}

fn paths(ix: &Index) -> Vec<String> {
    sorted(ix.entries().map(|e| e.path.to_string()))
}

fn used_scan(events: &[BuildEvent]) -> bool {
    events.iter().any(|e| matches!(e, BuildEvent::RootDone { used_scan: true, .. }))
}

#[tokio::test]
async fn a_token_without_scan_is_walked_and_results_stream_in() {
    for version in [2, 1] {
        let m = seeded(version).await;
        let token =
            token_with(&format!("path \"{}*\" {{ capabilities = [\"list\"] }}", list_prefix(&m))).await;
        let (ix, events) = build_with(&token, &m, true).await;
        assert_eq!(paths(&ix), sorted(TREE.iter().copied()), "KV {version}");
        assert!(!used_scan(&events), "KV {version}: no scan capability, no SCAN");
        let batches = events.iter().filter(|e| matches!(e, BuildEvent::Found { .. })).count();
        assert!(
            batches >= 4,
            "KV {version}: the root and each top folder arrive as they are walked: {batches}"
        );
        assert!(matches!(events.last(), Some(BuildEvent::Finished { truncated: false })));
        assert!(ix.denied().is_empty());
    }
}

#[tokio::test]
async fn a_background_build_streams_events_over_a_channel() {
    let m = seeded(2).await;
    let token = token_with(&format!("path \"{}*\" {{ capabilities = [\"list\"] }}", list_prefix(&m))).await;
    let v = common::vault().with_token(&token);
    let mut bg = index::spawn(v, vec![Root::mount(m.clone())], BuildOptions::default());
    let mut ix = Index::default();
    let mut batches = 0;
    while let Some(e) = bg.events.recv().await {
        batches += usize::from(matches!(e, BuildEvent::Found { .. }));
        ix.apply(&e);
        if let BuildEvent::Finished { truncated } = e {
            assert!(!truncated);
            break;
        }
    }
    assert!(batches > 1, "{batches}");
    assert_eq!(paths(&ix), sorted(TREE.iter().copied()));
    assert_eq!(bg.progress.snapshot().secrets, TREE.len());
}

#[tokio::test]
async fn a_token_with_scan_gets_one_scan() {
    for version in [2, 1] {
        let m = seeded(version).await;
        let token =
            token_with(&format!("path \"{}*\" {{ capabilities = [\"list\", \"scan\"] }}", list_prefix(&m)))
                .await;
        let (ix, events) = build_with(&token, &m, true).await;
        assert_eq!(paths(&ix), sorted(TREE.iter().copied()), "KV {version}");
        assert!(used_scan(&events), "KV {version}: the scan capability makes it one SCAN");
        // The same token told not to SCAN walks, and finds the same.
        let (walked, events) = build_with(&token, &m, false).await;
        assert_eq!(paths(&walked), paths(&ix));
        assert!(!used_scan(&events));
    }
}

#[tokio::test]
async fn denied_folders_are_skipped_and_counted_and_the_rest_found() {
    for version in [2, 1] {
        let m = seeded(version).await;
        let p = list_prefix(&m);
        let token = token_with(&format!(
            "path \"{p}*\" {{ capabilities = [\"list\"] }}\npath \"{p}team/private/*\" {{ capabilities = [\"deny\"] }}\n\
             path \"{p}ops/*\" {{ capabilities = [\"deny\"] }}"
        ))
        .await;
        let (ix, _) = build_with(&token, &m, true).await;
        let expected = sorted(
            TREE.iter().copied().filter(|s| !s.starts_with("team/private/") && !s.starts_with("ops/")),
        );
        assert_eq!(paths(&ix), expected, "KV {version}");
        assert_eq!(
            ix.denied(),
            [format!("{}/ops/", m.path), format!("{}/team/private/", m.path)],
            "KV {version}"
        );

        // The CLI: found what may be seen, exit 0, the denied folders counted on stderr.
        let r =
            common::cli::command(&token).args(["find", "--mount", &m.path]).output().expect("running sesame");
        let (out, err) = (String::from_utf8_lossy(&r.stdout), String::from_utf8_lossy(&r.stderr));
        assert_eq!(r.status.code(), Some(0), "KV {version}: {out} {err}");
        let want = sorted(expected.iter().map(|p| format!("{}/{p}", m.path)));
        assert_eq!(sorted(out.lines()), want, "KV {version}: no pattern lists every secret it may see");
        assert!(err.contains("2 folders not searched (permission denied)"), "{err}");
        assert!(err.contains(&format!("{}/team/private/", m.path)), "{err}");
    }
}

#[tokio::test]
async fn the_index_ranks_and_follows_sesame_writes() {
    let m = seeded(2).await;
    let (mut ix, _) = build_with(&common::server().token, &m, true).await;
    let q = Query::new("webdb", MatchMode::Fuzzy).expect("query");
    let best = |ix: &Index| {
        let r = rank(ix, &q, Some(1), &mut Ranker::new());
        r.hits.first().and_then(|h| ix.get(h.id)).map(|e| e.path.to_string())
    };
    assert_eq!(best(&ix).as_deref(), Some("apps/web/db"));
    // A move made by sesame: the index follows without a rebuild.
    let moved = ix.rename(&m.path, "apps/web", &m, "archive/web").expect("rename");
    assert_eq!(moved, 3);
    assert_eq!(best(&ix).as_deref(), Some("archive/web/db"));
    assert!(ix.remove(&m.path, "archive/web/db"));
    assert_ne!(best(&ix).as_deref(), Some("archive/web/db"));
    assert!(ix.insert(&m, "new/webdb").expect("insert"));
    assert_eq!(best(&ix).as_deref(), Some("new/webdb"));
}

fn run_find(token: &str, args: &[&str]) -> (i32, String, String) {
    let r = common::cli::command(token).arg("find").args(args).output().expect("running sesame");
    (
        r.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&r.stdout).into_owned(),
        String::from_utf8_lossy(&r.stderr).into_owned(),
    )
}

#[tokio::test]
async fn exit_codes_follow_grep() {
    let m = seeded(2).await;
    let root = &common::server().token;
    let (code, out, _) = run_find(root, &["--mount", &m.path, "webdb"]);
    assert_eq!((code, out.lines().next()), (0, Some(format!("{}/apps/web/db", m.path).as_str())));
    let (code, out, _) = run_find(root, &["--mount", &m.path, "qqqzzzxxx"]);
    assert_eq!((code, out.as_str()), (1, ""));
    let (code, _, err) = run_find(root, &["--mount", &m.path, "--regex", "("]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid regular expression"), "{err}");
    let r = common::cli::command(root)
        .env("VAULT_ADDR", common::stopped_addr())
        .args(["find", "x"])
        .output()
        .expect("running sesame");
    assert_eq!(r.status.code(), Some(2), "no server: an error");
    let (code, out, err) = run_find(root, &["--mount", &m.path, "--max-paths", "3", ""]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("at most 3 paths"), "{err}");
    assert_eq!(out.lines().count(), 3, "what was indexed is still printed");
    let (code, _, err) = run_find(root, &["--mount", &m.path, "--values"]);
    assert_eq!(code, 2);
    assert!(err.contains("--values needs a PATTERN"), "{err}");
    // Exact and regex modes.
    let (code, out, _) = run_find(root, &["--mount", &m.path, "--exact", "b/db"]);
    assert_eq!((code, out.trim().to_string()), (0, format!("{}/apps/web/db", m.path)));
    let (code, out, _) = run_find(root, &["--mount", &m.path, "--regex", "^[^/]+/top$"]);
    assert_eq!((code, out.trim().to_string()), (0, format!("{}/top", m.path)));
}

#[tokio::test]
async fn json_and_nul_formats() {
    let m = seeded(2).await;
    let root = &common::server().token;
    let (code, out, _) = run_find(root, &["--mount", &m.path, "--format", "json", "cödé"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("JSON");
    let first = &v["matches"][0];
    assert_eq!(first["full"], format!("{}/apps/ünï/cödé", m.path));
    assert_eq!((first["match"].as_str(), first["kv"].as_u64()), (Some("path"), Some(2)));
    let full: Vec<char> = format!("{}/apps/ünï/cödé", m.path).chars().collect();
    let hl: String = first["indices"]
        .as_array()
        .expect("indices")
        .iter()
        .map(|i| full[i.as_u64().unwrap() as usize])
        .collect();
    assert_eq!(hl, "cödé", "indices are character positions in full");
    assert_eq!(v["searched"]["secrets"], TREE.len());
    assert_eq!(v["complete"], true);

    let (code, out, _) = run_find(root, &["--mount", &m.path, "-z", "--exact", "api key"]);
    assert_eq!((code, out), (0, format!("{}/apps/web/api key\0", m.path)));
    let (code, _, err) = run_find(root, &["--mount", &m.path, "-z", "--format", "json", "x"]);
    assert_eq!(code, 2, "{err}");
}

#[tokio::test]
async fn key_names_come_from_subkeys_without_reading_values() {
    let m = seeded(2).await;
    let p = &m.path;
    // May list and read metadata and subkeys; may not read any data.
    let token = token_with(&format!(
        "path \"{p}/metadata/*\" {{ capabilities = [\"list\", \"read\"] }}\n\
         path \"{p}/subkeys/*\" {{ capabilities = [\"read\"] }}\n\
         path \"{p}/data/*\" {{ capabilities = [\"deny\"] }}"
    ))
    .await;
    let (code, out, err) = run_find(&token, &["--mount", p, "--keys", "--format", "json", "passwd"]);
    assert_eq!(code, 0, "{out} {err}");
    let v: Value = serde_json::from_str(&out).expect("JSON");
    let keys: Vec<(String, String)> = v["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .filter(|h| h["match"] == "key")
        .map(|h| (h["path"].as_str().unwrap_or("").to_string(), h["key"].as_str().unwrap_or("").to_string()))
        .collect();
    assert_eq!(keys.len(), TREE.len(), "{out}");
    assert!(keys.iter().all(|(_, k)| k == "PASSWORD"), "{keys:?}");
    assert_eq!(v["searched"]["unreadable"], 0);
    assert!(!out.contains(VALUE) && !err.contains(VALUE));

    // Without subkeys (and without data), key names are unreadable: counted, not an error.
    let token =
        token_with(&format!("path \"{p}/metadata/*\" {{ capabilities = [\"list\", \"read\"] }}")).await;
    let (code, out, err) = run_find(&token, &["--mount", p, "--keys", "PASSWORD"]);
    assert_eq!(code, 1, "{out} {err}");
    assert!(
        err.contains(&format!("{} secrets not searched inside (permission denied)", TREE.len())),
        "{err}"
    );

    // KV v1: read, values dropped; plain output names the key.
    let m1 = seeded(1).await;
    let (code, out, _) =
        run_find(&common::server().token, &["--mount", &m1.path, "--keys", "--exact", "USER"]);
    assert_eq!(code, 0);
    assert!(out.contains(&format!("{}/top\tkey\tUSER", m1.path)), "{out}");
    assert!(!out.contains(VALUE));
}

#[tokio::test]
async fn key_only_secrets_are_searched_by_recorded_names_and_never_read() {
    for version in [2, 1] {
        let m = seeded(version).await;
        let modes = Modes::new(AnnotationStore::new(common::vault()));
        modes.set_mode(&m, "ops/db-admin", Mode::KeyOnly).await.expect("key-only");
        let root = &common::server().token;
        let (code, out, _) =
            run_find(root, &["--mount", &m.path, "--keys", "--format", "json", "--exact", "USER"]);
        assert_eq!(code, 0);
        let v: Value = serde_json::from_str(&out).expect("JSON");
        let hit = v["matches"]
            .as_array()
            .expect("matches")
            .iter()
            .find(|h| h["path"] == "ops/db-admin" && h["match"] == "key")
            .cloned()
            .unwrap_or(Value::Null);
        assert_eq!(
            (hit["key"].as_str(), hit["recorded"].as_bool()),
            (Some("USER"), Some(true)),
            "KV {version}: {out}"
        );
        assert_eq!(v["searched"]["key_only"], 1);
        // Its value matches, but a key-only secret is never read: no value hit for it.
        let (code, out, _) = run_find(root, &["--mount", &m.path, "--values", "--exact", VALUE]);
        assert_eq!(code, 0);
        assert_eq!(out.lines().count(), TREE.len() - 1, "KV {version}: {out}");
        assert!(!out.contains("ops/db-admin"), "KV {version}: {out}");
    }
}

#[tokio::test]
async fn value_search_names_the_key_and_never_prints_the_value() {
    let m = seeded(2).await;
    common::server()
        .write_kv(
            &m.path,
            2,
            "apps/web/db",
            json!({"DSN": "postgres://u:Sup3r-s3cret-v4lue@h/db", "USER": "x"}),
        )
        .await;
    let root = &common::server().token;
    for format in ["plain", "json"] {
        let (code, out, err) =
            run_find(root, &["--mount", &m.path, "--values", "--format", format, "s3cret-V4LUE"]);
        assert_eq!(code, 1, "capitals make the match case-sensitive: {out} {err}");
        let (code, out, err) =
            run_find(root, &["--mount", &m.path, "--values", "--format", format, "s3cret-v4lue"]);
        assert_eq!(code, 0, "{err}");
        assert!(!out.contains(VALUE) && !err.contains(VALUE), "{format}: the value never shows");
        assert!(!out.contains("postgres://"), "{format}");
        if format == "plain" {
            assert!(out.contains(&format!("{}/apps/web/db\tvalue\tDSN", m.path)), "{out}");
            assert!(out.contains(&format!("{}/top\tvalue\tPASSWORD", m.path)), "{out}");
            assert_eq!(out.lines().count(), TREE.len(), "{out}");
        } else {
            let v: Value = serde_json::from_str(&out).expect("JSON");
            let db = v["matches"]
                .as_array()
                .expect("matches")
                .iter()
                .find(|h| h["path"] == "apps/web/db")
                .cloned()
                .unwrap_or(Value::Null);
            assert_eq!((db["match"].as_str(), db["key"].as_str()), (Some("value"), Some("DSN")), "{out}");
        }
    }
    // A regular expression over values.
    let (code, out, _) = run_find(root, &["--mount", &m.path, "--values", "--regex", "^postgres://"]);
    assert_eq!((code, out.trim().to_string()), (0, format!("{}/apps/web/db\tvalue\tDSN", m.path)));
}

#[tokio::test]
async fn every_mount_the_token_sees_without_mount_flags() {
    let (a, b) = (seeded(2).await, seeded(1).await);
    let token = token_with(&format!(
        "path \"{}*\" {{ capabilities = [\"list\"] }}\npath \"{}*\" {{ capabilities = [\"list\"] }}",
        list_prefix(&a),
        list_prefix(&b)
    ))
    .await;
    let (code, out, err) = run_find(&token, &["--exact", "web/db"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        sorted(out.lines()),
        sorted([format!("{}/apps/web/db", a.path), format!("{}/apps/web/db", b.path)])
    );
}
