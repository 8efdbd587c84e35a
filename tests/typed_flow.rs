//! App-flow tests of typed secrets in the TUI: "new secret" asks for the type, the docker registry and SSH key
//! forms write what the codecs build, templates pre-fill the editor, the stored SSH private key stays masked
//! and immutable, and the explorer loads types lazily for the rows on screen.

mod common;

use common::fixtures::live_read;
use common::ui::*;

use base64::Engine as _;
use crossterm::event::KeyCode;
use sesame::app::forms::{Form, docker::DockerMode};
use sesame::app::{App, Effect, Msg};
use sesame::secret::SecretData;
use sesame::secret::types::SecretType;
use sesame::vault::VaultError;
use sesame::vault::kv::{KvVersion, SecretRead};

const ED25519: &str = include_str!("fixtures/ssh/ed25519");

/// An app in `secret/` (KV v2) listing `names`; returns it with the commands of the listing answer.
fn in_folder(names: &[&str]) -> (App, Vec<Effect>) {
    let (mut app, _) = new_app(None);
    app.update(Msg::Mounts(Ok(vec![mount("secret", KvVersion::V2)])));
    let req = app.list_req;
    let cmds = app.update(Msg::Listed { req, result: Ok(entries(names)), done: true });
    (app, cmds)
}

/// `n`, a name, Enter: the type picker is open.
fn new_secret(app: &mut App, name: &str) {
    app.update(key('n'));
    typed(app, name);
    app.update(code(KeyCode::Enter));
    assert!(matches!(app.form, Some(Form::Picker(_))), "the type picker follows the name");
}

fn write_of(cmds: &[Effect]) -> (u64, String, SecretData, Option<SecretRead>, bool) {
    cmds.iter()
        .find_map(|c| match c {
            Effect::Write { req, path, data, base, force, .. } => {
                Some((*req, path.clone(), data.clone(), base.clone(), *force))
            }
            _ => None,
        })
        .expect("a Write command")
}

/// The `.dockerconfigjson` text inside written data.
fn docker_json(data: &SecretData) -> serde_json::Value {
    let v = data.get(".dockerconfigjson").expect("the .dockerconfigjson key");
    assert!(v.is_string(), "stored as a JSON string, as Kubernetes does");
    serde_json::from_str(&v.reveal()).expect("valid JSON")
}

#[test]
fn new_docker_secret_writes_dockerconfigjson_and_records_the_type() {
    let (mut app, _) = in_folder(&["a"]);
    new_secret(&mut app, "registry");
    app.update(key('j'));
    app.update(code(KeyCode::Enter));
    assert!(matches!(app.form, Some(Form::Docker(_))), "the docker form");
    assert_eq!(app.context(), sesame::keymap::Context::Form);
    // q and ? type into the fields: only the form's own bindings apply.
    typed(&mut app, "ghcr.io");
    app.update(code(KeyCode::Tab));
    typed(&mut app, "bob?q");
    app.update(code(KeyCode::Tab));
    typed(&mut app, "pa:ss word");
    app.update(code(KeyCode::Tab));
    typed(&mut app, "bob@example.com");
    let cmds = app.update(ctrl('s'));
    let (req, path, data, base, force) = write_of(&cmds);
    assert_eq!(path, "registry");
    assert!(base.is_none() && !force, "a new secret is written create-only");
    let json = docker_json(&data);
    let entry = &json["auths"]["ghcr.io"];
    assert_eq!(entry["username"], "bob?q");
    assert_eq!(entry["password"], "pa:ss word");
    assert_eq!(entry["email"], "bob@example.com");
    let auth = base64::engine::general_purpose::STANDARD.encode("bob?q:pa:ss word");
    assert_eq!(entry["auth"], auth.as_str(), "auth = base64(username:password)");
    assert!(app.busy(), "saving");

    let cmds = app.update(Msg::Written { req, result: Ok(Some(1)) });
    assert!(app.form.is_none());
    assert!(
        cmds.iter().any(|c| matches!(c, Effect::SetType { path, ty: SecretType::DockerConfigJson, .. } if path == "registry")),
        "the type annotation is recorded: {cmds:?}"
    );
    assert!(cmds.iter().any(|c| matches!(c, Effect::OpenSecret { path, .. } if path == "registry")));
    assert_eq!(app.listed_type("registry"), Some(SecretType::DockerConfigJson));
    assert!(app.message.as_ref().unwrap().1.contains("version 1"));
    // A failed annotation is reported, the secret stays saved.
    app.update(Msg::TypeSet {
        req: 0,
        path: "secret/registry".into(),
        ty: SecretType::DockerConfigJson,
        result: Err(VaultError::Sealed),
    });
    assert!(app.message.as_ref().unwrap().1.contains("recognises it from its keys"));
}

