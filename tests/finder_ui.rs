//! The finder in the TUI: opened with Ctrl-p over any screen, fed by the index build's events, ranked as the
//! query is typed, Enter opens the secret, Ctrl-o its folder, Esc goes back; sesame's own moves and deletes
//! update the index. Snapshots at 80x24 and 120x40.

mod common;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use common::ui::*;

use crossterm::event::KeyCode;
use sesame::app::overlay::Layer;
use sesame::app::{App, Effect, Msg};
use sesame::find::{BuildEvent, BuildProgress};
use sesame::keymap::Context;
use sesame::vault::kv::{KvVersion, Mount};
use sesame::vault::transfer::{BatchReport, ItemReport, ItemStatus};

fn mount(path: &str, version: KvVersion) -> Mount {
    Mount { path: path.into(), version, description: String::new() }
}

/// Opens the finder and feeds a finished build of a few secrets; returns the build's request id.
fn finder_with_index(app: &mut App) -> u64 {
    app.update(Msg::Mounts(Ok(two_mounts())));
    let cmds = app.update(ctrl('p'));
    let req = match cmds.iter().find(|c| matches!(c, Effect::BuildIndex { .. })) {
        Some(Effect::BuildIndex { req }) => *req,
        other => panic!("the index is built on first open: {other:?} in {cmds:?}"),
    };
    assert_eq!(app.context(), Context::Finder);
    let stop = Arc::new(AtomicBool::new(false));
    app.update(Msg::IndexStarted { req, progress: Arc::new(BuildProgress::default()), stop });
    app.update(Msg::IndexEvent {
        req,
        event: BuildEvent::Found {
            mount: mount("secret", KvVersion::V2),
            paths: vec![
                "apps/web/prod/db".into(),
                "apps/web/staging/db".into(),
                "apps/payments/stripe".into(),
                "teams/ml/wandb".into(),
            ],
        },
    });
    app.update(Msg::IndexEvent {
        req,
        event: BuildEvent::Found { mount: mount("legacy", KvVersion::V1), paths: vec!["old/webhook".into()] },
    });
    app.update(Msg::IndexEvent { req, event: BuildEvent::Finished { truncated: false } });
    app.update(Msg::Tick);
    req
}

fn shown_paths(app: &App) -> Vec<String> {
    let v = app.finder_view().expect("the finder is open");
    v.hits.iter().map(|(id, _)| app.finder.index.get(*id).unwrap().full.to_string()).collect()
}

#[test]
fn typing_ranks_enter_opens_the_secret_and_esc_goes_back() {
    let (mut app, _) = new_app(None);
    app.update(Msg::Resize(100, 30));
    finder_with_index(&mut app);
    assert_eq!(shown_paths(&app).len(), 5, "an empty query lists everything");
    for c in "webdb".chars() {
        app.update(key(c));
    }
    let paths = shown_paths(&app);
    assert_eq!(paths[..2], ["secret/apps/web/prod/db", "secret/apps/web/staging/db"], "{paths:?}");
    assert!(!paths.contains(&"secret/teams/ml/wandb".to_string()));
    // j types (it is part of the query), Down moves.
    app.update(code(KeyCode::Down));
    assert_eq!(app.finder_view().unwrap().selected, 1);
    let cmds = app.update(code(KeyCode::Enter));
    assert!(app.finder_view().is_none(), "Enter closes the finder");
    assert!(
        cmds.iter().any(|c| matches!(c, Effect::OpenSecret { path, .. } if path == "apps/web/staging/db")),
        "{cmds:?}"
    );
    assert!(cmds.iter().any(|c| matches!(c, Effect::List { folder, .. } if folder == "apps/web/staging")));
    assert_eq!(app.breadcrumb(), "secret/apps/web/staging/");
    assert_eq!(app.top_layer(), Layer::Secret);

    // Esc: back where we were, the query gone; the index is kept (no second build).
    app.update(code(KeyCode::Esc));
    let cmds = app.update(ctrl('p'));
    assert!(!cmds.iter().any(|c| matches!(c, Effect::BuildIndex { .. })), "kept for the session");
    app.update(code(KeyCode::Esc));
    assert!(app.finder_view().is_none());
    assert_eq!(app.breadcrumb(), "secret/apps/web/staging/");
}

