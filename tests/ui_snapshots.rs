//! Snapshot tests of each screen at 80x24 and 120x40, drawn with ratatui's `TestBackend`.

mod common;

use common::fixtures::{self, live_read, version_meta};
use common::ui::*;

use crossterm::event::KeyCode;
use sesame::app::{App, Effect, Msg, PreviewData};
use sesame::vault::kv::{Identity, KvVersion, Mount};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn base_app(size: (u16, u16)) -> App {
    let mut app = sized_app(size);
    app.update(Msg::Identity(Ok(Identity {
        display_name: "root".into(),
        policies: vec!["root".into()],
        ttl: 0,
    })));
    app.update(Msg::Mounts(Ok(vec![
        Mount { path: "legacy".into(), version: KvVersion::V1, description: "old team secrets".into() },
        Mount {
            path: "secret".into(),
            version: KvVersion::V2,
            description: "key/value secret storage".into(),
        },
    ])));
    app
}

fn in_folder(size: (u16, u16)) -> App {
    let mut app = base_app(size);
    app.update(key('j'));
    let cmds = app.update(enter());
    let req = list_req_id(&cmds);
    app.update(Msg::Listed {
        req,
        result: Ok(entries(&[
            "apps/",
            "teams/",
            "load/",
            ".keep",
            "api-token",
            "db-creds",
            "registry",
            "deploy-key",
        ])),
        done: true,
    });
    app.update(Msg::Tick);
    let cmds = app.update(Msg::Tick);
    let preq = cmds
        .iter()
        .find_map(|c| if let Effect::Preview { req, .. } = c { Some(*req) } else { None })
        .unwrap();
    app.update(Msg::Preview {
        req: preq,
        result: Ok(PreviewData::Folder(entries(&["web/", "worker/", "cron"]))),
    });
    app
}

fn with_secret(size: (u16, u16)) -> App {
    let mut app = in_folder(size);
    app.update(key('G'));
    app.update(key('k'));
    let cmds = app.update(enter());
    let req = read_req_id(&cmds);
    let json = r#"{"DB_HOST":"db.internal","DB_PASSWORD":"s3cr3t-hunter2","DB_PORT":5432,"OPTIONS":{"ssl":true},"TLS_CA":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"}"#;
    app.update(Msg::Secret { req, result: Ok(live_read(json, 3, "2026-11-25T10:00:00.123456Z")) });
    app
}

#[test]
fn mount_list() {
    for size in SIZES {
        let app = base_app(size);
        insta::assert_snapshot!(format!("mounts_{}x{}", size.0, size.1), render(&app, size));
    }
}

#[test]
fn explorer_with_preview() {
    for size in SIZES {
        let app = in_folder(size);
        insta::assert_snapshot!(format!("explorer_{}x{}", size.0, size.1), render(&app, size));
    }
}

#[test]
fn explorer_filter_and_hidden() {
    let size = (80, 24);
    let mut app = in_folder(size);
    app.update(key('.'));
    app.update(key('/'));
    app.update(key('e'));
    insta::assert_snapshot!("explorer_filter_80x24", render(&app, size));
}

#[test]
fn secret_masked_and_revealed() {
    for size in SIZES {
        let mut app = with_secret(size);
        let masked = render(&app, size);
        assert!(!masked.contains("hunter2"), "values are masked by default");
        insta::assert_snapshot!(format!("secret_masked_{}x{}", size.0, size.1), masked);
        app.update(key('j'));
        app.update(key(' '));
        let one = render(&app, size);
        assert!(one.contains("s3cr3t-hunter2"));
        assert!(!one.contains("db.internal"), "only the selected value is revealed");
        insta::assert_snapshot!(format!("secret_one_revealed_{}x{}", size.0, size.1), one);
    }
}

