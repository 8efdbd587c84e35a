//! The recursive walk against a real OpenBao dev server: SCAN and the concurrent LIST walk agree on KV v1 and
//! v2, odd names survive, and tokens without `scan` or without rights on a subfolder get what they may see.

mod common;

use std::sync::atomic::Ordering;

use serde_json::json;
use sesame::vault::VaultError;
use sesame::vault::kv::{KvVersion, Mount, Vault};
use sesame::vault::walk::{WalkOptions, WalkProgress, WalkResult, walk, walk_detailed};

/// Secrets of the test tree, relative to the mount: odd characters, 5 levels deep, two teams.
const TREE: &[&str] = &[
    "top",
    "apps/web/db",
    "apps/web/api key",
    "apps/web/conf/nested/deep/leaf",
    "apps/ünï/cödé",
    "apps/per%cent/x",
    "apps/hash#tag/y",
    "apps/que?ry/z",
    "apps/plus+and&eq=/w",
    "apps/sp ace dir/a b",
    "team/private/one",
    "team/private/deeper/two",
    "team/public/three",
];

fn sorted(paths: impl IntoIterator<Item = impl Into<String>>) -> Vec<String> {
    let mut v: Vec<String> = paths.into_iter().map(Into::into).collect();
    v.sort();
    v
}

/// A fresh mount of `version` holding [`TREE`].
async fn seeded(version: u8) -> Mount {
    let m = common::kv_mount(version).await;
    for p in TREE {
        common::server().write_kv(&m.path, version, p, json!({"k": "v"})).await;
    }
    m
}

/// The API prefix of LIST/SCAN paths in policies (`<mount>/metadata/` on v2, `<mount>/` on v1).
fn list_prefix(m: &Mount) -> String {
    match m.version {
        KvVersion::V1 => format!("{}/", m.path),
        KvVersion::V2 => format!("{}/metadata/", m.path),
    }
}

/// A token whose only policy is `hcl`.
async fn token_with(hcl: &str) -> String {
    let s = common::server();
    let name = format!("walk-{}", common::random_suffix(8));
    s.put_policy(&name, hcl).await;
    s.token_with_policies(&[&name]).await
}

fn opts(concurrency: usize, use_scan: bool) -> WalkOptions {
    WalkOptions { concurrency, use_scan, ..WalkOptions::default() }
}

async fn all_modes_agree(version: u8) {
    let m = seeded(version).await;
    let v = common::vault();
    let expected = sorted(TREE.iter().copied());
    for (o, scanned) in
        [(opts(32, true), true), (opts(32, false), false), (opts(1, false), false), (opts(1, true), true)]
    {
        let r = walk_detailed(&v, &m, "", &o, None).await.expect("walk");
        assert_eq!(r.secrets, expected, "{o:?}");
        assert!(r.denied.is_empty(), "{o:?}");
        assert_eq!(r.used_scan, scanned, "{o:?}: SCAN is available on KV {version} to a root token");
        assert_eq!(walk(&v, &m, "", &o).await.expect("walk"), expected);
    }
    // From a subfolder (odd name, slashes around it tolerated): paths stay relative to the mount.
    let sub = sorted(["apps/sp ace dir/a b"]);
    let deep = sorted(["apps/web/api key", "apps/web/conf/nested/deep/leaf", "apps/web/db"]);
    for o in [opts(8, true), opts(8, false)] {
        assert_eq!(walk(&v, &m, "apps/sp ace dir", &o).await.expect("walk"), sub, "{o:?}");
        assert_eq!(walk(&v, &m, "/apps/web/", &o).await.expect("walk"), deep, "{o:?}");
        // A missing folder, or a secret, walks as empty.
        assert!(walk(&v, &m, "nope/none", &o).await.expect("walk").is_empty(), "{o:?}");
        assert!(walk(&v, &m, "top", &o).await.expect("walk").is_empty(), "{o:?}");
    }
}

#[tokio::test]
async fn kv2_scan_and_list_walks_agree() {
    all_modes_agree(2).await;
}

