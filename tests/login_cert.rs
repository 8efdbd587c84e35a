//! The certificate login against a real OpenBao over TLS (`-dev-tls`): a CA and a client certificate made by
//! the test with openssl, the cert auth method trusting that CA, and `sesame login --method cert` with the
//! client certificate and key.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use common::cli::command;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let st = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    assert!(st.is_ok_and(|s| s.success()), "openssl {args:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cert_login_over_tls_with_a_client_certificate_made_by_the_test() {
    let dir = std::env::temp_dir().join(format!("sesame-cert-{}", common::random_suffix(8)));
    std::fs::create_dir_all(&dir).unwrap();
    // A client CA and alice's certificate.
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "1",
            "-subj",
            "/CN=sesame-test-ca",
        ],
    );
    openssl(
        &dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "client.key",
            "-out",
            "client.csr",
            "-subj",
            "/CN=alice",
        ],
    );
    std::fs::write(dir.join("ext.cnf"), "extendedKeyUsage=clientAuth\n").unwrap();
    openssl(
        &dir,
        &[
            "x509",
            "-req",
            "-in",
            "client.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "client.pem",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
        ],
    );

    // An OpenBao dev server of its own, over TLS.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let tls = dir.join("tls");
    std::fs::create_dir_all(&tls).unwrap();
    let bin = sesame::vault::devserver::find_server_binary(None).unwrap();
    let _server = Server(
        Command::new(bin)
            .args([
                "server",
                "-dev",
                "-dev-tls",
                "-dev-root-token-id=root-cert",
                &format!("-dev-listen-address=127.0.0.1:{port}"),
            ])
            .arg(format!("-dev-tls-cert-dir={}", tls.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let addr = format!("https://127.0.0.1:{port}");
    let ca = tls.join("vault-ca.pem");
    let deadline = Instant::now() + Duration::from_secs(30);
    let http = loop {
        if ca.exists()
            && let Ok(cert) = reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap())
        {
            let c = reqwest::Client::builder().add_root_certificate(cert).build().unwrap();
            if c.get(format!("{addr}/v1/sys/health")).send().await.is_ok() {
                break c;
            }
        }
        assert!(Instant::now() < deadline, "the TLS dev server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let call = |method: reqwest::Method, path: &str, body: serde_json::Value| {
        http.request(method, format!("{addr}/v1/{path}"))
            .header("X-Vault-Token", "root-cert")
            .json(&body)
            .send()
    };
    assert!(
        call(reqwest::Method::POST, "sys/auth/cert", json!({"type": "cert"}))
            .await
            .unwrap()
            .status()
            .is_success()
    );
    assert!(
        call(
            reqwest::Method::PUT,
            "sys/policies/acl/certp",
            json!({"policy": "path \"secret/*\" { capabilities = [\"read\", \"list\"] }"})
        )
        .await
        .unwrap()
        .status()
        .is_success()
    );
    let client_ca = std::fs::read_to_string(dir.join("ca.pem")).unwrap();
    let r = call(
        reqwest::Method::POST,
        "auth/cert/certs/people",
        json!({"certificate": client_ca, "token_policies": "certp", "allowed_common_names": ["alice"]}),
    )
    .await
    .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap_or_default());
    assert!(
        call(reqwest::Method::POST, "secret/data/app/db", json!({"data": {"K": "v"}}))
            .await
            .unwrap()
            .status()
            .is_success()
    );

    let (ca_s, cert, key) = (
        ca.display().to_string(),
        dir.join("client.pem").display().to_string(),
        dir.join("client.key").display().to_string(),
    );
    let tls_flags = ["--address", addr.as_str(), "--ca-cert", ca_s.as_str()];
    let out = command("")
        .args(["login", "--method", "cert", "--mount", "cert", "--role", "people", "--format", "token"])
        .args(tls_flags)
        .args(["--client-cert", &cert, "--client-key", &key])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let ls = command(&token).args(["ls", "secret/app/"]).args(tls_flags).output().unwrap();
    assert!(ls.status.success(), "{}", String::from_utf8_lossy(&ls.stderr));
    assert!(String::from_utf8_lossy(&ls.stdout).contains("db"));
    // The explorer's login form, on a connection carrying the client certificate and no token.
    {
        use sesame::app::overlay::Popup;
        use sesame::app::{App, Msg, Settings, effects};
        let args = sesame::vault::connect::ConnectArgs {
            address: Some(addr.clone()),
            ca_cert: Some(ca.clone()),
            client_cert: Some(dir.join("client.pem")),
            client_key: Some(dir.join("client.key")),
            ..Default::default()
        };
        let settings = sesame::vault::connect::ConnectSettings::resolve(&args, &|_| None, None).unwrap();
        let mut vault = sesame::vault::Vault::new(settings.build_client().unwrap());
        let (mut app, mut cmds) =
            App::new(vault.addr(), sesame::keymap::Keymap::default_keymap(), Some("secret/app/".into()));
        app.configure(Settings {
            login: sesame::app::login_form::LoginSettings {
                method: sesame::config::LoginMethod::Cert,
                mount: "cert".into(),
                name: Some("people".into()),
                file: None,
                keep: Vec::new(),
            },
            ..Settings::default()
        });
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut settle =
            async |app: &mut App, vault: &mut sesame::vault::Vault, mut cmds: Vec<sesame::app::Effect>| {
                for _ in 0..100 {
                    sesame::tui::take_token_switch(app, vault, &mut cmds);
                    if cmds.is_empty() {
                        return;
                    }
                    for c in cmds.drain(..) {
                        effects::run(vault, &[], c, &tx).await;
                    }
                    while let Ok(m) = rx.try_recv() {
                        cmds.extend(app.update(m));
                    }
                }
            };
        settle(&mut app, &mut vault, std::mem::take(&mut cmds)).await;
        assert!(app.popups().iter().any(|p| matches!(p, Popup::Login(_))), "no token: the form opens");
        let c = app.update(Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Enter,
            crossterm::event::KeyModifiers::NONE,
        )));
        settle(&mut app, &mut vault, c).await;
        assert!(!app.popups().iter().any(|p| matches!(p, Popup::Login(_))), "logged in with the certificate");
        assert!(app.list.entries.iter().any(|e| e.name == "db"), "the start folder listed");
    }

    // Without the client certificate there is nothing to log in with.
    let out = command("")
        .args(["login", "--method", "cert", "--mount", "cert", "--role", "people"])
        .args(tls_flags)
        .output()
        .unwrap();
    assert!(!out.status.success());
}
