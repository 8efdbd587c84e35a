//! Copying text where the user is: the system clipboard, a tmux buffer, or the terminal's clipboard through
//! OSC 52 — and, when all of them fail, telling the caller to show the text for manual selection.
//!
//! # Choosing a method
//! [`plan`] orders the methods from the environment ([`Environment`]: `SSH_TTY`/`SSH_CONNECTION`,
//! `DISPLAY`/`WAYLAND_DISPLAY`, `TMUX`, `STY`), unless `[clipboard] method` in the config file forces one:
//! - local desktop: the system clipboard (arboard: X11, or Wayland's data-control protocol), then tmux, then
//!   OSC 52;
//! - over SSH: tmux, then OSC 52, then the system clipboard last (only X11 forwarding would reach it);
//! - no display: tmux, then OSC 52.
//!
//! Inside tmux, sesame runs `tmux load-buffer -b sesame -w -`: the text lands in tmux's buffer `sesame`
//! (`tmux show-buffer`, prefix `]`), whatever `set-clipboard` says, and `-w` (tmux ≥ 3.2) also forwards it to
//! the outer terminal's clipboard when tmux knows how. That is the one tmux path that can be confirmed (an
//! exit status). A raw OSC 52 written to a tmux pane only reaches a buffer with `set-clipboard on` (the default
//! `external` ignores applications), and the passthrough wrapping only works with `allow-passthrough on`:
//! when OSC 52 is used inside tmux (forced, or `tmux` failed), sesame asks tmux for those options and sends
//! a plain sequence under `set-clipboard on`, a passthrough-wrapped one under `allow-passthrough on|all`
//! (or on tmux < 3.3, which has no such option and always passes through), plain otherwise. Under GNU
//! screen (`STY`) the sequence is cut into DCS chunks screen passes through.
//!
//! # Honest outcomes
//! [`CopyOutcome::Copied`] means the text verifiably landed (arboard or tmux said so);
//! [`CopyOutcome::Sent`] means an OSC 52 sequence was written to the terminal, which may or may not honour
//! it (no terminal confirms); [`CopyOutcome::Manual`] means nothing could copy: show the text in a popup (or,
//! on the command line, print it when it holds no secret value). arboard fails at once without a display.
//!
//! # The system clipboard outlives sesame
//! An X11/Wayland clipboard is served by the process that set it and dies with it. So the system clipboard is
//! set by a small detached helper, `sesame clipboard-helper hold` (the text on its stdin, never in its
//! arguments), which serves it until another program takes the clipboard over or the display server goes
//! away — like `xclip` does. Outside the sesame binary (library tests), the text is set in-process instead.
//!
//! # Clearing secret values
//! Text copied as [`Content::Secret`] is cleared after `[clipboard] clear_after` seconds (default 30; 0 never
//! clears), and only if the clipboard still holds it:
//! - system clipboard: the helper reads the clipboard back and clears it only if it still holds the value; the
//!   value is also offered with the `x-kde-passwordManagerHint` so clipboard managers keep it out of history;
//! - tmux: the buffer `sesame` is deleted only if it still holds the value, and the outer terminal's clipboard
//!   is overwritten with a single space only if that buffer was still the most recent one (the best evidence
//!   that nothing was copied since);
//! - OSC 52 cannot be read back: each OSC 52 copy writes a random id (never the value) to an owner file in the
//!   runtime directory; an empty OSC 52 (which clears the selection in xterm, kitty, foot, WezTerm…) is sent
//!   only if sesame's own last OSC 52 copy is still that one. Something copied since by another program can
//!   therefore be cleared too: that is the price of not leaving a password on the clipboard.
//!
//! In a long-running process (the TUI), [`Clipboard::poll`] performs the clears that are due (call it on every
//! tick; [`Clipboard::next_clear`] says when), writing OSC 52 through the caller's terminal writer; on exit
//! [`Clipboard::hand_off`] (also run on drop) passes the remaining ones to detached helpers. The command line
//! copies, then hands off at once.

use std::ffi::OsString;
use std::fmt;
use std::io::{BufRead as _, BufReader, Read as _, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Deserialize;
use zeroize::Zeroizing;

/// Seconds after which a copied secret value is cleared, unless the config file says otherwise.
pub const DEFAULT_CLEAR_AFTER_SECS: u64 = 30;

/// The tmux buffer sesame copies into.
pub const TMUX_BUFFER: &str = "sesame";

/// GNU screen passes at most 768 bytes per string sequence; each chunk gets `ESC P` before and `ESC \` after.
const SCREEN_CHUNK: usize = 768 - 4;

/// How long the helper may take to say whether it owns the clipboard.
const HELPER_ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// How many of the most recent tmux buffers a clear looks at.
const MAX_TMUX_BUFFERS_CHECKED: usize = 20;

/// How often the clipboard helper checks that the clipboard still holds its text.
const HOLD_POLL: Duration = Duration::from_secs(1);

/// How long a `tmux` command may take.
const TMUX_TIMEOUT: Duration = Duration::from_secs(5);

/// `[clipboard] method` in the config file.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MethodSetting {
    /// Detect from the environment.
    #[default]
    Auto,
    /// Only the system clipboard.
    System,
    /// Only OSC 52 escape sequences.
    Osc52,
    /// Only tmux buffers (`tmux load-buffer -w`).
    Tmux,
    /// Never copy: always show the text for manual selection.
    Off,
}