#[test]
fn ctrl_o_opens_the_folder_and_the_modes_cycle() {
    let (mut app, _) = new_app(None);
    finder_with_index(&mut app);
    for c in "hook".chars() {
        app.update(key(c));
    }
    assert_eq!(shown_paths(&app), ["legacy/old/webhook"]);
    let cmds = app.update(ctrl('o'));
    assert!(!cmds.iter().any(|c| matches!(c, Effect::OpenSecret { .. })), "only the folder opens");
    assert_eq!(app.breadcrumb(), "legacy/old/");
    assert_eq!(app.top_layer(), Layer::Explorer);

    // Exact, then a regular expression (a bad one says why), then fuzzy again.
    app.update(ctrl('p'));
    app.update(ctrl('u'));
    for c in "wb".chars() {
        app.update(key(c));
    }
    assert!(shown_paths(&app).len() >= 2, "fuzzy: w…b matches");
    app.update(ctrl('t'));
    assert!(shown_paths(&app).is_empty(), "exact: no path holds \"wb\"");
    app.update(ctrl('t'));
    app.update(ctrl('u'));
    app.update(key('('));
    assert!(app.finder_view().unwrap().error.is_some(), "an unclosed group is refused with a reason");
}

#[test]
fn results_stream_in_while_the_index_grows() {
    let (mut app, _) = new_app(None);
    app.update(Msg::Mounts(Ok(two_mounts())));
    let cmds = app.update(ctrl('p'));
    let Some(Effect::BuildIndex { req }) = cmds.iter().find(|c| matches!(c, Effect::BuildIndex { .. }))
    else {
        panic!("{cmds:?}")
    };
    let req = *req;
    app.update(Msg::IndexStarted {
        req,
        progress: Arc::new(BuildProgress::default()),
        stop: Arc::new(AtomicBool::new(false)),
    });
    app.update(key('d'));
    app.update(key('b'));
    assert!(shown_paths(&app).is_empty());
    app.update(Msg::IndexEvent {
        req,
        event: BuildEvent::Found { mount: mount("secret", KvVersion::V2), paths: vec!["a/db".into()] },
    });
    app.update(Msg::Tick);
    assert_eq!(shown_paths(&app), ["secret/a/db"], "the first results show before the build is over");
    assert!(!app.finder.done);
    // An answer of an older build is dropped.
    app.update(Msg::IndexEvent {
        req: req - 1,
        event: BuildEvent::Found { mount: mount("secret", KvVersion::V2), paths: vec!["b/db".into()] },
    });
    app.update(Msg::Tick);
    assert_eq!(shown_paths(&app), ["secret/a/db"]);
}

#[test]
fn moves_and_deletes_made_in_sesame_update_the_index_without_a_rebuild() {
    let (mut app, _) = new_app(None);
    finder_with_index(&mut app);
    app.update(code(KeyCode::Esc));
    let item = |source: &str, destination: Option<&str>| ItemReport {
        source: source.into(),
        destination: destination.map(str::to_string),
        status: ItemStatus::Done,
    };
    // A folder moved to the other mount (as the ops flow reports it), then a secret deleted.
    let report = BatchReport {
        items: vec![
            item("secret/apps/web/prod/db", Some("legacy/web/prod/db")),
            item("secret/apps/web/staging/db", Some("legacy/web/staging/db")),
        ],
        ..BatchReport::default()
    };
    app.index_batch(&report, true);
    let all: Vec<String> = app.finder.index.entries().map(|e| e.full.to_string()).collect();
    assert!(
        all.contains(&"legacy/web/prod/db".to_string()) && all.contains(&"legacy/web/staging/db".to_string())
    );
    assert!(!all.iter().any(|p| p.starts_with("secret/apps/web/")), "{all:?}");
}

#[test]
fn finder_snapshots() {
    for size in [(80, 24), (120, 40)] {
        let (mut app, _) = new_app(None);
        app.update(Msg::Resize(size.0, size.1));
        finder_with_index(&mut app);
        for c in "web".chars() {
            app.update(key(c));
        }
        let screen = render(&app, size);
        insta::assert_snapshot!(format!("finder_{}x{}", size.0, size.1), screen);
    }
}
