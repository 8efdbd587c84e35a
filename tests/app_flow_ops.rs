//! App-flow tests of delete, rename, move and copy, and of the permission gating: `App::update` is fed
//! keys and the answers the network tasks would send, and the commands and state are checked.

mod common;

use common::ui::*;

use std::sync::atomic::Ordering;

use crossterm::event::{KeyCode, KeyModifiers};
use sesame::action::Action;
use sesame::app::ops::{Count, DestCheck, OpsEffect, OpsMsg, Stage};
use sesame::app::{App, Effect, Msg};
use sesame::vault::VaultError;
use sesame::vault::capabilities::{Action as Cap, Permission};
use sesame::vault::kv::KvVersion;
use sesame::vault::transfer::{BatchReport, ItemReport, ItemStatus, Location, TransferMode};
use sesame::vault::walk::WalkResult;
use sesame::vault::write::DeleteMode;

/// An app in `mount/` (legacy is KV v1, secret KV v2) listing `apps/`, `teams/`, `db`, `web`; returns the
/// commands of the listing's answer.
fn in_mount(version: KvVersion) -> (App, Vec<Effect>) {
    let mut app = sized_app((100, 30));
    app.update(Msg::Mounts(Ok(two_mounts())));
    if version == KvVersion::V2 {
        app.update(key('j'));
    }
    let cmds = app.update(code(KeyCode::Enter));
    let req = list_req_id(&cmds);
    let cmds =
        app.update(Msg::Listed { req, result: Ok(entries(&["apps/", "teams/", "db", "web"])), done: true });
    (app, cmds)
}

