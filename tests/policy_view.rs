//! The policy view's work against a real OpenBao: the preview crawls the modes, generates the policy and
//! diffs it with the server's; apply writes exactly the generated HCL.

mod common;

use serde_json::json;
use sesame::app::Msg;
use sesame::app::policy::{PolicyEffect, PolicyMsg};
use sesame::app::policy_effects::run;
use sesame::vault::annotations::AnnotationStore;
use sesame::vault::audit::Scope;
use sesame::vault::modes::{Mode, Modes};

#[tokio::test]
async fn preview_then_apply_writes_the_generated_policy() {
    let s = common::server();
    let name = s.fresh_mount(2).await;
    s.write_kv(&name, 2, "team/db", json!({"PASSWORD": "x"})).await;
    let vault = common::vault();
    let mount = vault.mount_of(&name).await.unwrap();
    Modes::new(AnnotationStore::new(vault.clone()))
        .set_mode(&mount, "team/db", Mode::ReadOnly)
        .await
        .unwrap();
    let policy_name = format!("sesame-modes-{name}");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();

    run(
        &vault,
        PolicyEffect::Preview {
            req: 1,
            scopes: vec![Scope::mount(mount.clone())],
            name: policy_name.clone(),
        },
        &tx,
    )
    .await;
    let preview = match rx.recv().await {
        Some(Msg::Policy(PolicyMsg::Preview { req: 1, result: Ok(p) })) => p,
        other => panic!("expected a preview, got {other:?}"),
    };
    assert!(preview.missing_on_server);
    assert_eq!(preview.secrets, 1);
    assert!(preview.hcl.contains(&format!("\"{name}/data/team/db\"")), "{}", preview.hcl);
    assert!(preview.diff.contains(&format!("+path \"{name}/data/team/db\"")), "{}", preview.diff);
    assert!(!preview.hcl.contains("PASSWORD") && !preview.hcl.contains("\"x\""), "no value in the policy");

    run(&vault, PolicyEffect::Apply { req: 2, name: policy_name.clone(), hcl: preview.hcl.clone() }, &tx)
        .await;
    assert!(matches!(rx.recv().await, Some(Msg::Policy(PolicyMsg::Applied { req: 2, result: Ok(()) }))));
    let on_server = sesame::vault::policy::read_policy(&vault, &policy_name).await.unwrap();
    assert_eq!(on_server.as_deref().map(str::trim), Some(preview.hcl.trim()));

    // Now up to date: an empty diff.
    run(&vault, PolicyEffect::Preview { req: 3, scopes: vec![Scope::mount(mount)], name: policy_name }, &tx)
        .await;
    match rx.recv().await {
        Some(Msg::Policy(PolicyMsg::Preview { req: 3, result: Ok(p) })) => {
            assert!(p.diff.is_empty(), "{}", p.diff)
        }
        other => panic!("expected a preview, got {other:?}"),
    }
}