#[test]
fn masks_do_not_reveal_length() {
    let size = (80, 24);
    let app = with_secret(size);
    let screen = render(&app, size);
    let masks: Vec<&str> = screen.lines().filter(|l| l.contains('•')).collect();
    assert_eq!(masks.len(), 5);
    let widths: std::collections::HashSet<usize> = masks.iter().map(|l| l.matches('•').count()).collect();
    assert_eq!(widths.len(), 1, "every mask has the same width: {masks:?}");
}

#[test]
fn json_view() {
    let size = (80, 24);
    let mut app = with_secret(size);
    app.update(key('J'));
    let masked = render(&app, size);
    assert!(!masked.contains("hunter2"));
    insta::assert_snapshot!("json_masked_80x24", masked);
    app.update(key('a'));
    insta::assert_snapshot!("json_revealed_80x24", render(&app, size));
}

#[test]
fn help_overlay() {
    for size in SIZES {
        let mut app = in_folder(size);
        app.update(key('?'));
        let screen = render(&app, size);
        insta::assert_snapshot!(format!("help_{}x{}", size.0, size.1), screen);
    }
}

#[test]
fn help_lists_every_binding_of_the_keymap() {
    let size = (120, 300);
    let mut app = in_folder(size);
    app.update(key('?'));
    let screen = render(&app, size);
    for b in &app.keymap.bindings {
        let start: String = b.desc.chars().take(30).collect();
        assert!(screen.contains(&start), "help shows {:?}", b.desc);
        assert!(screen.contains(&b.keys[0].to_string()));
    }
}

#[test]
fn error_state() {
    let size = (80, 24);
    let mut app = sized_app(size);
    app.update(Msg::Mounts(Err(sesame::vault::VaultError::Sealed)));
    let screen = render(&app, size);
    assert!(screen.contains("sealed"), "{screen}");
    insta::assert_snapshot!("sealed_80x24", render(&app, size));
}

#[test]
fn no_color_has_no_colours() {
    let size = (80, 24);
    let mut app = in_folder(size);
    app.no_color = true;
    let buf = draw(&app, size);
    for cell in buf.content() {
        assert_eq!(cell.fg, ratatui::style::Color::Reset, "no foreground colour with NO_COLOR");
        assert_eq!(cell.bg, ratatui::style::Color::Reset, "no background colour with NO_COLOR");
    }
}

#[test]
fn tiny_terminal_does_not_panic() {
    for size in [(1, 1), (10, 3), (20, 5), (59, 10)] {
        let mut app = with_secret((80, 24));
        app.update(Msg::Resize(size.0, size.1));
        let _ = render(&app, size);
        app.update(key('?'));
        let _ = render(&app, size);
    }
}

fn in_editor(size: (u16, u16)) -> App {
    let mut app = with_secret(size);
    app.update(key('e'));
    app
}

#[test]
fn editor_screens() {
    for size in SIZES {
        let mut app = in_editor(size);
        let screen = render(&app, size);
        assert!(!screen.contains("hunter2"), "the editor masks values");
        insta::assert_snapshot!(format!("editor_{}x{}", size.0, size.1), screen);
        // A key being typed, checked as it is typed.
        app.update(key('a'));
        for c in "db-host".chars() {
            app.update(key(c));
        }
        insta::assert_snapshot!(format!("editor_key_invalid_{}x{}", size.0, size.1), render(&app, size));
    }
}

#[test]
fn editor_summary_and_conflict() {
    let size = (80, 24);
    let mut app = in_editor(size);
    app.update(key('d'));
    app.update(key('j'));
    app.update(enter());
    app.update(key('9'));
    app.update(code(KeyCode::Esc));
    app.update(ctrl('s'));
    let summary = render(&app, size);
    assert!(!summary.contains("54329"), "the summary shows no value");
    insta::assert_snapshot!("editor_summary_80x24", summary);
    let cmds = app.update(key('y'));
    let req =
        cmds.iter().find_map(|c| if let Effect::Write { req, .. } = c { Some(*req) } else { None }).unwrap();
    app.update(Msg::Written {
        req,
        result: Err(sesame::vault::VaultError::CasMismatch { path: "x".into() }),
    });
    insta::assert_snapshot!("editor_conflict_80x24", render(&app, size));
}

