//! `sesame run`, `export`, `snippet` and `copy` as a user runs them: the binary against a real OpenBao, with
//! `VAULT_ADDR`/`VAULT_TOKEN` in its environment. Checks that values reach the child process, that nothing
//! of a value is printed by sesame unless asked, and that a copied value is cleared from tmux.

mod common;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::cli::BIN;

/// `sesame ARGS` with the test server, a config file of our own and no clipboard-related environment.
fn sesame(config: &Path) -> Command {
    let mut cmd = common::cli::command(&common::server().token);
    for var in ["DISPLAY", "WAYLAND_DISPLAY", "TMUX", "STY", "SSH_TTY", "SSH_CONNECTION", "SSH_CLIENT"] {
        cmd.env_remove(var);
    }
    cmd.env("SESAME_CONFIG", config);
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("running sesame: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Neither stream contains `value`.
fn assert_not_printed(out: &Output, value: &str) {
    assert!(!text(&out.stdout).contains(value), "value on stdout: {}", text(&out.stdout));
    assert!(!text(&out.stderr).contains(value), "value on stderr: {}", text(&out.stderr));
}

struct Setup {
    mount: String,
    dir: tempfile::TempDir,
    password: String,
}

impl Setup {
    fn config(&self) -> std::path::PathBuf {
        self.dir.path().join("config.toml")
    }
    fn path(&self, p: &str) -> String {
        format!("{}/{p}", self.mount)
    }
}

/// A fresh KV v2 mount with `app/db` (`DB_PASSWORD`, `DB_USER`, two keys that are no variable names),
/// `app/api` (`DB_USER`, `API_TOKEN`) and `reg/pull` (a dockerconfigjson).
async fn setup() -> Setup {
    let server = common::server();
    let mount = server.fresh_mount(2).await;
    let password = format!("pw-{}'\"$x", common::random_suffix(16));
    server
        .write_kv(
            &mount,
            2,
            "app/db",
            json!({ "DB_PASSWORD": password, "DB_USER": "svc", "bad-key": "b", "1ST": "c", "PORT": 5432 }),
        )
        .await;
    server.write_kv(&mount, 2, "app/api", json!({ "DB_USER": "api", "API_TOKEN": "t0k" })).await;
    server.write_kv(&mount, 2, "reg/pull", json!({ ".dockerconfigjson": "{\"auths\":{}}" })).await;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("config.toml"), "[clipboard]\nmethod = \"off\"\n").expect("config");
    Setup { mount, dir, password }
}

#[tokio::test]
async fn run_passes_the_values_to_the_child_and_prints_none() {
    let s = setup().await;
    let out = run(sesame(&s.config()).args(["run", &s.path("app/db"), "--", "sh", "-c"]).arg(
        r#"test "$DB_PASSWORD" = "$EXPECTED" && test "$DB_USER" = svc && test "$PORT" = 5432 && echo child-ok"#,
    )
    .env("EXPECTED", &s.password));
    assert!(out.status.success(), "{} {}", out.status, text(&out.stderr));
    assert_eq!(text(&out.stdout), "child-ok\n");
    assert_not_printed(&out, &s.password);
    // Keys that are no variable names are reported and skipped; the others still arrive.
    let err = text(&out.stderr);
    assert!(err.contains("\"bad-key\"") && err.contains("\"1ST\""), "{err}");
    assert!(err.contains("not a valid environment variable name"), "{err}");
}

#[tokio::test]
async fn run_propagates_the_exit_status_and_missing_commands() {
    let s = setup().await;
    let out = run(sesame(&s.config()).args(["run", &s.path("app/api"), "--", "sh", "-c", "exit 42"]));
    assert_eq!(out.status.code(), Some(42));
    let out = run(sesame(&s.config()).args(["run", &s.path("app/api"), "--", "/nonexistent/command"]));
    assert_eq!(out.status.code(), Some(127));
    assert!(text(&out.stderr).contains("cannot run /nonexistent/command"), "{}", text(&out.stderr));
}

#[tokio::test]
async fn run_delivers_signals_to_the_command() {
    let s = setup().await;
    let mut child = sesame(&s.config())
        .args(["run", &s.path("app/api"), "--", "sh", "-c"])
        .arg(r#"trap 'exit 43' TERM; echo ready; while :; do sleep 0.05; done"#)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawning sesame");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("reading");
    assert_eq!(line, "ready\n");
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(st) = child.try_wait().expect("waiting") {
            break st;
        }
        assert!(Instant::now() < deadline, "the command did not exit on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(43));
}

#[tokio::test]
async fn run_refuses_collisions_unless_override_and_applies_the_prefix() {
    let s = setup().await;
    let (db, api) = (s.path("app/db"), s.path("app/api"));
    let out = run(sesame(&s.config()).args(["run", &db, &api, "--", "true"]));
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("DB_USER") && err.contains("--override"), "{err}");
    assert_not_printed(&out, &s.password);

    let out = run(sesame(&s.config())
        .args(["run", "--override", &db, &api, "--", "sh", "-c"])
        .arg(r#"test "$DB_USER" = api && test "$API_TOKEN" = t0k && test "$DB_PASSWORD" = "$EXPECTED""#)
        .env("EXPECTED", &s.password));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("DB_USER from"), "{}", text(&out.stderr));

    let out = run(sesame(&s.config())
        .args(["run", "--prefix", "APP_", &api, "--", "sh", "-c"])
        .arg(r#"test "$APP_DB_USER" = api && test -z "$DB_USER""#));
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[tokio::test]
async fn export_formats() {
    let s = setup().await;
    let db = s.path("app/db");
    // env: eval-able, values intact through quoting.
    let out = run(sesame(&s.config()).args(["export", &db]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let script = format!("{}\ntest \"$DB_PASSWORD\" = \"$EXPECTED\"", text(&out.stdout));
    let checked =
        Command::new("sh").arg("-c").arg(&script).env("EXPECTED", &s.password).status().expect("sh");
    assert!(checked.success(), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("\"bad-key\""));
    assert!(!text(&out.stdout).contains("bad-key"));

    let out = run(sesame(&s.config()).args(["export", "--format", "dotenv", &db]));
    let body = text(&out.stdout);
    assert!(body.contains("DB_USER=svc\n") && body.contains("PORT=5432\n"), "{body}");
    assert!(body.lines().any(|l| l.starts_with("DB_PASSWORD=\"pw-")), "{body}");

    let out = run(sesame(&s.config()).args(["export", "--format", "json", &db]));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["DB_PASSWORD"], s.password.as_str());
    assert_eq!(v["PORT"], 5432);
    assert_eq!(v["bad-key"], "b");

    let out = run(sesame(&s.config()).args(["export", "--format", "k8s", &s.path("reg/pull")]));
    let yaml = text(&out.stdout);
    assert!(yaml.contains("type: kubernetes.io/dockerconfigjson\n"), "{yaml}");
    assert!(yaml.contains("  name: pull\n"), "{yaml}");
    assert!(yaml.contains("  \".dockerconfigjson\": eyJhdXRocyI6e319\n"), "{yaml}");

    // Collisions and prefixes work as for run.
    let out = run(sesame(&s.config()).args(["export", &db, &s.path("app/api")]));
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn snippet_prints_value_formats_only_with_reveal() {
    let s = setup().await;
    let db = s.path("app/db");
    let out = run(sesame(&s.config()).args(["snippet", &db, "--format", "k8s"]));
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--reveal"), "{}", text(&out.stderr));
    assert_not_printed(&out, &s.password);
    let out = run(sesame(&s.config()).args(["snippet", &db, "--format", "dotenv", "--yes"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("DB_USER=svc"));

    let out = run(sesame(&s.config()).args(["snippet", &db, "--format", "cli"]));
    assert_eq!(text(&out.stdout), format!("vault kv get -mount={} app/db\n", s.mount));
    let out = run(sesame(&s.config()).args(["snippet", &s.path("app"), "--format", "path"]));
    assert_eq!(text(&out.stdout), format!("{}/app/\n", s.mount), "a folder without a trailing slash");
    std::fs::write(s.config(), format!("[service]\ntop_folder = \"{}/app\"\n", s.mount)).expect("config");
    let out = run(sesame(&s.config()).args(["snippet", &db, "-f", "relative"]));
    assert_eq!(text(&out.stdout), "db\n");
    let out = run(sesame(&s.config()).args(["snippet", &s.path("reg/pull"), "-f", "relative"]));
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("not inside the top folder"), "{}", text(&out.stderr));
}

#[tokio::test]
async fn copy_without_any_clipboard_never_claims_success() {
    let s = setup().await;
    let db = s.path("app/db");
    // A path is shown for manual copying, and the exit status says nothing was copied.
    let out = run(sesame(&s.config()).args(["copy", &db]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), format!("{db}\n"));
    assert!(text(&out.stderr).contains("Could not copy the path"), "{}", text(&out.stderr));
    // A value is never printed.
    let out = run(sesame(&s.config()).args(["copy", &db, "--key", "DB_PASSWORD"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_not_printed(&out, &s.password);
    assert!(text(&out.stderr).contains("--field DB_PASSWORD --reveal"), "{}", text(&out.stderr));
    // Value-bearing snippets need --yes.
    let out = run(sesame(&s.config()).args(["copy", &db, "--format", "export"]));
    assert!(text(&out.stderr).contains("--yes"), "{}", text(&out.stderr));
}

/// A private tmux server; killed on drop.
struct Tmux {
    socket: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmux {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let socket = dir.path().join("tmux.sock");
        let st = Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(["-f", "/dev/null", "new-session", "-d", "-s", "t"])
            .env_remove("TMUX")
            .status()
            .expect("tmux is needed for this test (apt-get install tmux)");
        assert!(st.success());
        Self { socket, _dir: dir }
    }
    fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-S").arg(&self.socket).args(args).output().expect("tmux")
    }
    /// The `TMUX` value a process inside this server sees.
    fn env(&self) -> String {
        format!("{},0,0", self.socket.display())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

#[tokio::test]
async fn copy_into_tmux_and_clear_the_value_after_the_delay() {
    let s = setup().await;
    let tmux = Tmux::start();
    std::fs::write(s.config(), "[clipboard]\nclear_after = 2\n").expect("config");
    let db = s.path("app/db");

    let out = run(sesame(&s.config()).args(["copy", &db]).env("TMUX", tmux.env()));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("Copied the path {db} to the tmux buffer \"sesame\"\n"));
    assert_eq!(text(&tmux.cmd(&["show-buffer"]).stdout), db);

    let out = run(sesame(&s.config()).args(["copy", &db, "--key", "DB_PASSWORD"]).env("TMUX", tmux.env()));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_not_printed(&out, &s.password);
    assert!(text(&out.stdout).contains("cleared in 2 s"), "{}", text(&out.stdout));
    assert_eq!(text(&tmux.cmd(&["show-buffer", "-b", "sesame"]).stdout), s.password);

    // The helper clears it once the delay is over (it outlives `sesame copy`).
    let deadline = Instant::now() + Duration::from_secs(15);
    while tmux.cmd(&["show-buffer", "-b", "sesame"]).status.success() {
        assert!(Instant::now() < deadline, "the value is still in tmux");
        std::thread::sleep(Duration::from_millis(100));
    }
    let left = text(&tmux.cmd(&["list-buffers", "-F", "#{buffer_sample}"]).stdout);
    assert!(!left.contains(&s.password), "{left}");

    // A value copied over by something else is left alone.
    let out = run(sesame(&s.config()).args(["copy", &db, "--key", "DB_USER"]).env("TMUX", tmux.env()));
    assert!(out.status.success());
    assert!(tmux.cmd(&["set-buffer", "-b", "sesame", "mine"]).status.success());
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(text(&tmux.cmd(&["show-buffer", "-b", "sesame"]).stdout), "mine");
}

/// Sets annotations on a secret through sesame's own store.
async fn annotate(mount: &str, path: &str, pairs: &[(&str, &str)]) {
    let server = common::server();
    let vault = sesame::vault::Vault::connect(&server.addr, &server.token).expect("connect");
    let m = vault.mount_of(mount).await.expect("mount");
    let store = sesame::vault::annotations::AnnotationStore::new(vault);
    let changes = pairs.iter().map(|(k, v)| (k.to_string(), Some(v.to_string()))).collect();
    store.set(&m, path, &changes).await.expect("annotating");
}

#[tokio::test]
async fn run_folder_injects_the_flagged_secrets_only() {
    for version in [2u8, 1] {
        let server = common::server();
        let mount = server.fresh_mount(version).await;
        server.write_kv(&mount, version, "team/db", json!({ "DB_HOST": "db.internal" })).await;
        server.write_kv(&mount, version, "team/sub/api", json!({ "API_KEY": "k-1" })).await;
        server.write_kv(&mount, version, "team/other", json!({ "NOT_ME": "x" })).await;
        server.write_kv(&mount, version, "elsewhere", json!({ "FAR": "y" })).await;
        annotate(&mount, "team/db", &[("inject.env", "true")]).await;
        annotate(&mount, "team/sub/api", &[("inject.env", "true")]).await;
        annotate(&mount, "elsewhere", &[("inject.env", "true")]).await;
        annotate(&mount, "team/other", &[("inject.env", "false")]).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("config.toml");
        let out = run(sesame(&config).args(["run", "--folder", &format!("{mount}/team"), "--", "sh", "-c"]).arg(
            r#"test "$DB_HOST" = db.internal && test "$API_KEY" = k-1 && test -z "$NOT_ME" && test -z "$FAR""#,
        ));
        assert!(out.status.success(), "KV v{version}: {}", text(&out.stderr));
        let out =
            run(sesame(&config).args(["run", "--folder", &format!("{mount}/elsewhere/"), "--", "true"]));
        assert!(!out.status.success(), "an empty folder injects nothing");
        assert!(text(&out.stderr).contains("flagged"), "{}", text(&out.stderr));
    }
}

#[tokio::test]
async fn export_decodes_recorded_binary_values_and_follows_the_type_annotation() {
    let server = common::server();
    let mount = server.fresh_mount(2).await;
    // "AAH/" is base64 of the bytes 00 01 ff (binary); "aGk=" of "hi" (text once decoded).
    server.write_kv(&mount, 2, "deploy", json!({ "KEY": "AAH/", "NOTE": "aGk=", "PLAIN": "p" })).await;
    annotate(
        &mount,
        "deploy",
        &[("encoding.KEY", "base64"), ("encoding.NOTE", "base64"), ("type", "kubernetes.io/ssh-auth")],
    )
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    let path = format!("{mount}/deploy");
    let out = run(sesame(&config).args(["export", "-f", "k8s", &path]));
    let yaml = text(&out.stdout);
    assert!(yaml.contains("type: kubernetes.io/ssh-auth\n"), "{yaml}");
    assert!(yaml.contains("  KEY: AAH/\n") && yaml.contains("  NOTE: aGk=\n"), "{yaml}");
    assert!(yaml.contains("  PLAIN: cA==\n"), "{yaml}");
    let out = run(sesame(&config).args(["export", "-f", "json", &path]));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v, json!({ "KEY": "AAH/", "NOTE": "hi", "PLAIN": "p" }));
    assert!(text(&out.stderr).contains("KEY holds binary data"), "{}", text(&out.stderr));
    let out = run(sesame(&config).args(["snippet", &path, "-f", "eso"]));
    assert!(text(&out.stdout).contains("      type: kubernetes.io/ssh-auth\n"), "{}", text(&out.stdout));
}

/// A private Xvfb display; killed on drop. `None` (with a note) when Xvfb or xclip is not installed.
struct Xvfb {
    child: std::process::Child,
    display: String,
}

impl Xvfb {
    fn start() -> Option<Self> {
        let have = |tool: &str| {
            Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {tool}"))
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !have("Xvfb") || !have("xclip") {
            eprintln!("SKIPPED: the system clipboard test needs Xvfb and xclip (apt-get install xvfb xclip)");
            return None;
        }
        for _ in 0..20 {
            let n = 200 + u32::from(rand::random::<u16>()) % 700;
            let socket = format!("/tmp/.X11-unix/X{n}");
            if Path::new(&socket).exists() {
                continue;
            }
            let child = Command::new("Xvfb")
                .args([format!(":{n}"), "-nolisten".into(), "tcp".into()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("starting Xvfb");
            let mut x = Self { child, display: format!(":{n}") };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if Path::new(&socket).exists() {
                    return Some(x);
                }
                if x.child.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = x.child.kill();
            let _ = x.child.wait();
        }
        panic!("Xvfb did not start");
    }

    /// The clipboard's text as xclip reads it, `None` when it has none.
    fn clipboard(&self) -> Option<String> {
        let out = Command::new("xclip")
            .args(["-o", "-selection", "clipboard"])
            .env("DISPLAY", &self.display)
            .output()
            .expect("xclip");
        out.status.success().then(|| text(&out.stdout))
    }

    /// The pids of clipboard helpers serving this display.
    fn helpers(&self) -> Vec<u32> {
        let want = format!("DISPLAY={}", self.display);
        let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
        dir.flatten()
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
            .filter(|pid| {
                let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
                text(&cmd).contains("clipboard-helper")
                    && env.split(|&b| b == 0).any(|v| v == want.as_bytes())
            })
            .collect()
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn copy_to_the_system_clipboard_which_outlives_sesame_and_is_cleared() {
    let Some(x) = Xvfb::start() else { return };
    let s = setup().await;
    std::fs::write(s.config(), "[clipboard]\nclear_after = 1\n").expect("config");
    let db = s.path("app/db");
    let copy = |args: &[&str]| run(sesame(&s.config()).arg("copy").args(args).env("DISPLAY", &x.display));

    let out = copy(&[&db]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("Copied the path {db} to the system clipboard\n"));
    // sesame has exited: its helper serves the clipboard.
    assert_eq!(x.clipboard().as_deref(), Some(db.as_str()));

    let out = copy(&[&db, "--key", "DB_PASSWORD"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_not_printed(&out, &s.password);
    assert_eq!(x.clipboard().as_deref(), Some(s.password.as_str()));
    let deadline = Instant::now() + Duration::from_secs(10);
    while x.clipboard().as_deref() == Some(s.password.as_str()) {
        assert!(Instant::now() < deadline, "the value is still on the clipboard");
        std::thread::sleep(Duration::from_millis(100));
    }

    // Something copied since is left alone.
    let out = copy(&[&db, "--key", "DB_USER"]);
    assert!(out.status.success());
    let mut xclip = Command::new("xclip")
        .args(["-i", "-selection", "clipboard", "-quiet"])
        .env("DISPLAY", &x.display)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("xclip");
    {
        use std::io::Write as _;
        let mut stdin = xclip.stdin.take().expect("stdin");
        stdin.write_all(b"mine").expect("writing to xclip");
    }
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(x.clipboard().as_deref(), Some("mine"));
    let _ = xclip.kill();
    let _ = xclip.wait();

    // No helper is left once the clipboard changed hands or the display went away.
    let display = x.display.clone();
    let probe = Xvfb { child: Command::new("true").spawn().expect("true"), display };
    drop(x);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !probe.helpers().is_empty() {
        assert!(Instant::now() < deadline, "clipboard helpers left behind: {:?}", probe.helpers());
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test]
async fn export_refuses_a_terminal_and_osc52_reaches_it() {
    let s = setup().await;
    let db = s.path("app/db");
    let mut cmd = in_pty_cmd(&s.config(), &["export", &db]);
    let out = run(&mut cmd);
    assert!(!out.status.success());
    assert!(
        text(&out.stdout).contains("refusing to print secret values to the terminal"),
        "{}",
        text(&out.stdout)
    );
    assert_not_printed(&out, &s.password);

    // OSC 52 from the command line: the exact sequence reaches the terminal, and the message says "Sent".
    std::fs::write(s.config(), "[clipboard]\nmethod = \"osc52\"\n").expect("config");
    let out = run(&mut in_pty_cmd(&s.config(), &["copy", &db]));
    assert!(out.status.success(), "{}", text(&out.stdout));
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, db.as_bytes());
    let seq = format!("\x1b]52;c;{b64}\x07");
    assert!(text(&out.stdout).contains(&seq), "{:?}", text(&out.stdout));
    assert!(text(&out.stdout).contains("Sent the path"), "{}", text(&out.stdout));
}

/// The `script` command that runs `sesame ARGS` in a pseudo-terminal.
fn in_pty_cmd(config: &Path, args: &[&str]) -> Command {
    let quoted: Vec<String> = std::iter::once(BIN)
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect();
    let cmd = sesame(config);
    // `sesame()` prepared the environment; run `script` with it instead of sesame itself.
    let mut script = Command::new("script");
    script.args(["-q", "-e", "-c", &quoted.join(" "), "/dev/null"]).stdin(Stdio::null());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => script.env(k, v),
            None => script.env_remove(k),
        };
    }
    script
}