fn ops_cmd(cmds: &[Effect]) -> OpsEffect {
    cmds.iter()
        .find_map(|c| match c {
            Effect::Ops(o) if !matches!(o, OpsEffect::Permissions { .. }) => Some(o.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("an operations command in {cmds:?}"))
}

fn has_list(cmds: &[Effect]) -> bool {
    cmds.iter().any(|c| matches!(c, Effect::List { .. }))
}

fn message(app: &App) -> String {
    app.message.as_ref().map(|(_, t)| t.clone()).unwrap_or_default()
}

fn item(src: &str, dst: &str, status: ItemStatus) -> ItemReport {
    ItemReport { source: src.into(), destination: Some(dst.into()), status }
}

#[test]
fn deleting_a_kv2_secret_offers_the_latest_version_or_every_version() {
    let (mut app, _) = in_mount(KvVersion::V2);
    select(&mut app, "db");
    assert!(app.update(key('d')).iter().all(|c| !matches!(c, Effect::Ops(OpsEffect::DeleteSecret { .. }))));
    match &app.ops.stage {
        Some(Stage::DeleteSecret { choices, selected: 0, .. }) => {
            assert_eq!(choices.len(), 2);
            assert_eq!(choices[0].mode, DeleteMode::Latest);
            assert_eq!(choices[1].mode, DeleteMode::AllVersions);
        }
        other => panic!("expected the delete confirmation, got {other:?}"),
    }
    // Esc cancels without a request.
    assert!(app.update(code(KeyCode::Esc)).is_empty());
    assert!(app.ops.stage.is_none());
    app.update(key('d'));
    app.update(key('j'));
    let cmds = app.update(code(KeyCode::Enter));
    let req = match ops_cmd(&cmds) {
        OpsEffect::DeleteSecret { req, target, mode } => {
            assert_eq!((target.mount.path.as_str(), target.path.as_str()), ("secret", "db"));
            assert_eq!(mode, DeleteMode::AllVersions);
            req
        }
        other => panic!("{other:?}"),
    };
    assert!(app.busy(), "the spinner turns while deleting");
    let cmds = app.update(Msg::Ops(OpsMsg::Deleted { req, result: Ok(None) }));
    assert!(app.ops.stage.is_none());
    assert_eq!(message(&app), "deleted secret/db with every version");
    assert!(has_list(&cmds), "the listing reloads");
}

#[test]
fn deleting_a_kv1_secret_from_the_secret_view_reports_a_403_plainly() {
    let (mut app, _) = in_mount(KvVersion::V1);
    select(&mut app, "web");
    app.update(code(KeyCode::Enter));
    assert!(app.secret.is_some());
    app.update(key('d'));
    match &app.ops.stage {
        Some(Stage::DeleteSecret { choices, .. }) => {
            assert_eq!(choices.len(), 1, "KV v1 has no versions to choose from");
            assert!(choices[0].label.contains("cannot be undone"));
        }
        other => panic!("{other:?}"),
    }
    let cmds = app.update(key('y'));
    let OpsEffect::DeleteSecret { req, target, mode } = ops_cmd(&cmds) else { panic!() };
    assert_eq!((target.path.as_str(), mode), ("web", DeleteMode::Latest));
    let err = VaultError::Forbidden { path: "legacy/web".into(), detail: "permission denied".into() };
    app.update(Msg::Ops(OpsMsg::Deleted { req, result: Err(err) }));
    let m = message(&app);
    assert!(m.starts_with("cannot delete legacy/web: permission denied"), "{m}");
    assert!(app.secret.is_some(), "nothing was deleted: the secret stays open");
}

#[test]
fn a_folder_is_deleted_after_counting_and_typing_its_name_with_a_partial_failure_report() {
    let (mut app, _) = in_mount(KvVersion::V2);
    select(&mut app, "apps");
    let cmds = app.update(key('d'));
    let OpsEffect::Count { req, target } = ops_cmd(&cmds) else { panic!("{cmds:?}") };
    assert!(target.is_folder && target.path == "apps");
    assert!(app.busy(), "counting shows a spinner");
    // Typing before the count is in does nothing.
    assert!(app.update(code(KeyCode::Enter)).is_empty());
    app.update(Msg::Ops(OpsMsg::Counted {
        req,
        result: Ok(WalkResult {
            secrets: vec!["apps/a".into(), "apps/b".into(), "apps/c/d".into()],
            denied: vec!["apps/locked".into()],
            used_scan: false,
        }),
    }));
    assert!(
        matches!(&app.ops.stage, Some(Stage::DeleteFolder { count: Count::Counted(w), .. }) if w.secrets.len() == 3)
    );
    // A wrong word deletes nothing.
    typed(&mut app, "yes");
    let cmds = app.update(code(KeyCode::Enter));
    assert!(cmds.iter().all(|c| !matches!(c, Effect::Ops(OpsEffect::DeleteFolder { .. }))));
    match &app.ops.stage {
        Some(Stage::DeleteFolder { error: Some(e), .. }) => assert!(e.contains("type apps"), "{e}"),
        other => panic!("{other:?}"),
    }
    app.update(ctrl('u'));
    app.update(code(KeyCode::Tab)); // KV v2: every version
    typed(&mut app, "apps");
    let cmds = app.update(code(KeyCode::Enter));
    let OpsEffect::DeleteFolder { req, mode, progress, .. } = ops_cmd(&cmds) else { panic!() };
    assert_eq!(mode, DeleteMode::AllVersions);
    // Progress is polled on ticks.
    progress.0.total.store(3, Ordering::SeqCst);
    progress.0.finished.store(2, Ordering::SeqCst);
    progress.0.failed.store(1, Ordering::SeqCst);
    app.update(Msg::Tick);
    assert!(matches!(&app.ops.stage, Some(Stage::Running { total: 3, finished: 2, failed: 1, .. })));
    // Esc asks the batch to stop.
    app.update(code(KeyCode::Esc));
    assert!(progress.0.is_cancelled());
    assert!(matches!(&app.ops.stage, Some(Stage::Running { stopping: true, .. })));
    let report = BatchReport {
        items: vec![
            ItemReport { source: "secret/apps/a".into(), destination: None, status: ItemStatus::Done },
            ItemReport {
                source: "secret/apps/b".into(),
                destination: None,
                status: ItemStatus::Failed {
                    reason: "deleting: permission denied".into(),
                    partial_destination: false,
                },
            },
            ItemReport {
                source: "secret/apps/c/d".into(),
                destination: None,
                status: ItemStatus::NotAttempted,
            },
        ],
        denied_folders: vec!["secret/apps/locked".into()],
        halted: Some("cancelled".into()),
        ..BatchReport::default()
    };
    let cmds = app.update(Msg::Ops(OpsMsg::Done { req, result: Ok(report) }));
    assert!(has_list(&cmds), "the listing reloads");
    match &app.ops.stage {
        Some(Stage::Report { summary: title, report, .. }) => {
            assert!(
                title.contains("1 deleted, 1 failed, 1 not attempted, 1 folders not listable"),
                "{title}"
            );
            assert_eq!(report.failed().len(), 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(app.message, Some((sesame::app::Level::Error, _))));
    app.update(key('j'));
    app.update(code(KeyCode::Esc));
    assert!(app.ops.stage.is_none(), "Esc closes the report");
}

#[test]
fn an_empty_folder_has_nothing_to_confirm() {
    let (mut app, _) = in_mount(KvVersion::V1);
    select(&mut app, "teams");
    let OpsEffect::Count { req, .. } = ops_cmd(&app.update(key('d'))) else { panic!() };
    app.update(Msg::Ops(OpsMsg::Counted { req, result: Ok(WalkResult::default()) }));
    assert!(app.update(key('x')).is_empty());
    assert!(app.ops.stage.is_none());
}

#[test]
fn moving_a_folder_checks_the_destination_asks_before_overwriting_and_reports_exactly() {
    let (mut app, _) = in_mount(KvVersion::V2);
    select(&mut app, "apps");
    app.update(key('m'));
    match &app.ops.stage {
        Some(Stage::Destination { text, error, .. }) => {
            assert_eq!(text, "secret/apps");
            assert!(error.as_deref().unwrap_or("").contains("already"), "{error:?}");
        }
        other => panic!("{other:?}"),
    }
    // Enter on an invalid destination sends nothing.
    assert!(app.update(code(KeyCode::Enter)).is_empty());
    app.update(ctrl('u'));
    typed(&mut app, "legacy//x");
    assert!(
        matches!(&app.ops.stage, Some(Stage::Destination { error: Some(e), .. }) if e.contains("empty segment"))
    );
    app.update(ctrl('u'));
    typed(&mut app, "legacy/apps");
    let cmds = app.update(code(KeyCode::Enter));
    let OpsEffect::CheckDestination { req, source, text, .. } = ops_cmd(&cmds) else { panic!() };
    assert_eq!((source.path.as_str(), text.as_str()), ("apps", "legacy/apps"));
    let dst = Location::new(mount("legacy", KvVersion::V1), "apps");
    app.update(Msg::Ops(OpsMsg::Checked {
        req,
        result: Ok(DestCheck {
            dst: dst.clone(),
            existing: Some("legacy/apps/ already holds 2 entries".into()),
            denied: None,
        }),
    }));
    assert!(matches!(&app.ops.stage, Some(Stage::Overwrite { .. })));
    // n goes back to the prompt; Enter checks again; y overwrites.
    app.update(key('n'));
    assert!(matches!(&app.ops.stage, Some(Stage::Destination { .. })));
    let OpsEffect::CheckDestination { req, .. } = ops_cmd(&app.update(code(KeyCode::Enter))) else {
        panic!()
    };
    app.update(Msg::Ops(OpsMsg::Checked {
        req,
        result: Ok(DestCheck { dst: dst.clone(), existing: Some("there".into()), denied: None }),
    }));
    let cmds = app.update(key('y'));
    let OpsEffect::Transfer { req, source, dst: to, mode, overwrite, .. } = ops_cmd(&cmds) else { panic!() };
    assert!(source.is_folder);
    assert_eq!((to, mode, overwrite), (dst, TransferMode::Move, true));
    let report = BatchReport {
        items: vec![
            item("secret/apps/a", "legacy/apps/a", ItemStatus::Done),
            item(
                "secret/apps/b",
                "legacy/apps/b",
                ItemStatus::SourceKept { reason: "the source changed".into() },
            ),
            item(
                "secret/apps/c",
                "legacy/apps/c",
                ItemStatus::Failed {
                    reason: "writing the destination: permission denied".into(),
                    partial_destination: false,
                },
            ),
            item("secret/apps/d", "legacy/apps/d", ItemStatus::NotAttempted),
        ],
        halted: Some("stopped after a connection failure".into()),
        ..BatchReport::default()
    };
    let cmds = app.update(Msg::Ops(OpsMsg::Done { req, result: Ok(report) }));
    assert!(has_list(&cmds));
    match &app.ops.stage {
        Some(Stage::Report { summary: title, report, verb, .. }) => {
            assert_eq!(*verb, "moved");
            assert!(
                title.contains("1 moved, 1 copied but source kept, 1 failed, 1 not attempted"),
                "{title}"
            );
            assert_eq!(report.not_attempted()[0].source, "secret/apps/d");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_destination_the_token_may_not_write_stays_in_the_prompt() {
    let (mut app, _) = in_mount(KvVersion::V2);
    select(&mut app, "db");
    app.update(key('C'));
    app.update(ctrl('w'));
    typed(&mut app, "copy-of-db");
    let OpsEffect::CheckDestination { req, text, .. } = ops_cmd(&app.update(code(KeyCode::Enter))) else {
        panic!()
    };
    assert_eq!(text, "secret/copy-of-db");
    // An answer for an older text is dropped.
    app.update(key('x'));
    app.update(Msg::Ops(OpsMsg::Checked { req, result: Err(VaultError::Invalid("late".into())) }));
    assert!(matches!(&app.ops.stage, Some(Stage::Destination { error: None, checking: None, .. })));
    app.update(code(KeyCode::Backspace));
    let OpsEffect::CheckDestination { req, .. } = ops_cmd(&app.update(code(KeyCode::Enter))) else {
        panic!()
    };
    app.update(Msg::Ops(OpsMsg::Checked {
        req,
        result: Ok(DestCheck {
            dst: Location::new(mount("secret", KvVersion::V2), "copy-of-db"),
            existing: None,
            denied: Some("the token's policies deny create here (secret/data/copy-of-db)".into()),
        }),
    }));
    match &app.ops.stage {
        Some(Stage::Destination { error: Some(e), .. }) => assert!(e.starts_with("not allowed: "), "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn renaming_a_secret_moves_it_in_its_folder_and_selects_the_new_name() {
    let (mut app, _) = in_mount(KvVersion::V2);
    select(&mut app, "db");
    app.update(key('R'));
    assert!(matches!(&app.ops.stage, Some(Stage::Destination { text, .. }) if text == "db"));
    typed(&mut app, "/x");
    assert!(matches!(&app.ops.stage, Some(Stage::Destination { error: Some(_), .. })), "a name has no /");
    app.update(code(KeyCode::Backspace));
    app.update(code(KeyCode::Backspace));
    typed(&mut app, "2");
    let OpsEffect::CheckDestination { req, text, .. } = ops_cmd(&app.update(code(KeyCode::Enter))) else {
        panic!()
    };
    assert_eq!(text, "secret/db2");
    let dst = Location::new(mount("secret", KvVersion::V2), "db2");
    let cmds = app.update(Msg::Ops(OpsMsg::Checked {
        req,
        result: Ok(DestCheck { dst: dst.clone(), existing: None, denied: None }),
    }));
    let OpsEffect::Transfer { req, mode, overwrite, .. } = ops_cmd(&cmds) else { panic!() };
    assert_eq!((mode, overwrite), (TransferMode::Move, false));
    let report = BatchReport {
        items: vec![item("secret/db", "secret/db2", ItemStatus::Done)],
        ..BatchReport::default()
    };
    let cmds = app.update(Msg::Ops(OpsMsg::Done { req, result: Ok(report) }));
    assert!(app.ops.stage.is_none(), "a complete single move needs no report popup");
    assert_eq!(message(&app), "Renamed secret/db → secret/db2");
    assert!(has_list(&cmds));
    let Some(Effect::List { req, .. }) = cmds.iter().find(|c| matches!(c, Effect::List { .. })) else {
        panic!()
    };
    app.update(Msg::Listed {
        req: *req,
        result: Ok(entries(&["apps/", "teams/", "db2", "web"])),
        done: true,
    });
    assert_eq!(app.list.selected_entry().unwrap().name, "db2");
}

#[test]
fn a_refused_transfer_changes_nothing_and_says_why() {
    let (mut app, _) = in_mount(KvVersion::V2);
    select(&mut app, "teams");
    app.update(key('C'));
    typed(&mut app, "2");
    let OpsEffect::CheckDestination { req, .. } = ops_cmd(&app.update(code(KeyCode::Enter))) else {
        panic!()
    };
    let dst = Location::new(mount("secret", KvVersion::V2), "teams2");
    let cmds = app.update(Msg::Ops(OpsMsg::Checked {
        req,
        result: Ok(DestCheck { dst, existing: None, denied: None }),
    }));
    let OpsEffect::Transfer { req, mode, .. } = ops_cmd(&cmds) else { panic!() };
    assert_eq!(mode, TransferMode::Copy);
    let cmds = app.update(Msg::Ops(OpsMsg::Done {
        req,
        result: Err(VaultError::NotFound { path: "secret/teams/".into() }),
    }));
    assert!(app.ops.stage.is_none());
    assert!(message(&app).starts_with("cannot copy secret/teams/ → secret/teams2/"), "{}", message(&app));
    assert!(!has_list(&cmds));
}

#[test]
fn permissions_are_asked_for_the_rows_on_screen_cached_per_folder_and_gate_actions() {
    let (mut app, cmds) = in_mount(KvVersion::V2);
    let (scope, queries) = cmds
        .iter()
        .find_map(|c| match c {
            Effect::Ops(OpsEffect::Permissions { scope, queries, .. }) => {
                Some((scope.clone(), queries.clone()))
            }
            _ => None,
        })
        .expect("the listing's answer asks for permissions");
    assert_eq!(scope, "secret/");
    assert!(queries.contains(&("*".to_string(), Cap::Create)), "new things in this folder");
    assert!(queries.contains(&("db".to_string(), Cap::Update)));
    assert!(queries.contains(&("apps".to_string(), Cap::List)));
    // Asked once: moving around asks nothing more.
    let more = app.update(key('j'));
    assert!(more.iter().all(|c| !matches!(c, Effect::Ops(OpsEffect::Permissions { .. }))));

    let deny = |why: &str| Permission::Denied(why.to_string());
    let answers: Vec<_> = queries
        .iter()
        .map(|q| {
            let p = match q {
                (p, Cap::Update) if p == "db" => deny("no update on secret/data/db"),
                (p, Cap::Delete | Cap::DeleteAll) if p == "db" => deny("no delete on secret/data/db"),
                (p, Cap::Destroy) if p == "db" => deny("no destroy on secret/destroy/db"),
                (p, Cap::Create) if p == "*" => deny("no create on secret/data/*"),
                (p, Cap::Read) if p == "web" => Permission::Unknown("the server would not say".into()),
                _ => Permission::Allowed,
            };
            (q.clone(), p)
        })
        .collect();
    // Answers for another folder are dropped.
    app.update(Msg::Ops(OpsMsg::Permissions { scope: "secret/apps".into(), answers: answers.clone() }));
    select(&mut app, "db");
    assert_eq!(app.action_denied(Action::Edit), None);
    app.update(Msg::Ops(OpsMsg::Permissions { scope, answers }));
    assert_eq!(app.action_denied(Action::Edit).as_deref(), Some("no update on secret/data/db"));

    // Disabled actions say why when pressed, and send nothing.
    for k in ['e', 'd', 'm', 'R', 'n', 'N'] {
        let cmds = app.update(key(k));
        assert!(cmds.is_empty(), "{k}: {cmds:?}");
        assert!(message(&app).starts_with("not allowed: "), "{k}: {}", message(&app));
        assert!(app.ops.stage.is_none() && app.prompt().is_none() && app.editor.is_none());
    }
    // Copying only needs read.
    app.update(key('C'));
    assert!(matches!(app.ops.stage, Some(Stage::Destination { .. })));
    app.update(code(KeyCode::Esc));
    // Unknown: offered, tried, and a 403 would be reported.
    select(&mut app, "web");
    assert_eq!(app.action_denied(Action::Edit), None);
    let cmds = app.update(key('e'));
    assert!(cmds.iter().any(|c| matches!(c, Effect::OpenSecret { .. })), "{cmds:?}");

    // Leaving the folder drops the answers; coming back asks again.
    app.update(code(KeyCode::Esc));
    select(&mut app, "apps");
    let cmds = app.update(code(KeyCode::Enter));
    let Some(Effect::List { req, .. }) = cmds.iter().find(|c| matches!(c, Effect::List { .. })) else {
        panic!()
    };
    let cmds = app.update(Msg::Listed { req: *req, result: Ok(entries(&["x"])), done: true });
    assert!(
        cmds.iter().any(
            |c| matches!(c, Effect::Ops(OpsEffect::Permissions { scope, .. }) if scope == "secret/apps")
        )
    );
    let cmds = app.update(key('h'));
    let Some(Effect::List { req, .. }) = cmds.iter().find(|c| matches!(c, Effect::List { .. })) else {
        panic!()
    };
    assert_eq!(app.action_denied(Action::NewSecret), None, "answers of the folder left are gone");
    let cmds = app.update(Msg::Listed {
        req: *req,
        result: Ok(entries(&["apps/", "teams/", "db", "web"])),
        done: true,
    });
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Effect::Ops(OpsEffect::Permissions { scope, .. }) if scope == "secret/"))
    );
}

#[test]
fn history_actions_are_gated_too() {
    let (mut app, cmds) = in_mount(KvVersion::V2);
    let Some(Effect::Ops(OpsEffect::Permissions { scope, queries, .. })) =
        cmds.iter().find(|c| matches!(c, Effect::Ops(OpsEffect::Permissions { .. })))
    else {
        panic!()
    };
    let answers = queries
        .iter()
        .map(|q| {
            let p = if q.1 == Cap::Destroy {
                Permission::Denied("no destroy".into())
            } else {
                Permission::Allowed
            };
            (q.clone(), p)
        })
        .collect();
    app.update(Msg::Ops(OpsMsg::Permissions { scope: scope.clone(), answers }));
    select(&mut app, "db");
    let cmds = app.update(key('H'));
    let Some(Effect::LoadHistory { req, .. }) = cmds.first() else { panic!("{cmds:?}") };
    let v = |n: u64| sesame::vault::write::VersionMeta {
        version: n,
        created_time: "2026-01-01T00:00:00Z".into(),
        deletion_time: None,
        destroyed: false,
    };
    app.update(Msg::History { req: *req, result: Ok((vec![v(2), v(1)], 2)) });
    assert_eq!(app.action_denied(Action::DestroyVersion).as_deref(), Some("no destroy"));
    assert!(app.update(key('X')).is_empty());
    assert!(app.history.as_ref().unwrap().confirm.is_none(), "no confirmation for a refused action");
    assert_eq!(message(&app), "not allowed: no destroy");
    // Allowed ones still work.
    app.update(key('d'));
    assert!(app.history.as_ref().unwrap().confirm.is_some());
}

#[test]
fn quitting_while_a_batch_runs_stops_it_and_refresh_asks_permissions_again() {
    let (mut app, _) = in_mount(KvVersion::V2);
    let cmds = app.update(key('r'));
    assert!(
        cmds.iter().all(|c| !matches!(c, Effect::Ops(OpsEffect::Permissions { .. }))),
        "not while the listing reloads"
    );
    let Some(Effect::List { req, .. }) = cmds.iter().find(|c| matches!(c, Effect::List { .. })) else {
        panic!()
    };
    let cmds = app.update(Msg::Listed {
        req: *req,
        result: Ok(entries(&["apps/", "teams/", "db", "web"])),
        done: true,
    });
    assert!(
        cmds.iter().any(|c| matches!(c, Effect::Ops(OpsEffect::Permissions { .. }))),
        "a refresh asks again: policies may have changed"
    );
    select(&mut app, "apps");
    app.update(key('C'));
    typed(&mut app, "2");
    let OpsEffect::CheckDestination { req, .. } = ops_cmd(&app.update(code(KeyCode::Enter))) else {
        panic!()
    };
    let dst = Location::new(mount("secret", KvVersion::V2), "apps2");
    let cmds = app.update(Msg::Ops(OpsMsg::Checked {
        req,
        result: Ok(DestCheck { dst, existing: None, denied: None }),
    }));
    let OpsEffect::Transfer { progress, .. } = ops_cmd(&cmds) else { panic!() };
    // The mouse does not move the rows beneath the popup.
    let click = crossterm::event::MouseEvent {
        kind: crossterm::event::MouseEventKind::ScrollDown,
        column: 5,
        row: 5,
        modifiers: KeyModifiers::NONE,
    };
    app.update(Msg::Mouse(click));
    assert_eq!(app.list.selected_entry().unwrap().name, "apps");
    app.update(ctrl('c'));
    assert!(app.should_quit);
    assert!(progress.0.is_cancelled(), "nothing new starts once the user quits");
}