/// `[clipboard]` settings of the config file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClipboardSettings {
    /// How to copy.
    pub method: MethodSetting,
    /// Seconds after which a copied secret value is cleared; 0 never clears.
    pub clear_after: u64,
}

impl Default for ClipboardSettings {
    fn default() -> Self {
        Self { method: MethodSetting::Auto, clear_after: DEFAULT_CLEAR_AFTER_SECS }
    }
}

impl ClipboardSettings {
    /// The delay before a secret value is cleared, `None` when it never is.
    pub fn clear_delay(&self) -> Option<Duration> {
        (self.clear_after > 0).then(|| Duration::from_secs(self.clear_after))
    }
}

/// One way of copying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// The desktop's clipboard (X11 or Wayland) through arboard.
    System,
    /// tmux's buffer `sesame` (`tmux load-buffer -w`), forwarded to the outer terminal when tmux can.
    Tmux,
    /// An OSC 52 escape sequence written to the terminal.
    Osc52,
}

impl Method {
    /// A short name for messages.
    pub fn label(self) -> &'static str {
        match self {
            Self::System => "system clipboard",
            Self::Tmux => "tmux",
            Self::Osc52 => "OSC 52",
        }
    }
}

/// How an OSC 52 sequence is wrapped for a multiplexer between sesame and the terminal.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Wrap {
    /// The plain sequence.
    #[default]
    None,
    /// tmux passthrough: `ESC P tmux; <sequence with every ESC doubled> ESC \`.
    Tmux,
    /// GNU screen: the sequence cut into chunks, each in `ESC P … ESC \`.
    Screen,
}

/// What the environment says about where sesame runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Environment {
    /// `SSH_TTY`, `SSH_CONNECTION` or `SSH_CLIENT` is set.
    pub ssh: bool,
    /// `DISPLAY` or `WAYLAND_DISPLAY` is set.
    pub display: bool,
    /// `TMUX` is set.
    pub tmux: bool,
    /// `STY` (GNU screen) is set.
    pub screen: bool,
}

impl Environment {
    /// Reads the process environment.
    pub fn detect() -> Self {
        Self::from_lookup(|k| std::env::var_os(k))
    }

    /// Reads variables through `get` (tests). Empty values count as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<OsString>) -> Self {
        let set = |k: &str| get(k).is_some_and(|v| !v.is_empty());
        Self {
            ssh: set("SSH_TTY") || set("SSH_CONNECTION") || set("SSH_CLIENT"),
            display: set("DISPLAY") || set("WAYLAND_DISPLAY"),
            tmux: set("TMUX"),
            screen: set("STY"),
        }
    }
}

/// The methods to try, in order, for a setting and an environment (empty when the clipboard is off).
pub fn plan(setting: MethodSetting, env: &Environment) -> Vec<Method> {
    match setting {
        MethodSetting::Off => Vec::new(),
        MethodSetting::System => vec![Method::System],
        MethodSetting::Tmux => vec![Method::Tmux],
        MethodSetting::Osc52 => vec![Method::Osc52],
        MethodSetting::Auto => {
            let mut v = Vec::new();
            if env.display && !env.ssh {
                v.push(Method::System);
            }
            if env.tmux {
                v.push(Method::Tmux);
            }
            v.push(Method::Osc52);
            if env.display && env.ssh {
                v.push(Method::System);
            }
            v
        }
    }
}

/// The OSC 52 sequence that puts `payload` on the clipboard: `ESC ] 52 ; c ; <base64> BEL`, wrapped.
pub fn osc52(payload: &[u8], wrap: Wrap) -> Zeroizing<Vec<u8>> {
    let mut seq = Zeroizing::new(b"\x1b]52;c;".to_vec());
    let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(payload));
    seq.extend_from_slice(b64.as_bytes());
    seq.push(0x07);
    wrap_sequence(&seq, wrap)
}

/// The OSC 52 sequence with an empty payload, which clears the clipboard in terminals that support it.
pub fn osc52_clear(wrap: Wrap) -> Zeroizing<Vec<u8>> {
    osc52(b"", wrap)
}