#[test]
fn editor_value_popup() {
    let size = (80, 24);
    let mut app = in_editor(size);
    app.update(key('G'));
    app.update(enter());
    insta::assert_snapshot!("editor_value_80x24", render(&app, size));
}

#[test]
fn use_in_service_chooser() {
    for size in SIZES {
        let mut app = with_secret(size);
        app.update(key('u'));
        let screen = render(&app, size);
        assert!(!screen.contains("hunter2"));
        insta::assert_snapshot!(format!("chooser_path_{}x{}", size.0, size.1), screen);
        for _ in 0..4 {
            app.update(key('j'));
        }
        insta::assert_snapshot!(format!("chooser_curl_{}x{}", size.0, size.1), render(&app, size));
    }
    let size = (80, 24);
    let mut app = with_secret(size);
    app.update(key('u'));
    app.update(key('k'));
    app.update(enter());
    let screen = render(&app, size);
    assert!(!screen.contains("hunter2"), "a value snippet is never previewed");
    insta::assert_snapshot!("chooser_confirm_values_80x24", screen);
}

// ---- The audit view (admins) ----

/// The shared report with one more row, whose key names could not be checked.
fn audit_report() -> sesame::vault::audit::AuditReport {
    use sesame::vault::audit::Drift;
    use sesame::vault::modes::Mode;
    let mut report = fixtures::audit_report();
    report.rows.insert(
        2,
        fixtures::audit_row(
            "apps/web/tls",
            Mode::KeyOnly,
            "alice",
            "2026-01-04T11:00:00Z",
            vec![Drift::KeysUnchecked { reason: "cannot check the key names: no read access".into() }],
        ),
    );
    report
}

/// The explorer in `secret/` with the audit open and its crawl's progress at some point.
fn auditing(size: (u16, u16)) -> (App, u64) {
    use std::sync::atomic::Ordering;
    let mut app = in_folder(size);
    let cmds = app.update(key('A'));
    let Some(Effect::Audit(sesame::app::audit::AuditEffect::Run { req, handle, .. })) = cmds.first() else {
        panic!("{cmds:?}")
    };
    let p = &handle.progress;
    p.scopes_total.store(1, Ordering::Relaxed);
    p.walk.listed.store(12, Ordering::Relaxed);
    p.walk.secrets.store(40, Ordering::Relaxed);
    p.to_check.store(40, Ordering::Relaxed);
    p.checked.store(18, Ordering::Relaxed);
    app.update(Msg::Tick);
    (app, *req)
}

#[test]
fn audit_progress_bar() {
    for size in SIZES {
        let (app, _) = auditing(size);
        insta::assert_snapshot!(format!("audit_progress_{}x{}", size.0, size.1), render(&app, size));
    }
}

#[test]
fn audit_report_with_drift() {
    use sesame::app::audit::AuditMsg;
    for size in SIZES {
        let (mut app, req) = auditing(size);
        app.update(Msg::Audit(AuditMsg::Done { req, result: Ok(audit_report()) }));
        let screen = render(&app, size);
        insta::assert_snapshot!(format!("audit_{}x{}", size.0, size.1), screen);
    }
    let size = (80, 24);
    let (mut app, req) = auditing(size);
    app.update(Msg::Audit(AuditMsg::Done { req, result: Ok(audit_report()) }));
    app.update(key('e'));
    insta::assert_snapshot!("audit_export_80x24", render(&app, size));
}

#[test]
fn audit_refused_to_a_non_admin() {
    use sesame::app::audit::AuditMsg;
    let size = (80, 24);
    let (mut app, req) = auditing(size);
    let denied = sesame::vault::VaultError::Forbidden {
        path: "sys/policies/acl/sesame-modes".into(),
        detail: "permission denied".into(),
    };
    app.update(Msg::Audit(AuditMsg::Done { req, result: Err(denied) }));
    insta::assert_snapshot!("audit_denied_80x24", render(&app, size));
}

