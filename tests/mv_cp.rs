//! `sesame mv` and `sesame cp` follow mv(1) and `cp -r` against a real OpenBao: SRC goes inside DST when DST is an
//! existing folder (or a mount), and becomes DST when DST does not exist; for secrets and for folders.

mod common;

use serde_json::{Value, json};
use sesame::vault::kv::{KvVersion, Mount};
use sesame::vault::transfer::Location;
use sesame::vault::walk::{WalkOptions, walk};

use common::cli::{fails, ok};

/// Every secret of a mount (hidden ones included) with its data, by path.
async fn tree(m: &Mount) -> Vec<(String, Value)> {
    let vault = common::vault();
    let mut out = Vec::new();
    for path in walk(&vault, m, "", &WalkOptions::default()).await.expect("walking") {
        let data = vault.read(m, &path, None).await.expect("reading").data.unwrap_or_default();
        out.push((path, serde_json::from_str(&data.to_json_compact()).expect("json")));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn paths(t: &[(String, Value)]) -> Vec<&str> {
    t.iter().map(|(p, _)| p.as_str()).collect()
}

async fn seed(m: &Mount, items: &[(&str, Value)]) {
    let v = if m.version == KvVersion::V1 { 1 } else { 2 };
    for (p, d) in items {
        common::server().write_kv(&m.path, v, p, d.clone()).await;
    }
}

#[tokio::test]
async fn secrets_are_renamed_unless_the_destination_is_an_existing_folder() {
    for version in [1, 2] {
        let m = common::kv_mount(version).await;
        let other = common::kv_mount(3 - version).await;
        seed(&m, &[("a", json!({"K": "a"})), ("b", json!({"K": "b"})), ("dir/x", json!({"K": "x"}))]).await;
        let at = |p: &str| format!("{}/{p}", m.path);

        // No destination: the copy is DST itself.
        ok(&["cp", &at("a"), &at("renamed")]);
        // An existing folder: inside it, under the source's name.
        ok(&["cp", &at("a"), &at("dir")]);
        // A destination ending with `/` names a folder for a secret, existing or not.
        ok(&["cp", &at("a"), &at("newdir/")]);
        // An existing secret is the destination itself: refused without --overwrite, nothing changes.
        let r = fails(&["mv", &at("a"), &at("b")]);
        assert!(r.err.contains("already exists"), "KV v{version}: {}", r.err);
        // A mount is an existing folder.
        ok(&["mv", &at("b"), &format!("{}/", other.path)]);

        let t = tree(&m).await;
        assert_eq!(paths(&t), ["a", "dir/a", "dir/x", "newdir/a", "renamed"], "KV v{version}: {t:?}");
        assert!(t.iter().filter(|(p, _)| p != "dir/x").all(|(_, d)| *d == json!({"K": "a"})), "{t:?}");
        assert_eq!(tree(&other).await, [("b".to_string(), json!({"K": "b"}))], "KV v{version}");
    }
}

#[tokio::test]
async fn folders_are_renamed_unless_the_destination_is_an_existing_folder() {
    for version in [1, 2] {
        let m = common::kv_mount(version).await;
        let other = common::kv_mount(version).await;
        seed(
            &m,
            &[
                ("src/one", json!({"K": "1"})),
                ("src/sub/two", json!({"K": "2"})),
                ("dst0/x", json!({"K": "x"})),
            ],
        )
        .await;
        let at = |p: &str| format!("{}/{p}", m.path);

        // `sesame mv secret/src/ secret/dst/` with no `dst`: src becomes dst (no dst/src).
        ok(&["cp", &at("src/"), &at("copy/")]);
        ok(&["mv", &at("src/"), &at("dst/")]);
        // Into an existing folder: dst0/dst.
        ok(&["cp", &at("dst"), &at("dst0")]);
        // Into a mount: other/dst.
        ok(&["mv", &at("dst/"), &other.path]);

        let t = tree(&m).await;
        assert_eq!(
            paths(&t),
            ["copy/one", "copy/sub/two", "dst0/dst/one", "dst0/dst/sub/two", "dst0/x"],
            "KV v{version}: {t:?}"
        );
        assert_eq!(paths(&tree(&other).await), ["dst/one", "dst/sub/two"], "KV v{version}");
        // Into dst0 again: dst0/dst exists and holds secrets now, so it is refused.
        let r = fails(&["cp", &format!("{}/dst", other.path), &at("dst0")]);
        assert!(r.err.contains("not empty"), "KV v{version}: {}", r.err);
    }
}

/// The rule lives in the library, where every front end that takes a destination path asks.
#[tokio::test]
async fn the_destination_rule_is_one_library_call() {
    let vault = common::vault();
    let m = common::kv_mount(2).await;
    seed(&m, &[("s", json!({"K": "s"})), ("f/x", json!({"K": "x"})), ("taken", json!({"K": "t"}))]).await;
    let secret = Location::new(m.clone(), "s");
    let folder = Location::new(m.clone(), "f");
    let dst = |src: &Location, is_folder: bool, text: &str| {
        let (vault, src, text) = (vault.clone(), src.clone(), format!("{}/{text}", m.path));
        async move { vault.transfer_destination(&src, is_folder, &text).await.expect("a destination").path }
    };
    assert_eq!(dst(&secret, false, "new").await, "new");
    assert_eq!(dst(&secret, false, "new/").await, "new/s");
    assert_eq!(dst(&secret, false, "f").await, "f/s");
    assert_eq!(dst(&secret, false, "taken").await, "taken");
    assert_eq!(dst(&secret, false, "").await, "s");
    assert_eq!(dst(&folder, true, "g").await, "g");
    assert_eq!(dst(&folder, true, "g/").await, "g");
    assert_eq!(dst(&folder, true, "f").await, "f/f");
    assert_eq!(dst(&folder, true, "").await, "f");
}