fn wrap_sequence(seq: &[u8], wrap: Wrap) -> Zeroizing<Vec<u8>> {
    match wrap {
        Wrap::None => Zeroizing::new(seq.to_vec()),
        Wrap::Tmux => {
            let mut out = Zeroizing::new(Vec::with_capacity(seq.len() + 16));
            out.extend_from_slice(b"\x1bPtmux;");
            for &b in seq {
                if b == 0x1b {
                    out.push(0x1b);
                }
                out.push(b);
            }
            out.extend_from_slice(b"\x1b\\");
            out
        }
        Wrap::Screen => {
            let mut out = Zeroizing::new(Vec::with_capacity(seq.len() + 16));
            for chunk in seq.chunks(SCREEN_CHUNK) {
                out.extend_from_slice(b"\x1bP");
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\x1b\\");
            }
            out
        }
    }
}

/// What is being copied, which decides whether it is cleared later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// A path, a snippet without values, a key name: stays on the clipboard.
    Text,
    /// A secret value (or anything embedding one): cleared after the configured delay.
    Secret,
}

/// The result of [`Clipboard::copy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyOutcome {
    /// The text is on the clipboard: the system clipboard or tmux confirmed it.
    Copied {
        /// Where it went.
        method: Method,
        /// When it will be cleared (secret values).
        clear_in: Option<Duration>,
    },
    /// An OSC 52 sequence was written to the terminal; whether the terminal honoured it is unknown.
    Sent {
        /// How the sequence was wrapped.
        wrap: Wrap,
        /// When the clear sequence will be sent (secret values).
        clear_in: Option<Duration>,
    },
    /// Nothing could copy: show the text for manual selection. `reason` lists what failed (never the text).
    Manual {
        /// Why, per method tried.
        reason: String,
    },
}

impl CopyOutcome {
    /// True when the text verifiably landed on a clipboard.
    pub fn is_copied(&self) -> bool {
        matches!(self, Self::Copied { .. })
    }

    /// True when the caller must show the text itself.
    pub fn is_manual(&self) -> bool {
        matches!(self, Self::Manual { .. })
    }

    /// A one-line message for the status bar or stderr; `what` names the text (e.g. `the path`), never a
    /// value.
    pub fn message(&self, what: &str) -> String {
        let clear = |c: &Option<Duration>| match c {
            Some(d) => format!("; cleared in {} s", d.as_secs()),
            None => String::new(),
        };
        match self {
            Self::Copied { method: Method::System, clear_in } => {
                format!("Copied {what} to the system clipboard{}", clear(clear_in))
            }
            Self::Copied { method: Method::Tmux, clear_in } => {
                format!("Copied {what} to the tmux buffer \"{TMUX_BUFFER}\"{}", clear(clear_in))
            }
            Self::Copied { method: Method::Osc52, clear_in } | Self::Sent { clear_in, .. } => {
                let via = match self {
                    Self::Sent { wrap: Wrap::Tmux, .. } => " through tmux passthrough",
                    Self::Sent { wrap: Wrap::Screen, .. } => " through screen",
                    _ => "",
                };
                format!(
                    "Sent {what} to the terminal's clipboard with OSC 52{via} (works if the terminal allows it){}",
                    clear(clear_in)
                )
            }
            Self::Manual { reason } => format!("Could not copy {what}: {reason}"),
        }
    }
}

/// The result of one clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClearOutcome {
    /// The value was still there and is gone.
    Cleared(Method),
    /// Something else is on the clipboard now: left alone.
    Changed(Method),
    /// The clear could not be done.
    Failed {
        /// The method.
        method: Method,
        /// Why.
        reason: String,
    },
}

enum PendingKind {
    /// In-process system clipboard (no helper): read back and compare.
    Local,
    /// tmux buffer; `outer` when `-w` forwarded it to the outer terminal.
    Tmux { outer: bool },
    /// OSC 52 with this owner id; `tmux` when sent inside tmux (which may have kept it in a buffer).
    Osc52 { wrap: Wrap, id: String, tmux: bool },
}

struct Pending {
    kind: PendingKind,
    due: Instant,
    /// The value, for read-back comparisons (empty for OSC 52).
    value: Zeroizing<String>,
}

/// The clipboard: copies with the planned methods and clears secret values later. Keep one for the
/// process's lifetime (the TUI) or one per command (the CLI).
pub struct Clipboard {
    settings: ClipboardSettings,
    env: Environment,
    helper: Option<PathBuf>,
    pending: Vec<Pending>,
    children: Vec<Child>,
    local: Option<arboard::Clipboard>,
    owner_file: Option<PathBuf>,
    tmux_wrap: Option<Wrap>,
}

