//! Logging in from inside the explorer, against a real OpenBao: a refused token opens the login form, the
//! login swaps the connection's token (as the terminal loop does, `tui::take_token_switch`) and the
//! explorer loads; and an editor's draft survives a revoked token, a login (Ctrl-l) and saves afterwards.

mod common;

use crossterm::event::KeyCode;
use reqwest::Method;
use serde_json::json;

use sesame::app::overlay::Popup;
use sesame::app::{App, Effect, Msg, Settings, effects};
use sesame::keymap::Keymap;
use sesame::vault::Vault;

use common::ui::{code, ctrl, key, render};

struct Tui {
    app: App,
    vault: Vault,
}

impl Tui {
    async fn settle(&mut self, mut cmds: Vec<Effect>) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..200 {
            sesame::tui::take_token_switch(&mut self.app, &mut self.vault, &mut cmds);
            if cmds.is_empty() {
                return;
            }
            for cmd in cmds.drain(..) {
                effects::run(&self.vault, &[], cmd, &tx).await;
            }
            while let Ok(msg) = rx.try_recv() {
                cmds.extend(self.app.update(msg));
            }
        }
        panic!("the app kept asking for more work");
    }

    async fn send(&mut self, msg: Msg) {
        let cmds = self.app.update(msg);
        self.settle(cmds).await;
    }

    async fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.send(key(c)).await;
        }
    }
}

/// A userpass mount with alice, who may read and write a KV v2 mount; returns (mount, userpass mount).
async fn setup() -> (String, String) {
    let s = common::server();
    let m = s.fresh_mount(2).await;
    s.write_kv(&m, 2, "app/db", json!({"K": "v1"})).await;
    let policy = format!("lui-{}", common::random_suffix(6));
    s.put_policy(
        &policy,
        &format!("path \"{m}/*\" {{ capabilities = [\"create\", \"read\", \"update\", \"list\", \"patch\"] }}\npath \"sys/internal/ui/mounts\" {{ capabilities = [\"read\"] }}\n"),
    )
    .await;
    let up = format!("up{}", common::random_suffix(6));
    let (st, _) = s.request(Method::POST, &format!("sys/auth/{up}"), Some(json!({"type": "userpass"}))).await;
    assert!(st.is_success());
    let (st, _) = s
        .request(
            Method::POST,
            &format!("auth/{up}/users/alice"),
            Some(json!({"password": "pw-alice-9", "token_policies": policy})),
        )
        .await;
    assert!(st.is_success());
    (m, up)
}

