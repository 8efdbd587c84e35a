//! Test harness shared by the integration test binaries (`mod common;` in each `tests/*.rs`).
//!
//! One real OpenBao dev server per test binary, started lazily by [`server`], or the external
//! server named by `SESAME_TEST_VAULT_ADDR` and `SESAME_TEST_VAULT_TOKEN`. Tests isolate their data
//! with [`TestServer::fresh_mount`] instead of sharing `secret/`.
//!
//! The server binary is found like `sesame --dev` finds it (`$SESAME_DEV_SERVER`, `bao`/`vault` on
//! `PATH`, then `./.venv/bin/bao` from the package root, which is the test's working directory).
#![allow(dead_code)]

pub mod cli;
pub mod cluster;
pub mod e2e;
pub mod fixtures;
pub mod hostile;
pub mod ui;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use sesame::vault::devserver::{DevOptions, DevServer, encode_path};
use sesame::vault::{KvVersion, Mount, Vault};

/// The server the tests of this binary talk to.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub addr: String,
    /// A root token.
    pub token: String,
    /// The dev server we own (none for an external server). Never dropped: at process exit the
    /// kernel kills it (`PR_SET_PDEATHSIG`).
    server: Option<DevServer>,
}

/// The shared server of this test binary, started once on first use.
///
/// The dev server is started from a dedicated thread with its own tokio runtime, so that the
/// first caller's `#[tokio::test]` runtime can end without affecting it: `DevServer` keeps no
/// runtime resources after `start` (its process is supervised by a plain OS thread that lives as
/// long as the server does), so the server outlives every test runtime.
pub fn server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        if let (Ok(addr), Ok(token)) =
            (std::env::var("SESAME_TEST_VAULT_ADDR"), std::env::var("SESAME_TEST_VAULT_TOKEN"))
        {
            return TestServer { addr: addr.trim_end_matches('/').to_owned(), token, server: None };
        }
        let dev = std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("building the harness runtime");
            rt.block_on(DevServer::start(DevOptions::default()))
        })
        .join()
        .expect("the harness thread panicked")
        .unwrap_or_else(|e| panic!("starting the OpenBao dev server for the tests: {e:#}"));
        TestServer { addr: dev.addr().to_owned(), token: dev.root_token().to_owned(), server: Some(dev) }
    })
}

/// A client of the shared server with its root token.
pub fn vault() -> Vault {
    let s = server();
    Vault::connect(&s.addr, &s.token).expect("connecting to the test server")
}

/// A fresh KV mount of `version` (1 or 2) on the shared server (see [`TestServer::fresh_mount`]), as
/// a [`Mount`] with no description.
pub async fn kv_mount(version: u8) -> Mount {
    let path = server().fresh_mount(version).await;
    Mount {
        path,
        version: if version == 1 { KvVersion::V1 } else { KvVersion::V2 },
        description: String::new(),
    }
}

/// An HTTP client for test helpers (one per call: clients must not outlive a test's runtime).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("building the test HTTP client")
}

/// A random lowercase alphanumeric suffix.
pub fn random_suffix(len: usize) -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(len)
        .map(|b| char::from(b).to_ascii_lowercase())
        .collect()
}

impl TestServer {
    /// Sends `method {addr}/v1/{path}` with the root token and an optional JSON body; returns the
    /// status and the JSON body (`Value::Null` when empty or not JSON).
    pub async fn request(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        raw_request(&self.addr, &self.token, method, path, body).await
    }

    /// Enables a new KV mount `t-<random>` of the given version (1 or 2) and returns its name
    /// (no slash). For KV v2, returns once the mount has finished its upgrade.
    pub async fn fresh_mount(&self, version: u8) -> String {
        assert!(version == 1 || version == 2, "KV version must be 1 or 2");
        let name = format!("t-{}", random_suffix(12));
        let (status, body) = self
            .request(
                Method::POST,
                &format!("sys/mounts/{name}"),
                Some(json!({"type": "kv", "options": {"version": version.to_string()}})),
            )
            .await;
        assert!(status.is_success(), "enabling {name}: {status} {body}");
        if version == 2 {
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                let (status, body) = self.request(Method::GET, &format!("{name}/config"), None).await;
                if status.is_success() {
                    break;
                }
                assert!(Instant::now() < deadline, "KV v2 mount {name} never became ready: {status} {body}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        name
    }

    /// Writes `data` (a JSON object) at `path` in `mount` (KV `version` 1 or 2), retrying while a
    /// fresh KV v2 mount is still upgrading. Panics on failure.
    pub async fn write_kv(&self, mount: &str, version: u8, path: &str, data: Value) {
        let (api_path, body) = if version == 1 {
            (format!("{mount}/{}", encode_path(path)), data)
        } else {
            (format!("{mount}/data/{}", encode_path(path)), json!({ "data": data }))
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (status, resp) = self.request(Method::POST, &api_path, Some(body.clone())).await;
            if status.is_success() {
                return;
            }
            let upgrading = status == StatusCode::BAD_REQUEST
                && resp.to_string().contains("Upgrading from non-versioned");
            assert!(upgrading && Instant::now() < deadline, "writing {mount}/{path}: {status} {resp}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Creates or replaces the ACL policy `name`.
    pub async fn put_policy(&self, name: &str, hcl: &str) {
        let (status, body) = self
            .request(Method::PUT, &format!("sys/policies/acl/{name}"), Some(json!({ "policy": hcl })))
            .await;
        assert!(status.is_success(), "writing policy {name}: {status} {body}");
    }

    /// Creates a token with these policies (plus `default`) and returns it.
    pub async fn token_with_policies(&self, policies: &[&str]) -> String {
        let (status, body) = self
            .request(Method::POST, "auth/token/create", Some(json!({ "policies": policies, "ttl": "1h" })))
            .await;
        assert!(status.is_success(), "creating a token: {status} {body}");
        body["auth"]["client_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no client_token in {body}"))
            .to_owned()
    }
}

/// `method {addr}/v1/{path}` with `token`; returns the status and the JSON body (or null).
pub async fn raw_request(
    addr: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = http().request(method.clone(), format!("{addr}/v1/{path}")).header("X-Vault-Token", token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("{method} {addr}/v1/{path}: {e}"));
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A second dev server of our own, sealed (every call answers 503 "Vault is sealed"). Dropping
/// it kills it.
pub async fn sealed_server() -> DevServer {
    let dev = DevServer::start(DevOptions::default())
        .await
        .unwrap_or_else(|e| panic!("starting a dev server to seal: {e:#}"));
    let (status, body) = raw_request(dev.addr(), dev.root_token(), Method::PUT, "sys/seal", None).await;
    assert!(status.is_success(), "sealing: {status} {body}");
    dev
}

/// A loopback address where nothing listens (a port that was just free).
pub fn stopped_addr() -> String {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("binding a loopback port");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}
