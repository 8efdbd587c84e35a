//! Snapshot tests of the typed-secret screens at 80x24 and 120x40: the type picker, the docker registry form
//! (new, and editing a stored config with its read-only JSON), the SSH key form, a template in the editor, the
//! explorer's type tags and the secret view of an ssh-auth secret.

mod common;

use common::fixtures::live_read;
use common::ui::*;

use base64::Engine as _;
use crossterm::event::KeyCode;
use sesame::app::{App, Effect, Msg, PreviewData};
use sesame::secret::types::SecretType;
use sesame::vault::kv::{Identity, KvVersion, SecretRead};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];
const ED25519: &str = include_str!("fixtures/ssh/ed25519");

/// `secret/apps/` with a few secrets, the first one selected and previewed.
fn in_folder(size: (u16, u16)) -> App {
    let (mut app, _) = new_app(Some("secret/apps/"));
    app.update(Msg::Resize(size.0, size.1));
    app.update(Msg::Identity(Ok(Identity {
        display_name: "root".into(),
        policies: vec!["root".into()],
        ttl: 0,
    })));
    app.update(Msg::Mounts(Ok(vec![mount("secret", KvVersion::V2)])));
    app.update(Msg::Resolved(Ok(sesame::app::StartTarget {
        mount: mount("secret", KvVersion::V2),
        path: "apps".into(),
        is_secret: false,
    })));
    let req = app.list_req;
    let entries = entries(&["web/", "db-creds", "deploy-key", "ghcr-pull", "github", "registry"]);
    app.update(Msg::Listed { req, result: Ok(entries), done: true });
    app
}

fn read(json: &str) -> SecretRead {
    live_read(json, 4, "2026-11-25T10:00:00.123Z")
}

fn open(app: &mut App, name: &str, json: &str) {
    app.list.select_name(name);
    let cmds = app.update(code(KeyCode::Enter));
    let req = read_req_id(&cmds);
    app.update(Msg::Secret { req, result: Ok(read(json)) });
}

fn picker(size: (u16, u16)) -> App {
    let mut app = in_folder(size);
    app.update(key('n'));
    typed(&mut app, "registry-eu\n");
    app
}

#[test]
fn type_picker() {
    for size in SIZES {
        let mut app = picker(size);
        insta::assert_snapshot!(format!("picker_{}x{}", size.0, size.1), render(&app, size));
        app.update(key('j'));
        app.update(key('j'));
        app.update(key('j'));
        if size == (80, 24) {
            insta::assert_snapshot!("picker_template_80x24", render(&app, size));
        }
    }
}

#[test]
fn docker_form_new_with_problems() {
    for size in SIZES {
        let mut app = picker(size);
        app.update(key('j'));
        app.update(code(KeyCode::Enter));
        typed(&mut app, "ghcr.io\tbob\ts3cr3t-pw\tbob at example");
        app.update(ctrl('n'));
        typed(&mut app, "localhost:99999\t");
        app.update(ctrl('s'));
        let screen = render(&app, size);
        assert!(!screen.contains("s3cr3t"), "the password is masked");
        insta::assert_snapshot!(format!("docker_new_{}x{}", size.0, size.1), screen);
    }
}

fn docker_stored() -> String {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let inner = serde_json::json!({"auths": {
        "ghcr.io": {"username": "bob", "password": "ghp-s3cr3t", "auth": b64("bob:ghp-s3cr3t")},
        "registry.example.com:5000": {"auth": b64("ci:hunter2-pw")}
    }});
    serde_json::json!({".dockerconfigjson": inner.to_string()}).to_string()
}

#[test]
fn docker_form_editing_a_stored_config() {
    for size in SIZES {
        let mut app = in_folder(size);
        open(&mut app, "registry", &docker_stored());
        app.update(key('e'));
        let screen = render(&app, size);
        assert!(!screen.contains("s3cr3t") && !screen.contains("hunter2"), "passwords masked:\n{screen}");
        insta::assert_snapshot!(format!("docker_edit_{}x{}", size.0, size.1), screen);
    }
    let size = (80, 24);
    let mut app = in_folder(size);
    open(&mut app, "registry", &docker_stored());
    app.update(key('e'));
    app.update(code(KeyCode::PageDown));
    insta::assert_snapshot!("docker_edit_scrolled_80x24", render(&app, size));
    let size = (120, 40);
    let mut app = in_folder(size);
    open(&mut app, "registry", &docker_stored());
    app.update(key('e'));
    app.update(ctrl('t'));
    let screen = render(&app, size);
    assert!(screen.contains("ghp-s3cr3t"), "revealed on request");
    insta::assert_snapshot!("docker_edit_revealed_120x40", screen);
}

