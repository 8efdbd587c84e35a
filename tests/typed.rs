//! Typed secrets through the `sesame` binary against a real OpenBao, on KV v1 and KV v2, checked with tools
//! sesame did not write: `skopeo login --get-login --authfile` must read the username from the docker config
//! sesame exported, and `ssh-keygen -y` must accept every private key sesame stored and print the public key
//! sesame showed. No output of sesame may hold a password or a private key.

mod common;

use common::cli::{self, Run};
use common::fixtures::write_private;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use reqwest::Method;
use serde_json::json;

use sesame::vault::annotations::AnnotationStore;
use sesame::vault::{KvVersion, Mount};

/// Every output of sesame in this test binary, checked for secrets at the end of each test.
struct Outputs(Vec<String>);

impl Outputs {
    fn sesame(&mut self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        let run = cli::run(args, stdin);
        self.0.push(format!("{}\n{}", run.out, run.err));
        run
    }

    fn ok(&mut self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        let r = self.sesame(args, stdin);
        assert_eq!(r.code, 0, "sesame {args:?}\nstdout: {}\nstderr: {}", r.out, r.err);
        r
    }

    fn fails(&mut self, args: &[&str], stdin: Option<&[u8]>, needle: &str) -> Run {
        let r = self.sesame(args, stdin);
        assert_ne!(r.code, 0, "sesame {args:?} should fail\nstdout: {}", r.out);
        assert!(r.err.contains(needle), "sesame {args:?}: stderr lacks {needle:?}: {}", r.err);
        r
    }

