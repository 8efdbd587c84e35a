//! OSC 52: the terminal's own clipboard, reached by an escape sequence written to the terminal (the TUI's
//! writer, or `/dev/tty`). No terminal confirms it, so a copy is only ever "sent". The sequence is wrapped
//! for tmux passthrough or cut into chunks for GNU screen. Each copy records a random owner id (never the
//! value) in a private file, so a later clear only empties the selection if sesame's copy is still the last.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use zeroize::Zeroizing;

use super::{ClearOutcome, Method, tmux};

/// GNU screen passes at most 768 bytes per string sequence; each chunk gets `ESC P` before and `ESC \` after.
const SCREEN_CHUNK: usize = 768 - 4;

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

/// Writes `bytes` to `term`, or to `/dev/tty` when no writer is given.
pub(super) fn write_terminal(term: Option<&mut dyn Write>, bytes: &[u8]) -> Result<(), String> {
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

/// The owner file: `osc52-owner` in the runtime directory (or the cache directory).
pub(super) fn owner_file_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "sesame")?;
    let dir = dirs.runtime_dir().unwrap_or_else(|| dirs.cache_dir()).to_path_buf();
    Some(dir.join("osc52-owner"))
}

/// Sends an empty OSC 52 if sesame's last OSC 52 copy is still `id`; inside tmux (`tmux_value`), also deletes
/// the buffers tmux made of the value.
pub(super) fn osc52_clear_if_owner(
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
        let _ = tmux::tmux_clear(value, true);
    }
    match written {
        Ok(()) => ClearOutcome::Cleared(Method::Osc52),
        Err(reason) => ClearOutcome::Failed { method: Method::Osc52, reason },
    }
}

/// Records `id` as the owner of the terminal's clipboard: the file is created 0600 in a 0700 folder.
pub(super) fn record_owner(path: &Path, id: &str) {
    if let Some(dir) = path.parent()
        && let Err(e) = crate::fsutil::own_private_dir(dir)
    {
        tracing::debug!(error = %e, "cannot create the folder of the OSC 52 owner file");
    }
    if let Err(e) = crate::fsutil::write_private(path, id.as_bytes()) {
        tracing::debug!(error = %e, "cannot record the OSC 52 owner");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_owner_file_is_private() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("run/sesame/osc52-owner");
        record_owner(&path, "abc");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "abc");
        assert_eq!(crate::fsutil::mode_of(&path).unwrap(), 0o600);
        assert_eq!(crate::fsutil::mode_of(path.parent().unwrap()).unwrap(), 0o700);
    }
}
