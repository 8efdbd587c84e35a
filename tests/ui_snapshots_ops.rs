//! Snapshot tests of the delete, move and copy popups and of disabled actions, at 80x24 and 120x40.

mod common;

use common::ui::*;

use crossterm::event::KeyCode;
use ratatui::style::Modifier;
use sesame::app::ops::{OpsEffect, OpsMsg};
use sesame::app::{App, Effect, Msg};
use sesame::vault::capabilities::{Action as Cap, Permission};
use sesame::vault::kv::{Identity, KvVersion};
use sesame::vault::transfer::{BatchReport, ItemReport, ItemStatus};
use sesame::vault::walk::WalkResult;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// In `secret/` with a few rows; every permission answered, the ones named in `denied` refused.
fn in_folder(size: (u16, u16), denied: &[(&str, Cap)]) -> App {
    let mut app = sized_app(size);
    app.update(Msg::Identity(Ok(Identity {
        display_name: "token".into(),
        policies: vec!["editor".into()],
        ttl: 3600,
    })));
    app.update(Msg::Mounts(Ok(two_mounts())));
    app.update(key('j'));
    let cmds = app.update(code(KeyCode::Enter));
    let req = list_req_id(&cmds);
    let cmds = app.update(Msg::Listed {
        req,
        result: Ok(entries(&["apps/", "teams/", "api-token", "db-creds", "registry"])),
        done: true,
    });
    let (scope, queries) = cmds
        .iter()
        .find_map(|c| match c {
            Effect::Ops(OpsEffect::Permissions { scope, queries, .. }) => {
                Some((scope.clone(), queries.clone()))
            }
            _ => None,
        })
        .unwrap();
    let answers = queries
        .into_iter()
        .map(|q| {
            let p = if denied.iter().any(|(p, c)| q.0 == *p && q.1 == *c) {
                Permission::Denied(format!(
                    "the token's policies deny {} here (secret/…/{})",
                    q.1.label(),
                    q.0
                ))
            } else {
                Permission::Allowed
            };
            (q, p)
        })
        .collect();
    app.update(Msg::Ops(OpsMsg::Permissions { scope, answers }));
    app
}

fn ops_req(cmds: &[Effect]) -> u64 {
    cmds.iter()
        .find_map(|c| match c {
            Effect::Ops(
                OpsEffect::Count { req, .. }
                | OpsEffect::DeleteFolder { req, .. }
                | OpsEffect::Transfer { req, .. }
                | OpsEffect::CheckDestination { req, .. },
            ) => Some(*req),
            _ => None,
        })
        .unwrap()
}

#[test]
fn delete_secret_confirmation_with_a_way_not_allowed() {
    for size in SIZES {
        let mut app = in_folder(size, &[("db-creds", Cap::DeleteAll)]);
        select(&mut app, "db-creds");
        app.update(key('d'));
        let screen = render(&app, size);
        assert!(screen.contains("not allowed: the token's policies deny delete all versions"), "{screen}");
        insta::assert_snapshot!(format!("ops_delete_secret_{}x{}", size.0, size.1), screen);
    }
}

#[test]
fn delete_folder_counts_then_asks_for_the_name() {
    for size in SIZES {
        let mut app = in_folder(size, &[]);
        select(&mut app, "apps");
        let req = ops_req(&app.update(key('d')));
        let counting = render(&app, size);
        assert!(counting.contains("counting the secrets below secret/apps/"), "{counting}");
        app.update(Msg::Ops(OpsMsg::Counted {
            req,
            result: Ok(WalkResult {
                secrets: (0..12).map(|i| format!("apps/s{i}")).collect(),
                denied: vec!["apps/locked".into()],
                used_scan: true,
            }),
        }));
        app.update(key('a'));
        app.update(key('p'));
        let screen = render(&app, size);
        assert!(screen.contains("12 secrets") && screen.contains("Type apps"), "{screen}");
        insta::assert_snapshot!(format!("ops_delete_folder_{}x{}", size.0, size.1), screen);
    }
}

#[test]
fn move_prompt_and_progress() {
    for size in SIZES {
        let mut app = in_folder(size, &[]);
        select(&mut app, "apps");
        app.update(key('m'));
        app.update(ctrl('u'));
        for c in "legacy/".chars() {
            app.update(key(c));
        }
        insta::assert_snapshot!(format!("ops_move_prompt_{}x{}", size.0, size.1), render(&app, size));
    }
    let size = (80, 24);
    let mut app = in_folder(size, &[]);
    select(&mut app, "apps");
    app.update(key('m'));
    app.update(key('2'));
    let req = ops_req(&app.update(code(KeyCode::Enter)));
    let dst = sesame::vault::transfer::Location::new(mount("secret", KvVersion::V2), "apps2");
    let cmds = app.update(Msg::Ops(OpsMsg::Checked {
        req,
        result: Ok(sesame::app::ops::DestCheck { dst, existing: None, denied: None }),
    }));
    let Some(Effect::Ops(OpsEffect::Transfer { progress, .. })) =
        cmds.iter().find(|c| matches!(c, Effect::Ops(OpsEffect::Transfer { .. })))
    else {
        panic!("{cmds:?}")
    };
    progress.0.total.store(12, std::sync::atomic::Ordering::SeqCst);
    progress.0.finished.store(5, std::sync::atomic::Ordering::SeqCst);
    progress.0.failed.store(1, std::sync::atomic::Ordering::SeqCst);
    app.update(Msg::Tick);
    insta::assert_snapshot!("ops_move_progress_80x24", render(&app, size));
}

