//! What sesame leaves behind and hands on, checked with the real binary against a real OpenBao:
//! - `run` and `export` refuse variables that replace the loader or shell environment unless
//!   `--allow-env` lets them through;
//! - files are created 0600 in 0700 folders (the log, the dev server's log, audit exports);
//! - the dev server's log holds no root token or unseal key, even after sesame is killed;
//! - the clipboard helper inherits no token;
//! - `put KEY=?` takes the value from the terminal with echo off, or from a pipe, never from argv.

mod common;

use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use common::cli::BIN;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

/// `sesame ARGS` against the shared server, with a config of its own that turns the clipboard off.
fn sesame(dir: &Path) -> Command {
    let config = dir.join("config.toml");
    if !config.exists() {
        std::fs::write(&config, "[clipboard]\nmethod = \"off\"\n").expect("config");
    }
    let mut cmd = common::cli::command(&common::server().token);
    for var in ["DISPLAY", "WAYLAND_DISPLAY", "TMUX", "STY", "SSH_TTY", "SSH_CONNECTION", "SSH_CLIENT"] {
        cmd.env_remove(var);
    }
    cmd.env("SESAME_CONFIG", &config).env("XDG_CACHE_HOME", dir.join("cache"));
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("running sesame: {e}"))
}

/// A fresh KV v2 mount holding `hostile` with `PATH`, `LD_PRELOAD` and a harmless key.
async fn hostile_secret() -> String {
    let server = common::server();
    let mount = server.fresh_mount(2).await;
    server
        .write_kv(
            &mount,
            2,
            "hostile",
            json!({ "PATH": "/tmp/evil-bin", "LD_PRELOAD": "/tmp/evil.so", "GREETING": "hello" }),
        )
        .await;
    format!("{mount}/hostile")
}

