//! Editing over real HTTP against a real OpenBao (or the server named by `SESAME_TEST_VAULT_ADDR`): writes
//! with check-and-set, versions, deletes, folders and placeholders, copy/move across mounts and KV versions,
//! permissions, failures part-way (a concurrent writer, a 403, the server stopped mid-move), and the `sesame`
//! editing subcommands run as a real binary. Each test works in mounts of its own.

// SIGKILL of the dev server in the middle of a move.
#![allow(unsafe_code)]

mod common;

use common::cli::{self, Run};
use common::vault;

use std::collections::BTreeMap;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sesame::secret::SecretData;
use sesame::vault::annotations::{AnnotationStore, Changes};
use sesame::vault::capabilities::{Action, Permission};
use sesame::vault::devserver::{DevOptions, DevServer, encode_path};
use sesame::vault::kv::{KvVersion, Mount, VersionState};
use sesame::vault::transfer::{
    BatchEvent, BatchProgress, ItemStatus, Location, TransferMode, TransferOptions,
};
use sesame::vault::walk::WalkOptions;
use sesame::vault::write::{DeleteMode, Expected, MkdirOutcome};
use sesame::vault::{Vault, VaultError};

fn data(json: &str) -> SecretData {
    SecretData::from_json_object(json).unwrap()
}

async fn mount(version: u8) -> Mount {
    let name = common::server().fresh_mount(version).await;
    vault().mount_of(&name).await.unwrap()
}

/// The latest data of a secret as the server returns it (`None` when absent or deleted), read directly.
async fn raw_read(m: &Mount, path: &str) -> Option<Value> {
    let api = match m.version {
        KvVersion::V1 => format!("{}/{}", m.path, encode_path(path)),
        KvVersion::V2 => format!("{}/data/{}", m.path, encode_path(path)),
    };
    let (status, body) = common::server().request(Method::GET, &api, None).await;
    if status != StatusCode::OK {
        return None;
    }
    match m.version {
        KvVersion::V1 => Some(body["data"].clone()),
        KvVersion::V2 => Some(body["data"]["data"].clone()).filter(|d| !d.is_null()),
    }
}

/// The metadata of a KV v2 secret, read directly (`None` when absent).
async fn raw_meta(m: &Mount, path: &str) -> Option<Value> {
    let (status, body) = common::server()
        .request(Method::GET, &format!("{}/metadata/{}", m.path, encode_path(path)), None)
        .await;
    (status == StatusCode::OK).then(|| body["data"].clone())
}

/// Names listed in a folder (folders with a trailing `/`), read with sesame's lister.
async fn names(m: &Mount, folder: &str) -> Vec<String> {
    vault()
        .list(m, folder)
        .await
        .unwrap()
        .iter()
        .map(|e| format!("{}{}", e.name, if e.is_folder { "/" } else { "" }))
        .collect()
}

async fn seed(m: &Mount, path: &str, value: Value) {
    let v = if m.version == KvVersion::V1 { 1 } else { 2 };
    common::server().write_kv(&m.path, v, path, value).await;
}

// ---------------------------------------------------------------------------------------------------------
// Writes

