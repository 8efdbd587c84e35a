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
//! In a long-running process (the TUI, through [`worker`]), [`Clipboard::poll`] performs the clears that are
//! due ([`Clipboard::next_clear`] says when), writing OSC 52 to the writer it is given; on exit
//! [`Clipboard::hand_off`] (also run on drop) passes the remaining ones to detached helpers. The command line
//! copies, then hands off at once.
//!
//! # Off the UI task
//! Starting the helper, waiting for its acknowledgement and every `tmux` call can take seconds. The TUI
//! therefore runs its [`Clipboard`] on a thread of its own ([`worker`]): copies and the timed clears happen
//! there, and the only thing that reaches the UI task is the OSC 52 bytes to write to the terminal, with
//! the outcome. The command line calls [`Clipboard`] directly.
//!
//! # One file per backend
//! [`system`] (arboard and the helper), [`tmux`], [`osc52`], [`manual`] (the last resort); this module
//! plans, remembers what to clear, and reports.

use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

use serde::Deserialize;
use zeroize::Zeroizing;

mod manual;
pub mod osc52;
pub mod system;
pub mod tmux;
pub mod worker;

pub use osc52::{Wrap, osc52, osc52_clear};
pub use system::{HelperArgs, HelperTask, run_helper};
pub use tmux::TMUX_BUFFER;

/// Seconds after which a copied secret value is cleared, unless the config file says otherwise.
pub const DEFAULT_CLEAR_AFTER_SECS: u64 = 30;

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
            owner_file: osc52::owner_file_path(),
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
        CopyOutcome::Manual { reason: manual::reason(&failures) }
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
            let child = system::wait_for_ack(child)?;
            self.children.push(child);
            return Ok(CopyOutcome::Copied { method: Method::System, clear_in });
        }
        if self.local.is_none() {
            self.local = Some(arboard::Clipboard::new().map_err(|e| e.to_string())?);
        }
        let cb = self.local.as_mut().ok_or("no clipboard")?;
        system::set_text(cb, text, content == Content::Secret).map_err(|e| e.to_string())?;
        if let Some(d) = clear_in {
            self.push_pending(PendingKind::Local, d, text);
        }
        Ok(CopyOutcome::Copied { method: Method::System, clear_in })
    }

    fn copy_tmux(&mut self, text: &str, clear_in: Option<Duration>) -> Result<CopyOutcome, String> {
        let outer = tmux::tmux_load(text)?;
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
        osc52::write_terminal(term, &osc52(text.as_bytes(), wrap))?;
        let id = format!("{:016x}", rand::random::<u64>());
        if let Some(path) = &self.owner_file {
            osc52::record_owner(path, &id);
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
            *self.tmux_wrap.get_or_insert_with(tmux::tmux_osc_wrap)
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
                if !system::holds(cb, &p.value) {
                    return ClearOutcome::Changed(Method::System);
                }
                match cb.clear() {
                    Ok(()) => ClearOutcome::Cleared(Method::System),
                    Err(e) => ClearOutcome::Failed { method: Method::System, reason: e.to_string() },
                }
            }
            PendingKind::Tmux { outer } => tmux::tmux_clear(&p.value, outer),
            PendingKind::Osc52 { wrap, id, tmux } => {
                let tmux_value = tmux.then_some(p.value.as_str());
                osc52::osc52_clear_if_owner(self.owner_file.as_deref(), &id, wrap, term, tmux_value)
            }
        }
    }

    fn spawn_helper(&self, args: &[String], input: &[u8]) -> std::io::Result<Child> {
        let helper = self.helper.as_ref().ok_or_else(|| std::io::Error::other("no helper"))?;
        system::spawn_helper(helper, args, input)
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

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> Environment {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Environment::from_lookup(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| OsString::from(v)))
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
        assert!(cb.poll(due.checked_sub(Duration::from_secs(1)).unwrap(), Some(&mut term)).is_empty());
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
