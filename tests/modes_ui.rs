//! Admin modes in the TUI: a readonly and a key-only secret as a non-admin sees them, the refusals with
//! their reasons, and the mode chooser for admins. Drives `App::update`; screens are insta snapshots.

mod common;

use common::fixtures::live_read;
use common::ui::*;

use sesame::app::{App, Effect, Msg};
use sesame::secret::SecretData;
use sesame::vault::annotations::Annotations;
use sesame::vault::kv::{Entry, KvVersion, SecretRead};
use sesame::vault::modes::{Mode, ModeRecord};

/// An app in `secret/teams/ml/` with `name` selected and opened; returns the read request id.
fn open(name: &str, size: (u16, u16)) -> (App, u64) {
    let mut app = sized_app(size);
    let mount = mount("secret", KvVersion::V2);
    app.update(Msg::Mounts(Ok(vec![mount.clone()])));
    let cmds = app.update(Msg::Resolved(Ok(sesame::app::StartTarget {
        mount,
        path: "teams/ml".into(),
        is_secret: false,
    })));
    let req = list_req_id(&cmds);
    app.update(Msg::Listed {
        req,
        result: Ok(vec![
            Entry { name: "huggingface".into(), is_folder: false },
            Entry { name: "mlflow".into(), is_folder: false },
        ]),
        done: true,
    });
    if name == "mlflow" {
        app.update(key('j'));
    }
    let cmds = app.update(enter());
    let req = read_req_id(&cmds);
    (app, req)
}

fn mode_annotations(mode: &str) -> Annotations {
    let mut a = Annotations::new();
    a.insert("mode".into(), mode.into());
    a.insert("mode.by".into(), "root".into());
    a.insert("mode.at".into(), "2026-11-25T10:00:00Z".into());
    a
}

fn key_only_record() -> ModeRecord {
    ModeRecord {
        mode: Mode::KeyOnly,
        set_by: Some("root".into()),
        set_at: Some("2026-11-25T10:00:00Z".into()),
        keys: vec!["HF_TOKEN".into(), "HF_USER".into()],
    }
}

#[test]
fn key_only_secret_as_a_non_admin() {
    for size in [(80, 24), (120, 40)] {
        let (mut app, req) = open("huggingface", size);
        app.update(Msg::KeyOnly { req, record: key_only_record() });
        app.update(Msg::Annotations { req, result: Ok(mode_annotations("key-only")) });
        app.update(Msg::Admin { req, admin: false });
        let screen = render(&app, size);
        assert!(screen.contains("HF_TOKEN") && screen.contains("[key-only]"), "{screen}");
        insta::assert_snapshot!(format!("key_only_non_admin_{}x{}", size.0, size.1), screen);
        // Reveal, copy and the value snippets are refused with the reason; nothing is asked of the server.
        for c in [' ', 'a', 'y', 'e', 'M'] {
            let cmds = app.update(key(c));
            assert!(cmds.is_empty(), "{c:?} sends nothing: {cmds:?}");
            assert!(app.message.as_ref().unwrap().1.starts_with("not allowed"), "{c:?}: {:?}", app.message);
        }
        app.update(key('u'));
        let chooser = app.chooser().expect("path snippets stay available");
        assert!(chooser.formats.iter().all(|f| !f.contains_values()));
    }
}

#[test]
fn readonly_secret_as_a_non_admin() {
    for size in [(80, 24), (120, 40)] {
        let (mut app, req) = open("mlflow", size);
        let json = r#"{"MLFLOW_PASSWORD":"pw-123","MLFLOW_URI":"https://mlflow"}"#;
        app.update(Msg::Secret { req, result: Ok(live_read(json, 2, "2026-11-25T10:00:00Z")) });
        app.update(Msg::Annotations { req, result: Ok(mode_annotations("readonly")) });
        app.update(Msg::Admin { req, admin: false });
        let screen = render(&app, size);
        assert!(screen.contains("[readonly]") && !screen.contains("pw-123"), "{screen}");
        insta::assert_snapshot!(format!("readonly_non_admin_{}x{}", size.0, size.1), screen);
        // Viewing and revealing are allowed; editing is not.
        app.update(key(' '));
        assert!(render(&app, size).contains("pw-123"));
        assert!(app.update(key('e')).is_empty());
        assert!(app.editor.is_none());
        assert!(app.message.as_ref().unwrap().1.contains("readonly"), "{:?}", app.message);
    }
}