#[tokio::test]
async fn kv1_scan_and_list_walks_agree() {
    all_modes_agree(1).await;
}

#[tokio::test]
async fn token_without_scan_falls_back_to_list() {
    for version in [2, 1] {
        let m = seeded(version).await;
        let token =
            token_with(&format!("path \"{}*\" {{ capabilities = [\"list\"] }}", list_prefix(&m))).await;
        let v = common::vault().with_token(&token);
        let progress = WalkProgress::default();
        let r = walk_detailed(&v, &m, "", &WalkOptions::default(), Some(&progress)).await.expect("walk");
        assert_eq!(
            r,
            WalkResult { secrets: sorted(TREE.iter().copied()), denied: vec![], used_scan: false },
            "KV {version}"
        );
        // root, apps, web, conf, nested, deep, ünï, per%cent, hash#tag, que?ry, plus+and&eq=, sp ace dir,
        // team, private, deeper, public.
        assert_eq!(progress.listed.load(Ordering::Relaxed), 16, "KV {version}");
        assert_eq!(progress.secrets.load(Ordering::Relaxed), TREE.len(), "KV {version}");
        assert_eq!(progress.pending.load(Ordering::Relaxed), 0, "KV {version}");
    }
}

#[tokio::test]
async fn denied_subfolder_is_reported_and_the_rest_listed() {
    for version in [2, 1] {
        let m = seeded(version).await;
        let p = list_prefix(&m);
        let token = token_with(&format!(
            "path \"{p}*\" {{ capabilities = [\"list\"] }}\npath \"{p}team/private/*\" {{ capabilities = [\"deny\"] }}"
        ))
        .await;
        let v = common::vault().with_token(&token);
        let expected = sorted(TREE.iter().copied().filter(|s| !s.starts_with("team/private/")));
        for o in [opts(32, true), opts(1, false)] {
            let r = walk_detailed(&v, &m, "", &o, None).await.expect("walk");
            assert_eq!(
                r,
                WalkResult {
                    secrets: expected.clone(),
                    denied: vec!["team/private".into()],
                    used_scan: false
                },
                "KV {version} {o:?}"
            );
            assert_eq!(walk(&v, &m, "", &o).await.expect("walk"), expected);
        }
        // Starting in the denied folder is an error, with or without SCAN.
        for o in [opts(4, true), opts(4, false)] {
            let e = walk(&v, &m, "team/private", &o).await.expect_err("denied root");
            assert!(matches!(e, VaultError::Forbidden { .. }), "KV {version} {o:?}: {e:?}");
        }
    }
}

/// A server fact sesame documents: the `scan` capability on a folder shows its whole subtree, even where a
/// `deny` rule forbids LIST on a subfolder (OpenBao does not prune SCAN answers by LIST rights).
#[tokio::test]
async fn scan_capability_sees_through_a_list_deny() {
    let m = seeded(2).await;
    let p = list_prefix(&m);
    let token = token_with(&format!(
        "path \"{p}*\" {{ capabilities = [\"list\", \"scan\"] }}\npath \"{p}team/private/*\" {{ capabilities = [\"deny\"] }}"
    ))
    .await;
    let v = common::vault().with_token(&token);
    let r = walk_detailed(&v, &m, "", &opts(32, true), None).await.expect("walk");
    assert!(r.used_scan);
    assert_eq!(r.secrets, sorted(TREE.iter().copied()));
    let r = walk_detailed(&v, &m, "", &opts(32, false), None).await.expect("walk");
    assert_eq!(r.denied, ["team/private"]);
}

#[tokio::test]
async fn unreachable_server_is_an_error() {
    let v = Vault::connect(&common::stopped_addr(), "t").expect("connect");
    let m = Mount { path: "secret".into(), version: KvVersion::V2, description: String::new() };
    for o in [opts(4, true), opts(4, false)] {
        let e = walk(&v, &m, "", &o).await.expect_err("unreachable");
        assert!(e.is_connection(), "{o:?}: {e:?}");
    }
}
