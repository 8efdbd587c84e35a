//! End-to-end: the real binary in a real terminal (tmux), against a real OpenBao started by `sesame dev`.
//!
//! Drives sesame with `send-keys` as a person would, reads the screen with `capture-pane`, and checks that
//! values are masked until revealed, that quitting restores the terminal and leaves no secret in the pane's
//! history, and that no server process is left behind.

use std::process::Command;
use std::time::{Duration, Instant};

mod common;

use common::e2e::{BIN, DevProc, Tmux, settled_at};

/// Pids of server processes whose command line mentions `needle` (e.g. the listen address).
fn servers_matching(needle: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains("server") && cmdline.contains("-dev") && cmdline.contains(needle) {
            // A zombie has no cmdline, so anything here is alive.
            out.push(pid);
        }
    }
    out
}

fn wait_no_servers(needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = servers_matching(needle);
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "server processes left running: {left:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn browse_reveal_quit_against_sesame_dev() {
    let tmux = Tmux::new();
    let mut dev = DevProc::start();
    let secret = "demo-Pa55word-v3";
    let cmd = format!(
        "env VAULT_ADDR='{}' VAULT_TOKEN='{}' SESAME_LOG=debug {BIN} --log-file /dev/null; echo sesame-exit=$?; read -r _",
        dev.addr, dev.token
    );
    tmux.start(&cmd);

    tmux.wait_for("the mount list", |s| {
        settled_at(s, "/") && s.contains("secret/") && s.contains("legacy/") && s.contains("[KV v2]")
    });
    tmux.keys(&["j", "Enter"]);
    tmux.wait_for("secret/'s folders", |s| {
        settled_at(s, "secret/") && s.contains("apps/") && s.contains("teams/")
    });
    // Filter to the folder we want, then open it.
    tmux.keys(&["/"]);
    tmux.text("apps");
    tmux.keys(&["Enter", "Enter"]);
    tmux.wait_for("apps/", |s| settled_at(s, "secret/apps/") && s.contains("payments/"));
    tmux.keys(&["/"]);
    tmux.text("web");
    tmux.keys(&["Enter", "Enter"]);
    tmux.wait_for("apps/web/", |s| settled_at(s, "secret/apps/web/") && s.contains("database"));
    tmux.keys(&["/"]);
    tmux.text("database");
    tmux.keys(&["Enter", "Enter"]);
    // The folder's preview of `database` also lists DB_PASSWORD and "version 3": wait for the secret itself.
    let screen = tmux.wait_for("the secret view", |s| {
        settled_at(s, "secret/apps/web/database") && s.contains("DB_PASSWORD") && s.contains("version 3")
    });
    assert!(screen.contains("••••••••"), "values are masked:\n{screen}");
    assert!(!screen.contains(secret), "no value on screen before reveal:\n{screen}");

    // DB_HOST, DB_PASSWORD, DB_PORT, DB_USER: the second row.
    tmux.keys(&["j", "Space"]);
    let screen = tmux.wait_for("the revealed value", |s| s.contains(secret));
    assert!(!screen.contains("db-new.internal.example"), "only the selected value is revealed:\n{screen}");

    // Back to the folder, then quit.
    tmux.keys(&["q"]);
    // Back in the folder, the preview of the selected secret lists its keys (DB_PASSWORD among them) once
    // loaded, but never a value.
    let screen = tmux.wait_for("the folder again, its preview loaded", |s| {
        settled_at(s, "secret/apps/web/") && s.contains("filter: database") && s.contains("4 keys")
    });
    assert!(!screen.contains(secret), "no value in the folder's preview:\n{screen}");
    tmux.keys(&["q"]);
    // The shell that ran sesame prints its exit status and waits: the terminal is checked while it is alive.
    tmux.wait_for("sesame's exit", |s| s.contains("sesame-exit="));

    // The terminal is restored: main screen, cursor visible, no mouse reporting.
    assert_eq!(tmux.pane("#{alternate_on}"), "0", "left the alternate screen");
    assert_eq!(tmux.pane("#{cursor_flag}"), "1", "cursor visible again");
    assert_eq!(tmux.pane("#{mouse_any_flag}"), "0", "mouse reporting off");
    let history = tmux.history();
    assert!(history.contains("sesame-exit=0"), "sesame exited with status 0:\n{history}");
    assert!(!history.contains(secret), "no secret value in the pane's history after exit:\n{history}");
    assert!(!history.contains("DB_PASSWORD"), "nothing of the TUI is left in the scrollback:\n{history}");

    // Stopping `sesame dev` stops its server.
    let port = dev.addr.rsplit(':').next().unwrap_or_default().to_string();
    assert!(!servers_matching(&format!("127.0.0.1:{port}")).is_empty(), "the dev server was running");
    // SAFETY-free: send SIGTERM through kill(1) to let sesame dev shut down cleanly.
    let status = Command::new("kill").arg("-TERM").arg(dev.child.id().to_string()).status().expect("kill");
    assert!(status.success());
    let exit = dev.child.wait().expect("waiting for sesame dev");
    assert!(exit.success(), "sesame dev exits cleanly on SIGTERM: {exit:?}");
    wait_no_servers(&format!("127.0.0.1:{port}"));
}