#[test]
fn an_admin_sets_a_mode_through_the_chooser() {
    let size = (80, 24);
    let (mut app, req) = open("mlflow", size);
    app.update(Msg::Secret {
        req,
        result: Ok(SecretRead { data: Some(SecretData::default()), version: None }),
    });
    app.update(Msg::Annotations { req, result: Ok(Annotations::new()) });
    app.update(Msg::Admin { req, admin: true });
    assert!(app.update(key('M')).is_empty());
    assert_eq!(app.mode_prompt(), Some(0));
    insta::assert_snapshot!("set_mode_80x24", render(&app, size));
    app.update(key('j'));
    let cmds = app.update(enter());
    assert!(
        matches!(&cmds[..], [Effect::SetMode { mode: Mode::KeyOnly, path, .. }] if path == "teams/ml/mlflow"),
        "{cmds:?}"
    );
}

#[test]
fn explorer_tags_modes_and_injection_without_colour() {
    let size = (80, 24);
    let (mut app, _) = open("huggingface", size);
    app.update(key('q'));
    app.update(Msg::Marks {
        folder_key: "secret/teams/ml".into(),
        marks: vec![
            ("huggingface".into(), (Mode::KeyOnly, false)),
            ("mlflow".into(), (Mode::ReadOnly, true)),
        ],
    });
    app.no_color = true;
    let screen = render(&app, size);
    assert!(screen.contains("[key-only]") && screen.contains("[env] [readonly]"), "{screen}");
    insta::assert_snapshot!("explorer_mode_tags_80x24", screen);
}

fn policy_preview(diff: &str) -> sesame::app::policy::PolicyPreview {
    sesame::app::policy::PolicyPreview {
        hcl: "path \"secret/data/teams/ml/mlflow\" {\n  capabilities = [\"read\"]\n}\n".into(),
        diff: diff.into(),
        secrets: 1,
        skipped: vec![("secret/teams/a*".into(), "a trailing * would make the rule a glob".into())],
        incomplete: 0,
        missing_on_server: false,
    }
}

#[test]
fn policy_view_shows_the_diff_applies_after_a_confirm_and_copies_the_hcl() {
    let size = (80, 24);
    let mut app = sized_app(size);
    app.update(Msg::Mounts(Ok(two_mounts())));
    let cmds = app.update(key('P'));
    let req = match &cmds[..] {
        [Effect::Policy(sesame::app::policy::PolicyEffect::Preview { req, scopes, .. })] => {
            assert_eq!(scopes.len(), 2, "the policy covers every mount");
            *req
        }
        other => panic!("expected a policy preview, got {other:?}"),
    };
    let diff = "--- sesame-modes (on the server)\n+++ sesame-modes (generated)\n@@ -1 +1,3 @@\n+path \"secret/data/teams/ml/mlflow\" {\n+  capabilities = [\"read\"]\n+}\n";
    app.update(Msg::Policy(sesame::app::policy::PolicyMsg::Preview {
        req,
        result: Ok(policy_preview(diff)),
    }));
    let screen = render(&app, size);
    assert!(screen.contains("left out: secret/teams/a*"), "{screen}");
    insta::assert_snapshot!("policy_view_80x24", screen);
    // Copy the HCL: a plain text copy.
    let cmds = app.update(key('y'));
    assert!(
        matches!(&cmds[..], [Effect::Copy(r)] if r.content == sesame::clipboard::Content::Text && r.text.0.contains("mlflow"))
    );
    // Apply asks first; anything but y cancels.
    assert!(app.update(key('a')).is_empty());
    assert!(app.update(key('n')).is_empty());
    app.update(key('a'));
    let cmds = app.update(key('y'));
    assert!(
        matches!(&cmds[..], [Effect::Policy(sesame::app::policy::PolicyEffect::Apply { name, .. })] if name == "sesame-modes")
    );
}

#[test]
fn policy_view_refuses_to_apply_an_incomplete_crawl() {
    let (mut app, _) = new_app(None);
    app.update(Msg::Mounts(Ok(vec![mount("secret", KvVersion::V2)])));
    let cmds = app.update(Msg::Resolved(Ok(sesame::app::StartTarget {
        mount: mount("secret", KvVersion::V2),
        path: String::new(),
        is_secret: false,
    })));
    drop(cmds);
    let cmds = app.update(key('P'));
    let Some(Effect::Policy(sesame::app::policy::PolicyEffect::Preview { req, .. })) = cmds.first() else {
        panic!("expected a preview: {cmds:?}")
    };
    let mut p = policy_preview("-old\n+new\n");
    p.incomplete = 2;
    app.update(Msg::Policy(sesame::app::policy::PolicyMsg::Preview { req: *req, result: Ok(p) }));
    assert!(app.update(key('a')).is_empty());
    assert!(app.update(key('y')).iter().all(|c| !matches!(c, Effect::Policy(_))), "nothing is applied");
    assert!(app.policy.as_ref().unwrap().error.as_ref().unwrap().contains("could not be read"));
}
