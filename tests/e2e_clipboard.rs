//! The clipboard never holds up the explorer: with a `tmux` that does not answer, keys are still taken
//! and drawn, and the copy's message arrives once tmux answers.

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::process::Command;

use common::e2e::{BIN, DevProc, Tmux};

#[test]
fn keys_are_answered_while_a_copy_waits_for_tmux() {
    let real = Command::new("sh").args(["-c", "command -v tmux"]).output().expect("finding tmux");
    let real = String::from_utf8_lossy(&real.stdout).trim().to_string();
    assert!(!real.is_empty(), "tmux is required for this test");
    let tmux = Tmux::new();
    let dev = DevProc::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let release = dir.path().join("release");
    // A `tmux` that waits until the test releases it (at most 30 s, so it never outlives a failed test).
    let shim = dir.path().join("bin");
    std::fs::create_dir(&shim).expect("shim folder");
    std::fs::write(
        shim.join("tmux"),
        format!(
            "#!/bin/sh\ni=0\nwhile [ ! -e '{}' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done\nexec '{real}' \"$@\"\n",
            release.display()
        ),
    )
    .expect("shim");
    std::fs::set_permissions(shim.join("tmux"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[clipboard]\nclear_after = 0\n").expect("config");
    let cmd = format!(
        "env -u DISPLAY -u WAYLAND_DISPLAY PATH='{}':\"$PATH\" SESAME_CONFIG='{}' VAULT_ADDR='{}' VAULT_TOKEN='{}' \
         {BIN} secret/apps/web/ --log-file /dev/null; echo sesame-exit=$?; read -r _",
        shim.display(),
        config.display(),
        dev.addr,
        dev.token
    );
    tmux.start(&cmd);
    tmux.wait_for("secret/apps/web/", |s| s.contains("secret/apps/web/") && s.contains("database"));

    tmux.keys(&["/"]);
    tmux.text("database");
    tmux.keys(&["Enter", "u"]);
    tmux.wait_for("the chooser", |s| s.contains("in a service") && s.contains("Full path"));
    tmux.keys(&["Enter"]);
    // tmux is stuck: the explorer still goes back to the folder at once, with no word of the copy yet.
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the folder", |s| s.contains("filter: database") && s.contains("Preview"));
    for word in ["Copied", "Sent", "Could not copy"] {
        assert!(!screen.contains(word), "the copy finished before tmux answered:\n{screen}");
    }

    std::fs::write(&release, "").expect("releasing tmux");
    tmux.wait_for("the copy message", |s| s.contains("Copied the Full path"));
    let buffer = tmux.cmd(&["show-buffer", "-b", "sesame"]);
    assert_eq!(buffer.trim_end(), "secret/apps/web/database");
    tmux.keys(&["q"]);
    tmux.wait_for("sesame's exit", |s| s.contains("sesame-exit=0"));
}
