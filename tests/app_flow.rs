//! App-flow tests: drive `App::update` with messages and check the state and the commands it asks for.
//! No terminal and no server: answers are fed in as the network tasks would send them.

mod common;

use common::fixtures::{audit_report, live_read, version_meta};
use common::ui::*;

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use sesame::app::{App, Effect, Msg, PreviewData, PreviewState};
use sesame::secret::{SecretData, SecretValue};
use sesame::vault::VaultError;
use sesame::vault::kv::{Entry, Identity, KvVersion, SecretRead};

/// Feeds the mounts answer and returns the commands.
fn with_mounts(app: &mut App) -> Vec<Effect> {
    app.update(Msg::Mounts(Ok(two_mounts())))
}

fn list_req(cmds: &[Effect]) -> (u64, String) {
    cmds.iter()
        .find_map(|c| match c {
            Effect::List { req, folder, .. } => Some((*req, folder.clone())),
            _ => None,
        })
        .expect("a List command")
}

#[test]
fn starts_by_loading_mounts_and_identity() {
    let (app, cmds) = new_app(None);
    assert_eq!(cmds, vec![Effect::LoadMounts, Effect::LoadIdentity]);
    assert!(app.busy());
}

#[test]
fn navigates_mounts_folders_and_back() {
    let (mut app, _) = new_app(None);
    assert!(with_mounts(&mut app).is_empty(), "two mounts: stay on the mount list");
    assert_eq!(app.list.view.len(), 2);
    app.update(key('j'));
    assert_eq!(app.list.selected_entry().unwrap().name, "secret");
    let cmds = app.update(code(KeyCode::Enter));
    let (req, folder) = list_req(&cmds);
    assert_eq!(folder, "");
    assert_eq!(app.breadcrumb(), "secret/");
    app.update(Msg::Listed { req, result: Ok(entries(&["apps/", "teams/", "top"])), done: true });
    assert!(!app.list_loading);
    app.update(key('j'));
    let cmds = app.update(key('l'));
    let (req2, folder) = list_req(&cmds);
    assert_eq!(folder, "teams");
    app.update(Msg::Listed { req: req2, result: Ok(entries(&["ml/", "data-eng/"])), done: true });
    assert_eq!(app.breadcrumb(), "secret/teams/");
    // Back selects the folder we came from, shown at once from the cache while it reloads.
    let cmds = app.update(key('h'));
    assert_eq!(list_req(&cmds).1, "");
    assert_eq!(app.list.selected_entry().unwrap().name, "teams");
    // Back from the mount root goes to the mount list, with the mount selected.
    app.update(key('h'));
    assert_eq!(app.breadcrumb(), "/");
    assert_eq!(app.list.selected_entry().unwrap().name, "secret");
}

#[test]
fn stale_listing_answers_are_dropped() {
    let (mut app, _) = new_app(None);
    with_mounts(&mut app);
    app.update(key('j'));
    let (old, _) = list_req(&app.update(code(KeyCode::Enter)));
    app.update(Msg::Listed { req: old, result: Ok(entries(&["a/"])), done: true });
    let (_new, _) = list_req(&app.update(code(KeyCode::Enter)));
    // The answer for the folder we left arrives late: ignored.
    app.update(Msg::Listed { req: old, result: Ok(entries(&["zzz"])), done: true });
    assert!(app.list.entries.iter().all(|e| e.name != "zzz"));
    assert!(app.list_loading);
}

#[test]
fn huge_listing_arrives_in_chunks_and_keys_still_work() {
    let (mut app, _) = new_app(Some("secret/load/"));
    with_mounts(&mut app);
    app.update(Msg::Resolved(Ok(sesame::app::StartTarget {
        mount: mount("secret", KvVersion::V2),
        path: "load".into(),
        is_secret: false,
    })));
    let req = app.list_req;
    let all: Vec<Entry> = (0..10_000).map(|i| Entry { name: format!("s{i:05}"), is_folder: false }).collect();
    app.update(Msg::Listed { req, result: Ok(all[..2000].to_vec()), done: false });
    assert_eq!(app.list.view.len(), 2000, "first rows are shown before the rest arrives");
    assert!(app.list_loading);
    app.update(code(KeyCode::End));
    assert_eq!(app.list.selected, 1999);
    app.update(Msg::Listed { req, result: Ok(all[2000..].to_vec()), done: true });
    assert_eq!(app.list.view.len(), 10_000);
    assert!(!app.list_loading);
}

#[test]
fn filter_and_hidden_toggle() {
    let (mut app, _) = new_app(None);
    with_mounts(&mut app);
    app.update(key('j'));
    let (req, _) = list_req(&app.update(code(KeyCode::Enter)));
    app.update(Msg::Listed { req, result: Ok(entries(&[".keep", "alpha", "beta", "gamma"])), done: true });
    assert_eq!(app.list.view.len(), 3, ".keep is hidden by default");
    app.update(key('.'));
    assert_eq!(app.list.view.len(), 4);
    app.update(key('/'));
    assert!(app.filter_editing);
    for c in "ALP".chars() {
        app.update(key(c));
    }
    assert_eq!(app.list.view.len(), 1);
    app.update(code(KeyCode::Enter));
    assert!(!app.filter_editing);
    assert_eq!(app.list.filter, "ALP");
    app.update(code(KeyCode::Esc));
    assert_eq!(app.list.view.len(), 4);
}