#[test]
fn docker_form_shows_problems_and_refuses_to_save_them() {
    let (mut app, _) = in_folder(&["a"]);
    new_secret(&mut app, "registry");
    app.update(key('j'));
    app.update(code(KeyCode::Enter));
    typed(&mut app, "not a host");
    let cmds = app.update(ctrl('s'));
    assert!(!cmds.iter().any(|c| matches!(c, Effect::Write { .. })), "nothing written");
    let Some(Form::Docker(f)) = &app.form else { panic!("the form stays") };
    assert!(f.error.as_ref().unwrap().contains("3 problems"), "{:?}", f.error);
    let issues = f.issues();
    assert!(f.shown_issue(&issues, 0, sesame::secret::docker::Field::Registry).is_some());
    // Esc with a draft asks first; n stays; a second registry can be added and removed.
    app.update(code(KeyCode::Esc));
    let Some(Form::Docker(f)) = &app.form else { panic!("asks first") };
    assert_eq!(f.mode, DockerMode::ConfirmDiscard);
    app.update(key('n'));
    app.update(ctrl('n'));
    let Some(Form::Docker(f)) = &app.form else { panic!() };
    assert_eq!(f.config.registries.len(), 2);
    app.update(ctrl('d'));
    app.update(code(KeyCode::Esc));
    app.update(key('y'));
    assert!(app.form.is_none(), "y discards");
}

fn open_secret_with(app: &mut App, name: &str, data: &str) -> u64 {
    let _ = app.list.select_name(name);
    let cmds = app.update(code(KeyCode::Enter));
    let req = read_req_id(&cmds);
    app.update(Msg::Secret { req, result: Ok(live_read(data, 2, "2026-11-25T10:00:00Z")) });
    req
}

