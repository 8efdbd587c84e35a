//! tmux: `tmux load-buffer -b sesame -w -` puts the text in tmux's buffer `sesame` and (tmux ≥ 3.2)
//! forwards it to the outer terminal; an exit status confirms it. Clearing deletes the buffers that still
//! hold the value. Every call is a subprocess bounded by [`TMUX_TIMEOUT`]: never run on the UI task.

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use zeroize::Zeroizing;

use super::{ClearOutcome, Method, Wrap};

/// The tmux buffer sesame copies into.
pub const TMUX_BUFFER: &str = "sesame";

/// How many of the most recent tmux buffers a clear looks at.
const MAX_TMUX_BUFFERS_CHECKED: usize = 20;

/// How long a `tmux` command may take.
const TMUX_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs `tmux ARGS` with `input` on stdin; returns stdout, or stderr's first line as the error.
pub(super) fn tmux(args: &[&str], input: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
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
pub(super) fn tmux_load(text: &str) -> Result<bool, String> {
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
pub(super) fn tmux_clear(value: &str, outer: bool) -> ClearOutcome {
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
pub(super) fn tmux_osc_wrap() -> Wrap {
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