#[test]
fn history_view() {
    for size in SIZES {
        let mut app = with_secret(size);
        let cmds = app.update(key('H'));
        let req = cmds
            .iter()
            .find_map(|c| if let Effect::LoadHistory { req, .. } = c { Some(*req) } else { None })
            .unwrap();
        let versions = vec![
            version_meta(4, false, false),
            version_meta(3, true, false),
            version_meta(2, false, true),
            version_meta(1, false, false),
        ];
        app.update(Msg::History { req, result: Ok((versions, 4)) });
        insta::assert_snapshot!(format!("history_{}x{}", size.0, size.1), render(&app, size));
        // Diff version 1 with the current one: keys only.
        app.update(key('G'));
        let cmds = app.update(key('D'));
        let dreq = cmds
            .iter()
            .find_map(|c| if let Effect::DiffVersions { req, .. } = c { Some(*req) } else { None })
            .unwrap_or_else(|| panic!("a diff command: {cmds:?}"));
        let _ = dreq;
    }
    // The diff and the destroy confirmation.
    let size = (80, 24);
    let mut app = with_secret(size);
    let cmds = app.update(key('H'));
    let req = cmds
        .iter()
        .find_map(|c| if let Effect::LoadHistory { req, .. } = c { Some(*req) } else { None })
        .unwrap();
    app.update(Msg::History {
        req,
        result: Ok((vec![version_meta(2, false, false), version_meta(1, false, false)], 2)),
    });
    app.update(key('j'));
    let cmds = app.update(key('D'));
    let dreq = cmds
        .iter()
        .find_map(|c| if let Effect::DiffVersions { req, .. } = c { Some(*req) } else { None })
        .unwrap();
    let diff = sesame::secret::diff::MaskedDiff {
        added: vec!["NEW_KEY".into()],
        removed: vec!["OLD_KEY".into()],
        changed: vec!["DB_PASSWORD".into()],
        unchanged: vec!["DB_HOST".into()],
    };
    let values = vec![
        ("NEW_KEY".to_string(), None, Some(sesame::secret::SecretValue::from_string("fresh"))),
        ("OLD_KEY".to_string(), Some(sesame::secret::SecretValue::from_string("stale")), None),
        (
            "DB_PASSWORD".to_string(),
            Some(sesame::secret::SecretValue::from_string("old-pw")),
            Some(sesame::secret::SecretValue::from_string("new-pw")),
        ),
    ];
    app.update(Msg::Diff { req: dreq, a: 1, b: 2, result: Ok(diff), values });
    let masked = render(&app, size);
    assert!(!masked.contains("old-pw") && !masked.contains("new-pw"), "values masked until revealed");
    app.update(key(' '));
    let revealed = render(&app, size);
    assert!(revealed.contains("~ DB_PASSWORD: old-pw → new-pw"), "{revealed}");
    assert!(revealed.contains("+ NEW_KEY: (absent) → fresh"), "{revealed}");
    app.update(key(' '));
    app.update(key('X'));
    app.update(key('1'));
    let screen = render(&app, size);
    assert!(screen.contains("~ DB_PASSWORD") && screen.contains("Type 1"), "{screen}");
    insta::assert_snapshot!("history_diff_destroy_80x24", screen);
}

#[test]
fn json_view_and_errors_at_120x40() {
    let size = (120, 40);
    let mut app = with_secret(size);
    app.update(key('J'));
    insta::assert_snapshot!("json_masked_120x40", render(&app, size));
    let mut app = sized_app(size);
    app.update(Msg::Mounts(Err(sesame::vault::VaultError::Unreachable {
        addr: "http://127.0.0.1:8200".into(),
        detail: "connection refused".into(),
    })));
    let screen = render(&app, size);
    assert!(screen.contains("cannot reach the server"), "{screen}");
    insta::assert_snapshot!("unreachable_120x40", screen);
}