#[tokio::test]
async fn writes_check_and_set_and_a_concurrent_writer_is_a_conflict() {
    let v = vault();
    for version in [1u8, 2] {
        let m = mount(version).await;
        let snap = v.snapshot(&m, "app/db").await.unwrap();
        assert!(snap.is_absent() && snap.data.is_none());
        let first = data(r#"{"A":"1","N":5,"F":1.5,"O":{"x":[true,null]},"M":"l1\nl2"}"#);
        let w = v.write(&m, "app/db", &first, &snap.expected).await.unwrap();
        assert!(w.created);
        assert_eq!(w.version, (version == 2).then_some(1));
        // Non-string values are stored exactly.
        assert_eq!(
            raw_read(&m, "app/db").await.unwrap(),
            json!({"A":"1","N":5,"F":1.5,"O":{"x":[true,null]},"M":"l1\nl2"})
        );
        // Create-only on an existing secret is a conflict.
        let e = v.write(&m, "app/db", &data(r#"{"A":"x"}"#), &Expected::Absent).await.unwrap_err();
        assert_eq!(e, VaultError::CasMismatch { path: format!("{}/app/db", m.path) });

        // Loaded, then someone else writes, then we save: conflict, their data stays.
        let loaded = v.snapshot(&m, "app/db").await.unwrap();
        seed(&m, "app/db", json!({"A": "theirs"})).await;
        let e = v.write(&m, "app/db", &data(r#"{"A":"mine"}"#), &loaded.expected).await.unwrap_err();
        assert!(matches!(e, VaultError::CasMismatch { .. }), "{e:?}");
        assert!(e.to_string().contains("changed by someone else"), "{e}");
        assert_eq!(raw_read(&m, "app/db").await.unwrap(), json!({"A": "theirs"}));

        // The conflict is resolved by reloading (masked diff of theirs vs mine), or by overwriting.
        let current = v.snapshot(&m, "app/db").await.unwrap();
        let d = sesame::secret::diff::masked_diff(
            current.data.as_ref().unwrap(),
            &data(r#"{"A":"mine","B":"2"}"#),
        );
        assert_eq!(
            (d.added.as_slice(), d.changed.as_slice()),
            (&["B".to_string()][..], &["A".to_string()][..])
        );
        let w = v.write(&m, "app/db", &data(r#"{"A":"mine"}"#), &current.expected).await.unwrap();
        assert!(!w.created);
        assert_eq!(w.version, (version == 2).then_some(3));
        let w = v.write(&m, "app/db", &data(r#"{"A":"forced"}"#), &Expected::Anything).await.unwrap();
        assert_eq!(w.version, (version == 2).then_some(4));
        assert_eq!(raw_read(&m, "app/db").await.unwrap(), json!({"A": "forced"}));
        // Expected::Data works on both engines (KV v2 compares, then uses the current version as cas).
        let e =
            v.write(&m, "app/db", &data(r#"{"A":"z"}"#), &Expected::Data(first.clone())).await.unwrap_err();
        assert!(matches!(e, VaultError::CasMismatch { .. }));
        v.write(&m, "app/db", &data(r#"{"A":"z"}"#), &Expected::Data(data(r#"{"A":"forced"}"#)))
            .await
            .unwrap();
        assert_eq!(raw_read(&m, "app/db").await.unwrap(), json!({"A": "z"}));
    }
}

#[tokio::test]
async fn a_failed_write_changes_nothing() {
    let s = common::server();
    let v = vault();
    for version in [1u8, 2] {
        let m = mount(version).await;
        seed(&m, "x", json!({"K": "before"})).await;
        // 403 from a real policy.
        let policy = format!("ro-{}", m.path);
        s.put_policy(&policy, &format!("path \"{}/*\" {{ capabilities = [\"read\", \"list\"] }}", m.path))
            .await;
        let ro = v.with_token(&s.token_with_policies(&[&policy]).await);
        let snap = ro.snapshot(&m, "x").await.unwrap();
        let e = ro.write(&m, "x", &data(r#"{"K":"after"}"#), &snap.expected).await.unwrap_err();
        assert!(
            matches!(&e, VaultError::Forbidden { path, .. } if path == &format!("{}/x", m.path)),
            "{e:?}"
        );
        let e = ro.write(&m, "new", &data(r#"{"K":"after"}"#), &Expected::Absent).await.unwrap_err();
        assert!(matches!(e, VaultError::Forbidden { .. }), "{e:?}");
        assert_eq!(raw_read(&m, "x").await.unwrap(), json!({"K": "before"}));
        // Invalid names are refused before anything is sent.
        for bad in ["a//b", "../x", "a/./b", " lead", "trail ", "ctl\u{7}x", ""] {
            let e = v.write(&m, bad, &data(r#"{"K":"v"}"#), &Expected::Absent).await.unwrap_err();
            assert!(matches!(e, VaultError::Invalid(_)), "{bad:?}: {e:?}");
        }
        assert_eq!(names(&m, "").await, ["x"]);
    }
    // KV v1 refuses a secret without keys: said before sending.
    let m1 = mount(1).await;
    let e = v.write(&m1, "empty", &SecretData::default(), &Expected::Absent).await.unwrap_err();
    assert!(e.to_string().contains("without keys"), "{e}");
    // Sealed and unreachable servers.
    let sealed = common::sealed_server().await;
    let sv = Vault::connect(sealed.addr(), sealed.root_token()).unwrap();
    let m2 = Mount { path: "secret".into(), version: KvVersion::V2, description: String::new() };
    let e = sv.write(&m2, "x", &data(r#"{"K":"v"}"#), &Expected::Absent).await.unwrap_err();
    assert_eq!(e, VaultError::Sealed);
    let gone = Vault::connect(&common::stopped_addr(), "t").unwrap();
    let e = gone.write(&m2, "x", &data(r#"{"K":"v"}"#), &Expected::Absent).await.unwrap_err();
    assert!(matches!(e, VaultError::Unreachable { .. }), "{e:?}");
}

// ---------------------------------------------------------------------------------------------------------
// Versions

#[tokio::test]
async fn history_rollback_undelete_destroy() {
    let v = vault();
    let m = mount(2).await;
    for i in 1..=3 {
        seed(&m, "svc", json!({ "V": format!("value-{i}") })).await;
    }
    v.set_custom_metadata(&m, "svc", &BTreeMap::from([("owner".to_string(), "ml".to_string())]))
        .await
        .unwrap();
    v.delete_secret(&m, "svc", &DeleteMode::Versions(vec![2])).await.unwrap();
    v.destroy(&m, "svc", &[1]).await.unwrap();
    let meta = v.metadata(&m, "svc").await.unwrap();
    assert_eq!(meta.current_version, 3);
    assert_eq!(meta.custom_metadata.get("owner").map(String::as_str), Some("ml"));
    let h = v.history(&m, "svc").await.unwrap();
    assert_eq!(
        h.iter().map(|x| (x.version, x.state())).collect::<Vec<_>>(),
        [(3, VersionState::Live), (2, VersionState::Deleted), (1, VersionState::Destroyed)]
    );
    assert!(h.iter().all(|x| !x.created_time.is_empty()));
    // Rolling back to a deleted or destroyed version says why.
    let e = v.rollback(&m, "svc", 2, None).await.unwrap_err();
    assert!(e.to_string().contains("undelete it first"), "{e}");
    let e = v.rollback(&m, "svc", 1, None).await.unwrap_err();
    assert!(e.to_string().contains("destroyed"), "{e}");
    v.undelete(&m, "svc", &[2]).await.unwrap();
    // Rollback with check-and-set against the current version the user saw.
    let e = v.rollback(&m, "svc", 2, Some(2)).await.unwrap_err();
    assert!(matches!(e, VaultError::CasMismatch { .. }), "{e:?}");
    assert_eq!(v.rollback(&m, "svc", 2, Some(3)).await.unwrap(), 4);
    assert_eq!(raw_read(&m, "svc").await.unwrap(), json!({"V": "value-2"}));
    assert_eq!(v.rollback(&m, "svc", 3, None).await.unwrap(), 5);
    assert_eq!(raw_read(&m, "svc").await.unwrap(), json!({"V": "value-3"}));
    // Custom metadata changes merge.
    v.patch_custom_metadata(&m, "svc", &[("owner".into(), None), ("team".into(), Some("data".into()))])
        .await
        .unwrap();
    assert_eq!(raw_meta(&m, "svc").await.unwrap()["custom_metadata"], json!({"team": "data"}));
    // KV v1 has none of this.
    let m1 = mount(1).await;
    seed(&m1, "svc", json!({"V": "1"})).await;
    for e in [
        v.history(&m1, "svc").await.unwrap_err(),
        v.undelete(&m1, "svc", &[1]).await.unwrap_err(),
        v.destroy(&m1, "svc", &[1]).await.unwrap_err(),
        v.rollback(&m1, "svc", 1, None).await.unwrap_err(),
    ] {
        assert!(e.to_string().contains("KV v1"), "{e}");
    }
}

#[tokio::test]
async fn delete_latest_versions_or_everything() {
    let v = vault();
    let m = mount(2).await;
    seed(&m, "a", json!({"K": "1"})).await;
    seed(&m, "a", json!({"K": "2"})).await;
    v.delete_secret(&m, "a", &DeleteMode::Latest).await.unwrap();
    let snap = v.snapshot(&m, "a").await.unwrap();
    assert!(snap.data.is_none());
    assert_eq!(
        snap.expected,
        Expected::Version(2),
        "a deleted latest version is still a version to cas against"
    );
    assert_eq!(names(&m, "").await, ["a"], "soft-deleted secrets still list");
    v.undelete(&m, "a", &[2]).await.unwrap();
    assert_eq!(raw_read(&m, "a").await.unwrap(), json!({"K": "2"}));
    v.delete_secret(&m, "a", &DeleteMode::AllVersions).await.unwrap();
    assert!(raw_meta(&m, "a").await.is_none());
    assert!(v.snapshot(&m, "a").await.unwrap().is_absent());
    let m1 = mount(1).await;
    seed(&m1, "a", json!({"K": "1"})).await;
    assert!(v.delete_secret(&m1, "a", &DeleteMode::Versions(vec![1])).await.is_err());
    v.delete_secret(&m1, "a", &DeleteMode::Latest).await.unwrap();
    assert!(raw_read(&m1, "a").await.is_none());
}

// ---------------------------------------------------------------------------------------------------------
// Folders

#[tokio::test]
async fn mkdir_keeps_empty_folders_with_a_placeholder_that_goes_once_used() {
    let v = vault();
    for version in [1u8, 2] {
        let m = mount(version).await;
        assert_eq!(v.mkdir(&m, "team").await.unwrap(), MkdirOutcome::Created);
        assert_eq!(names(&m, "").await, ["team/"]);
        assert_eq!(names(&m, "team").await, [".keep"]);
        let keep = raw_read(&m, "team/.keep").await.unwrap();
        assert_eq!(
            keep,
            if version == 1 { json!({"KEEP": "placeholder keeping this folder visible"}) } else { json!({}) }
        );
        assert_eq!(v.mkdir(&m, "team").await.unwrap(), MkdirOutcome::AlreadyExists);
        // A subfolder in it: the parent's placeholder goes.
        assert_eq!(v.mkdir(&m, "team/sub").await.unwrap(), MkdirOutcome::Created);
        assert_eq!(names(&m, "team").await, ["sub/"]);
        // A secret in the subfolder: its placeholder goes.
        let w = v.write(&m, "team/sub/db", &data(r#"{"K":"v"}"#), &Expected::Absent).await.unwrap();
        assert_eq!(w.placeholders_removed, [format!("{}/team/sub/.keep", m.path)]);
        assert_eq!(names(&m, "team/sub").await, ["db"]);
        // An update does not look for placeholders; a folder with other content keeps a foreign `.keep`.
        seed(&m, "other/.keep", json!({"KEEP": "x"})).await;
        seed(&m, "other/a", json!({"K": "v"})).await;
        let w = v.write(&m, "other/a", &data(r#"{"K":"w"}"#), &Expected::Anything).await.unwrap();
        assert!(w.placeholders_removed.is_empty());
        assert!(v.mkdir(&m, "bad//name").await.is_err());
        assert!(v.mkdir(&m, "..").await.is_err());
    }
}

#[tokio::test]
async fn odd_names_round_trip() {
    let v = vault();
    let odd = [
        "sp ace",
        "ünïcødé é",
        "per%cent",
        "ques?tion",
        "ha#sh",
        "pl+us",
        "a&b=c",
        "semi;colon",
        "quote'\"",
        "back\\slash",
        "brace{}[]|^`<>",
        "star*!$(),:@~",
        "...dots",
        ".hidden",
        "emoji 🔑",
    ];
    for version in [1u8, 2] {
        let m = mount(version).await;
        for (i, name) in odd.iter().enumerate() {
            let path = format!("odd/{name}");
            v.write(&m, &path, &data(&format!(r#"{{"I":"{i}"}}"#)), &Expected::Absent)
                .await
                .unwrap_or_else(|e| panic!("{name:?}: {e}"));
        }
        let mut want: Vec<String> = odd.iter().map(|s| s.to_string()).collect();
        want.sort();
        let mut got = names(&m, "odd").await;
        got.sort();
        assert_eq!(got, want);
        for (i, name) in odd.iter().enumerate() {
            assert_eq!(
                raw_read(&m, &format!("odd/{name}")).await.unwrap(),
                json!({"I": i.to_string()}),
                "{name:?}"
            );
        }
        // A folder move keeps every name.
        let opts = TransferOptions::default();
        let r = v
            .transfer_folder(
                &Location::new(m.clone(), "odd"),
                &Location::new(m.clone(), "moved dir/ü"),
                TransferMode::Move,
                &opts,
                None,
            )
            .await
            .unwrap();
        assert!(r.is_complete(), "{r:?}");
        let mut got = names(&m, "moved dir/ü").await;
        got.sort();
        assert_eq!(got, want);
        assert!(names(&m, "odd").await.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------------------
// Copy and move

#[tokio::test]
async fn copy_and_move_across_mounts_and_kv_versions_with_custom_metadata() {
    let v = vault();
    let a = mount(2).await;
    let b = mount(2).await;
    let c = mount(1).await;
    seed(&a, "f/one", json!({"A": "1", "N": 2, "O": {"deep": [1, "x"]}})).await;
    seed(&a, "f/sub/two", json!({"B": "2"})).await;
    seed(&a, "f/.keep", json!({})).await;
    let owner = BTreeMap::from([
        ("owner".to_string(), "ml".to_string()),
        ("sesame.encoding.A".into(), "base64".into()),
    ]);
    v.set_custom_metadata(&a, "f/one", &owner).await.unwrap();
    let opts = TransferOptions::default();
    let loc = |m: &Mount, p: &str| Location::new(m.clone(), p);

    // v2 → v2 folder copy: data and custom_metadata carried; source intact.
    let progress = BatchProgress::default();
    let r = v
        .transfer_folder(&loc(&a, "f"), &loc(&b, "g"), TransferMode::Copy, &opts, Some(&progress))
        .await
        .unwrap();
    assert!(r.is_complete(), "{r:?}");
    assert_eq!(r.done().len(), 3);
    assert_eq!(progress.total.load(Ordering::SeqCst), 3);
    assert_eq!(progress.finished.load(Ordering::SeqCst), 3);
    assert_eq!(raw_read(&b, "g/one").await.unwrap(), json!({"A": "1", "N": 2, "O": {"deep": [1, "x"]}}));
    assert_eq!(
        raw_meta(&b, "g/one").await.unwrap()["custom_metadata"],
        json!({"owner": "ml", "sesame.encoding.A": "base64"})
    );
    assert_eq!(raw_read(&b, "g/sub/two").await.unwrap(), json!({"B": "2"}));
    assert_eq!(raw_read(&a, "f/one").await.unwrap()["A"], "1");

    // v2 → v1: the empty placeholder becomes KV v1's.
    let r = v.transfer_folder(&loc(&a, "f"), &loc(&c, "h"), TransferMode::Copy, &opts, None).await.unwrap();
    assert!(r.is_complete(), "{r:?}");
    assert_eq!(raw_read(&c, "h/one").await.unwrap(), json!({"A": "1", "N": 2, "O": {"deep": [1, "x"]}}));
    // The source's placeholder was stale (its folder holds secrets): it does not survive at the destination.
    assert_eq!(r.placeholders_removed, [format!("{}/h/.keep", c.path)]);
    assert_eq!(names(&c, "h").await, ["sub/", "one"]);
    // An empty folder (a lone placeholder) stays a folder on KV v1, whose placeholder cannot be `{}`.
    seed(&a, "empty/.keep", json!({})).await;
    let r = v
        .transfer_folder(&loc(&a, "empty"), &loc(&c, "empty"), TransferMode::Copy, &opts, None)
        .await
        .unwrap();
    assert!(r.is_complete(), "{r:?}");
    assert_eq!(raw_read(&c, "empty/.keep").await.unwrap()["KEEP"], "placeholder keeping this folder visible");

    // v1 → v2 move: the source goes only once verified.
    let r =
        v.transfer_folder(&loc(&c, "h"), &loc(&b, "back"), TransferMode::Move, &opts, None).await.unwrap();
    assert!(r.is_complete(), "{r:?}");
    assert!(names(&c, "h").await.is_empty());
    assert_eq!(raw_read(&b, "back/sub/two").await.unwrap(), json!({"B": "2"}));

    // Rename a secret (v2): the source and its versions go; custom_metadata comes along.
    let r = v
        .transfer_secret(&loc(&b, "g/one"), &loc(&b, "g/renamed"), TransferMode::Move, &opts, None)
        .await
        .unwrap();
    assert!(r.is_complete(), "{r:?}");
    assert!(raw_meta(&b, "g/one").await.is_none());
    assert_eq!(raw_meta(&b, "g/renamed").await.unwrap()["custom_metadata"]["owner"], "ml");

    // An existing destination is refused unless asked, then overwritten with check-and-set.
    seed(&b, "g/taken", json!({"OLD": "x"})).await;
    let r = v
        .transfer_secret(&loc(&a, "f/one"), &loc(&b, "g/taken"), TransferMode::Move, &opts, None)
        .await
        .unwrap();
    assert!(
        matches!(&r.items[0].status, ItemStatus::Failed { reason, partial_destination: false } if reason.contains("already exists")),
        "{r:?}"
    );
    assert_eq!(raw_read(&b, "g/taken").await.unwrap(), json!({"OLD": "x"}));
    assert!(raw_read(&a, "f/one").await.is_some(), "the source stays when the move fails");
    let over = TransferOptions { overwrite: true, ..TransferOptions::default() };
    let r = v
        .transfer_secret(&loc(&a, "f/one"), &loc(&b, "g/taken"), TransferMode::Copy, &over, None)
        .await
        .unwrap();
    assert!(r.is_complete(), "{r:?}");
    assert_eq!(
        raw_meta(&b, "g/taken").await.unwrap()["current_version"],
        2,
        "the old data stays as version 1"
    );

    // Folder refusals: into itself, onto a non-empty folder, from nothing.
    let e = v
        .transfer_folder(&loc(&a, "f"), &loc(&a, "f/inner"), TransferMode::Move, &opts, None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("into itself"), "{e}");
    let e =
        v.transfer_folder(&loc(&a, "f"), &loc(&b, "g"), TransferMode::Copy, &opts, None).await.unwrap_err();
    assert!(e.to_string().contains("not empty"), "{e}");
    let e = v
        .transfer_folder(&loc(&a, "nothing"), &loc(&b, "x"), TransferMode::Copy, &opts, None)
        .await
        .unwrap_err();
    assert!(matches!(e, VaultError::NotFound { .. }), "{e:?}");
    let e = v
        .transfer_secret(&loc(&a, "f/one"), &loc(&a, "f/one"), TransferMode::Move, &opts, None)
        .await
        .unwrap_err();
    assert!(matches!(e, VaultError::Invalid(_)));
    let e = v
        .transfer_secret(&loc(&a, "f/one"), &loc(&a, "f/ bad"), TransferMode::Move, &opts, None)
        .await
        .unwrap_err();
    assert!(matches!(e, VaultError::Invalid(_)));

    // Move keeping the source's history: its latest version is soft-deleted, older ones stay.
    seed(&a, "hist", json!({"V": "1"})).await;
    seed(&a, "hist", json!({"V": "2"})).await;
    let keep = TransferOptions { keep_source_versions: true, ..TransferOptions::default() };
    let r =
        v.transfer_secret(&loc(&a, "hist"), &loc(&b, "hist"), TransferMode::Move, &keep, None).await.unwrap();
    assert!(r.is_complete(), "{r:?}");
    let h = v.history(&a, "hist").await.unwrap();
    assert_eq!(h.iter().map(|x| x.state()).collect::<Vec<_>>(), [VersionState::Deleted, VersionState::Live]);

    // A placeholder lands where the folder already has one: fine.
    seed(&b, "ph/.keep", json!({})).await;
    seed(&a, "ph2/.keep", json!({})).await;
    let r =
        v.transfer_folder(&loc(&a, "ph2"), &loc(&b, "ph"), TransferMode::Move, &opts, None).await.unwrap();
    assert!(r.is_complete(), "{r:?}");
    assert!(names(&a, "ph2").await.is_empty());
}

#[tokio::test]
async fn a_forbidden_destination_moves_nothing_and_keeps_every_source() {
    let s = common::server();
    let v = vault();
    let src = mount(2).await;
    let dst = mount(1).await;
    for i in 0..3 {
        seed(&src, &format!("f/s{i}"), json!({"K": format!("v{i}")})).await;
    }
    let policy = format!("mover-{}", src.path);
    s.put_policy(
        &policy,
        &format!(
            "path \"{s}/*\" {{ capabilities = [\"create\", \"read\", \"update\", \"delete\", \"list\"] }}\n\
             path \"{d}/*\" {{ capabilities = [\"read\", \"list\"] }}",
            s = src.path,
            d = dst.path
        ),
    )
    .await;
    let token = s.token_with_policies(&[&policy]).await;
    let mover = v.with_token(&token);
    let r = mover
        .transfer_folder(
            &Location::new(src.clone(), "f"),
            &Location::new(dst.clone(), "f"),
            TransferMode::Move,
            &TransferOptions::default(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.failed().len(), 3, "{r:?}");
    for item in &r.items {
        assert!(
            matches!(&item.status, ItemStatus::Failed { reason, partial_destination: false }
                if reason.starts_with("writing the destination: permission denied")),
            "{item:?}"
        );
    }
    assert!(r.halted.is_none(), "a 403 does not stop the batch");
    assert_eq!(names(&src, "f").await, ["s0", "s1", "s2"]);
    assert!(names(&dst, "").await.is_empty());

    // The same token's capabilities, in one batch.
    let perms = mover
        .permissions(
            &dst,
            &[
                ("f/x".into(), Action::Create),
                ("f/x".into(), Action::Read),
                ("f/".into(), Action::List),
                ("f/x".into(), Action::Destroy),
            ],
        )
        .await;
    assert!(matches!(&perms[0], Permission::Denied(r) if r.contains("not create")), "{perms:?}");
    assert_eq!(perms[1], Permission::Allowed);
    assert_eq!(perms[2], Permission::Allowed);
    assert!(matches!(&perms[3], Permission::Denied(r) if r.contains("KV v1")), "{perms:?}");
    let perms = mover
        .permissions(
            &src,
            &[
                ("f/s0".into(), Action::Update),
                ("f/s0".into(), Action::DeleteAll),
                ("f/s0".into(), Action::Destroy),
                ("f".into(), Action::List),
            ],
        )
        .await;
    assert_eq!(perms[0], Permission::Allowed);
    assert_eq!(perms[1], Permission::Allowed, "metadata/* is covered by the glob");
    assert_eq!(perms[2], Permission::Allowed);
    assert_eq!(perms[3], Permission::Allowed);
    // Root sees everything; a token without the default policy cannot ask: unknown, not denied.
    assert_eq!(v.permissions(&src, &[("x".into(), Action::Destroy)]).await, [Permission::Allowed]);
    let (status, body) = s
        .request(
            Method::POST,
            "auth/token/create",
            Some(json!({"policies": [policy], "no_default_policy": true, "ttl": "1h"})),
        )
        .await;
    assert!(status.is_success(), "{body}");
    let bare = v.with_token(body["auth"]["client_token"].as_str().unwrap());
    let perms = bare.permissions(&src, &[("f/s0".into(), Action::Read)]).await;
    assert!(matches!(&perms[0], Permission::Unknown(_)), "{perms:?}");
    assert!(perms[0].may_try());
}

#[tokio::test]
async fn folder_count_and_recursive_delete() {
    let v = vault();
    for version in [1u8, 2] {
        let m = mount(version).await;
        for p in ["d/a", "d/b/c", "d/b/e", "keep/me"] {
            seed(&m, p, json!({"K": "v"})).await;
        }
        let folder = Location::new(m.clone(), "d");
        let walk = WalkOptions::default();
        assert_eq!(v.count_secrets(&folder, &walk).await.unwrap().secrets.len(), 3);
        let mode = if version == 2 { DeleteMode::AllVersions } else { DeleteMode::Latest };
        let progress = BatchProgress::default();
        let r = v.delete_folder(&folder, &mode, &walk, Some(&progress)).await.unwrap();
        assert!(r.is_complete(), "{r:?}");
        assert_eq!(r.summary("deleted"), "3 deleted");
        assert_eq!(progress.finished.load(Ordering::SeqCst), 3);
        assert_eq!(names(&m, "").await, ["keep/"]);
    }
    // KV v2 soft delete: the secrets stay listed, their latest versions deleted.
    let m = mount(2).await;
    seed(&m, "d/a", json!({"K": "v"})).await;
    let r = v
        .delete_folder(&Location::new(m.clone(), "d"), &DeleteMode::Latest, &WalkOptions::default(), None)
        .await
        .unwrap();
    assert!(r.is_complete());
    assert_eq!(names(&m, "d").await, ["a"]);
    assert!(raw_read(&m, "d/a").await.is_none());
}

#[tokio::test]
async fn annotations_travel_across_engines_and_the_v1_registry_stays_put() {
    let v = vault();
    let store = AnnotationStore::new(v.clone());
    let v1 = mount(1).await;
    let v2 = mount(2).await;
    let set = |pairs: &[(&str, &str)]| -> Changes {
        pairs.iter().map(|(k, val)| (k.to_string(), Some(val.to_string()))).collect()
    };
    seed(&v1, "app/db", json!({"K": "v"})).await;
    seed(&v1, "app/plain", json!({"K": "v"})).await;
    store.set(&v1, "app/db", &set(&[("type", "opaque"), ("encoding.K", "base64")])).await.unwrap();
    let loc = |m: &Mount, p: &str| Location::new(m.clone(), p);
    let opts = TransferOptions::default();
    // The registry is not a secret of the folder: not counted, not moved.
    assert_eq!(
        v.count_secrets(&loc(&v1, ""), &WalkOptions::default()).await.unwrap().secrets,
        ["app/db", "app/plain"]
    );
    assert!(
        v.transfer_secret(&loc(&v1, ".sesame/annotations"), &loc(&v2, "x"), TransferMode::Copy, &opts, None)
            .await
            .is_err()
    );

    // v1 → v2 move: the annotations land in custom_metadata and leave the registry.
    let r =
        v.transfer_folder(&loc(&v1, "app"), &loc(&v2, "app"), TransferMode::Move, &opts, None).await.unwrap();
    assert!(r.is_complete() && r.notes.is_empty(), "{r:?}");
    assert_eq!(
        raw_meta(&v2, "app/db").await.unwrap()["custom_metadata"],
        json!({"sesame.type": "opaque", "sesame.encoding.K": "base64"})
    );
    assert!(raw_read(&v1, ".sesame/annotations").await.is_none(), "the emptied registry is gone");
    assert_eq!(names(&v1, "").await, Vec::<String>::new());

    // v2 → v1 copy: back into the registry (other tools' custom_metadata cannot follow to KV v1).
    v.patch_custom_metadata(&v2, "app/db", &[("other-tool".into(), Some("x".into()))]).await.unwrap();
    let r = v
        .transfer_secret(&loc(&v2, "app/db"), &loc(&v1, "copy/db"), TransferMode::Copy, &opts, None)
        .await
        .unwrap();
    assert!(r.is_complete(), "{r:?}");
    assert_eq!(
        raw_read(&v1, ".sesame/annotations").await.unwrap(),
        json!({"copy/db": {"type": "opaque", "encoding.K": "base64"}})
    );
    // A recursive delete on KV v1 forgets the annotations of what it deleted.
    let r =
        v.delete_folder(&loc(&v1, "copy"), &DeleteMode::Latest, &WalkOptions::default(), None).await.unwrap();
    assert!(r.is_complete() && r.notes.is_empty(), "{r:?}");
    assert!(raw_read(&v1, ".sesame/annotations").await.is_none());
}

// ---------------------------------------------------------------------------------------------------------
// The server stopped mid-move

/// A TCP proxy in front of the server that can be stopped at an exact point: once [`Proxy::stop`] returns,
/// its port refuses connections and every open connection is closed, as if the server had died.
struct Proxy {
    addr: String,
    stopped: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
    acceptor: Mutex<Option<JoinHandle<()>>>,
}

impl Proxy {
    fn start(upstream: &str) -> Arc<Self> {
        let upstream = upstream.trim_start_matches("http://").trim_start_matches("https://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let stopped = Arc::new(AtomicBool::new(false));
        let conns: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (st, cs) = (stopped.clone(), conns.clone());
        let acceptor = std::thread::spawn(move || {
            for client in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(&upstream) else { continue };
                {
                    let mut c = cs.lock().unwrap();
                    c.push(client.try_clone().unwrap());
                    c.push(server.try_clone().unwrap());
                }
                for (mut from, mut to) in
                    [(client.try_clone().unwrap(), server.try_clone().unwrap()), (server, client)]
                {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
            // The listener is dropped here: the port refuses connections from now on.
        });
        Arc::new(Self { addr, stopped, conns, acceptor: Mutex::new(Some(acceptor)) })
    }

    fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wake the acceptor so that it sees the flag and drops the listener.
        let _ = TcpStream::connect(self.addr.trim_start_matches("http://"));
        if let Some(h) = self.acceptor.lock().unwrap().take() {
            h.join().unwrap();
        }
        for c in self.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }
}

#[tokio::test]
async fn server_stopped_mid_move_reports_exactly_what_moved() {
    let s = common::server();
    let src = mount(2).await;
    let dst = mount(1).await;
    for i in 0..10 {
        seed(&src, &format!("f/s{i:02}"), json!({"K": format!("value-{i}")})).await;
    }
    let proxy = Proxy::start(&s.addr);
    let through = Vault::connect(&proxy.addr, &s.token).unwrap();
    // Stop the "server" right after the 4th copy is verified, before its source is deleted.
    let verified = Arc::new(AtomicUsize::new(0));
    let (p, n) = (proxy.clone(), verified.clone());
    let progress = BatchProgress::with_observer(move |e| {
        if let BatchEvent::Verified { .. } = e
            && n.fetch_add(1, Ordering::SeqCst) + 1 == 4
        {
            p.stop();
        }
    });
    let opts = TransferOptions {
        walk: WalkOptions { concurrency: 1, use_scan: true, ..WalkOptions::default() },
        ..TransferOptions::default()
    };
    let r = through
        .transfer_folder(
            &Location::new(src.clone(), "f"),
            &Location::new(dst.clone(), "g"),
            TransferMode::Move,
            &opts,
            Some(&progress),
        )
        .await
        .unwrap();
    let status: Vec<&str> = r
        .items
        .iter()
        .map(|i| match i.status {
            ItemStatus::Done => "done",
            ItemStatus::SourceKept { .. } => "kept",
            ItemStatus::Failed { .. } => "failed",
            ItemStatus::NotAttempted => "not",
        })
        .collect();
    assert_eq!(status, ["done", "done", "done", "kept", "not", "not", "not", "not", "not", "not"], "{r:?}");
    assert!(r.halted.as_deref().unwrap_or("").contains("connection"), "{:?}", r.halted);
    assert_eq!(r.summary("moved"), "3 moved, 1 copied but source kept, 6 not attempted");
    assert_eq!(progress.finished.load(Ordering::SeqCst), 10);
    // The real state behind the proxy: exactly what the report says.
    let left: Vec<String> = (3..10).map(|i| format!("s{i:02}")).collect();
    assert_eq!(names(&src, "f").await, left);
    assert_eq!(names(&dst, "g").await, ["s00", "s01", "s02", "s03"]);
    for i in 0..4 {
        assert_eq!(raw_read(&dst, &format!("g/s{i:02}")).await.unwrap(), json!({"K": format!("value-{i}")}));
    }
    for i in 3..10 {
        assert_eq!(raw_read(&src, &format!("f/s{i:02}")).await.unwrap(), json!({"K": format!("value-{i}")}));
    }
}

#[tokio::test]
async fn a_killed_server_mid_move_leaves_an_exact_report() {
    let dev = DevServer::start(DevOptions::default()).await.unwrap();
    let (addr, token) = (dev.addr().to_string(), dev.root_token().to_string());
    let (status, body) = common::raw_request(
        &addr,
        &token,
        Method::POST,
        "sys/mounts/legacy",
        Some(json!({"type": "kv", "options": {"version": "1"}})),
    )
    .await;
    assert!(status.is_success(), "{body}");
    for i in 0..8 {
        let (status, body) = common::raw_request(
            &addr,
            &token,
            Method::POST,
            &format!("secret/data/f/s{i}"),
            Some(json!({"data": {"K": format!("value-{i}")}})),
        )
        .await;
        assert!(status.is_success(), "{body}");
    }
    let v = Vault::connect(&addr, &token).unwrap();
    let src = v.mount_of("secret").await.unwrap();
    let dst = v.mount_of("legacy").await.unwrap();
    let pid = dev.pid();
    let host = addr.trim_start_matches("http://").to_string();
    let finished = Arc::new(AtomicUsize::new(0));
    let n = finished.clone();
    let progress = BatchProgress::with_observer(move |e| {
        if let BatchEvent::Finished(_) = e
            && n.fetch_add(1, Ordering::SeqCst) + 1 == 3
        {
            // SIGKILL, then wait until the port refuses connections.
            // SAFETY: kill(2) on the dev server process this test started.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            let deadline = Instant::now() + Duration::from_secs(10);
            while TcpStream::connect(&host).is_ok() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    });
    let opts = TransferOptions {
        walk: WalkOptions { concurrency: 1, use_scan: true, ..WalkOptions::default() },
        ..TransferOptions::default()
    };
    let r = v
        .transfer_folder(
            &Location::new(src, "f"),
            &Location::new(dst, "g"),
            TransferMode::Move,
            &opts,
            Some(&progress),
        )
        .await
        .unwrap();
    assert_eq!(r.done().len(), 3, "{r:?}");
    assert_eq!(r.failed().len(), 1, "{r:?}");
    assert_eq!(r.not_attempted().len(), 4, "{r:?}");
    assert!(
        matches!(&r.items[3].status, ItemStatus::Failed { reason, partial_destination: false }
        if reason.starts_with("reading the source: cannot reach")),
        "{r:?}"
    );
    assert!(r.halted.is_some());
    drop(dev);
}

// ---------------------------------------------------------------------------------------------------------
// The CLI

/// Runs the binary and checks that no secret value shows in its output.
fn run_ok(args: &[&str], stdin: Option<&[u8]>, secrets: &[&str]) -> Run {
    let r = cli::run(args, stdin);
    assert_eq!(r.code, 0, "{args:?}\nstdout: {}\nstderr: {}", r.out, r.err);
    no_values(&r, secrets);
    r
}

fn run_fails(args: &[&str], stdin: Option<&[u8]>, secrets: &[&str]) -> Run {
    let r = cli::run(args, stdin);
    assert_ne!(r.code, 0, "{args:?} should fail\nstdout: {}\nstderr: {}", r.out, r.err);
    no_values(&r, secrets);
    r
}

fn no_values(r: &Run, secrets: &[&str]) {
    for s in secrets {
        assert!(!r.out.contains(s) && !r.err.contains(s), "value {s:?} printed:\n{}\n{}", r.out, r.err);
    }
}

#[tokio::test]
async fn cli_edits_print_no_value() {
    let s = common::server();
    let m2 = mount(2).await;
    let m1 = mount(1).await;
    let dir = tempfile::tempdir().unwrap();
    let pem = "-----BEGIN KEY-----\nc2VjcmV0LXBlbS1ib2R5\n-----END KEY-----\n";
    std::fs::write(dir.path().join("key.pem"), pem).unwrap();
    let bin: Vec<u8> = vec![0, 1, 2, 250, 251, 252, 0, 0x53];
    std::fs::write(dir.path().join("blob.bin"), &bin).unwrap();
    std::fs::write(dir.path().join("huge"), vec![b'x'; 600 * 1024]).unwrap();
    let pem_arg = format!("PEM=@{}", dir.path().join("key.pem").display());
    let bin_arg = format!("BLOB=@{}", dir.path().join("blob.bin").display());
    let secrets =
        ["s3cr3t-user", "s3cr3t-pass", "c2VjcmV0LXBlbS1ib2R5", "AAEC+vv8AFM=", "fr0m-stdin", "n3w-pass"];
    let db = format!("{}/app/db", m2.path);

    let r = run_ok(
        &["put", &db, "DB_USER=s3cr3t-user", "DB_PASSWORD=s3cr3t-pass", &pem_arg, &bin_arg],
        None,
        &secrets,
    );
    assert!(
        r.out.contains("version 1") && r.out.contains("added DB_USER, DB_PASSWORD, PEM, BLOB"),
        "{}",
        r.out
    );
    assert_eq!(
        raw_read(&m2, "app/db").await.unwrap(),
        json!({"DB_USER": "s3cr3t-user", "DB_PASSWORD": "s3cr3t-pass", "PEM": pem, "BLOB": "AAEC+vv8AFM="})
    );
    assert_eq!(
        raw_meta(&m2, "app/db").await.unwrap()["custom_metadata"],
        json!({"sesame.encoding.BLOB": "base64"})
    );

    // An update changes only the keys given, with check-and-set; a real client reads the same.
    let r = run_ok(&["put", &db, "DB_PASSWORD=n3w-pass", "EXTRA=@-"], Some(b"fr0m-stdin"), &secrets);
    assert!(r.out.contains("version 2 (added EXTRA; changed DB_PASSWORD)"), "{}", r.out);
    let hvac = std::process::Command::new(".venv/bin/python")
        .args([
            "-c",
            "import hvac, json, sys; c = hvac.Client(url=sys.argv[1], token=sys.argv[2]); \
             print(json.dumps(c.secrets.kv.v2.read_secret_version(path=sys.argv[4], mount_point=sys.argv[3], \
             raise_on_deleted_version=True)['data']['data'], sort_keys=True))",
            &s.addr,
            &s.token,
            &m2.path,
            "app/db",
        ])
        .output();
    match hvac {
        Ok(out) => {
            assert!(out.status.success(), "hvac: {}", String::from_utf8_lossy(&out.stderr));
            let got: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(
                got,
                json!({"DB_USER": "s3cr3t-user", "DB_PASSWORD": "n3w-pass", "PEM": pem, "BLOB": "AAEC+vv8AFM=", "EXTRA": "fr0m-stdin"})
            );
        }
        Err(e) => eprintln!("no .venv/bin/python ({e}): skipping the hvac cross-check"),
    }

    // --replace drops the keys not given, and their encoding records.
    let r = run_ok(&["put", "--replace", &db, "ONLY=s3cr3t-user"], None, &secrets);
    assert!(r.out.contains("version 3") && r.out.contains("removed"), "{}", r.out);
    assert_eq!(raw_read(&m2, "app/db").await.unwrap(), json!({"ONLY": "s3cr3t-user"}));
    assert_eq!(raw_meta(&m2, "app/db").await.unwrap()["custom_metadata"], Value::Null);

    // Refusals: invalid keys, names, missing `=`, too big a file; nothing written.
    let r = run_fails(&["put", &db, "bad-key=s3cr3t-pass"], None, &secrets);
    assert!(r.err.contains("invalid key \"bad-key\""), "{}", r.err);
    run_fails(&["put", &db, "s3cr3t-pass"], None, &secrets);
    let r = run_fails(&["put", &format!("{}/a//b", m2.path), "K=s3cr3t-pass"], None, &secrets);
    assert!(r.err.contains("empty segment"), "{}", r.err);
    run_fails(&["put", &format!("{}/ lead", m2.path), "K=v"], None, &secrets);
    let r = run_fails(&["put", &db, &format!("BIG=@{}", dir.path().join("huge").display())], None, &secrets);
    assert!(r.err.contains("at most 512 KiB"), "{}", r.err);
    assert_eq!(raw_meta(&m2, "app/db").await.unwrap()["current_version"], 3);

    // KV v1: the encoding is recorded in the mount's annotation registry.
    run_ok(&["put", &format!("{}/ci/token", m1.path), "TOKEN=s3cr3t-pass", &bin_arg], None, &secrets);
    assert_eq!(
        raw_read(&m1, ".sesame/annotations").await.unwrap(),
        json!({"ci/token": {"encoding.BLOB": "base64"}})
    );
    assert_eq!(
        raw_read(&m1, "ci/token").await.unwrap(),
        json!({"TOKEN": "s3cr3t-pass", "BLOB": "AAEC+vv8AFM="})
    );

    // mkdir, then a secret in it removes the placeholder.
    let newdir = format!("{}/newdir", m2.path);
    run_ok(&["mkdir", &newdir], None, &secrets);
    let r = run_fails(&["mkdir", &newdir], None, &secrets);
    assert!(r.err.contains("already exists"), "{}", r.err);
    let r = run_ok(&["put", &format!("{newdir}/s"), "K=s3cr3t-pass"], None, &secrets);
    assert!(r.err.contains("removed the placeholder"), "{}", r.err);
    assert_eq!(names(&m2, "newdir").await, ["s"]);

    // history, rollback, rm (soft), undelete, destroy.
    let r = run_ok(&["history", &db], None, &secrets);
    assert!(r.out.starts_with("VERSION"), "{}", r.out);
    assert!(r.out.contains("3 *") && r.out.contains("live"), "{}", r.out);
    let r = run_ok(&["rollback", &db, "2"], None, &secrets);
    assert!(r.out.contains("version 4 written with the data of version 2"), "{}", r.out);
    assert_eq!(raw_read(&m2, "app/db").await.unwrap()["DB_PASSWORD"], "n3w-pass");
    let r = run_ok(&["rm", &db], None, &secrets);
    assert!(r.out.contains("version 4 deleted"), "{}", r.out);
    assert!(raw_read(&m2, "app/db").await.is_none());
    run_ok(&["undelete", &db, "4"], None, &secrets);
    assert!(raw_read(&m2, "app/db").await.is_some());
    let r = run_fails(&["destroy", &db, "1"], None, &secrets);
    assert!(r.err.contains("--yes"), "{}", r.err);
    run_ok(&["destroy", &db, "1", "--yes"], None, &secrets);
    let r = run_ok(&["history", &db], None, &secrets);
    assert!(r.out.contains("destroyed"), "{}", r.out);
    run_fails(&["history", &format!("{}/ci/token", m1.path)], None, &secrets);
    run_fails(&["rm", &format!("{}/app/nothing", m2.path)], None, &secrets);
    let r = run_fails(&["rm", &format!("{}/app", m2.path)], None, &secrets);
    assert!(r.err.contains("use -r"), "{}", r.err);

    // cp a folder into another mount and KV version, mv it back, rm -r with a confirmation. As cp -r: the
    // first copy makes `copied` (it did not exist), the second goes inside it, the third finds it taken.
    let r = run_ok(&["cp", &format!("{}/app/", m2.path), &format!("{}/copied/", m1.path)], None, &secrets);
    assert_eq!(r.out.trim(), "1 copied", "{}", r.out);
    assert_eq!(raw_read(&m1, "copied/db").await.unwrap()["DB_PASSWORD"], "n3w-pass");
    let r = run_ok(&["cp", &format!("{}/app/", m2.path), &format!("{}/copied/", m1.path)], None, &secrets);
    assert_eq!(r.out.trim(), "1 copied", "{}", r.out);
    assert_eq!(raw_read(&m1, "copied/app/db").await.unwrap()["DB_PASSWORD"], "n3w-pass");
    let r = run_fails(&["cp", &format!("{}/app/", m2.path), &format!("{}/copied/", m1.path)], None, &secrets);
    assert!(r.err.contains("not empty"), "{}", r.err);
    let r =
        run_ok(&["mv", &format!("{}/copied/app", m1.path), &format!("{}/moved", m2.path)], None, &secrets);
    assert_eq!(r.out.trim(), "1 moved", "{}", r.out);
    assert_eq!(names(&m1, "copied").await, ["db"]);
    run_ok(
        &["mv", &format!("{}/moved/db", m2.path), &format!("{}/moved/renamed db", m2.path)],
        None,
        &secrets,
    );
    assert_eq!(names(&m2, "moved").await, ["renamed db"]);
    let r = run_fails(&["rm", "-r", &format!("{}/moved", m2.path)], None, &secrets);
    assert!(r.err.contains("delete 1 secrets below") && r.err.contains("--yes"), "{}", r.err);
    let r = run_ok(&["rm", "-r", "--all-versions", "--yes", &format!("{}/moved", m2.path)], None, &secrets);
    assert_eq!(r.out.trim(), "1 deleted", "{}", r.out);
    assert!(names(&m2, "moved").await.is_empty());
}
