//! Logins and profiles against a real OpenBao: userpass and AppRole through `sesame login` (vaultrs's auth
//! modules), the token printed only to a pipe, profiles from a config file with their own token file
//! (0600), and a short-lived token renewed.

mod common;

use std::process::Stdio;

use reqwest::Method;
use serde_json::json;

use common::cli::command;

struct Out {
    code: i32,
    out: String,
    err: String,
}

fn sesame(envs: &[(&str, &str)], args: &[&str]) -> Out {
    let mut cmd = command(&common::server().token);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let o = cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).output().expect("sesame");
    Out {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// A mount with a secret, a policy that may read and list it, and a userpass user with that policy.
async fn user_setup() -> (String, String, String) {
    let s = common::server();
    let mount = s.fresh_mount(2).await;
    s.write_kv(&mount, 2, "app/db", json!({"K": "v"})).await;
    let policy = format!("login-{}", common::random_suffix(6));
    s.put_policy(&policy, &format!("path \"{mount}/*\" {{ capabilities = [\"read\", \"list\"] }}\n")).await;
    let up = format!("up{}", common::random_suffix(6));
    let (st, body) =
        s.request(Method::POST, &format!("sys/auth/{up}"), Some(json!({"type": "userpass"}))).await;
    assert!(st.is_success(), "{st} {body}");
    let (st, body) = s
        .request(
            Method::POST,
            &format!("auth/{up}/users/alice"),
            Some(json!({"password": "correct-horse-42", "token_policies": policy})),
        )
        .await;
    assert!(st.is_success(), "{st} {body}");
    (mount, up, policy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn userpass_login_prints_the_token_only_to_a_pipe_and_the_token_works() {
    let (mount, up, _) = user_setup().await;
    let out = sesame(
        &[("SESAME_PASSWORD", "correct-horse-42")],
        &["login", "--method", "userpass", "--mount", &up, "--username", "alice", "--format", "token"],
    );
    assert_eq!(out.code, 0, "{}", out.err);
    let token = out.out.trim().to_string();
    assert!(!token.is_empty() && !out.err.contains(&token));
    let ls = sesame(&[("VAULT_TOKEN", &token)], &["ls", &format!("{mount}/app/")]);
    assert_eq!(ls.code, 0, "{}", ls.err);
    assert!(ls.out.contains("db"));
    // Text output: who and which policies, never the token or the password.
    let out =
        sesame(&[("SESAME_PASSWORD", "correct-horse-42")], &["login", "--mount", &up, "--username", "alice"]);
    assert_eq!(out.code, 0, "{}", out.err);
    assert!(out.err.contains("logged in with userpass") && out.err.contains("not kept"), "{}", out.err);
    assert!(out.out.is_empty());
    // A wrong password: the server's words, not the password.
    let out =
        sesame(&[("SESAME_PASSWORD", "wrong-pass-7")], &["login", "--mount", &up, "--username", "alice"]);
    assert_ne!(out.code, 0);
    assert!(out.err.contains("auth/") && !out.err.contains("wrong-pass-7"), "{}", out.err);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approle_login_with_a_secret_id_file() {
    let s = common::server();
    let (mount, _, policy) = user_setup().await;
    let ar = format!("ar{}", common::random_suffix(6));
    let (st, _) = s.request(Method::POST, &format!("sys/auth/{ar}"), Some(json!({"type": "approle"}))).await;
    assert!(st.is_success());
    let (st, _) =
        s.request(Method::POST, &format!("auth/{ar}/role/ci"), Some(json!({"token_policies": policy}))).await;
    assert!(st.is_success());
    let (_, body) = s.request(Method::GET, &format!("auth/{ar}/role/ci/role-id"), None).await;
    let role_id = body["data"]["role_id"].as_str().unwrap().to_string();
    let (_, body) = s.request(Method::POST, &format!("auth/{ar}/role/ci/secret-id"), Some(json!({}))).await;
    let secret_id = body["data"]["secret_id"].as_str().unwrap().to_string();
    let dir = std::env::temp_dir().join(format!("sesame-login-{}", common::random_suffix(8)));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("secret-id");
    std::fs::write(&file, format!("{secret_id}\n")).unwrap();
    let out = sesame(
        &[],
        &[
            "login",
            "--method",
            "approle",
            "--mount",
            &ar,
            "--role-id",
            &role_id,
            "--secret-id-file",
            &file.display().to_string(),
            "--format",
            "token",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.err);
    let ls = sesame(&[("VAULT_TOKEN", out.out.trim())], &["ls", &format!("{mount}/app/")]);
    assert_eq!(ls.code, 0, "{}", ls.err);
    assert!(!out.err.contains(&secret_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_logs_in_keeps_its_own_token_and_every_command_uses_it() {
    let (mount, up, _) = user_setup().await;
    let dir = std::env::temp_dir().join(format!("sesame-profile-{}", common::random_suffix(8)));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("team.token");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[profile]]\nname = \"team\"\naddress = \"{}\"\nlogin = \"userpass\"\nauth_mount = \"{up}\"\n\
             username = \"alice\"\ntoken_file = \"{}\"\n\n[[profile]]\nname = \"other\"\naddress = \"https://vault.example.com\"\n",
            common::server().addr,
            token_file.display()
        ),
    )
    .unwrap();
    let cfg = config.display().to_string();
    let env = [("SESAME_CONFIG", cfg.as_str()), ("SESAME_PASSWORD", "correct-horse-42")];
    let out = sesame(&env, &["profiles"]);
    assert!(
        out.out.contains("team") && out.out.contains("other") && out.out.contains("userpass"),
        "{}",
        out.out
    );

    let out = sesame(&env, &["login", "--profile", "team"]);
    assert_eq!(out.code, 0, "{}", out.err);
    assert!(out.err.contains("token kept in"), "{}", out.err);
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(std::fs::metadata(&token_file).unwrap().permissions().mode() & 0o777, 0o600);

    // The profile's token (alice's), not VAULT_TOKEN (root's): it may list its mount and nothing else.
    let ok = sesame(&env, &["ls", "--profile", "team", &format!("{mount}/app/")]);
    assert_eq!(ok.code, 0, "{}", ok.err);
    let denied = sesame(&env, &["ls", "--profile", "team", "sys/"]);
    assert_ne!(denied.code, 0, "alice may not list other mounts: {}", denied.out);
    let root = sesame(&[("SESAME_CONFIG", cfg.as_str())], &["ls", &format!("{mount}/")]);
    assert_eq!(root.code, 0, "without the profile, the environment's token: {}", root.err);
    // SESAME_PROFILE picks it too; an unknown profile is named with the ones there are.
    let out =
        sesame(&[("SESAME_CONFIG", cfg.as_str()), ("SESAME_PROFILE", "nope")], &["ls", &format!("{mount}/")]);
    assert_ne!(out.code, 0);
    assert!(out.err.contains("no profile nope") && out.err.contains("team, other"), "{}", out.err);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_lived_token_is_renewed() {
    let s = common::server();
    let (st, body) = s
        .request(
            Method::POST,
            "auth/token/create",
            Some(json!({"ttl": "3s", "explicit_max_ttl": "1h", "renewable": true})),
        )
        .await;
    assert!(st.is_success(), "{body}");
    let token = body["auth"]["client_token"].as_str().unwrap().to_string();
    let vault = common::vault().with_token(&token);
    let ttl = sesame::vault::login::renew_self(&vault, Some(60)).await.expect("renewed");
    assert!(ttl > 3, "a longer TTL: {ttl}");
    // Still valid after its first 3 s.
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    let ttl2 =
        sesame::vault::login::renew_self(&vault, Some(60)).await.expect("renewed again, so it was alive");
    assert!(ttl2 > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_renewer_keeps_a_3_second_token_alive_without_a_prompt_and_warns_for_one_it_cannot_renew() {
    use sesame::vault::login::{TokenEvent, spawn_renewer};
    let s = common::server();
    let create = |renewable: bool| {
        let body = json!({"ttl": "3s", "explicit_max_ttl": "1h", "renewable": renewable});
        async move { s.request(Method::POST, "auth/token/create", Some(body)).await }
    };
    let (_, body) = create(true).await;
    let token = body["auth"]["client_token"].as_str().unwrap().to_string();
    let vault = common::vault().with_token(&token);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = spawn_renewer(vault.clone(), move |e| {
        let _ = tx.send(e);
    });
    for _ in 0..3 {
        let e = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
            .await
            .expect("an event")
            .unwrap();
        assert!(matches!(e, TokenEvent::Renewed { ttl } if ttl > 0), "{e:?}");
    }
    // Three renewals later (over 5 s for a 3 s token), it still works.
    assert!(vault.identity().await.is_ok(), "alive");
    task.abort();

    // A token that cannot be renewed: one warning before it expires.
    let (_, body) = create(false).await;
    let token = body["auth"]["client_token"].as_str().unwrap().to_string();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _task = spawn_renewer(common::vault().with_token(&token), move |e| {
        let _ = tx.send(e);
    });
    let e =
        tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv()).await.expect("an event").unwrap();
    assert!(matches!(e, TokenEvent::Expiring { secs } if secs <= 3), "{e:?}");

    // The app shows the renewed TTL, and says so when the token will expire.
    let (mut app, _) = common::ui::new_app(None);
    app.update(sesame::app::Msg::Identity(Ok(sesame::vault::kv::Identity {
        display_name: "token".into(),
        policies: vec!["default".into()],
        ttl: 3,
    })));
    app.update(sesame::app::Msg::Token(TokenEvent::Renewed { ttl: 90 }));
    assert!(common::ui::render(&app, (100, 24)).contains("ttl 1m30s"));
    app.update(sesame::app::Msg::Token(TokenEvent::Expiring { secs: 2 }));
    let screen = common::ui::render(&app, (100, 24));
    assert!(
        screen.contains("Log in") && screen.contains("cannot be renewed"),
        "the login form, before it expires:\n{screen}"
    );
}

/// A JWT signed with an ES256 key made here.
fn es256_jwt(key: &p256::ecdsa::SigningKey, sub: &str, aud: &str) -> String {
    use base64::Engine as _;
    use p256::ecdsa::signature::Signer as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let header = b64.encode(br#"{"alg":"ES256","typ":"JWT"}"#);
    let claims = b64.encode(
        json!({"sub": sub, "aud": aud, "iss": "sesame-test", "iat": now, "exp": now + 300}).to_string(),
    );
    let signing_input = format!("{header}.{claims}");
    let sig: p256::ecdsa::Signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", b64.encode(sig.to_bytes()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_login_with_a_key_made_by_the_test() {
    use p256::pkcs8::EncodePublicKey as _;
    let s = common::server();
    let (mount, _, policy) = user_setup().await;
    let key = p256::ecdsa::SigningKey::from_slice(&[0x42; 32]).unwrap();
    let pem = key.verifying_key().to_public_key_pem(p256::pkcs8::LineEnding::LF).unwrap();
    let jm = format!("jwt{}", common::random_suffix(6));
    let (st, _) = s.request(Method::POST, &format!("sys/auth/{jm}"), Some(json!({"type": "jwt"}))).await;
    assert!(st.is_success());
    let (st, body) = s
        .request(
            Method::POST,
            &format!("auth/{jm}/config"),
            Some(json!({"jwt_validation_pubkeys": [pem], "bound_issuer": "sesame-test"})),
        )
        .await;
    assert!(st.is_success(), "{body}");
    let (st, body) = s
        .request(
            Method::POST,
            &format!("auth/{jm}/role/ci"),
            Some(json!({"role_type": "jwt", "user_claim": "sub", "bound_audiences": ["sesame-test"], "token_policies": [policy]})),
        )
        .await;
    assert!(st.is_success(), "{body}");
    let jwt = es256_jwt(&key, "ci-job-1", "sesame-test");
    let out = sesame(
        &[("SESAME_JWT", &jwt)],
        &["login", "--method", "jwt", "--mount", &jm, "--role", "ci", "--format", "token"],
    );
    assert_eq!(out.code, 0, "{}", out.err);
    let ls = sesame(&[("VAULT_TOKEN", out.out.trim())], &["ls", &format!("{mount}/app/")]);
    assert_eq!(ls.code, 0, "{}", ls.err);
    assert!(!out.err.contains(&jwt));
    // A token for another audience is refused, and the error does not repeat it.
    let wrong = es256_jwt(&key, "ci-job-1", "someone-else");
    let out =
        sesame(&[("SESAME_JWT", &wrong)], &["login", "--method", "jwt", "--mount", &jm, "--role", "ci"]);
    assert_ne!(out.code, 0);
    assert!(!out.err.contains(&wrong), "{}", out.err);
}