#[test]
fn preview_is_debounced_and_carries_keys_only() {
    let (mut app, _) = new_app(None);
    with_mounts(&mut app);
    app.update(key('j'));
    let (req, _) = list_req(&app.update(code(KeyCode::Enter)));
    app.update(Msg::Listed { req, result: Ok(entries(&["a", "b", "c"])), done: true });
    assert_eq!(app.preview.state, PreviewState::Loading);
    // Moving fast sends nothing; the tick after the selection settles sends one preview request.
    app.update(key('j'));
    app.update(key('j'));
    assert!(app.update(Msg::Tick).is_empty());
    let cmds = app.update(Msg::Tick);
    let preq = match &cmds[..] {
        [Effect::Preview { req, path, is_folder: false, .. }] => {
            assert_eq!(path, "c");
            *req
        }
        other => panic!("expected one preview, got {other:?}"),
    };
    app.update(Msg::Preview {
        req: preq,
        result: Ok(PreviewData::Keys { keys: vec!["K".into()], version: None }),
    });
    assert!(matches!(app.preview.state, PreviewState::Ready(_)));
}

fn open_secret(app: &mut App) -> u64 {
    with_mounts(app);
    app.update(key('j'));
    let (req, _) = list_req(&app.update(code(KeyCode::Enter)));
    app.update(Msg::Listed { req, result: Ok(entries(&["db"])), done: true });
    let cmds = app.update(code(KeyCode::Enter));
    match cmds.iter().find(|c| matches!(c, Effect::OpenSecret { .. })) {
        Some(Effect::OpenSecret { req, path, .. }) => {
            assert_eq!(path, "db");
            *req
        }
        other => panic!("expected a read, got {other:?}"),
    }
}