#[tokio::test]
async fn run_and_export_refuse_loader_and_shell_variables_unless_allowed() {
    let path = hostile_secret().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let marker = dir.path().join("ran");
    let script =
        format!(": > '{}'; echo \"PATH=$PATH LD_PRELOAD=$LD_PRELOAD GREETING=$GREETING\"", marker.display());

    // Refused: a message naming both, a failure status, and the command never ran.
    let out = run(sesame(dir.path()).args(["run", &path, "--", "/bin/sh", "-c", &script]));
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("refusing to set LD_PRELOAD, PATH"), "{err}");
    assert!(err.contains("--allow-env LD_PRELOAD --allow-env PATH"), "{err}");
    assert!(!marker.exists(), "the command ran");
    assert!(text(&out.stdout).is_empty());

    // Letting one through is not enough.
    let out =
        run(sesame(dir.path()).args(["run", "--allow-env", "PATH", &path, "--", "/bin/sh", "-c", &script]));
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("refusing to set LD_PRELOAD"), "{}", text(&out.stderr));
    assert!(!marker.exists(), "the command ran");

    // Both let through on purpose: it runs with them (LD_PRELOAD of a missing file only makes the loader
    // warn, so /bin/sh is named in full and still starts).
    let out = run(sesame(dir.path()).args([
        "run",
        "--allow-env",
        "PATH",
        "--allow-env",
        "LD_PRELOAD",
        &path,
        "--",
        "/bin/sh",
        "-c",
        &script,
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(marker.exists());
    assert!(
        text(&out.stdout).contains("PATH=/tmp/evil-bin LD_PRELOAD=/tmp/evil.so GREETING=hello"),
        "{}",
        text(&out.stdout)
    );

    // export: refused in every format, nothing printed; allowed on purpose.
    for format in ["env", "dotenv", "json", "k8s"] {
        let out = run(sesame(dir.path()).args(["export", "-f", format, &path]));
        assert!(!out.status.success(), "{format}");
        assert!(
            text(&out.stderr).contains("refusing to set LD_PRELOAD, PATH"),
            "{format}: {}",
            text(&out.stderr)
        );
        assert!(!text(&out.stdout).contains("evil"), "{format}: {}", text(&out.stdout));
    }
    let out =
        run(sesame(dir.path()).args(["export", "--allow-env", "PATH", "--allow-env", "LD_PRELOAD", &path]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("export LD_PRELOAD="), "{}", text(&out.stdout));

    // A prefix makes them harmless names.
    let out = run(sesame(dir.path()).args([
        "run",
        "--prefix",
        "APP_",
        &path,
        "--",
        "/bin/sh",
        "-c",
        "echo $APP_PATH",
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "/tmp/evil-bin\n");
}

#[tokio::test]
async fn the_log_and_audit_exports_are_private() {
    let dir = tempfile::tempdir().expect("temp dir");
    // No --log-file: the default log, in a cache folder that does not exist yet.
    let out = run(sesame(dir.path()).args(["ls", "secret/"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let cache = dir.path().join("cache/sesame");
    assert_eq!(mode(&cache), 0o700);
    assert_eq!(mode(&cache.join("sesame.log")), 0o600);

    // A log file that an older sesame left readable by everyone is narrowed.
    let old = dir.path().join("old.log");
    std::fs::write(&old, "").expect("old log");
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let _ = run(sesame(dir.path()).args(["ls", "secret/", "--log-file"]).arg(&old));
    assert_eq!(mode(&old), 0o600);

    // The audit view's export.
    let report = common::fixtures::audit_report();
    let export = dir.path().join("exports/audit.json");
    std::fs::create_dir_all(export.parent().expect("parent")).expect("exports folder");
    let result = sesame::app::audit_effects::export(
        &export.display().to_string(),
        sesame::app::audit::ExportFormat::Json,
        &report,
        false,
    )
    .await;
    assert!(matches!(result, sesame::app::audit::ExportResult::Written(_)), "{result:?}");
    assert_eq!(mode(&export), 0o600);
}

#[test]
fn the_dev_server_log_never_holds_the_token_even_after_sigkill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(BIN)
        .args(["dev", "--no-seed"])
        .env("XDG_CACHE_HOME", dir.path())
        .env_remove("SESAME_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .stdin(Stdio::null())
        .spawn()
        .expect("starting sesame dev");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("the export line");
    let token = line
        .split("VAULT_TOKEN='")
        .nth(1)
        .and_then(|t| t.split('\'').next())
        .unwrap_or_else(|| panic!("no token in {line:?}"))
        .to_string();
    assert!(!token.is_empty());

    let logs = dir.path().join("sesame/dev-server");
    let log = std::fs::read_dir(&logs)
        .expect("the dev-server log folder")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "log"))
        .expect("a dev-server log");
    // Wait for the banner that carries the token and the unseal key to have gone through.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&log).unwrap_or_default().contains("Root Token:") {
        assert!(Instant::now() < deadline, "no banner in the log");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();

    let kept = std::fs::read_to_string(&log).expect("the log is still there after SIGKILL");
    assert!(!kept.contains(&token), "the root token is in the log:\n{kept}");
    let unseal: Vec<&str> = kept.lines().filter(|l| l.contains("Unseal Key")).collect();
    assert_eq!(unseal, ["Unseal Key: (not kept in this log)"], "{kept}");
    assert!(kept.contains("Root Token: (not kept in this log)"), "{kept}");
    assert_eq!(mode(&log), 0o600);
    assert_eq!(mode(&logs), 0o700);
    assert_eq!(mode(&dir.path().join("sesame")), 0o700);
    assert_eq!(mode(&dir.path().join("sesame/sesame.log")), 0o600);
}

/// The pids of `sesame clipboard-helper` processes whose environment holds `marker` (a `NAME=value`).
fn helpers_with(marker: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            text(&cmd).contains("clipboard-helper") && env.split(|&b| b == 0).any(|v| v == marker.as_bytes())
        })
        .collect()
}

#[tokio::test]
async fn the_clipboard_helper_inherits_no_token() {
    let server = common::server();
    let mount = server.fresh_mount(2).await;
    server.write_kv(&mount, 2, "db", json!({ "DB_PASSWORD": "pw-helper-env" })).await;
    let dir = tempfile::tempdir().expect("temp dir");
    // A long delay: the helper that clears tmux waits, so its environment can be read.
    std::fs::write(dir.path().join("config.toml"), "[clipboard]\nclear_after = 120\n").expect("config");
    let tmux = common::e2e::Tmux::new();
    tmux.start("sh");
    let tmux_env = format!("{},0,0", tmux.pane("#{socket_path}"));
    let marker = format!("TMUX={tmux_env}");

    let out = run(sesame(dir.path())
        .args(["copy", &format!("{mount}/db"), "--key", "DB_PASSWORD"])
        .env("TMUX", &tmux_env)
        .env("GITHUB_TOKEN", "gh-token-for-the-test")
        .env("AWS_SECRET_ACCESS_KEY", "aws-secret-for-the-test"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("tmux buffer"), "{}", text(&out.stdout));

    // The helper is forked and then exec'd on its own: until the exec its /proc entry still shows sesame's
    // command line. Wait (bounded) for the exec'd helper to appear.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut pids = helpers_with(&marker);
    while pids.is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
        pids = helpers_with(&marker);
    }
    assert_eq!(pids.len(), 1, "one helper waits to clear tmux: {pids:?}");
    let env = std::fs::read(format!("/proc/{}/environ", pids[0])).expect("the helper's environment");
    let env = text(&env);
    for secret in ["VAULT_TOKEN", "BAO_TOKEN", "VAULT_ADDR", "AWS_SECRET_ACCESS_KEY", "SESAME_CONFIG"] {
        assert!(
            !env.split('\0').any(|v| v.starts_with(&format!("{secret}="))),
            "{secret} reached the helper"
        );
    }
    assert!(!env.contains(&common::server().token));
    assert!(!env.contains("gh-token-for-the-test") && !env.contains("aws-secret-for-the-test"));
    // The helper we caused is ended by its id.
    for pid in pids {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
}

async fn stored(path: &str, key: &str) -> Option<String> {
    let (mount, rest) = path.split_once('/').expect("mount/path");
    let (_, body) = common::server().request(Method::GET, &format!("{mount}/data/{rest}"), None).await;
    body["data"]["data"][key].as_str().map(str::to_string)
}

#[tokio::test]
async fn put_asks_for_a_value_from_a_pipe() {
    let mount = common::server().fresh_mount(2).await;
    let path = format!("{mount}/asked");
    let out = common::cli::run(&["put", &path, "TOKEN=?", "USER=svc"], Some(b"value-from-a-pipe\nignored\n"));
    assert_eq!(out.code, 0, "{}", out.err);
    assert!(!out.out.contains("value-from-a-pipe") && !out.err.contains("value-from-a-pipe"));
    assert_eq!(stored(&path, "TOKEN").await.as_deref(), Some("value-from-a-pipe"));
    assert_eq!(stored(&path, "USER").await.as_deref(), Some("svc"));

    // An empty pipe is an error, and nothing is written.
    let out = common::cli::run(&["put", &format!("{mount}/empty"), "TOKEN=?"], Some(b""));
    assert_ne!(out.code, 0);
    assert!(out.err.contains("no value for TOKEN"), "{}", out.err);
    let (status, _) = common::server().request(Method::GET, &format!("{mount}/data/empty"), None).await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);
}

/// The command lines of running `sesame` processes that mention `needle`.
fn sesame_cmdlines(needle: &str) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .map(|pid| {
            text(&std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default()).replace('\0', " ")
        })
        .filter(|c| c.starts_with(BIN) && c.contains(needle))
        .collect()
}

#[tokio::test]
async fn put_asks_for_a_value_on_a_terminal_with_echo_off() {
    let mount = common::server().fresh_mount(2).await;
    let path = format!("{mount}/typed-{}", common::random_suffix(6));
    let value = format!("typed-{}", common::random_suffix(12));
    let tmux = common::e2e::Tmux::new();
    let server = common::server();
    tmux.start(&format!(
        "env VAULT_ADDR='{}' VAULT_TOKEN='{}' {BIN} put {path} API_KEY=? --log-file /dev/null; echo sesame-exit=$?; read -r _",
        server.addr, server.token
    ));
    tmux.wait_for("the prompt", |s| s.contains("Value of API_KEY (not shown):"));
    let argv = sesame_cmdlines(&path);
    assert_eq!(argv.len(), 1, "{argv:?}");
    assert!(argv[0].contains("API_KEY=?"), "{argv:?}");

    tmux.text(&value);
    // Still typing: nothing of it on the screen, nor in any command line.
    let screen = tmux.screen();
    assert!(!screen.contains(&value), "{screen}");
    assert!(sesame_cmdlines(&path).iter().all(|c| !c.contains(&value)));
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("sesame's exit", |s| s.contains("sesame-exit="));
    assert!(screen.contains("sesame-exit=0"), "{screen}");
    assert!(!tmux.history().contains(&value), "the value was echoed:\n{}", tmux.history());
    assert_eq!(stored(&path, "API_KEY").await.as_deref(), Some(value.as_str()));
}

#[test]
fn put_help_warns_that_values_on_the_command_line_are_visible() {
    let out = Command::new(BIN).args(["put", "--help"]).output().expect("sesame put --help");
    let help = text(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains("visible to other users in the process list"), "{help}");
    assert!(help.contains("KEY=?"), "{help}");
}