#[test]
fn docker_form_over_malformed_json() {
    let size = (80, 24);
    let mut app = in_folder(size);
    open(
        &mut app,
        "registry",
        r#"{".dockerconfigjson":"{\"auths\":{\"ghcr.io\":{\"auth\":\"bad-secret!\"}}}"}"#,
    );
    app.update(key('e'));
    let screen = render(&app, size);
    assert!(!screen.contains("bad-secret"), "the raw text is hidden until revealed");
    insta::assert_snapshot!("docker_malformed_80x24", screen);
    typed(&mut app, "ghcr.io\tbob\tpw");
    app.update(ctrl('s'));
    insta::assert_snapshot!("docker_malformed_confirm_80x24", render(&app, size));
}

#[test]
fn ssh_form() {
    for size in SIZES {
        let mut app = picker(size);
        app.update(key('j'));
        app.update(key('j'));
        app.update(code(KeyCode::Enter));
        insta::assert_snapshot!(format!("ssh_empty_{}x{}", size.0, size.1), render(&app, size));
        typed(&mut app, ED25519);
        let screen = render(&app, size);
        assert!(!screen.contains("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9u"), "the key text is hidden");
        insta::assert_snapshot!(format!("ssh_valid_{}x{}", size.0, size.1), screen);
    }
    let size = (80, 24);
    let mut app = picker(size);
    app.update(key('j'));
    app.update(key('j'));
    app.update(code(KeyCode::Enter));
    typed(&mut app, "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
    app.update(ctrl('o'));
    typed(&mut app, "/nonexistent/id_ed25519\n");
    insta::assert_snapshot!("ssh_errors_80x24", render(&app, size));
}

#[test]
fn template_in_the_editor() {
    let size = (80, 24);
    let mut app = picker(size);
    for _ in 0..3 {
        app.update(key('j'));
    }
    app.update(code(KeyCode::Enter));
    insta::assert_snapshot!("template_empty_80x24", render(&app, size));
    app.update(code(KeyCode::Enter));
    typed(&mut app, "hunter2");
    insta::assert_snapshot!("template_value_80x24", render(&app, size));
    app.update(code(KeyCode::Esc));
    let screen = render(&app, size);
    assert!(!screen.contains("hunter2"));
    insta::assert_snapshot!("template_warning_80x24", screen);
}

#[test]
fn explorer_with_type_tags() {
    for size in SIZES {
        let mut app = in_folder(size);
        let cmds = app.update(Msg::Tick);
        let _ = cmds;
        let req = app.list_req + 1000;
        app.update(Msg::Types {
            req,
            mount: "secret".into(),
            folder: "apps".into(),
            types: vec![
                ("registry".into(), Some(SecretType::DockerConfigJson)),
                ("ghcr-pull".into(), Some(SecretType::DockerConfigJson)),
                ("deploy-key".into(), Some(SecretType::SshAuth)),
                ("db-creds".into(), Some(SecretType::Opaque)),
                ("github".into(), None),
            ],
        });
        // The preview of the selected secret says its type too.
        app.list.select_name("deploy-key");
        app.update(key('j'));
        app.update(key('k'));
        app.update(Msg::Tick);
        let cmds = app.update(Msg::Tick);
        if let Some(preq) =
            cmds.iter().find_map(|c| if let Effect::Preview { req, .. } = c { Some(*req) } else { None })
        {
            app.update(Msg::Preview {
                req: preq,
                result: Ok(PreviewData::Keys { keys: vec!["ssh-privatekey".into()], version: None }),
            });
        }
        let screen = render(&app, size);
        assert!(screen.contains("[docker]") && screen.contains("[ssh]"));
        insta::assert_snapshot!(format!("explorer_types_{}x{}", size.0, size.1), screen);
    }
}

#[test]
fn secret_view_of_an_ssh_key() {
    for size in SIZES {
        let mut app = in_folder(size);
        let json =
            serde_json::json!({"ssh-privatekey": ED25519, "known_hosts": "github.com ssh-ed25519 AAAAC3Nz"});
        open(&mut app, "deploy-key", &json.to_string());
        app.update(key(' '));
        let screen = render(&app, size);
        assert!(!screen.contains("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9u"), "never the private key");
        assert!(screen.contains("SHA256:"));
        insta::assert_snapshot!(format!("secret_ssh_{}x{}", size.0, size.1), screen);
    }
}