impl fmt::Debug for Clipboard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clipboard")
            .field("settings", &self.settings)
            .field("env", &self.env)
            .field("helper", &self.helper)
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl Clipboard {
    /// A clipboard for this process's environment. The helper is this executable when it is `sesame`.
    pub fn new(settings: ClipboardSettings) -> Self {
        let helper = std::env::current_exe().ok().filter(|p| p.file_stem().is_some_and(|s| s == "sesame"));
        Self {
            settings,
            env: Environment::detect(),
            helper,
            pending: Vec::new(),
            children: Vec::new(),
            local: None,
            owner_file: owner_file_path(),
            tmux_wrap: None,
        }
    }

    /// Replaces the detected environment.
    pub fn with_environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    /// Sets the `sesame` executable that runs `clipboard-helper` (`None`: do everything in-process).
    pub fn with_helper(mut self, helper: Option<PathBuf>) -> Self {
        self.helper = helper;
        self
    }

    /// Sets the OSC 52 owner file (`None`: no cross-process tracking).
    pub fn with_owner_file(mut self, path: Option<PathBuf>) -> Self {
        self.owner_file = path;
        self
    }

    /// The settings in use.
    pub fn settings(&self) -> &ClipboardSettings {
        &self.settings
    }

    /// The environment in use.
    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// The methods [`copy`](Self::copy) will try, in order.
    pub fn plan(&self) -> Vec<Method> {
        plan(self.settings.method, &self.env)
    }

    /// Copies `text`. OSC 52 goes to `term` when given (the TUI passes its backend writer so the sequence
    /// goes out between frames), else to `/dev/tty`. Never blocks for long: tmux and the helper are given
    /// a few seconds at most.
    pub fn copy(&mut self, text: &str, content: Content, term: Option<&mut dyn Write>) -> CopyOutcome {
        self.reap();
        let clear_in = match content {
            Content::Secret => self.settings.clear_delay(),
            Content::Text => None,
        };
        let mut term = term;
        let mut failures = Vec::new();
        for method in self.plan() {
            let result = match method {
                Method::System => self.copy_system(text, content, clear_in),
                Method::Tmux => self.copy_tmux(text, clear_in),
                Method::Osc52 => self.copy_osc52(text, clear_in, term.take()),
            };
            match result {
                Ok(outcome) => return outcome,
                Err(e) => failures.push(format!("{}: {e}", method.label())),
            }
        }
        let reason = if failures.is_empty() {
            "the clipboard is turned off ([clipboard] method = \"off\")".to_string()
        } else {
            failures.join("; ")
        };
        CopyOutcome::Manual { reason }
    }

    /// When the next clear is due, if any.
    pub fn next_clear(&self) -> Option<Instant> {
        self.pending.iter().map(|p| p.due).min()
    }

    /// Performs the clears due at `now`; OSC 52 clears go to `term` when given, else to `/dev/tty`.
    pub fn poll(&mut self, now: Instant, term: Option<&mut dyn Write>) -> Vec<ClearOutcome> {
        self.reap();
        let mut term = term;
        let (due, later): (Vec<Pending>, Vec<Pending>) =
            std::mem::take(&mut self.pending).into_iter().partition(|p| p.due <= now);
        self.pending = later;
        let mut out = Vec::with_capacity(due.len());
        for p in due {
            let t: Option<&mut dyn Write> = match term {
                Some(ref mut t) => Some(&mut **t),
                None => None,
            };
            out.push(self.clear_now(p, t));
        }
        out
    }

    /// Passes the pending clears to detached helpers (or, without a helper, clears them now), so they happen
    /// after this process exits. Call it when the TUI exits (after leaving the alternate screen) and after a
    /// CLI copy; dropping the clipboard does it too.
    pub fn hand_off(&mut self) {
        let now = Instant::now();
        for p in std::mem::take(&mut self.pending) {
            let after_ms = p.due.saturating_duration_since(now).as_millis().to_string();
            let spawned = match (&p.kind, &self.helper) {
                (PendingKind::Local, _) | (_, None) => None,
                (PendingKind::Tmux { outer }, Some(_)) => {
                    let mut args = vec!["clear-tmux".to_string(), "--after-ms".into(), after_ms];
                    if *outer {
                        args.push("--outer".into());
                    }
                    self.spawn_helper(&args, p.value.as_bytes()).ok()
                }
                (PendingKind::Osc52 { wrap, id, tmux }, Some(_)) => {
                    let wrap = match wrap {
                        Wrap::None => "none",
                        Wrap::Tmux => "tmux",
                        Wrap::Screen => "screen",
                    };
                    let mut args = ["clear-osc52", "--after-ms", &after_ms, "--owner", id, "--wrap", wrap]
                        .map(str::to_string)
                        .to_vec();
                    if *tmux {
                        args.push("--tmux".into());
                    }
                    self.spawn_helper(&args, p.value.as_bytes()).ok()
                }
            };
            match spawned {
                // Not reaped: it outlives us by design and is re-parented when we exit.
                Some(child) => drop(child),
                None => {
                    let outcome = self.clear_now(p, None);
                    tracing::debug!(?outcome, "cleared at hand-off");
                }
            }
        }
    }

    fn copy_system(
        &mut self,
        text: &str,
        content: Content,
        clear_in: Option<Duration>,
    ) -> Result<CopyOutcome, String> {
        if self.helper.is_some() {
            let mut args = vec!["hold".to_string()];
            if content == Content::Secret {
                args.push("--secret".into());
                if let Some(d) = clear_in {
                    args.push("--after-ms".into());
                    args.push(d.as_millis().to_string());
                }
            }
            let child = self
                .spawn_helper(&args, text.as_bytes())
                .map_err(|e| format!("cannot start the helper: {e}"))?;
            let child = wait_for_ack(child)?;
            self.children.push(child);
            return Ok(CopyOutcome::Copied { method: Method::System, clear_in });
        }
        if self.local.is_none() {
            self.local = Some(arboard::Clipboard::new().map_err(|e| e.to_string())?);
        }
        let cb = self.local.as_mut().ok_or("no clipboard")?;
        set_text(cb, text, content == Content::Secret).map_err(|e| e.to_string())?;
        if let Some(d) = clear_in {
            self.push_pending(PendingKind::Local, d, text);
        }
        Ok(CopyOutcome::Copied { method: Method::System, clear_in })
    }

    fn copy_tmux(&mut self, text: &str, clear_in: Option<Duration>) -> Result<CopyOutcome, String> {
        let outer = tmux_load(text)?;
        if let Some(d) = clear_in {
            self.push_pending(PendingKind::Tmux { outer }, d, text);
        }
        Ok(CopyOutcome::Copied { method: Method::Tmux, clear_in })
    }

    fn copy_osc52(
        &mut self,
        text: &str,
        clear_in: Option<Duration>,
        term: Option<&mut dyn Write>,
    ) -> Result<CopyOutcome, String> {
        let wrap = self.osc_wrap();
        write_terminal(term, &osc52(text.as_bytes(), wrap))?;
        let id = format!("{:016x}", rand::random::<u64>());
        if let Some(path) = &self.owner_file {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            if let Err(e) = std::fs::write(path, &id) {
                tracing::debug!(error = %e, "cannot record the OSC 52 owner");
            }
        }
        if let Some(d) = clear_in {
            // Inside tmux the value is kept to delete the buffer tmux may have made of it.
            let tmux = self.env.tmux;
            self.push_pending(PendingKind::Osc52 { wrap, id, tmux }, d, if tmux { text } else { "" });
        }
        Ok(CopyOutcome::Sent { wrap, clear_in })
    }

    fn push_pending(&mut self, kind: PendingKind, delay: Duration, text: &str) {
        self.pending.push(Pending {
            kind,
            due: Instant::now() + delay,
            value: Zeroizing::new(text.to_string()),
        });
    }

    /// The OSC 52 wrapping for this environment (asks tmux once).
    fn osc_wrap(&mut self) -> Wrap {
        if self.env.tmux {
            *self.tmux_wrap.get_or_insert_with(tmux_osc_wrap)
        } else if self.env.screen {
            Wrap::Screen
        } else {
            Wrap::None
        }
    }

    fn clear_now(&mut self, p: Pending, term: Option<&mut dyn Write>) -> ClearOutcome {
        match p.kind {
            PendingKind::Local => {
                let Some(cb) = self.local.as_mut() else {
                    return ClearOutcome::Failed { method: Method::System, reason: "no clipboard".into() };
                };
                if !holds(cb, &p.value) {
                    return ClearOutcome::Changed(Method::System);
                }
                match cb.clear() {
                    Ok(()) => ClearOutcome::Cleared(Method::System),
                    Err(e) => ClearOutcome::Failed { method: Method::System, reason: e.to_string() },
                }
            }
            PendingKind::Tmux { outer } => tmux_clear(&p.value, outer),
            PendingKind::Osc52 { wrap, id, tmux } => {
                let tmux_value = tmux.then_some(p.value.as_str());
                osc52_clear_if_owner(self.owner_file.as_deref(), &id, wrap, term, tmux_value)
            }
        }
    }

    fn spawn_helper(&self, args: &[String], input: &[u8]) -> std::io::Result<Child> {
        let helper = self.helper.as_ref().ok_or_else(|| std::io::Error::other("no helper"))?;
        let mut cmd = Command::new(helper);
        cmd.arg("clipboard-helper")
            .args(args)
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

    fn reap(&mut self) {
        self.children.retain_mut(|c| matches!(c.try_wait(), Ok(None)));
    }
}

impl Drop for Clipboard {
    fn drop(&mut self) {
        self.hand_off();
    }
}

/// Waits for the helper's first line: `ok`, or `error: …`.
fn wait_for_ack(mut child: Child) -> Result<Child, String> {
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

fn write_terminal(term: Option<&mut dyn Write>, bytes: &[u8]) -> Result<(), String> {
    match term {
        Some(t) => t
            .write_all(bytes)
            .and_then(|()| t.flush())
            .map_err(|e| format!("cannot write to the terminal: {e}")),
        None => {
            let mut tty = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/tty")
                .map_err(|e| format!("no terminal (/dev/tty: {e})"))?;
            tty.write_all(bytes)
                .and_then(|()| tty.flush())
                .map_err(|e| format!("cannot write to the terminal: {e}"))
        }
    }
}

fn owner_file_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "sesame")?;
    let dir = dirs.runtime_dir().unwrap_or_else(|| dirs.cache_dir()).to_path_buf();
    Some(dir.join("osc52-owner"))
}

