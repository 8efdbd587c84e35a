//! The "use in service" snippets, executed: the `vault`/`bao` CLI, `curl` and Python `hvac` snippets sesame
//! renders must read the secret (or list the folder) from a real OpenBao, on KV v1 and KV v2 mounts.
//!
//! Needs `curl` on PATH and Python with hvac in `./.venv` (`.ci/setup-openbao --test-tools`), or the Python
//! named by `SESAME_TEST_PYTHON`. The CLI snippets run the OpenBao binary the harness uses, reachable as both
//! `bao` and `vault`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

use sesame::snippet::{ServiceSettings, SnippetFormat, Target, render};
use sesame::vault::Mount;

/// A directory with `bao` and `vault` links to the harness's server binary, put first on PATH.
fn cli_dir() -> tempfile::TempDir {
    let bin = sesame::vault::devserver::find_server_binary(None).expect("an OpenBao or Vault binary");
    let bin = std::fs::canonicalize(&bin).unwrap_or(bin);
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["bao", "vault"] {
        std::os::unix::fs::symlink(&bin, dir.path().join(name)).expect("linking the CLI");
    }
    dir
}

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("SESAME_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python")
}

/// Runs `sh -c script` with the server's address and token in the environment (`VAULT_*` and `BAO_*`).
fn sh(script: &str, path_dir: &Path) -> Output {
    let server = common::server();
    let path = format!("{}:{}", path_dir.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("PATH", path)
        .env("VAULT_ADDR", &server.addr)
        .env("VAULT_TOKEN", &server.token)
        .env("BAO_ADDR", &server.addr)
        .env("BAO_TOKEN", &server.token)
        .env_remove("VAULT_NAMESPACE")
        .env_remove("BAO_NAMESPACE")
        .env("HOME", path_dir)
        .output()
        .unwrap_or_else(|e| panic!("running sh: {e}"));
    assert!(
        out.status.success(),
        "{script}\nexited {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

struct Fixture {
    mount: Mount,
    /// Path of the secret inside the mount (with a space, to exercise quoting and encoding).
    path: &'static str,
    password: String,
}

async fn fixture(version: u8) -> Fixture {
    let server = common::server();
    let mount = common::kv_mount(version).await;
    let password = format!("pw-{}", common::random_suffix(16));
    let path = "apps/my db";
    server.write_kv(&mount.path, version, path, json!({ "DB_PASSWORD": password, "DB_USER": "svc" })).await;
    Fixture { mount, path, password }
}

fn snippet(f: &Fixture, format: SnippetFormat, folder: bool) -> String {
    let server = common::server();
    let target = if folder {
        Target::folder(&server.addr, None, &f.mount, "apps")
    } else {
        Target::secret(&server.addr, None, &f.mount, f.path, ["DB_PASSWORD", "DB_USER"])
    };
    let s = render(format, &target, &ServiceSettings::default(), None).expect("rendering");
    assert!(!s.contains_values);
    assert!(!s.text.contains(&f.password));
    s.text.to_string()
}

async fn cli_snippets_read_the_secret(version: u8) {
    let f = fixture(version).await;
    let dir = cli_dir();
    for format in [SnippetFormat::Cli, SnippetFormat::BaoCli] {
        let cmd = snippet(&f, format, false);
        // Go flags must come before the path.
        let out = sh(&cmd.replacen(" kv get ", " kv get -format=json ", 1), dir.path());
        let v = stdout_json(&out);
        let data = if version == 2 { &v["data"]["data"] } else { &v["data"] };
        assert_eq!(data["DB_PASSWORD"], f.password.as_str(), "{cmd}");
        // As given, the snippet prints the table with the value.
        let table = sh(&cmd, dir.path());
        assert!(String::from_utf8_lossy(&table.stdout).contains(&f.password), "{cmd}");
        let list = snippet(&f, format, true);
        let out = sh(&list.replacen(" kv list ", " kv list -format=json ", 1), dir.path());
        assert_eq!(stdout_json(&out), json!(["my db"]), "{list}");
    }
}

async fn curl_snippet_reads_the_secret(version: u8) {
    let f = fixture(version).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cmd = snippet(&f, SnippetFormat::Curl, false);
    let v = stdout_json(&sh(&cmd, dir.path()));
    let data = if version == 2 { &v["data"]["data"] } else { &v["data"] };
    assert_eq!(data["DB_PASSWORD"], f.password.as_str(), "{cmd}");
    let list = snippet(&f, SnippetFormat::Curl, true);
    let v = stdout_json(&sh(&list, dir.path()));
    assert_eq!(v["data"]["keys"], json!(["my db"]), "{list}");
}

async fn hvac_snippet_reads_the_secret(version: u8) {
    let f = fixture(version).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let py = python();
    assert!(
        py.exists(),
        "{} is missing: run .ci/setup-openbao --test-tools (or set SESAME_TEST_PYTHON)",
        py.display()
    );
    let code = format!("{}\nimport json\nprint(json.dumps(data))\n", snippet(&f, SnippetFormat::Hvac, false));
    let file = dir.path().join("read.py");
    std::fs::write(&file, &code).expect("writing the script");
    let v = stdout_json(&sh(&format!("'{}' '{}'", py.display(), file.display()), dir.path()));
    assert_eq!(v["DB_PASSWORD"], f.password.as_str(), "{code}");
    assert_eq!(v["DB_USER"], "svc");
    let code = format!("{}\nimport json\nprint(json.dumps(keys))\n", snippet(&f, SnippetFormat::Hvac, true));
    std::fs::write(&file, &code).expect("writing the script");
    let v = stdout_json(&sh(&format!("'{}' '{}'", py.display(), file.display()), dir.path()));
    assert_eq!(v, json!(["my db"]), "{code}");
}

#[tokio::test]
async fn cli_snippets_kv2() {
    cli_snippets_read_the_secret(2).await;
}

#[tokio::test]
async fn cli_snippets_kv1() {
    cli_snippets_read_the_secret(1).await;
}

#[tokio::test]
async fn curl_snippet_kv2() {
    curl_snippet_reads_the_secret(2).await;
}

#[tokio::test]
async fn curl_snippet_kv1() {
    curl_snippet_reads_the_secret(1).await;
}

#[tokio::test]
async fn hvac_snippet_kv2() {
    hvac_snippet_reads_the_secret(2).await;
}

#[tokio::test]
async fn hvac_snippet_kv1() {
    hvac_snippet_reads_the_secret(1).await;
}

/// A KV v2 snippet against a soft-deleted latest version fails in hvac (raise_on_deleted_version) instead of
/// returning nothing silently.
#[tokio::test]
async fn hvac_snippet_refuses_a_deleted_version() {
    let f = fixture(2).await;
    let server = common::server();
    let (status, body) =
        server.request(reqwest::Method::DELETE, &format!("{}/data/apps/my%20db", f.mount.path), None).await;
    assert!(status.is_success(), "{status} {body}");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("read.py");
    std::fs::write(&file, snippet(&f, SnippetFormat::Hvac, false)).expect("writing the script");
    let out =
        Command::new(python()).arg(&file).env("VAULT_TOKEN", &server.token).output().expect("running python");
    assert!(!out.status.success(), "read a deleted version: {}", String::from_utf8_lossy(&out.stdout));
}
