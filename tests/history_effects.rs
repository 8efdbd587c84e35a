//! The history view's diff against a real OpenBao: keys added, removed and changed between two versions,
//! with their values kept aside (masked until revealed); never for a key-only secret.

mod common;

use serde_json::json;
use sesame::app::{Effect, Msg, effects};
use sesame::vault::Vault;
use sesame::vault::annotations::AnnotationStore;
use sesame::vault::modes::{Mode, Modes};

async fn diff(vault: &Vault, mount: &sesame::vault::Mount, path: &str) -> Msg {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let cmd = Effect::DiffVersions { req: 7, mount: mount.clone(), path: path.into(), a: 1, b: 2 };
    effects::run(vault, &[], cmd, &tx).await;
    rx.recv().await.expect("an answer")
}

#[tokio::test]
async fn diff_of_two_versions_keeps_the_values_aside() {
    let s = common::server();
    let name = s.fresh_mount(2).await;
    s.write_kv(&name, 2, "db", json!({"HOST": "a", "PASSWORD": "old-pw", "GONE": "x"})).await;
    s.write_kv(&name, 2, "db", json!({"HOST": "a", "PASSWORD": "new-pw", "NEW": "y"})).await;
    let vault = common::vault();
    let mount = vault.mount_of(&name).await.unwrap();
    match diff(&vault, &mount, "db").await {
        Msg::Diff { req: 7, a: 1, b: 2, result: Ok(d), values } => {
            assert_eq!(
                (d.added, d.removed, d.changed),
                (vec!["NEW".to_string()], vec!["GONE".to_string()], vec!["PASSWORD".to_string()])
            );
            let pw = values.iter().find(|(k, _, _)| k == "PASSWORD").expect("the changed key's values");
            assert_eq!(pw.1.as_ref().map(|v| v.reveal().to_string()).as_deref(), Some("old-pw"));
            assert_eq!(pw.2.as_ref().map(|v| v.reveal().to_string()).as_deref(), Some("new-pw"));
            assert!(values.iter().all(|(k, _, _)| k != "HOST"), "unchanged keys carry no value");
        }
        other => panic!("expected a diff, got {other:?}"),
    }
    // Key-only: no read of any version.
    Modes::new(AnnotationStore::new(vault.clone())).set_mode(&mount, "db", Mode::KeyOnly).await.unwrap();
    match diff(&vault, &mount, "db").await {
        Msg::Diff { result: Err(e), values, .. } => {
            assert!(e.to_string().contains("key-only"), "{e}");
            assert!(values.is_empty());
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
