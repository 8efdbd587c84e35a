//! The terminal side: raw mode and the alternate screen, the event loop, and restoring the terminal on
//! every exit path (ratatui's panic hook covers panics).
//!
//! One task owns the [`App`]; terminal events, ticks, signals and network answers arrive on channels and
//! go through `App::update`; the commands it returns run as spawned tasks.

use std::time::Duration;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream};
use crossterm::execute;
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::app::{App, Command, Msg, effects};
use crate::vault::Vault;

/// How often the spinner turns and the preview debounce counts down.
const TICK: Duration = Duration::from_millis(100);

/// Restores the terminal when dropped, whatever way the loop ends.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
        ratatui::restore();
        let _ = execute!(std::io::stdout(), crossterm::cursor::Show);
    }
}

/// Runs the explorer until the user quits or a termination signal arrives.
pub async fn run(
    vault: Vault,
    mut app: App,
    initial: Vec<Command>,
    given_mounts: Vec<String>,
    mut clipboard: crate::clipboard::Clipboard,
) -> anyhow::Result<()> {
    let mut terminal = ratatui::try_init()?;
    let _guard = TerminalGuard;
    execute!(std::io::stdout(), EnableMouseCapture)?;
    let size = terminal.size()?;
    app.update(Msg::Resize(size.width, size.height));

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    for cmd in initial {
        effects::spawn(&vault, &given_mounts, cmd, &tx);
    }
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut dirty = true;

    loop {
        if dirty {
            terminal.draw(|f| crate::ui::draw(f, &app))?;
            dirty = false;
        }
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) => Msg::Key(k),
                Some(Ok(Event::Mouse(m))) => Msg::Mouse(m),
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(msg) = rx.recv() => msg,
            _ = tick.tick() => {
                let now = std::time::Instant::now();
                if clipboard.next_clear().is_some_and(|t| t <= now) {
                    for cleared in clipboard.poll(now, Some(terminal.backend_mut())) {
                        tracing::debug!(?cleared, "clipboard clear");
                    }
                }
                if !app.busy() && app.preview.due.is_none() {
                    continue;
                }
                Msg::Tick
            }
            _ = term.recv() => break,
            _ = hup.recv() => break,
            _ = int.recv() => break,
        };
        let mut batch = vec![msg];
        // Take whatever else is already waiting, so a burst of answers costs one frame.
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
            if batch.len() >= 64 {
                break;
            }
        }
        for msg in batch {
            run_cmds(app.update(msg), &mut terminal, &mut clipboard, &vault, &given_mounts, &tx);
        }
        dirty = true;
        if app.should_quit {
            break;
        }
    }
    Ok(())
}

/// Runs the commands of one update: copies here (the clipboard may write OSC 52 through the terminal, between
/// frames), everything else as network tasks.
fn run_cmds(
    cmds: Vec<Command>,
    terminal: &mut ratatui::DefaultTerminal,
    clipboard: &mut crate::clipboard::Clipboard,
    vault: &Vault,
    given_mounts: &[String],
    tx: &mpsc::UnboundedSender<Msg>,
) {
    let mut network = Vec::with_capacity(cmds.len());
    for cmd in cmds {
        match cmd {
            Command::Copy(req) => {
                let outcome = clipboard.copy(&req.text.0, req.content, Some(terminal.backend_mut()));
                let manual = outcome.is_manual().then(|| (format!("Copy {}", req.what), req.text.clone()));
                let message = outcome.message(&req.what);
                let _ = tx.send(Msg::CopyResult { message, copied: !outcome.is_manual(), manual });
            }
            other => network.push(other),
        }
    }
    effects::spawn_batch(vault, given_mounts, network, tx);
}