fn db_secret() -> SecretRead {
    live_read(r#"{"PASSWORD":"hunter2","PORT":5432,"USER":"app"}"#, 3, "2026-11-25T10:00:00Z")
}

#[test]
fn secret_view_reveals_one_or_all_and_goes_back() {
    let (mut app, _) = new_app(None);
    let req = open_secret(&mut app);
    app.update(Msg::Secret { req, result: Ok(db_secret()) });
    let s = app.secret.as_ref().unwrap();
    assert!(!s.is_revealed("PASSWORD"));
    app.update(key(' '));
    assert!(app.secret.as_ref().unwrap().is_revealed("PASSWORD"));
    assert!(!app.secret.as_ref().unwrap().is_revealed("USER"));
    app.update(key(' '));
    assert!(!app.secret.as_ref().unwrap().is_revealed("PASSWORD"));
    app.update(key('a'));
    assert!(app.secret.as_ref().unwrap().is_revealed("USER"));
    app.update(key('J'));
    assert_eq!(app.secret.as_ref().unwrap().json, Some(0));
    app.update(code(KeyCode::Esc));
    assert_eq!(app.secret.as_ref().unwrap().json, None);
    app.update(key('q'));
    assert!(app.secret.is_none(), "q in the secret view goes back");
    assert!(!app.should_quit);
    app.update(key('q'));
    assert!(app.should_quit);
}

#[test]
fn errors_become_messages_not_crashes() {
    let (mut app, _) = new_app(None);
    let req = open_secret(&mut app);
    app.update(Msg::Secret {
        req,
        result: Err(VaultError::Forbidden { path: "secret/db".into(), detail: "permission denied".into() }),
    });
    let msg = &app.message.as_ref().unwrap().1;
    assert!(msg.contains("permission denied"), "{msg}");
    app.update(Msg::Mounts(Err(VaultError::Sealed)));
    assert!(app.message.as_ref().unwrap().1.contains("sealed"));
    app.update(Msg::Identity(Err(VaultError::Timeout { addr: "x".into() })));
    assert!(app.message.as_ref().unwrap().1.contains("did not answer"));
}

#[test]
fn start_path_to_a_secret_opens_it() {
    let (mut app, _) = new_app(Some("secret/apps/web/db"));
    let cmds = with_mounts(&mut app);
    assert_eq!(cmds, vec![Effect::Resolve { path: "secret/apps/web/db".into() }]);
    let cmds = app.update(Msg::Resolved(Ok(sesame::app::StartTarget {
        mount: mount("secret", KvVersion::V2),
        path: "apps/web/db".into(),
        is_secret: true,
    })));
    assert!(cmds.iter().any(|c| matches!(c, Effect::List { folder, .. } if folder == "apps/web")));
    assert!(cmds.iter().any(|c| matches!(c, Effect::OpenSecret { path, .. } if path == "apps/web/db")));
    assert!(app.secret.is_some());
}

#[test]
fn mouse_click_selects_then_opens_and_wheel_scrolls() {
    let (mut app, _) = new_app(None);
    app.update(Msg::Resize(80, 24));
    with_mounts(&mut app);
    app.update(key('j'));
    let (req, _) = list_req(&app.update(code(KeyCode::Enter)));
    let many: Vec<Entry> = (0..50).map(|i| Entry { name: format!("s{i:02}"), is_folder: false }).collect();
    app.update(Msg::Listed { req, result: Ok(many), done: true });
    // Row 0 is the title, row 1 the list border: row 4 is the third visible entry.
    let click = |row| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 5,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    app.update(click(4));
    assert_eq!(app.list.selected, 2);
    let cmds = app.update(click(4));
    assert!(matches!(&cmds[..], [Effect::OpenSecret { path, .. }] if path == "s02"));
    app.update(key('q'));
    app.update(Msg::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 5,
        row: 5,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(app.list.selected, 5);
}

#[test]
fn identity_is_kept_for_the_status_bar() {
    let (mut app, _) = new_app(None);
    app.update(Msg::Identity(Ok(Identity {
        display_name: "root".into(),
        policies: vec!["root".into()],
        ttl: 0,
    })));
    assert_eq!(app.identity.as_ref().unwrap().display_name, "root");
}

/// Opens `db` in the secret view and then the editor.
fn open_editor(app: &mut App) {
    let req = open_secret(app);
    app.update(Msg::Secret { req, result: Ok(db_secret()) });
    app.update(key('e'));
    assert!(app.editor.is_some(), "e opens the editor");
}

fn write_cmd(cmds: &[Effect]) -> (u64, bool, Option<u64>) {
    cmds.iter()
        .find_map(|c| match c {
            Effect::Write { req, force, base, .. } => {
                Some((*req, *force, base.as_ref().and_then(|b| b.version.as_ref()).map(|v| v.version)))
            }
            _ => None,
        })
        .expect("a Write command")
}

#[test]
fn edit_save_goes_through_a_summary_with_check_and_set() {
    let (mut app, _) = new_app(None);
    open_editor(&mut app);
    // Add a key: an invalid name stays in the field.
    app.update(key('a'));
    typed(&mut app, "9lives");
    app.update(code(KeyCode::Enter));
    assert!(matches!(app.editor.as_ref().unwrap().mode, sesame::app::editor::EditMode::Key { .. }));
    for _ in 0..6 {
        app.update(code(KeyCode::Backspace));
    }
    typed(&mut app, "api_key");
    app.update(code(KeyCode::Enter));
    typed(&mut app, "abc");
    app.update(code(KeyCode::Esc));
    let e = app.editor.as_ref().unwrap();
    assert_eq!(e.rows.last().unwrap().key, "API_KEY", "keys are upper-cased as typed by default");
    assert!(e.dirty());
    assert!(app.update(ctrl('s')).is_empty(), "the summary comes first");
    match &app.editor.as_ref().unwrap().mode {
        sesame::app::editor::EditMode::Summary(s) => assert_eq!(s.added, ["API_KEY"]),
        _ => panic!("expected the summary"),
    }
    let cmds = app.update(key('y'));
    let (req, force, base) = write_cmd(&cmds);
    assert!(!force);
    assert_eq!(base, Some(3), "check-and-set against the loaded version");
    let cmds = app.update(Msg::Written { req, result: Ok(Some(4)) });
    assert!(app.editor.is_none());
    assert!(
        cmds.iter().any(|c| matches!(c, Effect::OpenSecret { path, .. } if path == "db")),
        "the secret is re-read"
    );
    assert!(app.message.as_ref().unwrap().1.contains("version 4"));
}

#[test]
fn the_save_question_reveals_one_changed_pair_on_request() {
    let (mut app, _) = new_app(None);
    app.update(Msg::Resize(100, 30));
    open_editor(&mut app);
    // PASSWORD (the first row) gets an X; PORT 5432 stays (written back as 5432.0 it would still be equal).
    app.update(code(KeyCode::Enter));
    typed(&mut app, "X");
    app.update(code(KeyCode::Esc));
    app.update(ctrl('s'));
    let summary = |app: &App| match &app.editor.as_ref().unwrap().mode {
        sesame::app::editor::EditMode::Summary(s) => s.clone(),
        _ => panic!("expected the summary"),
    };
    assert_eq!(summary(&app).changed, ["PASSWORD"]);
    let screen = render(&app, (100, 30));
    assert!(!screen.contains("hunter2"), "values are not shown until asked:\n{screen}");
    app.update(key(' '));
    assert_eq!(summary(&app).revealed.as_deref(), Some("PASSWORD"));
    let screen = render(&app, (100, 30));
    assert!(screen.contains("hunter2  →  hunter2X"), "old → new:\n{screen}");
    app.update(key(' '));
    assert_eq!(summary(&app).revealed, None, "after the last changed key, none");
    assert!(!render(&app, (100, 30)).contains("hunter2"));
    let cmds = app.update(key('y'));
    write_cmd(&cmds);
}

#[test]
fn conflict_offers_their_change_overwrite_or_keep_editing() {
    let (mut app, _) = new_app(None);
    open_editor(&mut app);
    app.update(key('d')); // remove the first key
    app.update(ctrl('s'));
    let (req, _, _) = write_cmd(&app.update(key('y')));
    app.update(Msg::Written { req, result: Err(VaultError::CasMismatch { path: "secret/db".into() }) });
    assert!(matches!(app.editor.as_ref().unwrap().mode, sesame::app::editor::EditMode::Conflict { .. }));
    let cmds = app.update(key('d'));
    let treq = match &cmds[..] {
        [Effect::ReadTheirs { req, .. }] => *req,
        other => panic!("expected ReadTheirs, got {other:?}"),
    };
    let theirs = SecretRead {
        data: Some(
            SecretData::from_json_object(r#"{"PASSWORD":"other","PORT":5432,"USER":"app","NEW":"x"}"#)
                .unwrap(),
        ),
        version: None,
    };
    app.update(Msg::Theirs { req: treq, result: Ok(theirs) });
    match &app.editor.as_ref().unwrap().mode {
        sesame::app::editor::EditMode::Conflict { theirs: Some(s), .. } => {
            assert_eq!(s.added, ["NEW"]);
            assert_eq!(s.changed, ["PASSWORD"]);
        }
        _ => panic!("expected their change"),
    }
    let (_, force, _) = write_cmd(&app.update(key('o')));
    assert!(force, "o overwrites");
}

#[test]
fn a_failed_save_keeps_the_draft() {
    let (mut app, _) = new_app(None);
    open_editor(&mut app);
    app.update(key('d'));
    app.update(ctrl('s'));
    let (req, _, _) = write_cmd(&app.update(key('y')));
    app.update(Msg::Written { req, result: Err(VaultError::Sealed) });
    let e = app.editor.as_ref().expect("the editor stays open");
    assert_eq!(e.rows.len(), 2, "the draft is intact");
    assert!(e.dirty());
    assert!(e.error.as_ref().unwrap().contains("not saved"), "{:?}", e.error);
    assert!(e.error.as_ref().unwrap().contains("sealed"));
}

#[test]
fn leaving_or_quitting_with_unsaved_changes_asks_first() {
    let (mut app, _) = new_app(None);
    open_editor(&mut app);
    app.update(key('d'));
    app.update(key('q'));
    assert!(matches!(app.editor.as_ref().unwrap().mode, sesame::app::editor::EditMode::ConfirmDiscard));
    app.update(key('n'));
    assert!(app.editor.is_some(), "any other key keeps editing");
    app.update(ctrl('c'));
    assert!(!app.should_quit, "Ctrl-c asks first too");
    app.update(key('y'));
    assert!(app.should_quit);
}

#[test]
fn new_secret_prompt_checks_names_then_opens_an_empty_editor() {
    let (mut app, _) = new_app(None);
    with_mounts(&mut app);
    app.update(key('j'));
    let (req, _) = list_req(&app.update(code(KeyCode::Enter)));
    app.update(Msg::Listed { req, result: Ok(entries(&["a"])), done: true });
    app.update(key('n'));
    typed(&mut app, "bad//name");
    app.update(code(KeyCode::Enter));
    assert!(app.prompt().unwrap().error.is_some(), "empty segments are refused");
    for _ in 0.."bad//name".len() {
        app.update(code(KeyCode::Backspace));
    }
    typed(&mut app, "team x/db");
    app.update(code(KeyCode::Enter));
    // Then the type: key/value (Opaque) is the default.
    assert!(matches!(app.form, Some(sesame::app::forms::Form::Picker(_))), "the type picker comes next");
    app.update(code(KeyCode::Enter));
    let e = app.editor.as_ref().expect("editor for the new secret");
    assert!(e.is_new);
    assert_eq!(e.path, "team x/db");
    // A new secret is written create-only (no base version).
    typed(&mut app, "k");
    app.update(code(KeyCode::Enter));
    typed(&mut app, "v");
    app.update(code(KeyCode::Esc));
    app.update(ctrl('s'));
    let (_, force, base) = write_cmd(&app.update(key('y')));
    assert!(!force);
    assert_eq!(base, None);
}

/// Opens the history of `db` (from the secret view) and feeds it four versions, newest first.
fn open_history(app: &mut App) -> u64 {
    let req = open_secret(app);
    app.update(Msg::Secret { req, result: Ok(db_secret()) });
    let cmds = app.update(key('H'));
    let hreq = match &cmds[..] {
        [Effect::LoadHistory { req, path, .. }] => {
            assert_eq!(path, "db");
            *req
        }
        other => panic!("expected LoadHistory, got {other:?}"),
    };
    let versions = vec![
        version_meta(4, false, false),
        version_meta(3, true, false),
        version_meta(2, false, true),
        version_meta(1, false, false),
    ];
    app.update(Msg::History { req: hreq, result: Ok((versions, 4)) });
    hreq
}

#[test]
fn history_opens_diffs_and_rolls_back_with_confirmation() {
    let (mut app, _) = new_app(None);
    open_history(&mut app);
    assert_eq!(app.context(), sesame::keymap::Context::History);
    // Oldest version: open it read-only in the secret view.
    app.update(key('G'));
    let cmds = app.update(code(KeyCode::Enter));
    assert!(matches!(&cmds[..], [Effect::Read { version: Some(1), .. }]), "{cmds:?}");
    assert_eq!(app.secret.as_ref().unwrap().version, Some(1));
    app.update(key('e'));
    assert!(app.editor.is_none(), "an older version is not edited in place");
    app.update(key('q'));
    assert!(app.history.is_some(), "back from the version returns to the history");
    // Diff version 1 with the current one.
    let cmds = app.update(key('D'));
    assert!(matches!(&cmds[..], [Effect::DiffVersions { a: 1, b: 4, .. }]), "{cmds:?}");
    // Roll back to version 1 asks first, then sends the operation with the current version seen.
    assert!(app.update(key('R')).is_empty());
    let cmds = app.update(key('y'));
    assert!(
        matches!(
            &cmds[..],
            [Effect::VersionOp { op: sesame::app::history::VersionOp::Rollback(1), current: 4, .. }]
        ),
        "{cmds:?}"
    );
}

#[test]
fn destroy_needs_the_version_typed_and_state_rules_hold() {
    let (mut app, _) = new_app(None);
    open_history(&mut app);
    app.update(key('j')); // version 3, deleted
    assert!(app.update(code(KeyCode::Enter)).is_empty(), "a deleted version cannot be opened");
    assert!(app.history.as_ref().unwrap().error.as_ref().unwrap().contains("deleted"));
    app.update(key('u'));
    let cmds = app.update(key('y'));
    assert!(matches!(
        &cmds[..],
        [Effect::VersionOp { op: sesame::app::history::VersionOp::Undelete(3), .. }]
    ));
    app.update(key('j')); // version 2, destroyed
    app.update(key('X'));
    assert!(app.history.as_ref().unwrap().confirm.is_none(), "already destroyed");
    app.update(key('j')); // version 1
    app.update(key('X'));
    app.update(key('2'));
    assert!(app.update(code(KeyCode::Enter)).is_empty(), "the wrong number does not destroy");
    app.update(code(KeyCode::Backspace));
    app.update(key('1'));
    let cmds = app.update(code(KeyCode::Enter));
    assert!(matches!(&cmds[..], [Effect::VersionOp { op: sesame::app::history::VersionOp::Destroy(1), .. }]));
}

#[test]
fn use_in_service_copies_paths_directly_and_values_after_a_confirm() {
    let (mut app, _) = new_app(None);
    let req = open_secret(&mut app);
    app.update(Msg::Secret { req, result: Ok(db_secret()) });
    app.update(key('u'));
    let c = app.chooser().expect("the chooser");
    assert_eq!(c.format(), Some(sesame::snippet::SnippetFormat::Path));
    let cmds = app.update(code(KeyCode::Enter));
    match &cmds[..] {
        [Effect::Copy(req)] => {
            assert_eq!(req.text.0.as_str(), "secret/db");
            assert_eq!(req.content, sesame::clipboard::Content::Text);
        }
        other => panic!("expected a copy, got {other:?}"),
    }
    assert!(app.chooser().is_none());
    // A value-bearing snippet (.env) asks first.
    app.update(key('u'));
    let n = app
        .chooser()
        .unwrap()
        .formats
        .iter()
        .position(|f| *f == sesame::snippet::SnippetFormat::Dotenv)
        .unwrap();
    for _ in 0..n {
        app.update(key('j'));
    }
    assert!(app.update(code(KeyCode::Enter)).is_empty(), "a snippet with values is not copied at once");
    assert!(app.chooser().unwrap().confirm);
    let cmds = app.update(key('y'));
    match &cmds[..] {
        [Effect::Copy(req)] => {
            assert_eq!(req.content, sesame::clipboard::Content::Secret, "values are cleared later");
            assert!(req.text.0.contains("PASSWORD="));
            assert!(!format!("{req:?}").contains("hunter2"), "Debug never shows the text");
        }
        other => panic!("expected a copy, got {other:?}"),
    }
}

#[test]
fn copying_a_value_asks_and_a_failed_copy_shows_the_text() {
    let (mut app, _) = new_app(None);
    let req = open_secret(&mut app);
    app.update(Msg::Secret { req, result: Ok(db_secret()) });
    // The first row is PASSWORD.
    assert!(app.update(key('y')).is_empty());
    assert!(app.pending_copy().is_some());
    assert!(app.update(key('n')).is_empty(), "any other key cancels");
    app.update(key('y'));
    let cmds = app.update(key('y'));
    let text = match &cmds[..] {
        [Effect::Copy(req)] => req.text.clone(),
        other => panic!("expected a copy, got {other:?}"),
    };
    assert_eq!(text.0.as_str(), "hunter2");
    // Nothing could copy: the text is shown for selection, and the message never claims a copy.
    app.update(Msg::CopyResult {
        message: "Could not copy the value of PASSWORD: no clipboard".into(),
        copied: false,
        manual: Some(("Copy the value of PASSWORD".into(), text)),
    });
    assert!(app.manual_copy().is_some());
    assert!(!app.message.as_ref().unwrap().1.starts_with("Copied"));
    app.update(key('x'));
    assert!(app.manual_copy().is_none(), "any key closes it");
    // Key names are copied without asking.
    let cmds = app.update(key('Y'));
    assert!(matches!(&cmds[..], [Effect::Copy(r)] if r.text.0.as_str() == "PASSWORD"));
}

#[test]
fn folders_get_path_snippets_only_and_inject_is_toggled_on_the_server() {
    let (mut app, _) = new_app(None);
    with_mounts(&mut app);
    app.update(key('j'));
    let (req, _) = list_req(&app.update(code(KeyCode::Enter)));
    app.update(Msg::Listed { req, result: Ok(entries(&["team/", "db"])), done: true });
    app.update(key('u'));
    let c = app.chooser().expect("chooser for the folder");
    assert!(c.target.is_folder);
    assert!(c.formats.iter().all(|f| !f.contains_values()));
    app.update(code(KeyCode::Esc));
    app.update(key('j'));
    let cmds = app.update(key('I'));
    assert!(matches!(&cmds[..], [Effect::ToggleInject { path, .. }] if path == "db"));
}

// ---- The audit view (admins) ----

use sesame::app::audit::{AuditEffect, AuditHandle, AuditMsg, ExportFormat, ExportResult, SortKey};
use sesame::vault::audit::{AuditReport, Scope};

/// The app in `secret/` with its listing, and the audit's crawl command after `A`.
fn open_audit(app: &mut App) -> (u64, Vec<Scope>, AuditHandle) {
    with_mounts(app);
    app.update(key('j'));
    let (req, _) = list_req(&app.update(code(KeyCode::Enter)));
    app.update(Msg::Listed { req, result: Ok(entries(&["apps/", "teams/"])), done: true });
    let cmds = app.update(key('A'));
    match &cmds[..] {
        [Effect::Audit(AuditEffect::Run { req, scopes, policy, handle })] => {
            assert_eq!(policy, "sesame-modes");
            (*req, scopes.clone(), handle.clone())
        }
        other => panic!("expected the crawl, got {other:?}"),
    }
}

fn audit_paths(app: &App) -> Vec<String> {
    app.audit.as_ref().unwrap().rows().map(|r| r.path.clone()).collect()
}

#[test]
fn audit_opens_with_a_crawl_whose_progress_ticks_then_lists_the_report() {
    use std::sync::atomic::Ordering;
    let (mut app, _) = new_app(None);
    let (req, scopes, handle) = open_audit(&mut app);
    assert_eq!(scopes, vec![Scope::mount(mount("secret", KvVersion::V2))], "the current mount");
    assert_eq!(app.context(), sesame::keymap::Context::Audit);
    assert!(app.busy(), "ticks run while the crawl runs");
    let p = &handle.progress;
    p.scopes_total.store(1, Ordering::Relaxed);
    p.walk.listed.store(3, Ordering::Relaxed);
    p.to_check.store(10, Ordering::Relaxed);
    p.checked.store(4, Ordering::Relaxed);
    app.update(Msg::Tick);
    let v = app.audit.as_ref().unwrap();
    assert!(v.fraction > 0.0 && v.fraction < 1.0, "{}", v.fraction);
    assert!(v.label.contains("4/10 checked"), "{}", v.label);
    // An answer for another crawl is dropped.
    let other = AuditReport { rows: vec![], ..audit_report() };
    app.update(Msg::Audit(AuditMsg::Done { req: req + 100, result: Ok(other) }));
    assert!(app.audit.as_ref().unwrap().report.is_none());
    app.update(Msg::Audit(AuditMsg::Done { req, result: Ok(audit_report()) }));
    let v = app.audit.as_ref().unwrap();
    assert!(v.running.is_none() && !v.busy());
    assert_eq!(audit_paths(&app), ["apps/api-keys", "apps/db", "old/gone", "teams/ml/registry"]);
    // Keys move the selection; other keys do not reach the explorer beneath.
    app.update(key('j'));
    assert_eq!(app.audit.as_ref().unwrap().selected_row().unwrap().path, "apps/db");
    app.update(key('d'));
    assert!(app.ops.stage.is_none(), "d does not delete from the audit");
}

#[test]
fn audit_from_the_mount_list_covers_every_kv_mount() {
    let (mut app, _) = new_app(None);
    with_mounts(&mut app);
    let cmds = app.update(key('A'));
    let Some(Effect::Audit(AuditEffect::Run { scopes, .. })) = cmds.first() else { panic!("{cmds:?}") };
    let names: Vec<&str> = scopes.iter().map(|s| s.mount.path.as_str()).collect();
    assert_eq!(names, ["legacy", "secret"]);
    assert_eq!(app.audit.as_ref().unwrap().scope_label(), "legacy/, secret/");
}

#[test]
fn audit_filters_sorts_and_jumps_to_the_secret() {
    let (mut app, _) = new_app(None);
    let (req, _, _) = open_audit(&mut app);
    app.update(Msg::Audit(AuditMsg::Done { req, result: Ok(audit_report()) }));
    // Filter by path, mode, who or drift kind.
    app.update(key('/'));
    typed(&mut app, "bob");
    assert_eq!(audit_paths(&app), ["teams/ml/registry"]);
    app.update(code(KeyCode::Esc));
    assert_eq!(audit_paths(&app).len(), 4, "Esc while typing clears the filter");
    app.update(key('/'));
    typed(&mut app, "key-only");
    app.update(code(KeyCode::Enter));
    assert_eq!(audit_paths(&app), ["apps/api-keys"]);
    app.update(key('q'));
    assert!(app.audit.is_some(), "the first q clears the filter");
    assert_eq!(audit_paths(&app).len(), 4);
    // Sorts: mode, who, when (newest first), drift first, back to path.
    app.update(key('s'));
    assert_eq!(app.audit.as_ref().unwrap().sort, SortKey::Mode);
    assert_eq!(audit_paths(&app), ["apps/db", "teams/ml/registry", "apps/api-keys", "old/gone"]);
    app.update(key('s'));
    assert_eq!(audit_paths(&app), ["apps/api-keys", "apps/db", "teams/ml/registry", "old/gone"]);
    app.update(key('s'));
    assert_eq!(audit_paths(&app), ["teams/ml/registry", "apps/api-keys", "apps/db", "old/gone"]);
    app.update(key('s'));
    assert_eq!(app.audit.as_ref().unwrap().sort, SortKey::Drift);
    assert_eq!(audit_paths(&app), ["apps/api-keys", "old/gone", "teams/ml/registry", "apps/db"]);
    assert_eq!(app.message.as_ref().unwrap().1, "sorted by drift first");
    // Jump: the view closes, the folder opens, the secret is selected once the listing arrives.
    app.update(key('G'));
    let cmds = app.update(code(KeyCode::Enter));
    assert!(app.audit.is_none());
    let (lreq, folder) = list_req(&cmds);
    assert_eq!(folder, "apps");
    assert_eq!(app.breadcrumb(), "secret/apps/");
    app.update(Msg::Listed { req: lreq, result: Ok(entries(&["api-keys", "db", "web"])), done: true });
    assert_eq!(app.list.selected_entry().unwrap().name, "db");
    assert_eq!(app.context(), sesame::keymap::Context::Explorer);
}

fn export_req(cmds: &[Effect]) -> (u64, String, ExportFormat, bool) {
    match cmds {
        [Effect::Audit(AuditEffect::Export { req, path, format, overwrite, .. })] => {
            (*req, path.clone(), *format, *overwrite)
        }
        other => panic!("expected an export, got {other:?}"),
    }
}

#[test]
fn audit_exports_json_or_csv_after_a_prompt_and_asks_before_replacing() {
    let (mut app, _) = new_app(None);
    let (req, _, _) = open_audit(&mut app);
    app.update(key('e'));
    assert!(app.audit.as_ref().unwrap().export.is_none(), "nothing to export before the report");
    assert!(app.message.as_ref().unwrap().1.contains("nothing to export"));
    app.update(Msg::Audit(AuditMsg::Done { req, result: Ok(audit_report()) }));
    app.update(key('/'));
    typed(&mut app, "bob");
    app.update(code(KeyCode::Enter));
    app.update(key('e'));
    let p = app.audit.as_ref().unwrap().export.clone().expect("the export prompt");
    assert_eq!((p.format, p.text.as_str()), (ExportFormat::Json, "sesame-audit.json"));
    let cmds = app.update(code(KeyCode::Enter));
    let (ereq, path, format, overwrite) = export_req(&cmds);
    assert_eq!((path.as_str(), format, overwrite), ("sesame-audit.json", ExportFormat::Json, false));
    let Effect::Audit(AuditEffect::Export { report, .. }) = &cmds[0] else { unreachable!() };
    assert_eq!(report, &audit_report(), "the whole report, not only the filtered rows");
    assert!(app.busy());
    let at = "/tmp/x/sesame-audit.json".to_string();
    app.update(Msg::Audit(AuditMsg::Exported { req: ereq, result: ExportResult::Exists(at.clone()) }));
    let p = app.audit.as_ref().unwrap().export.clone().unwrap();
    assert!(p.overwrite && p.error.as_deref().unwrap().contains("exists"), "{p:?}");
    let (ereq, _, _, overwrite) = export_req(&app.update(code(KeyCode::Enter)));
    assert!(overwrite, "the second Enter replaces the file");
    app.update(Msg::Audit(AuditMsg::Exported { req: ereq, result: ExportResult::Written(at) }));
    assert!(app.audit.as_ref().unwrap().export.is_none());
    let msg = &app.message.as_ref().unwrap().1;
    assert!(msg.contains("exported 4 rows as JSON to /tmp/x/sesame-audit.json"), "{msg}");
    // CSV: its own default name; another name typed, and a failure keeps the prompt open.
    app.update(key('E'));
    let p = app.audit.as_ref().unwrap().export.clone().unwrap();
    assert_eq!((p.format, p.text.as_str()), (ExportFormat::Csv, "sesame-audit.csv"));
    for _ in 0..3 {
        app.update(code(KeyCode::Backspace));
    }
    typed(&mut app, "txt");
    let (ereq, path, format, _) = export_req(&app.update(code(KeyCode::Enter)));
    assert_eq!((path.as_str(), format), ("sesame-audit.txt", ExportFormat::Csv));
    let failed = ExportResult::Failed("cannot write: denied".into());
    app.update(Msg::Audit(AuditMsg::Exported { req: ereq, result: failed }));
    let p = app.audit.as_ref().unwrap().export.clone().unwrap();
    assert_eq!(p.error.as_deref(), Some("cannot write: denied"));
    app.update(code(KeyCode::Esc));
    assert!(app.audit.as_ref().unwrap().export.is_none());
    assert!(app.audit.is_some(), "Esc closes the prompt only");
}

#[test]
fn a_failed_audit_says_who_may_run_it_and_closing_stops_the_crawl() {
    let (mut app, _) = new_app(None);
    let (req, _, first) = open_audit(&mut app);
    app.update(Msg::Audit(AuditMsg::Done {
        req,
        result: Err(VaultError::Forbidden {
            path: "sys/policies/acl/sesame-modes".into(),
            detail: "permission denied".into(),
        }),
    }));
    let v = app.audit.as_ref().unwrap();
    let e = v.error.as_deref().unwrap();
    assert!(e.contains("sys/policies/acl/sesame-modes") && e.contains("for admins"), "{e}");
    assert!(!v.busy());
    // r audits again with a fresh handle; Esc closes and stops it.
    let cmds = app.update(key('r'));
    let Some(Effect::Audit(AuditEffect::Run { handle, req: req2, .. })) = cmds.first() else {
        panic!("{cmds:?}")
    };
    assert!(*req2 != req && *handle != first);
    assert!(app.audit.as_ref().unwrap().error.is_none());
    app.update(code(KeyCode::Esc));
    assert!(app.audit.is_none());
    assert!(handle.stopped(), "closing the view stops the crawl");
    // A late answer of the closed view changes nothing.
    app.update(Msg::Audit(AuditMsg::Done { req: *req2, result: Ok(audit_report()) }));
    assert!(app.audit.is_none());
}

#[tokio::test]
async fn the_export_file_is_the_reports_json_or_csv() {
    use sesame::app::audit_effects::export;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.json");
    let path_s = path.to_str().unwrap();
    let report = audit_report();
    let r = export(path_s, ExportFormat::Json, &report, false).await;
    assert_eq!(r, ExportResult::Written(path_s.to_string()));
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.trim_end(), sesame::vault::audit::to_json(&report));
    // An existing file is kept unless the user confirmed.
    let r = export(path_s, ExportFormat::Csv, &report, false).await;
    assert_eq!(r, ExportResult::Exists(path_s.to_string()));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    let r = export(path_s, ExportFormat::Csv, &report, true).await;
    assert_eq!(r, ExportResult::Written(path_s.to_string()));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), sesame::vault::audit::to_csv(&report));
    let r = export(dir.path().to_str().unwrap(), ExportFormat::Json, &report, true).await;
    assert!(matches!(r, ExportResult::Failed(ref e) if e.contains("is a folder")), "{r:?}");
}

