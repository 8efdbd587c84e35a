//! The network side of the TUI's delete/move/copy flows and of the editor's save, over real HTTP against a
//! real OpenBao (or the server named by `SESAME_TEST_VAULT_ADDR`): commands are run as the event loop runs
//! them and their answers checked. Each test works in mounts of its own.

mod common;

use common::vault;

use serde_json::json;
use sesame::app::effects;
use sesame::app::ops::{OpsEffect, OpsMsg, ProgressHandle, Target};
use sesame::app::{Effect, Msg};
use sesame::secret::SecretData;
use sesame::vault::Vault;
use sesame::vault::annotations::AnnotationStore;
use sesame::vault::capabilities::{Action as Cap, Permission};
use sesame::vault::kv::Mount;
use sesame::vault::transfer::{ItemStatus, Location, TransferMode};
use sesame::vault::write::DeleteMode;
use tokio::sync::mpsc;

async fn mount(version: u8) -> Mount {
    let name = common::server().fresh_mount(version).await;
    vault().mount_of(&name).await.unwrap()
}

/// Runs one command as the event loop does and returns its answer.
async fn run(v: &Vault, cmd: OpsEffect) -> OpsMsg {
    let (tx, mut rx) = mpsc::unbounded_channel();
    effects::run(v, &[], Effect::Ops(cmd), &tx).await;
    match rx.recv().await {
        Some(Msg::Ops(m)) => m,
        other => panic!("expected an operations answer, got {other:?}"),
    }
}

fn target(m: &Mount, path: &str, is_folder: bool) -> Target {
    Target { mount: m.clone(), path: path.into(), is_folder }
}

