//! Switching profiles in tmux, as a person does: two profiles of a config file on the same `sesame dev`
//! server (one in the root namespace, one in a namespace of its own), Ctrl-n, the other profile, and the
//! explorer starts again there, the status bar naming it.

mod common;

use std::process::Command;

use common::e2e::{BIN, DevProc, Tmux, settled_at};

fn curl(dev: &DevProc, method: &str, path: &str, ns: Option<&str>, body: &str) {
    let mut cmd = Command::new("curl");
    cmd.args(["-sf", "-X", method, "-H", &format!("X-Vault-Token: {}", dev.token), "-d", body]);
    if let Some(ns) = ns {
        cmd.args(["-H", &format!("X-Vault-Namespace: {ns}")]);
    }
    let st = cmd.arg(format!("{}/v1/{path}", dev.addr)).status().expect("curl");
    assert!(st.success(), "{method} {path}");
}

#[test]
fn ctrl_n_switches_to_another_profile() {
    let dev = DevProc::start();
    curl(&dev, "POST", "sys/namespaces/team", None, "{}");
    curl(&dev, "POST", "sys/mounts/teamkv", Some("team"), r#"{"type":"kv","options":{"version":"1"}}"#);
    curl(&dev, "POST", "teamkv/app", Some("team"), r#"{"K":"v"}"#);
    let dir = std::env::temp_dir().join(format!("sesame-e2e-profiles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token = dir.join("token");
    std::fs::write(&token, &dev.token).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[profile]]\nname = \"main\"\naddress = \"{a}\"\ntoken_file = \"{t}\"\n\n\
             [[profile]]\nname = \"team\"\naddress = \"{a}\"\nnamespace = \"team\"\ntoken_file = \"{t}\"\n",
            a = dev.addr,
            t = token.display()
        ),
    )
    .unwrap();
    let tmux = Tmux::new();
    tmux.start(&format!(
        "env -u VAULT_ADDR -u VAULT_TOKEN SESAME_CONFIG='{}' {BIN} --profile main --log-file /dev/null; echo sesame-exit=$?; read -r _",
        config.display()
    ));
    tmux.wait_for("the mounts of the root namespace", |s| {
        settled_at(s, "/") && s.contains("secret/") && s.contains(" main ") && !s.contains("teamkv/")
    });
    tmux.keys(&["C-n"]);
    tmux.wait_for("the switcher", |s| s.contains("Namespaces") && s.contains("profile team"));
    // The namespaces first (team), then the profile: to the last row.
    tmux.keys(&["G", "Enter"]);
    tmux.wait_for("the team profile's namespace", |s| {
        settled_at(s, "/") && s.contains("teamkv/") && s.contains("team · ns team")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("sesame's exit", |s| s.contains("sesame-exit=0"));
}

/// An AppRole profile with no secret id file and no token: the login form opens, its secret id field empty
/// (the secret id comes from `SESAME_SECRET_ID`), Enter logs in, and the secret id never shows.
#[test]
fn the_login_form_takes_the_approle_secret_id_from_the_environment() {
    let dev = DevProc::start();
    curl(&dev, "POST", "sys/auth/approle", None, r#"{"type":"approle"}"#);
    curl(
        &dev,
        "POST",
        "sys/policies/acl/e2e-reader",
        None,
        r#"{"policy":"path \"secret/*\" { capabilities = [\"read\", \"list\"] }"}"#,
    );
    curl(&dev, "POST", "auth/approle/role/ci", None, r#"{"token_policies":"e2e-reader"}"#);
    curl(&dev, "POST", "auth/approle/role/ci/role-id", None, r#"{"role_id":"ci-role-id"}"#);
    let secret_id = "e2e-secret-id-5f0c7a";
    curl(
        &dev,
        "POST",
        "auth/approle/role/ci/custom-secret-id",
        None,
        &format!(r#"{{"secret_id":"{secret_id}"}}"#),
    );
    let dir = std::env::temp_dir().join(format!("sesame-e2e-approle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[profile]]\nname = \"ci\"\naddress = \"{}\"\nlogin = \"approle\"\nrole_id = \"ci-role-id\"\n",
            dev.addr
        ),
    )
    .unwrap();
    let tmux = Tmux::new();
    tmux.start(&format!(
        "env -u VAULT_ADDR -u VAULT_TOKEN -u BAO_TOKEN HOME='{d}' SESAME_SECRET_ID='{secret_id}' SESAME_CONFIG='{c}' \
         {BIN} --profile ci --log-file /dev/null; echo sesame-exit=$?; read -r _",
        d = dir.display(),
        c = config.display()
    ));
    let form =
        tmux.wait_for("the AppRole login form", |s| s.contains("role id") && s.contains("$SESAME_SECRET_ID"));
    assert!(form.contains("ci-role-id"), "{form}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the explorer, logged in", |s| {
        settled_at(s, "/") && s.contains("secret/") && s.contains(" ci ")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("sesame's exit", |s| s.contains("sesame-exit=0"));
    assert!(!tmux.history().contains(secret_id), "the secret id never reaches the terminal");
}