#[test]
fn an_older_injection_answer_is_reported_but_does_not_undo_a_newer_one() {
    let (mut app, _) = new_app(None);
    let req = open_secret(&mut app);
    app.update(Msg::Secret { req, result: Ok(db_secret()) });
    app.update(Msg::Annotations { req, result: Ok(Default::default()) });
    let toggle = |app: &mut App| match &app.update(key('I'))[..] {
        [Effect::ToggleInject { req, .. }] => *req,
        other => panic!("expected one toggle, got {other:?}"),
    };
    let (first, second) = (toggle(&mut app), toggle(&mut app));
    let injected = |app: &App| {
        app.secret.as_ref().and_then(|s| s.annotations.as_ref()).map(sesame::snippet::is_injected)
    };
    app.update(Msg::InjectSet { req: second, path: "secret/db".into(), result: Ok(true) });
    assert_eq!(injected(&app), Some(true));
    // The first answer arrives last: it is still said, but the flag on screen stays the newer one.
    app.update(Msg::InjectSet { req: first, path: "secret/db".into(), result: Ok(false) });
    assert_eq!(injected(&app), Some(true), "a stale answer does not change the view");
    assert!(app.message.as_ref().is_some_and(|(_, m)| m.contains("secret/db")));
}

#[test]
fn the_json_view_is_laid_out_once_and_pages_through_it() {
    let (mut app, _) = new_app(None);
    app.update(Msg::Resize(80, 24));
    let req = open_secret(&mut app);
    let many: Vec<String> = (0..200).map(|i| format!("line {i}")).collect();
    let json = serde_json::json!({ "LINES": many }).to_string();
    app.update(Msg::Secret { req, result: Ok(live_read(&json, 1, "2026-11-25T10:00:00Z")) });
    app.update(key('J'));
    app.update(key('a'));
    let layout = app.secret.as_ref().and_then(|s| s.json_layout.as_ref()).expect("laid out when opened");
    assert!(layout.revealed && layout.lines.len() > 200, "{} lines", layout.lines.len());
    app.update(code(KeyCode::PageDown));
    let page = app.secret.as_ref().and_then(|s| s.json).expect("open");
    assert!(page > 1, "a page, not a line: {page}");
    app.update(key('g'));
    assert_eq!(app.secret.as_ref().and_then(|s| s.json), Some(0));
    app.update(key('a'));
    assert!(
        !app.secret.as_ref().and_then(|s| s.json_layout.as_ref()).expect("laid out").revealed,
        "masked again"
    );
    app.update(code(KeyCode::Esc));
    assert!(
        app.secret.as_ref().is_some_and(|s| s.json.is_none() && s.json_layout.is_none()),
        "dropped on close"
    );
}