    /// No output holds any of these secrets (nor any line of them longer than 16 characters).
    fn assert_clean(&self, secrets: &[&str]) {
        for out in &self.0 {
            assert!(!out.contains("PRIVATE KEY-----"), "a private key was printed:\n{out}");
            for s in secrets {
                assert!(!out.contains(s), "a secret was printed:\n{out}");
                for line in s.lines().filter(|l| l.len() > 16) {
                    assert!(!out.contains(line), "part of a secret was printed:\n{out}");
                }
            }
        }
    }
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
        || Command::new(name).arg("-?").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

async fn annotation_type(mount: &Mount, path: &str) -> Option<String> {
    let store = AnnotationStore::new(common::vault());
    store.get(mount, path).await.expect("annotations").get("type").cloned()
}

/// The stored value of one key, read over HTTP without sesame.
async fn stored(mount: &Mount, path: &str, key: &str) -> String {
    let api = match mount.version {
        KvVersion::V1 => format!("{}/{path}", mount.path),
        KvVersion::V2 => format!("{}/data/{path}", mount.path),
    };
    let (st, body) = common::server().request(Method::GET, &api, None).await;
    assert!(st.is_success(), "{st}");
    let data = if mount.version == KvVersion::V2 { &body["data"]["data"] } else { &body["data"] };
    data[key].as_str().unwrap_or_else(|| panic!("no string {key} in {path}")).to_string()
}

/// `ssh-keygen -y -f FILE`: type and base64 of the public key.
fn keygen_public(file: &Path) -> String {
    let o = Command::new("ssh-keygen").arg("-y").arg("-f").arg(file).output().expect("running ssh-keygen");
    assert!(
        o.status.success(),
        "ssh-keygen -y refused {}: {}",
        file.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    let line = String::from_utf8_lossy(&o.stdout).into_owned();
    line.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

fn line_after<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{text}"))
        .trim()
}

async fn docker_round_trip(version: u8) {
    let m = common::kv_mount(version).await;
    let path = format!("{}/ci/registry", m.path);
    let mut o = Outputs(Vec::new());
    let pw_bob = "b0b-s3cret:with-colon";
    let pw_alice = "al1ce-t0ken-Zz";

    let r = o.ok(
        &[
            "put",
            &path,
            "--type",
            "dockerconfigjson",
            "--registry",
            "localhost:5000",
            "--username",
            "bob",
            "--password-stdin",
            "--email",
            "bob@example.com",
        ],
        Some(format!("{pw_bob}\n").as_bytes()),
    );
    assert!(r.out.contains("kubernetes.io/dockerconfigjson"), "{}", r.out);
    // A second registry joins the first.
    o.ok(
        &[
            "put",
            &path,
            "--type",
            "dockerconfigjson",
            "--registry",
            "ghcr.io",
            "--username",
            "alice",
            "--password-stdin",
        ],
        Some(pw_alice.as_bytes()),
    );
    assert_eq!(annotation_type(&m, "ci/registry").await.as_deref(), Some("kubernetes.io/dockerconfigjson"));

    let stored_json = stored(&m, "ci/registry", ".dockerconfigjson").await;
    let v: serde_json::Value = serde_json::from_str(&stored_json).expect("valid JSON stored");
    let b64 = base64::engine::general_purpose::STANDARD;
    assert_eq!(v["auths"]["localhost:5000"]["auth"], b64.encode(format!("bob:{pw_bob}")));
    assert_eq!(v["auths"]["localhost:5000"]["email"], "bob@example.com");
    assert_eq!(v["auths"]["ghcr.io"]["username"], "alice");

    // The table view summarises without values.
    let r = o.ok(&["get", &path], None);
    assert!(r.out.contains("# type: kubernetes.io/dockerconfigjson"), "{}", r.out);
    assert!(r.out.contains("# registry localhost:5000: username bob"), "{}", r.out);
    assert!(r.out.contains("# registry ghcr.io: username alice"), "{}", r.out);

    // Export as a container runtime reads it, and let skopeo read it.
    let exported = o.sesame(&["get", &path, "--field", ".dockerconfigjson", "--reveal"], None);
    assert_eq!(exported.code, 0, "{}", exported.err);
    assert_eq!(exported.out.trim_end(), stored_json);
    o.0.pop(); // this output holds the passwords by design (--reveal of the docker config)
    let dir = tempfile::tempdir().expect("tempdir");
    let authfile = write_private(dir.path(), "auth.json", &exported.out);
    if tool("skopeo") {
        for (registry, user) in [("localhost:5000", "bob"), ("ghcr.io", "alice")] {
            let out = Command::new("skopeo")
                .args(["login", "--get-login", "--authfile"])
                .arg(&authfile)
                .arg(registry)
                .output()
                .expect("running skopeo");
            assert!(out.status.success(), "skopeo: {}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), user, "skopeo on {registry}");
        }
    } else {
        eprintln!(
            "\n!!!!! SKIPPED: skopeo is not installed (apt-get install skopeo); the docker config was not checked by skopeo !!!!!\n"
        );
    }

    // Refusals: a bad registry, no password flag, an Opaque secret in the way, a malformed stored config.
    o.fails(
        &[
            "put",
            &path,
            "--type",
            "dockerconfigjson",
            "--registry",
            "bad host",
            "--username",
            "x",
            "--password-stdin",
        ],
        Some(b"pw"),
        "no spaces",
    );
    o.fails(&["put", &path, "--type", "dockerconfigjson", "--username", "x"], None, "--password-stdin");
    let s = common::server();
    s.write_kv(&m.path, version, "ci/opaque", json!({"TOKEN": "t0ken-value-xyz"})).await;
    let opaque = format!("{}/ci/opaque", m.path);
    o.fails(
        &["put", &opaque, "--type", "dockerconfigjson", "--username", "x", "--password-stdin"],
        Some(b"pw"),
        "--replace",
    );
    s.write_kv(&m.path, version, "ci/broken", json!({".dockerconfigjson": "{\"auths\": {broken"})).await;
    let broken = format!("{}/ci/broken", m.path);
    o.fails(
        &["put", &broken, "--type", "dockerconfigjson", "--username", "x", "--password-stdin"],
        Some(b"pw"),
        "malformed",
    );
    assert_eq!(stored(&m, "ci/broken", ".dockerconfigjson").await, "{\"auths\": {broken");
    let r = o.ok(&["get", &broken], None);
    assert!(r.out.contains("malformed"), "{}", r.out);
    o.ok(
        &["put", &broken, "--type", "dockerconfigjson", "--username", "x", "--password-stdin", "--replace"],
        Some(b"pw-replaced-1"),
    );
    let v: serde_json::Value =
        serde_json::from_str(&stored(&m, "ci/broken", ".dockerconfigjson").await).unwrap();
    assert_eq!(v["auths"]["https://index.docker.io/v1/"]["username"], "x");

    o.assert_clean(&[
        pw_bob,
        pw_alice,
        "t0ken-value-xyz",
        "pw-replaced-1",
        &b64.encode(format!("bob:{pw_bob}")),
    ]);
}

#[tokio::test]
async fn docker_registry_secrets_on_kv1() {
    docker_round_trip(1).await;
}

#[tokio::test]
async fn docker_registry_secrets_on_kv2() {
    docker_round_trip(2).await;
}

/// Keys to store: fresh ones from ssh-keygen when it is there, plus the committed test-only fixtures.
fn keys(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ssh");
    for name in [
        "ed25519",
        "rsa-pkcs1",
        "ecdsa-p384-sec1",
        "ecdsa-p256-pkcs8",
        "ed25519-pkcs8",
        "ecdsa-p521-short-scalar",
    ] {
        let text = std::fs::read_to_string(fixtures.join(name)).expect("fixture");
        out.push((format!("fixture-{name}"), write_private(dir, name, &text)));
    }
    if tool("ssh-keygen") {
        for (t, bits, fmt) in
            [("ed25519", "", ""), ("rsa", "2048", "PEM"), ("ecdsa", "521", ""), ("ecdsa", "256", "PKCS8")]
        {
            let name = format!("fresh-{t}{bits}{}", fmt.to_lowercase());
            let f = dir.join(&name);
            let mut cmd = Command::new("ssh-keygen");
            cmd.args(["-q", "-t", t, "-N", "", "-C", "fresh@test", "-f"]).arg(&f);
            if !bits.is_empty() {
                cmd.args(["-b", bits]);
            }
            if !fmt.is_empty() {
                cmd.args(["-m", fmt]);
            }
            assert!(cmd.status().expect("ssh-keygen").success());
            out.push((name, f));
        }
    }
    out
}

async fn ssh_round_trip(version: u8) {
    if !tool("ssh-keygen") {
        eprintln!(
            "\n!!!!! SKIPPED: ssh-keygen is not installed (apt-get install openssh-client): stored keys were not checked by ssh-keygen !!!!!\n"
        );
    }
    let m = common::kv_mount(version).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut o = Outputs(Vec::new());
    let mut private_texts = Vec::new();
    for (name, file) in keys(dir.path()) {
        private_texts.push(std::fs::read_to_string(&file).expect("key text"));
        let path = format!("{}/keys/{name}", m.path);
        let put = o.ok(
            &["put", &path, "--type", "ssh-auth", "--key-file", file.to_str().expect("utf-8 path")],
            None,
        );
        let shown_at_put = line_after(&put.out, "public key:").to_string();
        assert_eq!(
            annotation_type(&m, &format!("keys/{name}")).await.as_deref(),
            Some("kubernetes.io/ssh-auth")
        );

        let got = o.ok(&["get", &path, "--reveal"], None);
        let shown = line_after(&got.out, "# public key:");
        assert_eq!(shown, shown_at_put, "{name}");
        let fingerprint = line_after(&got.out, "# fingerprint:");
        assert!(got.out.contains("ssh-privatekey"), "{}", got.out);
        let bare: String = shown.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        let field = o.ok(&["get", &path, "--field", "ssh-publickey"], None);
        assert_eq!(field.out.trim(), shown);
        let fp = o.ok(&["get", &path, "--field", "ssh-fingerprint"], None);
        assert!(
            fingerprint.contains(fp.out.trim()) && fp.out.starts_with("SHA256:"),
            "{fingerprint} / {}",
            fp.out
        );

        if tool("ssh-keygen") {
            // What sesame stored, fetched without sesame, is a key ssh-keygen reads, with the same public key.
            let text = stored(&m, &format!("keys/{name}"), "ssh-privatekey").await;
            let copy = write_private(dir.path(), &format!("{name}.stored"), &text);
            assert_eq!(keygen_public(&copy), bare, "{name}: ssh-keygen -y of the stored key");
            let l =
                Command::new("ssh-keygen").arg("-l").arg("-f").arg(&copy).output().expect("ssh-keygen -l");
            let l = String::from_utf8_lossy(&l.stdout);
            assert!(l.contains(fp.out.trim()), "{name}: ssh-keygen -l says {l}, sesame {}", fp.out);
        }

        // The private key never comes out, and cannot be changed in place.
        o.fails(&["get", &path, "--field", "ssh-privatekey", "--reveal"], None, "never printed");
        let json = o.ok(&["get", &path, "--format", "json", "--reveal"], None);
        let v: serde_json::Value = serde_json::from_str(&json.out).expect("json output");
        assert_eq!(v["ssh-privatekey"], sesame::secret::MASK);
        o.fails(
            &["put", &path, "--type", "ssh-auth", "--key-file", file.to_str().expect("utf-8 path")],
            None,
            "delete the secret",
        );
    }

    // Refusals: an encrypted key, a public key, a missing file, a mismatch of flags.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ssh");
    let enc = fixtures.join("ed25519-encrypted");
    let path = format!("{}/keys/encrypted", m.path);
    o.fails(&["put", &path, "--type", "ssh-auth", "--key-file", enc.to_str().unwrap()], None, "passphrase");
    let public = dir.path().join("k.pub");
    std::fs::write(
        &public,
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEyKq4dYpByDPGjWFUkKDkzqDdHprZy6xYltE45Gl8AE x\n",
    )
    .unwrap();
    o.fails(
        &["put", &path, "--type", "ssh-auth", "--key-file", public.to_str().unwrap()],
        None,
        "public key",
    );
    o.fails(&["put", &path, "--type", "ssh-auth", "--key-file", "/nonexistent/id"], None, "no such file");
    o.fails(&["put", &path, "--type", "ssh-auth"], None, "--key-file");
    // Standard input works too.
    let ed = std::fs::read_to_string(fixtures.join("ed25519")).unwrap();
    o.ok(
        &["put", &format!("{}/keys/stdin", m.path), "--type", "ssh-auth", "--key-file", "-"],
        Some(ed.as_bytes()),
    );

    let refs: Vec<&str> = private_texts.iter().map(String::as_str).collect();
    o.assert_clean(&refs);
}

#[tokio::test]
async fn ssh_keys_on_kv1() {
    ssh_round_trip(1).await;
}

#[tokio::test]
async fn ssh_keys_on_kv2() {
    ssh_round_trip(2).await;
}

#[tokio::test]
async fn ssh_secrets_written_by_other_tools_are_typed_by_their_keys() {
    let m = common::kv_mount(2).await;
    let ed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ssh/ed25519"))
            .unwrap();
    common::server()
        .write_kv(&m.path, 2, "other", json!({"ssh-privatekey": ed, "known_hosts": "h ssh-ed25519 AAAA"}))
        .await;
    let mut o = Outputs(Vec::new());
    let r = o.ok(&["get", &format!("{}/other", m.path), "--reveal"], None);
    assert!(r.out.contains("# type: kubernetes.io/ssh-auth"), "{}", r.out);
    assert!(r.out.contains("# public key: ssh-ed25519 "), "{}", r.out);
    assert!(r.out.contains("h ssh-ed25519 AAAA"), "other keys are revealed as usual: {}", r.out);
    assert_eq!(annotation_type(&m, "other").await, None);
    o.assert_clean(&[&ed]);
}