fn settings(up: &str) -> Settings {
    Settings {
        login: sesame::app::login_form::LoginSettings {
            method: sesame::config::LoginMethod::Userpass,
            mount: up.to_string(),
            name: Some("alice".into()),
            file: None,
            keep: Vec::new(),
        },
        ..Settings::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_opens_the_login_form_and_the_login_loads_the_explorer() {
    let (m, up) = setup().await;
    let vault = common::vault().with_token("s.not-a-token");
    let (mut app, cmds) = App::new(vault.addr(), Keymap::default_keymap(), Some(format!("{m}/app/")));
    // The profile keeps its token in a file: the login writes it there (0600).
    let kept = std::env::temp_dir().join(format!("sesame-lui-token-{}", common::random_suffix(8)));
    let mut st = settings(&up);
    st.login.keep = vec![kept.clone()];
    app.configure(st);
    app.update(Msg::Resize(100, 30));
    let mut tui = Tui { app, vault };
    tui.settle(cmds).await;
    let screen = render(&tui.app, (100, 30));
    assert!(screen.contains("Log in") && screen.contains("the token was refused"), "{screen}");
    // The username comes from the profile; the cursor is on the password, typed blind.
    tui.typed("wrong").await;
    let screen = render(&tui.app, (100, 30));
    assert!(!screen.contains("wrong"), "the password is not drawn:\n{screen}");
    tui.send(code(KeyCode::Enter)).await;
    assert!(render(&tui.app, (100, 30)).contains("invalid"), "a wrong password says so");
    tui.typed("pw-alice-9").await;
    tui.send(code(KeyCode::Enter)).await;
    assert!(!tui.app.popups().iter().any(|p| matches!(p, Popup::Login(_))), "the form closed");
    assert!(tui.app.identity.is_some(), "the identity loaded with the new token");
    assert_eq!(tui.app.breadcrumb(), format!("{m}/app/"));
    assert!(tui.app.list.entries.iter().any(|e| e.name == "db"), "the start folder listed");
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777, 0o600, "kept, owner-only");
    assert!(!std::fs::read_to_string(&kept).unwrap().trim().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_survives_a_revoked_token_and_saves_after_logging_in_again() {
    let (m, up) = setup().await;
    let s = common::server();
    let (_, body) = s
        .request(Method::POST, &format!("auth/{up}/login/alice"), Some(json!({"password": "pw-alice-9"})))
        .await;
    let token = body["auth"]["client_token"].as_str().unwrap().to_string();
    let vault = common::vault().with_token(&token);
    let (mut app, cmds) = App::new(vault.addr(), Keymap::default_keymap(), Some(format!("{m}/app/db")));
    app.configure(settings(&up));
    app.update(Msg::Resize(100, 30));
    let mut tui = Tui { app, vault };
    tui.settle(cmds).await;
    assert!(tui.app.secret.as_ref().is_some_and(|v| v.read.is_some()), "the secret is open");
    tui.send(key('e')).await;
    tui.send(code(KeyCode::Enter)).await;
    tui.typed("-draft").await;
    tui.send(code(KeyCode::Esc)).await;
    // The token is revoked behind our back: the save fails, the draft stays.
    let (st, _) = s.request(Method::POST, "auth/token/revoke", Some(json!({"token": token}))).await;
    assert!(st.is_success());
    tui.send(ctrl('s')).await;
    tui.send(key('y')).await;
    let e = tui.app.editor.as_ref().expect("the editor stays open");
    assert!(e.error.as_deref().is_some_and(|m| m.contains("kept")), "{:?}", e.error);
    // Ctrl-l: log in over the editor; then save again.
    tui.send(ctrl('l')).await;
    assert!(tui.app.popups().iter().any(|p| matches!(p, Popup::Login(_))));
    tui.typed("pw-alice-9").await;
    tui.send(code(KeyCode::Enter)).await;
    assert!(tui.app.editor.as_ref().is_some_and(|e| e.dirty()), "the draft is still there");
    tui.send(ctrl('s')).await;
    tui.send(key('y')).await;
    assert!(tui.app.editor.is_none(), "saved: {:?}", tui.app.message);
    let mount = common::vault().mount_of(&m).await.unwrap();
    let now = common::vault().read(&mount, "app/db", None).await.unwrap().data.unwrap();
    assert_eq!(now.get("K").unwrap().reveal().as_str(), "v1-draft");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_403_from_a_revoked_token_opens_the_login_form_and_a_real_denial_does_not() {
    let (m, up) = setup().await;
    let s = common::server();
    let (_, body) = s
        .request(Method::POST, &format!("auth/{up}/login/alice"), Some(json!({"password": "pw-alice-9"})))
        .await;
    let token = body["auth"]["client_token"].as_str().unwrap().to_string();
    let vault = common::vault().with_token(&token);
    let (mut app, cmds) = App::new(vault.addr(), Keymap::default_keymap(), Some(format!("{m}/app/")));
    app.configure(settings(&up));
    app.update(Msg::Resize(100, 30));
    let mut tui = Tui { app, vault };
    tui.settle(cmds).await;
    let login_open = |app: &App| app.popups().iter().any(|p| matches!(p, Popup::Login(_)));
    // A folder alice may not list: a real denial, the token is fine, no form.
    let other = common::server().fresh_mount(2).await;
    common::server().write_kv(&other, 2, "x/y", json!({"K": "v"})).await;
    let cmds = tui.app.update(Msg::Resolved(Err(sesame::vault::VaultError::Forbidden {
        path: format!("{other}/metadata/x/"),
        detail: "permission denied".into(),
    })));
    assert!(cmds.iter().any(|c| matches!(c, Effect::CheckToken { .. })), "a 403 asks for a check: {cmds:?}");
    tui.settle(cmds).await;
    assert!(!login_open(&tui.app), "a real denial does not ask to log in");
    // Revoked: the next 403 turns out to be the token's.
    let (st, _) = s.request(Method::POST, "auth/token/revoke", Some(json!({"token": token}))).await;
    assert!(st.is_success());
    tui.send(key('r')).await;
    assert!(login_open(&tui.app), "the refused token opens the login form");
    assert!(render(&tui.app, (100, 30)).contains("Log in"));
}

/// Logs in through the form with `settings` (name and file prefilled), from a refused token, and checks
/// the explorer loads the mount's folder.
async fn form_login(settings: sesame::app::login_form::LoginSettings, m: &str) {
    let vault = common::vault().with_token("s.not-a-token");
    let (mut app, cmds) = App::new(vault.addr(), Keymap::default_keymap(), Some(format!("{m}/app/")));
    app.configure(Settings { login: settings, ..Settings::default() });
    app.update(Msg::Resize(100, 30));
    let mut tui = Tui { app, vault };
    tui.settle(cmds).await;
    assert!(tui.app.popups().iter().any(|p| matches!(p, Popup::Login(_))));
    tui.send(code(KeyCode::Enter)).await;
    assert!(
        !tui.app.popups().iter().any(|p| matches!(p, Popup::Login(_))),
        "{}",
        render(&tui.app, (100, 30))
    );
    assert!(tui.app.list.entries.iter().any(|e| e.name == "db"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_logs_in_with_approle_and_with_a_jwt() {
    use sesame::app::login_form::LoginSettings;
    use sesame::config::LoginMethod;
    let (m, _) = setup().await;
    let s = common::server();
    let policy = format!("lui2-{}", common::random_suffix(6));
    s.put_policy(&policy, &format!("path \"{m}/*\" {{ capabilities = [\"read\", \"list\"] }}\n")).await;
    let dir = std::env::temp_dir().join(format!("sesame-lui-{}", common::random_suffix(8)));
    std::fs::create_dir_all(&dir).unwrap();

    // AppRole: the role id, and the secret id read from a file.
    let ar = format!("ar{}", common::random_suffix(6));
    let (st, _) = s.request(Method::POST, &format!("sys/auth/{ar}"), Some(json!({"type": "approle"}))).await;
    assert!(st.is_success());
    s.request(Method::POST, &format!("auth/{ar}/role/ci"), Some(json!({"token_policies": policy}))).await;
    let (_, body) = s.request(Method::GET, &format!("auth/{ar}/role/ci/role-id"), None).await;
    let role_id = body["data"]["role_id"].as_str().unwrap().to_string();
    let (_, body) = s.request(Method::POST, &format!("auth/{ar}/role/ci/secret-id"), Some(json!({}))).await;
    let secret = dir.join("secret-id");
    std::fs::write(&secret, body["data"]["secret_id"].as_str().unwrap()).unwrap();
    form_login(
        LoginSettings {
            method: LoginMethod::Approle,
            mount: ar,
            name: Some(role_id),
            file: Some(secret.display().to_string()),
            keep: Vec::new(),
        },
        &m,
    )
    .await;

    // JWT: an ES256 token made here, read from a file.
    use base64::Engine as _;
    use p256::ecdsa::signature::Signer as _;
    use p256::pkcs8::EncodePublicKey as _;
    let key = p256::ecdsa::SigningKey::from_slice(&[0x24; 32]).unwrap();
    let pem = key.verifying_key().to_public_key_pem(p256::pkcs8::LineEnding::LF).unwrap();
    let jm = format!("jwt{}", common::random_suffix(6));
    s.request(Method::POST, &format!("sys/auth/{jm}"), Some(json!({"type": "jwt"}))).await;
    s.request(Method::POST, &format!("auth/{jm}/config"), Some(json!({"jwt_validation_pubkeys": [pem]})))
        .await;
    s.request(
        Method::POST,
        &format!("auth/{jm}/role/ci"),
        Some(json!({"role_type": "jwt", "user_claim": "sub", "bound_audiences": ["sesame"], "token_policies": [policy]})),
    )
    .await;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let input = format!(
        "{}.{}",
        b64.encode(br#"{"alg":"ES256","typ":"JWT"}"#),
        b64.encode(json!({"sub": "job", "aud": "sesame", "iat": now, "exp": now + 300}).to_string())
    );
    let sig: p256::ecdsa::Signature = key.sign(input.as_bytes());
    let jwt_file = dir.join("jwt");
    std::fs::write(&jwt_file, format!("{input}.{}", b64.encode(sig.to_bytes()))).unwrap();
    form_login(
        LoginSettings {
            method: LoginMethod::Jwt,
            mount: jm,
            name: Some("ci".into()),
            file: Some(jwt_file.display().to_string()),
            keep: Vec::new(),
        },
        &m,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_cannot_be_renewed_brings_the_form_before_it_expires_and_the_draft_saves_after() {
    let (m, up) = setup().await;
    let s = common::server();
    let policy = format!("late-{}", common::random_suffix(6));
    s.put_policy(
        &policy,
        &format!(
            "path \"{m}/*\" {{ capabilities = [\"create\", \"read\", \"update\", \"list\", \"patch\"] }}\n"
        ),
    )
    .await;
    let (_, body) = s
        .request(
            Method::POST,
            "auth/token/create",
            Some(json!({"policies": [policy], "ttl": "4s", "renewable": false})),
        )
        .await;
    let token = body["auth"]["client_token"].as_str().unwrap().to_string();
    let vault = common::vault().with_token(&token);
    let (mut app, cmds) = App::new(vault.addr(), Keymap::default_keymap(), Some(format!("{m}/app/db")));
    app.configure(settings(&up));
    app.update(Msg::Resize(100, 30));
    let mut tui = Tui { app, vault: vault.clone() };
    tui.settle(cmds).await;
    tui.send(key('e')).await;
    tui.send(code(KeyCode::Enter)).await;
    tui.typed("-late").await;
    tui.send(code(KeyCode::Esc)).await;
    // The renewer finds the token cannot be renewed and says so before it expires.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _renewer = sesame::vault::login::spawn_renewer(vault, move |e| {
        let _ = tx.send(e);
    });
    let event = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv()).await.unwrap().unwrap();
    tui.send(Msg::Token(event)).await;
    assert!(tui.app.popups().iter().any(|p| matches!(p, Popup::Login(_))), "the form, before it expires");
    assert!(tui.app.editor.as_ref().is_some_and(|e| e.dirty()), "over the draft");
    // It expires meanwhile; the login brings a new token and the draft saves.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    tui.typed("pw-alice-9").await;
    tui.send(code(KeyCode::Enter)).await;
    tui.send(ctrl('s')).await;
    tui.send(key('y')).await;
    assert!(tui.app.editor.is_none(), "saved: {:?}", tui.app.message);
    let mount = common::vault().mount_of(&m).await.unwrap();
    let now = common::vault().read(&mount, "app/db", None).await.unwrap().data.unwrap();
    assert_eq!(now.get("K").unwrap().reveal().as_str(), "v1-late");
}