#[test]
fn a_value_is_loaded_from_a_file_by_an_effect_not_inside_update() {
    let (mut app, _) = new_app(None);
    open_editor(&mut app);
    app.update(key('f'));
    typed(&mut app, "/no/such/dir/../but/this/is/never/read/by/update");
    let cmds = app.update(enter());
    let (req, row) = match &cmds[..] {
        [Effect::LoadFile { req, row, path }] => {
            assert!(path.ends_with("never/read/by/update"));
            (*req, *row)
        }
        other => panic!("expected one LoadFile effect, got {other:?}"),
    };
    // An older answer is dropped; the current one fills the row.
    let value = || Ok((SecretValue::from_string("from the file"), None));
    app.update(Msg::FileLoaded { req: req - 1, row, result: value() });
    let shown =
        |app: &App| app.editor.as_ref().map(|e| e.draft().get("PASSWORD").map(|v| v.reveal().to_string()));
    assert_ne!(shown(&app), Some(Some("from the file".to_string())));
    app.update(Msg::FileLoaded { req, row, result: value() });
    assert_eq!(shown(&app), Some(Some("from the file".to_string())));
}

#[test]
fn tab_completion_of_a_file_path_reads_the_directory_in_an_effect() {
    let (mut app, _) = new_app(None);
    open_editor(&mut app);
    app.update(key('f'));
    typed(&mut app, "/etc/hostn");
    let cmds = app.update(code(KeyCode::Tab));
    let req = match &cmds[..] {
        [Effect::CompletePath { req, typed }] => {
            assert_eq!(typed, "/etc/hostn");
            *req
        }
        other => panic!("expected one CompletePath effect, got {other:?}"),
    };
    let field = |app: &App| match app.editor.as_ref().map(|e| &e.mode) {
        Some(sesame::app::editor::EditMode::File { input, completions, .. }) => {
            (input.lines().first().cloned().unwrap_or_default(), completions.clone())
        }
        _ => panic!("the file field is open"),
    };
    assert_eq!(field(&app).0, "/etc/hostn", "nothing is completed inside update");
    // An older answer is dropped.
    app.update(Msg::Completed {
        req: req - 1,
        typed: "/etc/hostn".into(),
        completed: "/etc/old".into(),
        options: vec![],
    });
    assert_eq!(field(&app).0, "/etc/hostn");
    app.update(Msg::Completed {
        req,
        typed: "/etc/hostn".into(),
        completed: "/etc/hostname".into(),
        options: vec!["hostname".into()],
    });
    assert_eq!(field(&app), ("/etc/hostname".to_string(), vec!["hostname".to_string()]));
    // An answer for text the user has since changed is not applied.
    let cmds = app.update(code(KeyCode::Tab));
    let [Effect::CompletePath { req, .. }] = &cmds[..] else { panic!("{cmds:?}") };
    app.update(key('x'));
    app.update(Msg::Completed {
        req: *req,
        typed: "/etc/hostname".into(),
        completed: "/etc/hostname.d/".into(),
        options: vec![],
    });
    assert_eq!(field(&app).0, "/etc/hostnamex");
}