#[test]
fn editing_a_docker_secret_opens_the_form_prefilled_with_check_and_set() {
    let (mut app, _) = in_folder(&["registry"]);
    let auth = base64::engine::general_purpose::STANDARD.encode("alice:old");
    let inner = format!(r#"{{"auths":{{"ghcr.io":{{"auth":"{auth}"}}}}}}"#);
    let data = serde_json::json!({".dockerconfigjson": inner, "NOTE": "kept"}).to_string();
    open_secret_with(&mut app, "registry", &data);
    app.update(key('e'));
    let Some(Form::Docker(f)) = &app.form else { panic!("e on a docker secret opens the docker form") };
    assert_eq!(f.config.registries[0].username, "alice");
    assert!(matches!(f.stored, Some(Ok(_))), "the stored JSON is kept for the read-only view");
    assert!(
        !app.update(ctrl('s')).iter().any(|c| matches!(c, Effect::Write { .. })),
        "no change, nothing to save"
    );
    // Change the password: focus it and retype.
    app.update(code(KeyCode::Tab));
    app.update(code(KeyCode::Tab));
    app.update(ctrl('u'));
    typed(&mut app, "new");
    let (_, _, data, base, _) = write_of(&app.update(ctrl('s')));
    assert_eq!(
        base.and_then(|b| b.version).map(|v| v.version),
        Some(2),
        "check-and-set on the loaded version"
    );
    let json = docker_json(&data);
    let auth = base64::engine::general_purpose::STANDARD.encode("alice:new");
    assert_eq!(json["auths"]["ghcr.io"]["auth"], auth.as_str());
    assert_eq!(data.get("NOTE").map(|v| v.reveal().to_string()).as_deref(), Some("kept"));
}

#[test]
fn malformed_stored_docker_json_is_replaced_only_after_confirming() {
    let (mut app, _) = in_folder(&["registry"]);
    open_secret_with(&mut app, "registry", r#"{".dockerconfigjson":"{\"auths\": [1,"}"#);
    app.update(key('e'));
    let Some(Form::Docker(f)) = &app.form else { panic!("the docker form, even for a broken value") };
    assert!(matches!(&f.stored, Some(Err(e)) if !e.error.is_empty()));
    typed(&mut app, "ghcr.io\tbob\tpw");
    assert!(app.update(ctrl('s')).is_empty(), "asks first");
    let Some(Form::Docker(f)) = &app.form else { panic!() };
    assert_eq!(f.mode, DockerMode::ConfirmReplace);
    let (_, _, data, _, _) = write_of(&app.update(key('y')));
    assert_eq!(docker_json(&data)["auths"]["ghcr.io"]["username"], "bob");
}

#[test]
fn new_ssh_secret_validates_the_key_and_writes_it() {
    let (mut app, _) = in_folder(&["a"]);
    new_secret(&mut app, "deploy");
    app.update(key('j'));
    app.update(key('j'));
    app.update(code(KeyCode::Enter));
    assert!(matches!(app.form, Some(Form::Ssh(_))));
    typed(&mut app, "-----BEGIN OPENSSH PRIVATE KEY-----\nbroken");
    let Some(Form::Ssh(f)) = &app.form else { panic!() };
    assert!(matches!(f.check, Some(Err(_))), "checked as it is typed");
    assert!(app.update(ctrl('s')).is_empty(), "an invalid key is not saved");
    // Clear the area and paste the real key, as a terminal sends it: characters and Enter.
    let Some(Form::Ssh(f)) = &mut app.form else { panic!() };
    f.text = ratatui_textarea::TextArea::default();
    typed(&mut app, ED25519);
    let Some(Form::Ssh(f)) = &app.form else { panic!() };
    let info = &f.check.as_ref().unwrap().as_ref().expect("a valid key").info;
    assert!(info.fingerprint.starts_with("SHA256:"));
    assert!(info.public_key.starts_with("ssh-ed25519 "));
    let (req, path, data, base, _) = write_of(&app.update(ctrl('s')));
    assert_eq!(path, "deploy");
    assert!(base.is_none());
    assert_eq!(data.keys().collect::<Vec<_>>(), ["ssh-privatekey"]);
    assert_eq!(data.get("ssh-privatekey").unwrap().reveal().as_str(), ED25519);
    let cmds = app.update(Msg::Written { req, result: Ok(Some(1)) });
    assert!(cmds.iter().any(|c| matches!(c, Effect::SetType { ty: SecretType::SshAuth, .. })));
}

#[test]
fn an_existing_name_keeps_the_ssh_form() {
    let (mut app, _) = in_folder(&["a"]);
    new_secret(&mut app, "a");
    app.update(key('G'));
    for _ in 0..8 {
        app.update(key('k'));
    }
    app.update(code(KeyCode::Enter));
    assert!(matches!(app.form, Some(Form::Ssh(_))), "G then up to the SSH entry");
    typed(&mut app, ED25519);
    let (req, ..) = write_of(&app.update(ctrl('s')));
    app.update(Msg::Written { req, result: Err(VaultError::CasMismatch { path: "secret/a".into() }) });
    let Some(Form::Ssh(f)) = &app.form else { panic!("the form and its key are kept") };
    assert!(f.error.as_ref().unwrap().contains("already exists"));
    assert!(f.key_lines() > 0);
}

#[test]
fn stored_ssh_private_key_is_never_revealed_copied_or_edited() {
    let (mut app, _) = in_folder(&["deploy"]);
    let data = serde_json::json!({"ssh-privatekey": ED25519, "known_hosts": "github.com ssh-ed25519 AAAA"})
        .to_string();
    open_secret_with(&mut app, "deploy", &data);
    let s = app.secret.as_ref().unwrap();
    assert_eq!(app.secret_type(s), SecretType::SshAuth, "recognised from its keys");
    let keys: Vec<_> = s.read.as_ref().unwrap().data.as_ref().unwrap().keys().map(str::to_string).collect();
    let at = keys.iter().position(|k| k == "ssh-privatekey").unwrap();
    app.secret.as_mut().unwrap().selected = at;
    for msg in [key(' '), key('y'), key('e')] {
        app.update(msg);
        assert!(app.message.as_ref().unwrap().1.contains("delete and recreate"), "{:?}", app.message);
        let s = app.secret.as_ref().unwrap();
        assert!(!s.is_revealed("ssh-privatekey"));
        assert!(app.editor.is_none() && app.form.is_none() && app.pending_copy().is_none());
    }
    // Reveal all shows the other keys only; the JSON view cannot reveal at all.
    app.update(key('a'));
    let s = app.secret.as_ref().unwrap();
    assert!(s.is_revealed("known_hosts") && !s.is_revealed("ssh-privatekey"));
    app.update(key('J'));
    app.update(key('a'));
    assert!(!app.secret.as_ref().unwrap().reveal_all);
    app.update(code(KeyCode::Esc));
    // The public half may be shown (and copied).
    let info = app.ssh_key_info().expect("derived").as_ref().expect("a valid key");
    assert!(info.public_key.starts_with("ssh-ed25519 "));
    assert!(app.is_immutable_key("ssh-privatekey") && !app.is_immutable_key("known_hosts"));
    // e from the explorer is refused the same way once the secret arrives.
    app.update(code(KeyCode::Esc));
    let cmds = app.update(key('e'));
    let req = read_req_id(&cmds);
    app.update(Msg::Secret {
        req,
        result: Ok(SecretRead { data: Some(SecretData::from_json_object(&data).unwrap()), version: None }),
    });
    assert!(app.editor.is_none() && app.form.is_none());
    assert!(app.message.as_ref().unwrap().1.contains("delete and recreate"));
}

#[test]
fn an_opaque_annotation_wins_over_ssh_keys() {
    let (mut app, _) = in_folder(&["deploy"]);
    let req = open_secret_with(&mut app, "deploy", &serde_json::json!({"ssh-privatekey": "x"}).to_string());
    let mut a = std::collections::BTreeMap::new();
    a.insert("type".to_string(), "Opaque".to_string());
    app.update(Msg::Annotations { req, result: Ok(a) });
    let s = app.secret.as_ref().unwrap();
    assert_eq!(app.secret_type(s), SecretType::Opaque);
    app.update(key(' '));
    assert!(app.secret.as_ref().unwrap().is_revealed("ssh-privatekey"));
}

#[test]
fn templates_prefill_the_editor_and_warn_without_refusing() {
    let (mut app, _) = in_folder(&["a"]);
    new_secret(&mut app, "github");
    for _ in 0..3 {
        app.update(key('j'));
    }
    app.update(code(KeyCode::Enter));
    let e = app.editor.as_ref().expect("the key/value editor");
    assert_eq!(e.rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), ["GITHUB_TOKEN"]);
    assert_eq!(e.template.as_ref().map(|t| t.id.as_str()), Some("github"));
    app.update(code(KeyCode::Enter));
    typed(&mut app, "hunter2");
    app.update(code(KeyCode::Esc));
    let e = app.editor.as_ref().unwrap();
    let w = e.value_warnings();
    assert!(w[0].iter().any(|w| w.contains("does not start with")), "{w:?}");
    assert!(w[0].iter().all(|w| !w.contains("hunter2")), "warnings never quote the value");
    app.update(ctrl('s'));
    let (_, _, data, _, _) = write_of(&app.update(key('y')));
    assert_eq!(data.keys().collect::<Vec<_>>(), ["GITHUB_TOKEN"], "a warning does not refuse");
}

#[test]
fn optional_template_keys_left_empty_are_not_written() {
    let (mut app, _) = in_folder(&["a"]);
    new_secret(&mut app, "aws");
    let Some(Form::Picker(p)) = &app.form else { panic!() };
    let at = p.items.iter().position(|c| c.label() == "AWS access key pair").unwrap();
    for _ in 0..at {
        app.update(key('j'));
    }
    app.update(code(KeyCode::Enter));
    for value in ["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"] {
        app.update(code(KeyCode::Enter));
        typed(&mut app, value);
        app.update(code(KeyCode::Esc));
        app.update(key('j'));
    }
    assert!(app.editor.as_ref().unwrap().value_warnings().iter().all(Vec::is_empty));
    app.update(ctrl('s'));
    let (_, _, data, _, _) = write_of(&app.update(key('y')));
    assert_eq!(data.keys().collect::<Vec<_>>(), ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
}

#[test]
fn types_load_lazily_for_the_rows_on_screen_and_stale_answers_are_dropped() {
    let names: Vec<String> = (0..200).map(|i| format!("s{i:03}")).chain(["sub/".to_string()]).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (mut app, cmds) = in_folder(&refs);
    let (req, asked) = cmds
        .iter()
        .find_map(|c| match c {
            Effect::LoadTypes { req, folder, names, .. } if folder.is_empty() => Some((*req, names.clone())),
            _ => None,
        })
        .expect("one batched request for the visible secrets");
    assert!(!asked.is_empty() && asked.len() <= app.page(), "only the rows on screen: {}", asked.len());
    assert!(!asked.iter().any(|n| n == "sub"), "folders are not typed");
    // Nothing new on screen: nothing asked again.
    assert!(!app.update(Msg::Tick).iter().any(|c| matches!(c, Effect::LoadTypes { .. })));
    app.update(Msg::Types {
        req,
        mount: "secret".into(),
        folder: String::new(),
        types: vec![("s000".into(), Some(SecretType::DockerConfigJson)), ("s001".into(), None)],
    });
    assert_eq!(app.listed_type("s000"), Some(SecretType::DockerConfigJson));
    assert_eq!(app.listed_type("s001"), None);
    // Scrolling a page asks for the new rows only.
    let cmds = app.update(code(KeyCode::PageDown));
    let more = cmds
        .iter()
        .find_map(|c| if let Effect::LoadTypes { names, .. } = c { Some(names.clone()) } else { None })
        .expect("the rows that came on screen");
    assert!(more.iter().all(|n| !asked.contains(n)));
    // Into a subfolder and the answer for the parent arrives late: dropped.
    app.list.select_name("sub");
    app.update(code(KeyCode::Enter));
    app.update(Msg::Types {
        req: req + 1000,
        mount: "secret".into(),
        folder: String::new(),
        types: vec![("s002".into(), Some(SecretType::SshAuth))],
    });
    app.update(code(KeyCode::Backspace));
    assert_eq!(app.listed_type("s002"), None, "an answer for a folder we had left is dropped");
}

/// The private key of an ssh-auth secret never reaches a snippet (a Kubernetes Secret, a .env body…).
#[test]
fn use_in_service_leaves_the_ssh_private_key_out() {
    let (mut app, _) = new_app(None);
    let mount = sesame::vault::kv::Mount {
        path: "secret".into(),
        version: sesame::vault::KvVersion::V2,
        description: String::new(),
    };
    app.update(sesame::app::Msg::Mounts(Ok(vec![mount.clone()])));
    let cmds = app.update(sesame::app::Msg::Resolved(Ok(sesame::app::StartTarget {
        mount,
        path: "k".into(),
        is_secret: true,
    })));
    let req = read_req_id(&cmds);
    let data = sesame::secret::SecretData::from_json_object(
        r#"{"ssh-privatekey":"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----","ssh-publickey":"ssh-ed25519 AAAA"}"#,
    )
    .unwrap();
    app.update(sesame::app::Msg::Secret {
        req,
        result: Ok(sesame::vault::kv::SecretRead { data: Some(data), version: None }),
    });
    app.update(sesame::app::Msg::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('u'),
        crossterm::event::KeyModifiers::NONE,
    )));
    let c = app.chooser().expect("the chooser opens");
    let data = c.data.as_ref().expect("data for the value snippets");
    assert!(data.get("ssh-privatekey").is_none(), "the private key is left out");
    assert!(data.get("ssh-publickey").is_some());
}

/// The public key and the fingerprint of a stored SSH key may be copied; they are not secret values.
#[test]
fn ssh_public_key_and_fingerprint_are_copied_without_asking() {
    let (mut app, _) = in_folder(&["deploy"]);
    let data = serde_json::json!({ "ssh-privatekey": ED25519 }).to_string();
    open_secret_with(&mut app, "deploy", &data);
    let info = match app.ssh_key_info() {
        Some(Ok(info)) => info.clone(),
        other => panic!("the key is parsed: {other:?}"),
    };
    let cmds = app.update(key('F'));
    match &cmds[..] {
        [Effect::Copy(r)] => {
            assert_eq!(r.text.0.as_str(), info.fingerprint);
            assert!(r.text.0.starts_with("SHA256:"));
            assert_eq!(r.content, sesame::clipboard::Content::Text);
        }
        other => panic!("expected a copy, got {other:?}"),
    }
    let cmds = app.update(key('K'));
    match &cmds[..] {
        [Effect::Copy(r)] => {
            assert_eq!(r.text.0.as_str(), info.public_key);
            assert!(!r.text.0.contains("PRIVATE"));
        }
        other => panic!("expected a copy, got {other:?}"),
    }
}