#[test]
fn sesame_dash_dash_dev_leaves_no_server_behind() {
    let tmux = Tmux::new();
    tmux.start(&format!("{BIN} --dev --log-file /dev/null"));
    tmux.wait_for("the demo mounts", |s| {
        settled_at(s, "/") && s.contains("secret/") && s.contains("legacy/")
    });
    let sesame_pid = tmux.pane("#{pane_pid}");
    let children =
        std::fs::read_to_string(format!("/proc/{sesame_pid}/task/{sesame_pid}/children")).unwrap_or_default();
    let mut servers: Vec<String> = Vec::new();
    // The server is a child of one of sesame's threads: look through all of them.
    for task in std::fs::read_dir(format!("/proc/{sesame_pid}/task")).into_iter().flatten().flatten() {
        let kids = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        servers.extend(kids.split_whitespace().map(str::to_string));
    }
    let _ = children;
    assert!(!servers.is_empty(), "sesame --dev runs a server as its child");
    tmux.keys(&["q"]);
    tmux.wait_dead();
    let deadline = Instant::now() + Duration::from_secs(20);
    for pid in servers {
        while std::path::Path::new(&format!("/proc/{pid}/cmdline")).exists()
            && !std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default().is_empty()
        {
            assert!(Instant::now() < deadline, "server {pid} still running after sesame quit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn sigterm_while_in_the_tui_restores_and_stops_the_server() {
    let tmux = Tmux::new();
    tmux.start(&format!("{BIN} --dev --log-file /dev/null"));
    tmux.wait_for("the demo mounts", |s| {
        settled_at(s, "/") && s.contains("secret/") && s.contains("legacy/")
    });
    let pid = tmux.pane("#{pane_pid}");
    let mut servers: Vec<String> = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten() {
        let kids = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        servers.extend(kids.split_whitespace().map(str::to_string));
    }
    assert!(!servers.is_empty());
    let status = Command::new("kill").arg("-TERM").arg(&pid).status().expect("kill");
    assert!(status.success());
    tmux.wait_dead();
    assert_eq!(tmux.pane("#{alternate_on}"), "0", "terminal restored after SIGTERM");
    let deadline = Instant::now() + Duration::from_secs(20);
    for s in servers {
        while !std::fs::read(format!("/proc/{s}/cmdline")).unwrap_or_default().is_empty() {
            assert!(Instant::now() < deadline, "server {s} still running after SIGTERM to sesame");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Creates a secret with two keys through the UI, then reads it back with Python's hvac, a client written
/// by others.
#[test]
fn create_a_secret_in_the_ui_and_read_it_with_hvac() {
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let hvac_ok =
        Command::new(&python).args(["-c", "import hvac"]).status().map(|s| s.success()).unwrap_or(false);
    assert!(hvac_ok, "Python hvac is required in .venv (run .ci/setup-openbao --test-tools)");
    let tmux = Tmux::new();
    let dev = DevProc::start();
    let cmd = dev.sesame_cmd("secret/apps/");
    tmux.start(&cmd);
    tmux.wait_for("secret/apps/", |s| settled_at(s, "secret/apps/") && s.contains("payments/"));
    tmux.keys(&["n"]);
    tmux.wait_for("the name prompt", |s| s.contains("New secret in secret/apps/"));
    tmux.text("e2e created");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the type picker", |s| s.contains("choose its type") && s.contains("Key/value (Opaque)"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the editor", |s| s.contains("New secret secret/apps/e2e created"));
    tmux.text("user");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the value editor", |s| s.contains("value of USER"));
    tmux.text("alice");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the editor again", |s| {
        s.contains("New secret secret/apps/e2e created") && s.contains("USER") && !s.contains("value of USER")
    });
    tmux.keys(&["a"]);
    tmux.text("password");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the second value editor", |s| s.contains("value of PASSWORD"));
    tmux.text("p4ss word");
    tmux.keys(&["Enter"]);
    tmux.text("second line");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the editor again", |s| {
        s.contains("New secret secret/apps/e2e created")
            && s.contains("PASSWORD")
            && !s.contains("value of PASSWORD")
    });
    tmux.keys(&["C-s"]);
    let summary = tmux.wait_for("the save summary", |s| s.contains("Save these changes?"));
    assert!(summary.contains("+ USER") && summary.contains("+ PASSWORD"), "{summary}");
    assert!(!summary.contains("p4ss"), "no value in the summary:\n{summary}");
    tmux.keys(&["y"]);
    tmux.wait_for("the saved secret", |s| s.contains("saved secret/apps/e2e created (version 1)"));
    tmux.keys(&["q"]);
    tmux.wait_for("the folder", |s| {
        settled_at(s, "secret/apps/") && s.contains("e2e created") && !s.contains("version 1 ·")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("sesame's exit", |s| s.contains("sesame-exit=0"));

    let script = r#"
import hvac, json, os, sys
c = hvac.Client(url=os.environ["ADDR"], token=os.environ["TOKEN"])
r = c.secrets.kv.v2.read_secret_version(path="apps/e2e created", mount_point="secret", raise_on_deleted_version=True)
print(json.dumps(r["data"]["data"], sort_keys=True))
"#;
    let out = Command::new(&python)
        .args(["-c", script])
        .env("ADDR", &dev.addr)
        .env("TOKEN", &dev.token)
        .output()
        .expect("running hvac");
    assert!(out.status.success(), "hvac failed: {}", String::from_utf8_lossy(&out.stderr));
    let read: serde_json::Value = serde_json::from_slice(&out.stdout).expect("hvac printed JSON");
    assert_eq!(read, serde_json::json!({"PASSWORD": "p4ss word\nsecond line", "USER": "alice"}));
}

/// "Use in service" over the terminal: a copied path lands in tmux's buffer (`set-clipboard on`, as over
/// SSH), a copied value too, and the value is cleared after the configured delay while the path is not.
#[test]
fn copied_path_reaches_tmux_and_a_copied_value_is_cleared() {
    let tmux = Tmux::new();
    let dev = DevProc::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[clipboard]\nclear_after = 2\n").expect("config");
    // No display: the clipboard must go through the terminal multiplexer, as on a jump host.
    let cmd = format!(
        "env -u DISPLAY -u WAYLAND_DISPLAY SESAME_CONFIG='{}' VAULT_ADDR='{}' VAULT_TOKEN='{}' {BIN} secret/apps/web/ \
         --log-file /dev/null; echo sesame-exit=$?; read -r _",
        config.display(),
        dev.addr,
        dev.token
    );
    tmux.start(&cmd);
    tmux.cmd(&["set-option", "-g", "set-clipboard", "on"]);
    tmux.wait_for("secret/apps/web/", |s| settled_at(s, "secret/apps/web/") && s.contains("database"));
    let buffers = |t: &Tmux| t.cmd(&["list-buffers", "-F", "#{buffer_name}"]);
    let show = |t: &Tmux| t.cmd(&["show-buffer"]);

    // The path of a secret, from the chooser.
    tmux.keys(&["/"]);
    tmux.text("database");
    tmux.keys(&["Enter", "u"]);
    tmux.wait_for("the chooser", |s| s.contains("in a service") && s.contains("Full path"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the copy message", |s| s.contains("Copied the Full path"));
    assert_eq!(show(&tmux).trim_end(), "secret/apps/web/database");

    // A value: asks first, lands in the buffer, then disappears after the delay.
    tmux.wait_for("the secret view", |s| {
        settled_at(s, "secret/apps/web/database") && s.contains("DB_PASSWORD")
    });
    tmux.keys(&["j", "y"]);
    tmux.wait_for("the confirmation", |s| s.contains("Copy the value of DB_PASSWORD"));
    tmux.keys(&["y"]);
    let screen = tmux.wait_for("the value copy message", |s| s.contains("Copied the value of DB_PASSWORD"));
    assert!(screen.contains("cleared in 2 s"), "{screen}");
    assert!(!screen.contains("demo-Pa55word-v3"), "the value is not shown on screen");
    assert_eq!(show(&tmux).trim_end(), "demo-Pa55word-v3");
    let deadline = Instant::now() + Duration::from_secs(15);
    while show(&tmux).contains("demo-Pa55word-v3") {
        assert!(Instant::now() < deadline, "the value was not cleared; buffers: {}", buffers(&tmux));
        std::thread::sleep(Duration::from_millis(100));
    }
    tmux.keys(&["q"]);
    tmux.wait_for("the folder, its preview loaded", |s| {
        settled_at(s, "secret/apps/web/")
            && s.contains("filter: database")
            && s.contains("Preview")
            && s.contains("4 keys")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("sesame's exit", |s| s.contains("sesame-exit=0"));
    let history = tmux.history();
    assert!(!history.contains("demo-Pa55word-v3"), "no value in the pane history");
}

/// A plain HTTP/1.0 GET of `/v1/<api>` with the token: (status, body).
fn http_get(addr: &str, token: &str, api: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let host = addr.trim_start_matches("http://").trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(host).expect("connecting to the dev server");
    write!(s, "GET /v1/{api} HTTP/1.0\r\nHost: {host}\r\nX-Vault-Token: {token}\r\n\r\n").expect("request");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("answer");
    let status = raw.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// Moves a folder from a KV v2 mount to a KV v1 mount in the UI, then reads the destination and the source
/// with plain HTTP requests.
#[test]
fn move_a_folder_across_mounts_in_the_ui() {
    let tmux = Tmux::new();
    let dev = DevProc::start();
    let cmd = dev.sesame_cmd("secret/teams/");
    tmux.start(&cmd);
    tmux.wait_for("secret/teams/", |s| settled_at(s, "secret/teams/") && s.contains("ml/"));
    tmux.keys(&["/"]);
    tmux.text("ml");
    tmux.keys(&["Enter"]);
    tmux.keys(&["m"]);
    tmux.wait_for("the move prompt", |s| {
        s.contains("Move secret/teams/ml/") && s.contains("to: secret/teams/ml")
    });
    tmux.keys(&["C-u"]);
    tmux.text("legacy/moved-ml");
    tmux.keys(&["Enter"]);
    let report = tmux.wait_for("the report", |s| s.contains("4 moved"));
    assert!(report.contains("Move secret/teams/ml/ → legacy/moved-ml/"), "{report}");
    assert!(!report.contains("failed") && !report.contains("Not attempted"), "{report}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the reloaded folder", |s| {
        settled_at(s, "secret/teams/") && !s.contains("4 moved") && s.contains("no entry matches")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("sesame's exit", |s| s.contains("sesame-exit=0"));

    // The destination holds every secret with its data; KV v1 has no data/ prefix.
    let (status, body) = http_get(&dev.addr, &dev.token, "legacy/moved-ml?list=true");
    assert_eq!(status, 200, "{body}");
    let listed: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let mut keys: Vec<&str> =
        listed["data"]["keys"].as_array().expect("keys").iter().filter_map(|k| k.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["git-deploy-key", "huggingface", "mlflow", "model registry ünïcødé"]);
    let (status, body) = http_get(&dev.addr, &dev.token, "legacy/moved-ml/mlflow");
    assert_eq!(status, 200, "{body}");
    let read: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let mut fields: Vec<&str> = read["data"].as_object().expect("data").keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_USERNAME"]);
    // The source is gone: no folder, no metadata left behind.
    let (status, body) = http_get(&dev.addr, &dev.token, "secret/metadata/teams/ml?list=true");
    assert_eq!(status, 404, "the source folder is gone: {body}");
    let (status, _) = http_get(&dev.addr, &dev.token, "secret/metadata/teams/ml/mlflow");
    assert_eq!(status, 404, "every version of the source is gone");
}