#[test]
fn the_path_completion_effect_reads_the_directory() {
    let dir = std::env::temp_dir().join(format!("sesame-complete-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    std::fs::write(dir.join("key.pem"), "x").unwrap();
    let typed = format!("{}/ke", dir.display());
    let (completed, options) = sesame::app::editor::complete_path(&typed);
    assert_eq!(completed, format!("{}/key", dir.display()));
    assert_eq!(options, vec!["key.pem".to_string(), "keys/".to_string()]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_save_whose_answer_never_came_may_have_happened_and_keeps_the_draft() {
    let (mut app, _) = new_app(None);
    open_editor(&mut app);
    app.update(key('d'));
    app.update(ctrl('s'));
    let (req, _, base) = write_cmd(&app.update(key('y')));
    let lost = VaultError::MaybeWritten { addr: "http://127.0.0.1:8200".into(), detail: "timed out".into() };
    app.update(Msg::Written { req, result: Err(lost) });
    let e = app.editor.as_ref().expect("the editor stays open");
    assert_eq!(e.rows.len(), 2, "the draft is intact");
    let error = e.error.clone().unwrap_or_default();
    assert!(error.contains("may have been saved") && !error.contains("not saved"), "{error}");
    // Saving again sends the same check-and-set: the library counts a server that already holds the draft
    // as saved (tests/faults.rs), never as someone else's change.
    app.update(ctrl('s'));
    let (_, _, again) = write_cmd(&app.update(key('y')));
    assert_eq!(again, base);
}

#[test]
fn the_places_sidebar_is_looked_up_again_in_another_namespace() {
    let (mut app, _) = new_app(None);
    app.update(Msg::Resize(100, 30));
    let cmds = app.update(key('B'));
    assert!(app.sidebar && cmds.iter().any(|c| matches!(c, Effect::LoadPlaces { .. })));
    let cmds = app.switch_namespace(Some("team".into()));
    assert!(cmds.iter().any(|c| matches!(c, Effect::LoadPlaces { .. })), "{cmds:?}");
    app.update(key('B'));
    assert!(!app.sidebar);
    let cmds = app.switch_namespace(None);
    assert!(!cmds.iter().any(|c| matches!(c, Effect::LoadPlaces { .. })), "hidden: not looked up");
}
