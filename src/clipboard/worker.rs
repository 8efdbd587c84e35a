//! The TUI's clipboard, on a thread of its own: copies and the timed clears run there (they start
//! processes and wait for them), and what must reach the terminal — OSC 52 sequences — comes back as bytes
//! with the outcome, for the UI task to write between frames.
//!
//! Jobs are done in the order they were sent, so the last copy asked for is the one that stays. The thread
//! wakes up by itself when a clear is due. [`Worker::finish`] (after the terminal is restored) stops it and
//! hands the clears still pending to detached helpers.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;
use zeroize::Zeroizing;

use super::{ClearOutcome, Clipboard, Content, CopyOutcome};

/// What the clipboard thread sends back.
#[derive(Debug)]
pub enum Done<T> {
    /// A copy is done. `terminal` holds the OSC 52 sequence to write (empty when another method copied).
    Copied {
        /// How it went.
        outcome: CopyOutcome,
        /// Bytes for the terminal.
        terminal: Zeroizing<Vec<u8>>,
        /// What the caller attached to the copy.
        tag: T,
    },
    /// Clears were due. `terminal` holds the empty OSC 52 sequences to write.
    Cleared {
        /// One per clear.
        outcomes: Vec<ClearOutcome>,
        /// Bytes for the terminal.
        terminal: Zeroizing<Vec<u8>>,
    },
}

struct Job<T> {
    text: Zeroizing<String>,
    content: Content,
    tag: T,
}

/// The handle on the clipboard thread.
pub struct Worker<T> {
    jobs: Option<mpsc::Sender<Job<T>>>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> Worker<T> {
    /// Moves `clipboard` to a new thread; its results go to `done`.
    pub fn start(clipboard: Clipboard, done: UnboundedSender<Done<T>>) -> std::io::Result<Self> {
        let (jobs, rx) = mpsc::channel::<Job<T>>();
        let thread = std::thread::Builder::new()
            .name("sesame-clipboard".into())
            .spawn(move || serve(clipboard, &rx, &done))?;
        Ok(Self { jobs: Some(jobs), thread: Some(thread) })
    }

    /// Asks for a copy of `text`; the answer comes as [`Done::Copied`] with `tag`. Never blocks.
    pub fn copy(&self, text: Zeroizing<String>, content: Content, tag: T) -> bool {
        self.jobs.as_ref().is_some_and(|j| j.send(Job { text, content, tag }).is_ok())
    }

    /// Stops the thread once the copies asked for are done, and waits for it: the clears still pending are
    /// handed to detached helpers (or done now, OSC 52 going to `/dev/tty`). Call it after the terminal is
    /// restored; it may wait for a copy in progress.
    pub fn finish(self) {
        drop(self);
    }
}

impl<T> Drop for Worker<T> {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve<T>(mut clipboard: Clipboard, jobs: &mpsc::Receiver<Job<T>>, done: &UnboundedSender<Done<T>>) {
    loop {
        let job = match clipboard.next_clear() {
            Some(due) => jobs.recv_timeout(due.saturating_duration_since(Instant::now())),
            None => jobs.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match job {
            Ok(Job { text, content, tag }) => {
                let mut terminal = Zeroizing::new(Vec::new());
                let outcome = clipboard.copy(&text, content, Some(&mut *terminal));
                let _ = done.send(Done::Copied { outcome, terminal, tag });
            }
            Err(RecvTimeoutError::Timeout) => {
                let mut terminal = Zeroizing::new(Vec::new());
                let outcomes = clipboard.poll(Instant::now(), Some(&mut *terminal));
                if !outcomes.is_empty() {
                    let _ = done.send(Done::Cleared { outcomes, terminal });
                }
            }
            // The clipboard's drop hands the pending clears off.
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{ClipboardSettings, Environment, MethodSetting, Wrap};
    use super::*;

    fn osc52_worker(dir: &std::path::Path) -> (Worker<u32>, tokio::sync::mpsc::UnboundedReceiver<Done<u32>>) {
        let settings = ClipboardSettings { method: MethodSetting::Osc52, clear_after: 1 };
        let cb = Clipboard::new(settings)
            .with_environment(Environment::default())
            .with_helper(None)
            .with_owner_file(Some(dir.join("owner")));
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (Worker::start(cb, tx).unwrap(), rx)
    }

    #[test]
    fn copies_come_back_in_order_with_the_bytes_for_the_terminal_and_clears_follow() {
        let dir = tempfile::tempdir().unwrap();
        let (worker, mut rx) = osc52_worker(dir.path());
        assert!(worker.copy(Zeroizing::new("first".into()), Content::Text, 1));
        assert!(worker.copy(Zeroizing::new("hello".into()), Content::Secret, 2));
        let Some(Done::Copied { outcome, terminal, tag: 1 }) = rx.blocking_recv() else {
            panic!("first copy")
        };
        assert_eq!(outcome, CopyOutcome::Sent { wrap: Wrap::None, clear_in: None });
        assert_eq!(terminal.as_slice(), super::super::osc52(b"first", Wrap::None).as_slice());
        let Some(Done::Copied { outcome, terminal, tag: 2 }) = rx.blocking_recv() else {
            panic!("second copy")
        };
        assert_eq!(outcome, CopyOutcome::Sent { wrap: Wrap::None, clear_in: Some(Duration::from_secs(1)) });
        assert_eq!(terminal.as_slice(), b"\x1b]52;c;aGVsbG8=\x07");
        // The thread wakes up for the clear on its own.
        let Some(Done::Cleared { outcomes, terminal }) = rx.blocking_recv() else { panic!("the clear") };
        assert_eq!(outcomes, [ClearOutcome::Cleared(super::super::Method::Osc52)]);
        assert_eq!(terminal.as_slice(), b"\x1b]52;c;\x07");
        worker.finish();
        assert!(rx.blocking_recv().is_none(), "the thread has ended");
    }
}
