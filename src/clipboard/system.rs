//! The system clipboard (X11, or Wayland's data-control protocol) through arboard, and the detached
//! `sesame clipboard-helper` that serves it after sesame exits and performs the clears handed off to it.
//!
//! The helper gets the text on its stdin (never in argv) and a scrubbed environment ([`helper_env`]): no
//! Vault token or other credential of sesame's environment reaches it. Starting it and waiting for its
//! acknowledgement can take up to [`HELPER_ACK_TIMEOUT`]: never on the UI task.

use std::ffi::OsString;
use std::io::{BufRead as _, BufReader, Read as _, Write};
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::{ClearOutcome, Wrap, osc52, tmux};

/// How long the helper may take to say whether it owns the clipboard.
const HELPER_ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the clipboard helper checks that the clipboard still holds its text.
const HOLD_POLL: Duration = Duration::from_secs(1);

/// The variables the helper keeps (exact names): what it needs to reach the display, tmux, the terminal
/// and its own files. Everything else — `VAULT_TOKEN`, `BAO_TOKEN`, cloud credentials… — is dropped.
const HELPER_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TERM",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "DBUS_SESSION_BUS_ADDRESS",
    "TMUX",
    "TMUX_TMPDIR",
    "STY",
    "TMPDIR",
    "SESAME_LOG",
];

/// Prefixes of the variables the helper keeps: locale and XDG directories (runtime, cache, session).
const HELPER_ENV_PREFIXES: &[&str] = &["LC_", "XDG_"];

/// The environment of the helper: the variables of `env` that [`HELPER_ENV`] and its prefixes keep.
pub fn helper_env(env: impl IntoIterator<Item = (OsString, OsString)>) -> Vec<(OsString, OsString)> {
    env.into_iter()
        .filter(|(k, _)| {
            k.to_str().is_some_and(|k| {
                HELPER_ENV.contains(&k) || HELPER_ENV_PREFIXES.iter().any(|p| k.starts_with(p))
            })
        })
        .collect()
}

/// Starts `helper clipboard-helper ARGS` with `input` on its stdin, in its own process group, with the
/// scrubbed environment.
pub(super) fn spawn_helper(helper: &Path, args: &[String], input: &[u8]) -> std::io::Result<Child> {
    let mut cmd = Command::new(helper);
    cmd.arg("clipboard-helper")
        .args(args)
        .env_clear()
        .envs(helper_env(std::env::vars_os()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        // Its own process group: Ctrl-C in the shell does not reach it.
        cmd.process_group(0);
    }
    let mut child = cmd.spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input)?;
    }
    Ok(child)
}

/// Waits for the helper's first line: `ok`, or `error: …`.
pub(super) fn wait_for_ack(mut child: Child) -> Result<Child, String> {
    let Some(stdout) = child.stdout.take() else { return Err("the helper has no output".into()) };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    match rx.recv_timeout(HELPER_ACK_TIMEOUT) {
        Ok(line) if line.trim() == "ok" => Ok(child),
        Ok(line) => {
            let _ = child.wait();
            let line = line.trim();
            Err(line
                .strip_prefix("error: ")
                .unwrap_or(if line.is_empty() { "the helper failed" } else { line })
                .to_string())
        }
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            Err("the clipboard did not answer in time".into())
        }
    }
}

#[cfg(all(unix, not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))))]
use arboard::SetExtLinux as _;

/// True when the system clipboard holds `value` (read back; the copy read is zeroized).
pub(super) fn holds(cb: &mut arboard::Clipboard, value: &str) -> bool {
    cb.get_text().map(Zeroizing::new).is_ok_and(|t| t.as_str() == value)
}

/// Sets the clipboard's text; a secret is offered with the hint that keeps it out of clipboard managers'
/// history. The `Clipboard` object serves it while it lives.
pub(super) fn set_text(cb: &mut arboard::Clipboard, text: &str, secret: bool) -> Result<(), arboard::Error> {
    let set = cb.set();
    #[cfg(all(unix, not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))))]
    let set = if secret { set.exclude_from_history() } else { set };
    #[cfg(not(all(unix, not(any(target_os = "macos", target_os = "android", target_os = "emscripten")))))]
    let _ = secret;
    set.text(text)
}

/// What the hidden `sesame clipboard-helper` does.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelperTask {
    /// Set the system clipboard to stdin and serve it until another program takes it over (a secret: until
    /// `--after-ms`, then clear it if it still holds the value).
    Hold,
    /// After `--after-ms`, delete the tmux buffer `sesame` if it still holds stdin.
    ClearTmux,
    /// After `--after-ms`, send an empty OSC 52 to the terminal if the owner file still holds `--owner`.
    ClearOsc52,
}