fn item(name: &str, status: ItemStatus) -> ItemReport {
    ItemReport {
        source: format!("secret/apps/{name}"),
        destination: Some(format!("legacy/apps/{name}")),
        status,
    }
}

#[test]
fn report_of_a_partly_failed_move() {
    for size in SIZES {
        let mut app = in_folder(size, &[]);
        select(&mut app, "apps");
        app.update(key('m'));
        app.update(ctrl('u'));
        for c in "legacy/apps".chars() {
            app.update(key(c));
        }
        let req = ops_req(&app.update(code(KeyCode::Enter)));
        let dst = sesame::vault::transfer::Location::new(mount("legacy", KvVersion::V1), "apps");
        let cmds = app.update(Msg::Ops(OpsMsg::Checked {
            req,
            result: Ok(sesame::app::ops::DestCheck { dst, existing: None, denied: None }),
        }));
        let req = ops_req(&cmds);
        let report = BatchReport {
            items: vec![
                item("web/api", ItemStatus::Done),
                item("web/database", ItemStatus::Done),
                item(
                    "web/tls",
                    ItemStatus::SourceKept {
                        reason: "the source changed during the move: both copies are kept".into(),
                    },
                ),
                item(
                    "payments/provider",
                    ItemStatus::Failed {
                        reason: "writing the destination: permission denied on legacy/apps/payments/provider"
                            .into(),
                        partial_destination: false,
                    },
                ),
                item("worker/config", ItemStatus::NotAttempted),
            ],
            denied_folders: vec!["secret/apps/locked".into()],
            halted: Some("stopped after a connection failure: cannot reach http://127.0.0.1:8200".into()),
            placeholders_removed: vec![],
            notes: vec![],
        };
        app.update(Msg::Ops(OpsMsg::Done { req, result: Ok(report) }));
        let screen = render(&app, size);
        assert!(screen.contains("Failed") && screen.contains("Not attempted"), "{screen}");
        insta::assert_snapshot!(format!("ops_report_{}x{}", size.0, size.1), screen);
    }
}

#[test]
fn disabled_actions_are_struck_through_and_say_why() {
    for size in SIZES {
        let denied = [
            ("registry", Cap::Update),
            ("registry", Cap::Delete),
            ("registry", Cap::DeleteAll),
            ("*", Cap::Create),
        ];
        let mut app = in_folder(size, &denied);
        select(&mut app, "registry");
        let buf = draw(&app, size);
        let hint_row = size.1 - 2;
        let row: String = (0..size.0).map(|x| buf[(x, hint_row)].symbol().to_string()).collect();
        let struck = |word: &str| {
            let start = row.find(word).unwrap_or_else(|| panic!("{word} in {row:?}")) as u16;
            // The hint row is ASCII up to the hints checked here.
            buf[(start, hint_row)].modifier.contains(Modifier::CROSSED_OUT)
        };
        assert!(struck(" edit"), "edit is struck through: {row}");
        assert!(struck(" new"), "new is struck through: {row}");
        assert!(!struck(" open"), "open is not: {row}");
        if size.0 >= 120 {
            assert!(struck(" delete"), "{row}");
            assert!(!struck(" copy"), "{row}");
        }
        insta::assert_snapshot!(format!("ops_disabled_hints_{}x{}", size.0, size.1), render(&app, size));
        app.update(key('e'));
        let screen = render(&app, size);
        assert!(screen.contains("not allowed: the token's policies deny update here"), "{screen}");
        insta::assert_snapshot!(format!("ops_disabled_{}x{}", size.0, size.1), screen);
    }
}

#[test]
fn tiny_terminals_do_not_panic_with_a_popup_open() {
    let mut app = in_folder((80, 24), &[("db-creds", Cap::DeleteAll)]);
    select(&mut app, "apps");
    let req = ops_req(&app.update(key('d')));
    app.update(Msg::Ops(OpsMsg::Counted {
        req,
        result: Ok(WalkResult { secrets: vec!["apps/a".into()], denied: vec![], used_scan: false }),
    }));
    for size in [(1, 1), (8, 3), (9, 4), (20, 5), (40, 10)] {
        app.update(Msg::Resize(size.0, size.1));
        let _ = render(&app, size);
    }
    app.update(code(KeyCode::Esc));
    app.update(Msg::Resize(80, 24));
    select(&mut app, "db-creds");
    app.update(key('d'));
    for size in [(1, 1), (8, 3), (20, 5)] {
        let _ = render(&app, size);
    }
}
