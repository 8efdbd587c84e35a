//! End-to-end: typed secrets created through the real binary in tmux, against `sesame dev`, then checked
//! with tools no one here wrote: `skopeo login --get-login` must read the username from the docker config the
//! form saved, and `ssh-keygen -y` must derive from the stored private key the public key the form showed.
//! The secrets are read back with plain HTTP requests, not with sesame.

use std::process::Command;

mod common;

use common::e2e::{DevProc, Tmux, settled_at};
use common::fixtures::write_private;

const ED25519: &str = include_str!("fixtures/ssh/ed25519");
const ED25519_PUB: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEyKq4dYpByDPGjWFUkKDkzqDdHprZy6xYltE45Gl8AE";

#[test]
fn docker_and_ssh_secrets_from_the_forms_are_read_by_skopeo_and_ssh_keygen() {
    let tmux = Tmux::new();
    let dev = DevProc::start();
    let cmd = dev.sesame_cmd("secret/apps/");
    tmux.start_sized(&cmd, 110, 32);
    tmux.wait_for("secret/apps/", |s| settled_at(s, "secret/apps/") && s.contains("payments/"));

    // Docker registry credentials through the form.
    tmux.keys(&["n"]);
    tmux.wait_for("the name prompt", |s| s.contains("New secret in secret/apps/"));
    tmux.text("e2e-registry");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the type picker", |s| s.contains("choose its type"));
    tmux.keys(&["j", "Enter"]);
    tmux.wait_for("the docker form", |s| s.contains("New docker registry secret secret/apps/e2e-registry"));
    tmux.text("ghcr.io");
    tmux.keys(&["Tab"]);
    tmux.text("e2e-bot");
    tmux.keys(&["Tab"]);
    tmux.text("e2e-Pa55word");
    let form = tmux.wait_for("the password", |s| s.contains("› Password"));
    assert!(!form.contains("e2e-Pa55word"), "the password is masked:\n{form}");
    tmux.keys(&["C-s"]);
    tmux.wait_for("the saved secret", |s| s.contains("saved secret/apps/e2e-registry (version 1"));
    tmux.keys(&["q"]);
    tmux.wait_for("the docker tag in the explorer", |s| {
        settled_at(s, "secret/apps/")
            && s.lines().any(|l| l.contains("e2e-registry") && l.contains("[docker]"))
    });

    // An SSH key through the form, pasted as a terminal sends it: line by line.
    tmux.keys(&["n"]);
    tmux.wait_for("the name prompt", |s| s.contains("New secret in secret/apps/"));
    tmux.text("e2e-deploy");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the type picker", |s| s.contains("choose its type"));
    tmux.keys(&["j", "j", "Enter"]);
    tmux.wait_for("the SSH form", |s| s.contains("New SSH key secret secret/apps/e2e-deploy"));
    for line in ED25519.lines() {
        tmux.text(line);
        tmux.keys(&["Enter"]);
    }
    let form = tmux.wait_for("the checked key", |s| s.contains("a valid ED25519 key"));
    assert!(form.contains("SHA256:W+aYK6cm0hFZjPmP8m4zm/X6JM+KIjE8zguU92a4KQU"), "{form}");
    assert!(!form.contains("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9u"), "the key text is hidden:\n{form}");
    tmux.keys(&["C-s"]);
    tmux.wait_for("the saved key", |s| s.contains("saved secret/apps/e2e-deploy (version 1"));
    // The form shows "Public key" too: wait for the secret view.
    let view = tmux.wait_for("the public half in the secret view", |s| {
        settled_at(s, "secret/apps/e2e-deploy")
            && s.contains("Public key")
            && !s.contains("New SSH key secret")
    });
    assert!(view.contains("[ssh]"), "{view}");
    tmux.keys(&["Space"]);
    let refused = tmux.wait_for("the refusal", |s| s.contains("delete and recreate to change it"));
    assert!(!refused.contains("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9u"), "{refused}");
    tmux.keys(&["q", "q"]);
    tmux.wait_for("sesame's exit", |s| s.contains("sesame-exit=0"));

    // Read back over HTTP and hand the values to skopeo and ssh-keygen.
    let dir = tempfile::tempdir().expect("tempdir");
    let registry = dev.get("secret/data/apps/e2e-registry");
    let config = registry["data"]["data"][".dockerconfigjson"].as_str().expect("a JSON string").to_string();
    let authfile = write_private(dir.path(), "auth.json", &config);
    let out = Command::new("skopeo")
        .args(["login", "--get-login", "--authfile"])
        .arg(&authfile)
        .arg("ghcr.io")
        .output()
        .expect("skopeo is required (apt-get install skopeo)");
    assert!(out.status.success(), "skopeo: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "e2e-bot");
    let meta = dev.get("secret/metadata/apps/e2e-registry");
    assert_eq!(meta["data"]["custom_metadata"]["sesame.type"], "kubernetes.io/dockerconfigjson");

    let deploy = dev.get("secret/data/apps/e2e-deploy");
    let key = deploy["data"]["data"]["ssh-privatekey"].as_str().expect("the key").to_string();
    let keyfile = write_private(dir.path(), "id", &key);
    let out = Command::new("ssh-keygen")
        .arg("-y")
        .arg("-f")
        .arg(&keyfile)
        .output()
        .expect("ssh-keygen is required (apt-get install openssh-client)");
    assert!(out.status.success(), "ssh-keygen: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(ED25519_PUB));
    let meta = dev.get("secret/metadata/apps/e2e-deploy");
    assert_eq!(meta["data"]["custom_metadata"]["sesame.type"], "kubernetes.io/ssh-auth");
}