/// Sends an empty OSC 52 if sesame's last OSC 52 copy is still `id`; inside tmux (`tmux_value`), also deletes
/// the buffers tmux made of the value.
fn osc52_clear_if_owner(
    owner_file: Option<&Path>,
    id: &str,
    wrap: Wrap,
    term: Option<&mut dyn Write>,
    tmux_value: Option<&str>,
) -> ClearOutcome {
    // A missing or unreadable owner file clears anyway: better a cleared clipboard than a leaked password.
    if let Some(current) = owner_file.and_then(|p| std::fs::read_to_string(p).ok())
        && current.trim() != id
    {
        return ClearOutcome::Changed(Method::Osc52);
    }
    let written = write_terminal(term, &osc52_clear(wrap));
    if let Some(value) = tmux_value {
        let _ = tmux_clear(value, true);
    }
    match written {
        Ok(()) => ClearOutcome::Cleared(Method::Osc52),
        Err(reason) => ClearOutcome::Failed { method: Method::Osc52, reason },
    }
}

/// Runs `tmux ARGS` with `input` on stdin; returns stdout, or stderr's first line as the error.
fn tmux(args: &[&str], input: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut child = Command::new("tmux")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run tmux: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input);
    }
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut out = Zeroizing::new(Vec::new());
        let mut err = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut out);
        }
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_end(&mut err);
        }
        let _ = tx.send((out, err));
    });
    let Ok((out, err)) = rx.recv_timeout(TMUX_TIMEOUT) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err("tmux did not answer in time".into());
    };
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(out)
    } else {
        let err = String::from_utf8_lossy(&err);
        let line = err.lines().next().unwrap_or("").trim();
        Err(if line.is_empty() { format!("tmux failed ({status})") } else { format!("tmux: {line}") })
    }
}

