//! The audit view end to end against a real server: `A` in the explorer, the crawl command run by the
//! effects layer as the TUI runs it, its report in the view, the jump, and the export written through the
//! effects layer matching `audit::to_json` of the same report; a token that is not an admin gets a clear
//! message; closing the view stops a crawl.

mod common;

use common::ui::{code, enter, key};

use std::time::Duration;

use crossterm::event::KeyCode;
use serde_json::json;
use tokio::sync::mpsc;

use sesame::app::audit::{AuditEffect, AuditMsg, ExportResult};
use sesame::app::{App, Effect, Msg, effects};
use sesame::keymap::Keymap;
use sesame::vault::annotations::AnnotationStore;
use sesame::vault::audit::Drift;
use sesame::vault::kv::Entry;
use sesame::vault::modes::{Mode, Modes};
use sesame::vault::{KvVersion, Mount, Vault};

/// Runs one command as the TUI would and returns the answers it sent.
async fn run(vault: &Vault, cmd: Effect) -> Vec<Msg> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    effects::run(vault, &[], cmd, &tx).await;
    drop(tx);
    let mut out = Vec::new();
    while let Some(m) = rx.recv().await {
        out.push(m);
    }
    out
}

/// A fresh KV v2 mount with a readonly and a key-only secret (whose keys then change: drift).
async fn setup() -> (Vault, Mount) {
    let s = common::server();
    let root = common::vault();
    let name = s.fresh_mount(2).await;
    let m = Mount { path: name.clone(), version: KvVersion::V2, description: String::new() };
    s.write_kv(&name, 2, "apps/db", json!({"PASSWORD": "p"})).await;
    s.write_kv(&name, 2, "apps/api", json!({"KEY": "k"})).await;
    s.write_kv(&name, 2, "plain", json!({"X": "x"})).await;
    let modes = Modes::new(AnnotationStore::new(root.clone()));
    modes.set_mode(&m, "apps/db", Mode::ReadOnly).await.unwrap();
    modes.set_mode(&m, "apps/api", Mode::KeyOnly).await.unwrap();
    s.write_kv(&name, 2, "apps/api", json!({"KEY": "k", "NEW": "n"})).await;
    (root, m)
}

/// The app inside the mount, with the audit opened: the crawl command.
fn open(m: &Mount) -> (App, Effect) {
    let (mut app, _) = App::new("http://test", Keymap::default_keymap(), None);
    app.update(Msg::Mounts(Ok(vec![m.clone()])));
    let req = app.list_req;
    app.update(Msg::Listed {
        req,
        result: Ok(vec![Entry { name: "apps".into(), is_folder: true }]),
        done: true,
    });
    let mut cmds = app.update(key('A'));
    assert_eq!(cmds.len(), 1, "{cmds:?}");
    (app, cmds.remove(0))
}

#[tokio::test]
async fn the_view_audits_a_mount_jumps_and_exports_what_it_shows() {
    let (root, m) = setup().await;
    let (mut app, crawl) = open(&m);
    for msg in run(&root, crawl).await {
        app.update(msg);
    }
    let v = app.audit.as_ref().expect("the view");
    assert!(v.running.is_none(), "the report arrived");
    let report = v.report.clone().expect("a report");
    let paths: Vec<&str> = v.rows().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["apps/api", "apps/db"], "only secrets with a mode");
    // No sesame-modes policy on this server: every mode is unenforced; the key-only keys drifted.
    let api = &report.rows[0];
    assert!(api.drift.iter().any(|d| matches!(d, Drift::NoPolicy { .. })), "{api:?}");
    assert!(api.drift.contains(&Drift::KeysDiffer { missing: vec![], extra: vec!["NEW".into()] }), "{api:?}");
    assert_eq!(api.keys, ["KEY"]);

    // Export through the effects layer: the file is the report's JSON.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audit.json");
    app.update(key('e'));
    let prompt = app.audit.as_mut().unwrap().export.as_mut().unwrap();
    prompt.text = file.to_string_lossy().into_owned();
    let mut cmds = app.update(enter());
    assert!(matches!(&cmds[..], [Effect::Audit(AuditEffect::Export { .. })]), "{cmds:?}");
    for msg in run(&root, cmds.remove(0)).await {
        assert!(matches!(&msg, Msg::Audit(AuditMsg::Exported { result: ExportResult::Written(_), .. })));
        app.update(msg);
    }
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written.trim_end(), sesame::vault::audit::to_json(&report));
    assert!(!written.contains("\"k\"") && !written.contains("\"p\""), "no value in the export");
    assert!(app.message.as_ref().unwrap().1.contains("exported 2 rows as JSON"));

    // Jump to the key-only secret: its folder opens with it selected.
    let cmds = app.update(enter());
    assert!(app.audit.is_none());
    let Some(Effect::List { req, folder, .. }) = cmds.iter().find(|c| matches!(c, Effect::List { .. }))
    else {
        panic!("{cmds:?}")
    };
    assert_eq!(folder, "apps");
    for msg in run(&root, Effect::List { req: *req, mount: m.clone(), folder: folder.clone() }).await {
        app.update(msg);
    }
    assert_eq!(app.list.selected_entry().unwrap().name, "api");
}

#[tokio::test]
async fn a_token_that_is_not_an_admin_is_told_so() {
    let s = common::server();
    let (_, m) = setup().await;
    let pol = format!("reader-{}", common::random_suffix(6));
    s.put_policy(&pol, &format!("path \"{}/*\" {{ capabilities = [\"read\", \"list\"] }}\n", m.path)).await;
    let user = Vault::connect(&s.addr, &s.token_with_policies(&[&pol]).await).unwrap();
    let (mut app, crawl) = open(&m);
    for msg in run(&user, crawl).await {
        app.update(msg);
    }
    let v = app.audit.as_ref().unwrap();
    let e = v.error.as_deref().expect("an error");
    assert!(e.contains("for admins") && e.contains("sys/policies/acl/sesame-modes"), "{e}");
    assert!(v.report.is_none() && !v.busy());
}

#[tokio::test]
async fn closing_the_view_stops_the_crawl() {
    let (root, m) = setup().await;
    let (mut app, crawl) = open(&m);
    let Effect::Audit(AuditEffect::Run { handle, .. }) = &crawl else { panic!("{crawl:?}") };
    let handle = handle.clone();
    handle.stop();
    app.update(code(KeyCode::Esc));
    assert!(app.audit.is_none());
    let answers = tokio::time::timeout(Duration::from_secs(10), run(&root, crawl)).await.unwrap();
    assert!(answers.is_empty(), "a stopped crawl sends nothing: {answers:?}");
}