#[tokio::test]
async fn the_editor_records_value_encodings_on_kv1_and_kv2_and_forgets_replaced_ones() {
    let v = vault();
    for version in [1, 2] {
        let m = mount(version).await;
        let data = SecretData::from_json_object(r#"{"BLOB":"AAEC","NOTE":"hi"}"#).unwrap();
        let enc = [("BLOB".to_string(), "base64".to_string())];
        effects::write(&v, &m, "bin", &data, None, false, &enc).await.unwrap();
        let store = AnnotationStore::new(v.clone());
        let got = store.get(&m, "bin").await.unwrap();
        assert_eq!(got.get("encoding.BLOB").map(String::as_str), Some("base64"), "KV v{version}: {got:?}");
        // The value is replaced by text: its record goes; an untouched key's record would stay.
        let read = v.read(&m, "bin", None).await.unwrap();
        let text = SecretData::from_json_object(r#"{"BLOB":"plain now","NOTE":"hi"}"#).unwrap();
        effects::write(&v, &m, "bin", &text, Some(&read), false, &[]).await.unwrap();
        let got = AnnotationStore::new(v.clone()).get(&m, "bin").await.unwrap();
        assert!(!got.contains_key("encoding.BLOB"), "KV v{version}: {got:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folder_move_check_and_delete_run_as_the_tui_runs_them() {
    let s = common::server();
    let v = vault();
    let src = mount(2).await;
    let dst = mount(1).await;
    for p in ["team/a", "team/sub/b", "team/.keep"] {
        s.write_kv(&src.path, 2, p, json!({"K": p})).await;
    }
    s.write_kv(&dst.path, 1, "taken/x", json!({"K": "there"})).await;

    // The destination is resolved from `mount/path` as mv(1) does: a new name renames, an existing folder
    // takes the source inside it (a trailing / changes nothing for a folder).
    let check = |text: &str| OpsEffect::CheckDestination {
        req: 1,
        source: target(&src, "team", true),
        text: text.to_string(),
        rename: false,
    };
    let OpsMsg::Checked { result, .. } = run(&v, check(&format!("{}/moved/", dst.path))).await else {
        panic!()
    };
    let c = result.unwrap();
    assert_eq!(c.dst, Location::new(dst.clone(), "moved"));
    assert_eq!((c.existing, c.denied), (None, None));
    let OpsMsg::Checked { result, .. } = run(&v, check(&format!("{}/taken", dst.path))).await else {
        panic!()
    };
    let c = result.unwrap();
    assert_eq!(c.dst, Location::new(dst.clone(), "taken/team"), "an existing folder takes it inside");
    assert_eq!(c.existing, None);
    // A rename is the name typed, even where a folder of that name exists.
    let rename = OpsEffect::CheckDestination {
        req: 1,
        source: target(&src, "team", true),
        text: format!("{}/taken", dst.path),
        rename: true,
    };
    let OpsMsg::Checked { result, .. } = run(&v, rename).await else { panic!() };
    let c = result.unwrap();
    assert_eq!(c.dst, Location::new(dst.clone(), "taken"));
    assert!(c.existing.unwrap().contains("already holds 1 entry"));
    let OpsMsg::Checked { result, .. } = run(&v, check("no-such-mount-here/x")).await else { panic!() };
    assert!(result.is_err(), "an unknown mount is refused");
    let OpsMsg::Checked { result, .. } = run(&v, check(&format!("{}/team/inner", src.path))).await else {
        panic!()
    };
    assert!(result.unwrap_err().to_string().contains("inside the folder itself"));

    // The move, with progress counters the UI polls.
    let progress = ProgressHandle::default();
    let cmd = OpsEffect::Transfer {
        req: 2,
        source: target(&src, "team", true),
        dst: Location::new(dst.clone(), "moved"),
        mode: TransferMode::Move,
        overwrite: false,
        progress: progress.clone(),
    };
    let OpsMsg::Done { req: 2, result } = run(&v, cmd).await else { panic!() };
    let report = result.unwrap();
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(report.done().len(), 3);
    assert_eq!(progress.0.finished.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert!(v.list(&src, "team").await.unwrap().is_empty(), "the source is gone");
    assert_eq!(
        v.read(&dst, "moved/sub/b", None).await.unwrap().data.unwrap().get("K").unwrap().reveal().as_str(),
        "team/sub/b"
    );

    // Counting, then deleting the folder, also as the UI does.
    let OpsMsg::Counted { result, .. } =
        run(&v, OpsEffect::Count { req: 3, target: target(&dst, "moved", true) }).await
    else {
        panic!()
    };
    // The placeholder moved along, then went: its folder holds secrets now.
    assert_eq!(result.unwrap().secrets, ["moved/a", "moved/sub/b"]);
    let cmd = OpsEffect::DeleteFolder {
        req: 4,
        target: target(&dst, "moved", true),
        mode: DeleteMode::Latest,
        progress: ProgressHandle::default(),
    };
    let OpsMsg::Done { result, .. } = run(&v, cmd).await else { panic!() };
    assert_eq!(result.unwrap().done().len(), 2);
    assert!(v.list(&dst, "moved").await.unwrap().is_empty());
}

#[tokio::test]
async fn single_deletes_and_permissions_against_a_real_policy() {
    let s = common::server();
    let v = vault();
    let m1 = mount(1).await;
    let m2 = mount(2).await;
    s.write_kv(&m1.path, 1, "gone", json!({"K": "v"})).await;
    let store = AnnotationStore::new(v.clone());
    let mut ch = sesame::vault::annotations::Changes::new();
    ch.insert("type".into(), Some("opaque".into()));
    store.set(&m1, "gone", &ch).await.unwrap();
    // KV v1: the secret and its annotations go.
    let cmd =
        OpsEffect::DeleteSecret { req: 1, target: target(&m1, "gone", false), mode: DeleteMode::Latest };
    let OpsMsg::Deleted { result, .. } = run(&v, cmd).await else { panic!() };
    assert_eq!(result.unwrap(), None);
    assert!(v.read(&m1, "gone", None).await.is_err());
    assert!(AnnotationStore::new(v.clone()).get(&m1, "gone").await.unwrap().is_empty());

    // A token that may read and list m2 but write nothing.
    s.write_kv(&m2.path, 2, "app/db", json!({"K": "v"})).await;
    let policy = format!("ro-{}", m2.path);
    s.put_policy(&policy, &format!("path \"{}/*\" {{ capabilities = [\"read\", \"list\"] }}", m2.path)).await;
    let ro = v.with_token(&s.token_with_policies(&[&policy]).await);
    let queries = vec![
        ("app/db".to_string(), Cap::Read),
        ("app/db".to_string(), Cap::Update),
        ("app/db".to_string(), Cap::DeleteAll),
        ("app/*".to_string(), Cap::Create),
    ];
    let cmd = OpsEffect::Permissions { scope: format!("{}/app", m2.path), mount: m2.clone(), queries };
    let OpsMsg::Permissions { scope, answers } = run(&ro, cmd).await else { panic!() };
    assert_eq!(scope, format!("{}/app", m2.path));
    let of = |cap| answers.iter().find(|((_, c), _)| *c == cap).map(|(_, p)| p.clone()).unwrap();
    assert_eq!(of(Cap::Read), Permission::Allowed);
    assert!(matches!(of(Cap::Update), Permission::Denied(_)));
    assert!(matches!(of(Cap::DeleteAll), Permission::Denied(_)));
    assert!(matches!(of(Cap::Create), Permission::Denied(_)));
    // The destination check says the token may not write there.
    let cmd = OpsEffect::CheckDestination {
        req: 2,
        source: target(&m2, "app/db", false),
        text: format!("{}/app/db2", m2.path),
        rename: false,
    };
    let OpsMsg::Checked { result, .. } = run(&ro, cmd).await else { panic!() };
    assert!(result.unwrap().denied.unwrap().contains("create"));
    // A delete tried anyway is reported as a 403.
    let cmd = OpsEffect::DeleteSecret {
        req: 3,
        target: target(&m2, "app/db", false),
        mode: DeleteMode::AllVersions,
    };
    let OpsMsg::Deleted { result, .. } = run(&ro, cmd).await else { panic!() };
    assert!(result.unwrap_err().to_string().contains("permission denied"));
    // A single move the token may not finish fails without touching the source.
    let cmd = OpsEffect::Transfer {
        req: 4,
        source: target(&m2, "app/db", false),
        dst: Location::new(m2.clone(), "app/db2"),
        mode: TransferMode::Move,
        overwrite: false,
        progress: ProgressHandle::default(),
    };
    let OpsMsg::Done { result, .. } = run(&ro, cmd).await else { panic!() };
    let report = result.unwrap();
    assert!(matches!(report.items[0].status, ItemStatus::Failed { .. }), "{report:?}");
    assert!(v.read(&m2, "app/db", None).await.unwrap().data.is_some());
}