/// Arguments of the hidden `sesame clipboard-helper` (started by [`Clipboard`], not by users).
#[derive(clap::Args, Debug, Clone)]
pub struct HelperArgs {
    /// The task.
    #[arg(value_enum)]
    pub task: HelperTask,
    /// The text is a secret value.
    #[arg(long)]
    pub secret: bool,
    /// Delay before clearing, in milliseconds (0: never clear).
    #[arg(long, default_value_t = 0)]
    pub after_ms: u64,
    /// tmux forwarded the value to the outer terminal.
    #[arg(long)]
    pub outer: bool,
    /// The OSC 52 owner id.
    #[arg(long, default_value = "")]
    pub owner: String,
    /// The OSC 52 wrapping.
    #[arg(long, value_enum, default_value_t = Wrap::None)]
    pub wrap: Wrap,
    /// The OSC 52 copy was made inside tmux: also delete the tmux buffers holding the value (read on stdin).
    #[arg(long)]
    pub tmux: bool,
}

/// Runs `sesame clipboard-helper`: ignores SIGHUP (it outlives the terminal), reads its input from stdin
/// and does its task. The exit status is only for debugging.
pub async fn run_helper(args: HelperArgs) -> ExitCode {
    #[cfg(unix)]
    let _hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup());
    match tokio::task::spawn_blocking(move || helper_task(&args)).await {
        Ok(code) => code,
        Err(_) => ExitCode::FAILURE,
    }
}

fn helper_task(args: &HelperArgs) -> ExitCode {
    let mut input = Zeroizing::new(String::new());
    if std::io::stdin().read_to_string(&mut input).is_err() {
        println!("error: cannot read the text");
        return ExitCode::FAILURE;
    }
    let delay = Duration::from_millis(args.after_ms);
    match args.task {
        HelperTask::Hold => hold(&input, args.secret, (args.after_ms > 0).then_some(delay)),
        HelperTask::ClearTmux => {
            std::thread::sleep(delay);
            exit_for(&tmux::tmux_clear(&input, args.outer))
        }
        HelperTask::ClearOsc52 => {
            std::thread::sleep(delay);
            let tmux_value = args.tmux.then_some(input.as_str());
            exit_for(&osc52::osc52_clear_if_owner(
                osc52::owner_file_path().as_deref(),
                &args.owner,
                args.wrap,
                None,
                tmux_value,
            ))
        }
    }
}

fn exit_for(outcome: &ClearOutcome) -> ExitCode {
    match outcome {
        ClearOutcome::Failed { .. } => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    }
}

fn hold(text: &str, secret: bool, clear_after: Option<Duration>) -> ExitCode {
    let mut stdout = std::io::stdout();
    let mut cb = match arboard::Clipboard::new() {
        Ok(cb) => cb,
        Err(e) => {
            let _ = writeln!(stdout, "error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = set_text(&mut cb, text, secret) {
        let _ = writeln!(stdout, "error: {e}");
        return ExitCode::FAILURE;
    }
    let _ = writeln!(stdout, "ok");
    let _ = stdout.flush();
    // Serve (arboard's thread answers other programs) while the clipboard still holds the text: reading it
    // back is a round trip to the display server, so this also notices another program's copy and a display
    // server that went away (arboard's own wait does not). A clipboard manager that took the value over and
    // serves it still "holds" it, and is cleared at the deadline.
    let due = clear_after.filter(|_| secret).map(|d| Instant::now() + d);
    loop {
        let nap = due.map_or(HOLD_POLL, |d| d.saturating_duration_since(Instant::now()).min(HOLD_POLL));
        std::thread::sleep(nap);
        if !holds(&mut cb, text) {
            return ExitCode::SUCCESS;
        }
        if due.is_some_and(|d| Instant::now() >= d) {
            let _ = cb.clear();
            return ExitCode::SUCCESS;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_helper_environment_holds_no_credential() {
        let env = [
            ("VAULT_TOKEN", "hvs.x"),
            ("BAO_TOKEN", "s.y"),
            ("VAULT_ADDR", "http://v"),
            ("AWS_SECRET_ACCESS_KEY", "k"),
            ("GITHUB_TOKEN", "g"),
            ("DISPLAY", ":0"),
            ("TMUX", "/tmp/t,1,0"),
            ("XDG_RUNTIME_DIR", "/run/user/1"),
            ("LC_ALL", "C"),
            ("PATH", "/bin"),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let kept: Vec<String> =
            helper_env(env).into_iter().map(|(k, _)| k.to_string_lossy().into_owned()).collect();
        assert_eq!(kept, ["DISPLAY", "TMUX", "XDG_RUNTIME_DIR", "LC_ALL", "PATH"]);
    }
}