/// Loads `text` into the buffer `sesame`, forwarding it to the outer terminal (`-w`) when this tmux
/// knows the flag. Returns whether `-w` was accepted.
fn tmux_load(text: &str) -> Result<bool, String> {
    match tmux(&["load-buffer", "-b", TMUX_BUFFER, "-w", "-"], text.as_bytes()) {
        Ok(_) => Ok(true),
        Err(first) => match tmux(&["load-buffer", "-b", TMUX_BUFFER, "-"], text.as_bytes()) {
            Ok(_) => Ok(false),
            Err(_) => Err(first),
        },
    }
}

/// Deletes the tmux buffers that hold exactly `value` (the buffer `sesame`, or the automatic buffer tmux made
/// from an OSC 52 under `set-clipboard on`); if one of them was the most recent buffer and the value was
/// forwarded to the outer terminal, overwrites the outer clipboard with a space.
fn tmux_clear(value: &str, outer: bool) -> ClearOutcome {
    let names = match tmux(&["list-buffers", "-F", "#{buffer_name}"], b"") {
        Ok(n) => String::from_utf8_lossy(&n).lines().map(str::to_string).collect::<Vec<_>>(),
        Err(_) => return ClearOutcome::Changed(Method::Tmux),
    };
    let mut deleted = 0;
    let mut top = false;
    // Most recent first; a value copied long ago has been pushed out by tmux's buffer-limit anyway.
    for (i, name) in names.iter().take(MAX_TMUX_BUFFERS_CHECKED).enumerate() {
        if !tmux(&["show-buffer", "-b", name], b"").is_ok_and(|c| c.as_slice() == value.as_bytes()) {
            continue;
        }
        if let Err(reason) = tmux(&["delete-buffer", "-b", name], b"") {
            return ClearOutcome::Failed { method: Method::Tmux, reason };
        }
        deleted += 1;
        top |= i == 0;
    }
    if deleted == 0 {
        return ClearOutcome::Changed(Method::Tmux);
    }
    if outer && top {
        let scratch = "sesame-clear";
        if tmux(&["load-buffer", "-b", scratch, "-w", "-"], b" ").is_ok() {
            let _ = tmux(&["delete-buffer", "-b", scratch], b"");
        }
    }
    ClearOutcome::Cleared(Method::Tmux)
}

