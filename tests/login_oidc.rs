//! Single sign-on with OIDC against a real OpenID provider (PyPI's oidc-provider-mock, on loopback) and a
//! real OpenBao: `sesame login --method oidc` prints the provider's URL and waits on its callback port; the
//! browser step is an HTTP client posting the provider's sign-in form and following the redirect back.

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use common::cli::command;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Provider(Child);

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A provider on loopback and OpenBao's oidc method configured against it; returns the provider (kept
/// alive), its issuer, the auth mount, the callback address allowed, and a mount the login may list.
async fn provider_and_method() -> (Provider, String, String, String, String) {
    let bin = std::path::Path::new(".venv/bin/oidc-provider-mock");
    assert!(bin.exists(), "oidc-provider-mock (installed by .ci/setup-openbao --test-tools)");
    let port = free_port();
    let _provider = Provider(
        Command::new(bin)
            .args(["--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the provider"),
    );
    let issuer = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get(format!("{issuer}/.well-known/openid-configuration")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the provider did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let s = common::server();
    let mount = s.fresh_mount(2).await;
    s.write_kv(&mount, 2, "app/db", json!({"K": "v"})).await;
    let policy = format!("oidc-{}", common::random_suffix(6));
    s.put_policy(&policy, &format!("path \"{mount}/*\" {{ capabilities = [\"read\", \"list\"] }}\n")).await;
    let om = format!("oidc{}", common::random_suffix(6));
    let (st, _) = s.request(Method::POST, &format!("sys/auth/{om}"), Some(json!({"type": "oidc"}))).await;
    assert!(st.is_success());
    let (st, body) = s
        .request(
            Method::POST,
            &format!("auth/{om}/config"),
            Some(json!({"oidc_discovery_url": issuer, "oidc_client_id": "sesame", "oidc_client_secret": "sesame-secret", "default_role": "people"})),
        )
        .await;
    assert!(st.is_success(), "{body}");
    let cb = free_port();
    let redirect = format!("http://127.0.0.1:{cb}/oidc/callback");
    let (st, body) = s
        .request(
            Method::POST,
            &format!("auth/{om}/role/people"),
            Some(json!({"role_type": "oidc", "user_claim": "sub", "allowed_redirect_uris": [redirect], "token_policies": [policy]})),
        )
        .await;
    assert!(st.is_success(), "{body}");

    (_provider, issuer, om, format!("127.0.0.1:{cb}"), mount)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_sign_on_through_a_real_provider() {
    let (_provider, issuer, om, callback, mount) = provider_and_method().await;
    let redirect = format!("http://{callback}/oidc/callback");
    let cb = callback.clone();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut child = command(&common::server().token)
        .args([
            "login",
            "--method",
            "oidc",
            "--mount",
            &om,
            "--role",
            "people",
            "--callback",
            &cb,
            "--format",
            "token",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // sesame prints the URL on stderr.
    let stderr = child.stderr.take().unwrap();
    let url = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stderr).lines();
        lines.find_map(|l| l.ok().filter(|l| l.starts_with("http"))).expect("the sign-on URL")
    })
    .await
    .unwrap();
    assert!(url.starts_with(&issuer), "{url}");
    // The browser: the provider's form, signed in as alice, then back to sesame's callback.
    let back = http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("sub=alice")
        .send()
        .await
        .unwrap();
    assert!(back.status().is_redirection(), "{}", back.status());
    let location = back.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(&redirect), "{location}");
    let page = http.get(&location).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Signed in"));
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let o = command(&token).args(["ls", &format!("{mount}/app/")]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("db"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_sign_on_from_the_explorers_login_form() {
    use crossterm::event::KeyCode;
    use sesame::app::overlay::Popup;
    use sesame::app::{App, Effect, Msg, Settings, effects};

    let (_provider, issuer, om, callback, mount) = provider_and_method().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut vault = common::vault().with_token("s.not-a-token");
    let (mut app, cmds) =
        App::new(vault.addr(), sesame::keymap::Keymap::default_keymap(), Some(format!("{mount}/app/")));
    app.configure(Settings {
        login: sesame::app::login_form::LoginSettings {
            method: sesame::config::LoginMethod::Oidc,
            mount: om.clone(),
            name: Some("people".into()),
            file: Some(callback.clone()),
            keep: Vec::new(),
        },
        ..Settings::default()
    });
    app.update(Msg::Resize(120, 40));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // Effects run as the terminal loop runs them: each on its own task.
    let mut pending = cmds;
    let mut pump = async |app: &mut App,
                          vault: &mut sesame::vault::Vault,
                          mut cmds: Vec<Effect>,
                          until: &dyn Fn(&App) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            sesame::tui::take_token_switch(app, vault, &mut cmds);
            for c in cmds.drain(..) {
                effects::spawn(vault, &[], c, &tx);
            }
            if until(app) {
                return;
            }
            assert!(Instant::now() < deadline, "waited too long");
            if let Ok(Some(msg)) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
                cmds.extend(app.update(msg));
            }
        }
    };
    pump(&mut app, &mut vault, std::mem::take(&mut pending), &|a: &App| {
        a.popups().iter().any(|p| matches!(p, Popup::Login(_)))
    })
    .await;
    // The role and the callback come from the profile: Enter asks for the URL and waits for the browser.
    let c = app.update(common::ui::code(KeyCode::Enter));
    pump(&mut app, &mut vault, c, &|a: &App| {
        a.popups().iter().any(|p| matches!(p, Popup::Login(f) if f.url.is_some()))
    })
    .await;
    let url = app
        .popups()
        .iter()
        .find_map(|p| match p {
            Popup::Login(f) => f.url.clone(),
            _ => None,
        })
        .unwrap();
    assert!(url.starts_with(&issuer));
    let screen = common::ui::render(&app, (120, 40));
    assert!(screen.contains("Open this URL in a browser"), "{screen}");
    // Ctrl-y copies the URL (for a browser elsewhere).
    let c = app.update(common::ui::ctrl('y'));
    assert!(c.iter().any(|e| matches!(e, Effect::Copy(r) if r.text.0.as_str() == url)), "{c:?}");
    // The browser.
    let back = http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("sub=alice")
        .send()
        .await
        .unwrap();
    let location = back.headers()["location"].to_str().unwrap().to_string();
    let _ = http.get(&location).send().await.unwrap();
    pump(&mut app, &mut vault, Vec::new(), &|a: &App| a.list.entries.iter().any(|e| e.name == "db")).await;
    assert!(!app.popups().iter().any(|p| matches!(p, Popup::Login(_))), "signed in, the form closed");
    assert_eq!(app.breadcrumb(), format!("{mount}/app/"));
}