/// Plain OSC 52 under `set-clipboard on`; passthrough under `allow-passthrough on|all` or on a tmux without
/// that option (< 3.3 always passes through); plain otherwise.
fn tmux_osc_wrap() -> Wrap {
    let option = |name: &str| {
        tmux(&["show-options", "-gv", name], b"").map(|o| String::from_utf8_lossy(&o).trim().to_string())
    };
    if option("set-clipboard").is_ok_and(|v| v == "on") {
        return Wrap::None;
    }
    match option("allow-passthrough") {
        Ok(v) if v == "on" || v == "all" => Wrap::Tmux,
        Ok(_) => Wrap::None,
        Err(e) if e.contains("invalid option") || e.contains("unknown option") => Wrap::Tmux,
        Err(_) => Wrap::None,
    }
}

#[cfg(all(unix, not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))))]
use arboard::SetExtLinux as _;

/// True when the system clipboard holds `value` (read back; the copy read is zeroized).
fn holds(cb: &mut arboard::Clipboard, value: &str) -> bool {
    cb.get_text().map(Zeroizing::new).is_ok_and(|t| t.as_str() == value)
}

/// Sets the clipboard's text; a secret is offered with the hint that keeps it out of clipboard managers'
/// history. The `Clipboard` object serves it while it lives.
fn set_text(cb: &mut arboard::Clipboard, text: &str, secret: bool) -> Result<(), arboard::Error> {
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
            exit_for(&tmux_clear(&input, args.outer))
        }
        HelperTask::ClearOsc52 => {
            std::thread::sleep(delay);
            let tmux_value = args.tmux.then_some(input.as_str());
            exit_for(&osc52_clear_if_owner(
                owner_file_path().as_deref(),
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

    fn env(vars: &[(&str, &str)]) -> Environment {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Environment::from_lookup(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| OsString::from(v)))
    }

    #[test]
    fn osc52_plain_bytes() {
        // "hello" is aGVsbG8= in base64.
        assert_eq!(osc52(b"hello", Wrap::None).as_slice(), b"\x1b]52;c;aGVsbG8=\x07");
        assert_eq!(osc52_clear(Wrap::None).as_slice(), b"\x1b]52;c;\x07");
    }

    #[test]
    fn osc52_tmux_passthrough_doubles_escapes() {
        assert_eq!(osc52(b"hello", Wrap::Tmux).as_slice(), b"\x1bPtmux;\x1b\x1b]52;c;aGVsbG8=\x07\x1b\\");
    }

    #[test]
    fn osc52_screen_chunks() {
        assert_eq!(osc52(b"hello", Wrap::Screen).as_slice(), b"\x1bP\x1b]52;c;aGVsbG8=\x07\x1b\\");
        let long = vec![b'x'; 1200];
        let plain = osc52(&long, Wrap::None);
        let wrapped = osc52(&long, Wrap::Screen);
        let chunks: Vec<&[u8]> = wrapped
            .split(|&b| b == b'P')
            .skip(1)
            .map(|c| c.strip_suffix(b"\x1b\\\x1b").or_else(|| c.strip_suffix(b"\x1b\\")).unwrap_or(c))
            .collect();
        assert_eq!(chunks.len(), plain.len().div_ceil(SCREEN_CHUNK));
        assert!(chunks.iter().all(|c| c.len() <= SCREEN_CHUNK));
        assert_eq!(chunks.concat(), plain.as_slice());
    }

    #[test]
    fn detection() {
        assert_eq!(env(&[]), Environment::default());
        let e = env(&[
            ("SSH_CONNECTION", "1.2.3.4 5 6.7.8.9 22"),
            ("TMUX", "/tmp/tmux-0/default,1,0"),
            ("DISPLAY", ""),
        ]);
        assert_eq!(e, Environment { ssh: true, display: false, tmux: true, screen: false });
        let e = env(&[("WAYLAND_DISPLAY", "wayland-0"), ("STY", "123.pts-0.host")]);
        assert_eq!(e, Environment { ssh: false, display: true, tmux: false, screen: true });
    }

    #[test]
    fn plans() {
        use Method::*;
        let local = env(&[("DISPLAY", ":0")]);
        assert_eq!(plan(MethodSetting::Auto, &local), [System, Osc52]);
        let local_tmux = env(&[("DISPLAY", ":0"), ("TMUX", "x")]);
        assert_eq!(plan(MethodSetting::Auto, &local_tmux), [System, Tmux, Osc52]);
        let ssh_tmux = env(&[("SSH_TTY", "/dev/pts/1"), ("TMUX", "x")]);
        assert_eq!(plan(MethodSetting::Auto, &ssh_tmux), [Tmux, Osc52]);
        let ssh_x = env(&[("SSH_TTY", "/dev/pts/1"), ("DISPLAY", "localhost:10")]);
        assert_eq!(plan(MethodSetting::Auto, &ssh_x), [Osc52, System]);
        assert_eq!(plan(MethodSetting::Auto, &env(&[])), [Osc52]);
        assert_eq!(plan(MethodSetting::Off, &local), []);
        assert_eq!(plan(MethodSetting::Osc52, &local), [Osc52]);
        assert_eq!(plan(MethodSetting::Tmux, &local), [Tmux]);
        assert_eq!(plan(MethodSetting::System, &env(&[])), [System]);
    }

    #[test]
    fn osc52_goes_to_the_given_writer_and_clears_only_its_own_copy() {
        let dir = tempfile::tempdir().unwrap();
        let owner = dir.path().join("owner");
        let settings = ClipboardSettings { method: MethodSetting::Osc52, clear_after: 30 };
        let mut cb = Clipboard::new(settings)
            .with_environment(Environment::default())
            .with_helper(None)
            .with_owner_file(Some(owner.clone()));
        let mut term = Vec::new();
        let out = cb.copy("hello", Content::Secret, Some(&mut term));
        assert_eq!(out, CopyOutcome::Sent { wrap: Wrap::None, clear_in: Some(Duration::from_secs(30)) });
        assert!(!out.is_copied());
        assert_eq!(term, b"\x1b]52;c;aGVsbG8=\x07");
        let due = cb.next_clear().unwrap();
        assert!(cb.poll(due - Duration::from_secs(1), Some(&mut term)).is_empty());
        term.clear();
        assert_eq!(cb.poll(due, Some(&mut term)), [ClearOutcome::Cleared(Method::Osc52)]);
        assert_eq!(term, b"\x1b]52;c;\x07");
        assert_eq!(cb.next_clear(), None);

        // A later copy (by this or another sesame) takes the ownership: the earlier clear leaves it alone.
        term.clear();
        cb.copy("first", Content::Secret, Some(&mut term));
        std::fs::write(&owner, "someone-else").unwrap();
        term.clear();
        let due = cb.next_clear().unwrap();
        assert_eq!(cb.poll(due, Some(&mut term)), [ClearOutcome::Changed(Method::Osc52)]);
        assert!(term.is_empty());

        // Plain text is never cleared.
        cb.copy("secret/apps/db", Content::Text, Some(&mut term));
        assert_eq!(cb.next_clear(), None);
    }

    #[test]
    fn never_claims_a_copy_when_nothing_works() {
        // A display that does not exist: arboard fails at once; no tmux; OSC 52 to a terminal that refuses.
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("closed"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let settings = ClipboardSettings { method: MethodSetting::Auto, clear_after: 30 };
        let mut cb = Clipboard::new(settings)
            .with_environment(Environment { display: true, ..Default::default() })
            .with_helper(None)
            .with_owner_file(None);
        // arboard reads DISPLAY itself; point it nowhere for this check only when it is unset.
        if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
            let out = cb.copy("secret/apps/db", Content::Text, Some(&mut Broken));
            assert!(out.is_manual(), "{out:?}");
            let msg = out.message("the path");
            assert!(msg.starts_with("Could not copy the path: system clipboard:"), "{msg}");
            assert!(msg.contains("OSC 52: cannot write to the terminal"), "{msg}");
            assert!(!msg.contains("secret/apps/db"));
        }
        let mut off = Clipboard::new(ClipboardSettings { method: MethodSetting::Off, clear_after: 0 })
            .with_helper(None)
            .with_owner_file(None);
        let out = off.copy("x", Content::Secret, None);
        assert!(out.is_manual());
        assert_eq!(off.next_clear(), None);
    }

    #[test]
    fn messages() {
        let c = CopyOutcome::Copied { method: Method::Tmux, clear_in: Some(Duration::from_secs(30)) };
        assert_eq!(
            c.message("the value of DB_PASSWORD"),
            "Copied the value of DB_PASSWORD to the tmux buffer \"sesame\"; cleared in 30 s"
        );
        let s = CopyOutcome::Sent { wrap: Wrap::Tmux, clear_in: None };
        assert_eq!(
            s.message("the path"),
            "Sent the path to the terminal's clipboard with OSC 52 through tmux passthrough (works if the terminal allows it)"
        );
    }

    #[test]
    fn settings_parse() {
        let s: ClipboardSettings = toml::from_str("method = \"osc52\"\nclear_after = 5").unwrap();
        assert_eq!(s, ClipboardSettings { method: MethodSetting::Osc52, clear_after: 5 });
        let d: ClipboardSettings = toml::from_str("").unwrap();
        assert_eq!(d, ClipboardSettings::default());
        assert_eq!(ClipboardSettings { clear_after: 0, ..d }.clear_delay(), None);
        assert!(toml::from_str::<ClipboardSettings>("method = \"carrier-pigeon\"").is_err());
    }
}
