//! The terminal side: raw mode and the alternate screen, the event loop, and restoring the terminal on
//! every exit path (ratatui's panic hook covers panics).
//!
//! One task owns the [`App`]; terminal events, ticks, signals and network answers arrive on channels and
//! go through `App::update`; the effects it returns run as spawned tasks.

use std::time::Duration;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream};
use crossterm::execute;
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::app::chooser::CopyRequest;
use crate::app::{App, Effect, Msg, effects};
use crate::clipboard::CopyOutcome;
use crate::clipboard::worker::{Done, Worker};
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
/// Connects with a profile of the config file: its connection, namespace and login settings.
pub type ProfileConnector = std::sync::Arc<
    dyn Fn(&str) -> anyhow::Result<(Vault, crate::app::login_form::LoginSettings)> + Send + Sync,
>;

pub async fn run(
    mut vault: Vault,
    mut app: App,
    initial: Vec<Effect>,
    given_mounts: Vec<String>,
    clipboard: crate::clipboard::Clipboard,
    profiles: ProfileConnector,
) -> anyhow::Result<()> {
    // The clipboard runs on its own thread (it starts processes and waits for them); copies and clears come
    // back here with the OSC 52 bytes to write between frames. Made before the terminal guard, so that on
    // every way out the terminal is restored before the pending clears are handed off.
    let (clip_tx, mut clip_rx) = mpsc::unbounded_channel::<Done<CopyRequest>>();
    let clipboard = Worker::start(clipboard, clip_tx)?;
    let mut terminal = ratatui::try_init()?;
    let _guard = TerminalGuard;
    execute!(std::io::stdout(), EnableMouseCapture)?;
    let size = terminal.size()?;
    app.update(Msg::Resize(size.width, size.height));

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    for cmd in initial {
        effects::spawn(&vault, &given_mounts, cmd, &tx);
    }
    // Keeps the token alive (renew-self before it expires) and reports to the app; stopped on the way out.
    let renewer = crate::vault::login::spawn_renewer(vault.clone(), {
        let tx = tx.clone();
        move |e| {
            let _ = tx.send(Msg::Token(e));
        }
    });
    let mut renewer_guard = scopeguard_abort(renewer);
    // Profiles connected this session: switching back to one needs no new connection.
    let mut known: std::collections::HashMap<String, (Vault, crate::app::login_form::LoginSettings)> =
        std::collections::HashMap::new();
    if let Some(p) = app.profile.clone() {
        known.insert(p, (vault.clone(), app.login.clone()));
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
            Some(done) = clip_rx.recv() => match clipboard_done(done, terminal.backend_mut()) {
                Some(msg) => msg,
                None => continue,
            },
            _ = tick.tick() => {
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
            // A profile's connection, made off this task: swap it in, then start again there.
            let mut cmds = match msg {
                Msg::ProfileReady { name, result: Ok((v, login)) } => {
                    known.insert(name.clone(), (v.clone(), login.clone()));
                    let namespace = v.namespace().map(str::to_string);
                    vault = v;
                    renewer_guard.replace(crate::vault::login::spawn_renewer(vault.clone(), {
                        let tx = tx.clone();
                        move |e| {
                            let _ = tx.send(Msg::Token(e));
                        }
                    }));
                    app.switch_profile(name, namespace, login)
                }
                msg => app.update(msg),
            };
            take_namespace_switch(&mut app, &mut vault, &mut cmds);
            take_profile_switch(&mut cmds, &profiles, &known, &tx);
            if take_token_switch(&mut app, &mut vault, &mut cmds) {
                // The renewer keeps the new token alive now.
                renewer_guard.replace(crate::vault::login::spawn_renewer(vault.clone(), {
                    let tx = tx.clone();
                    move |e| {
                        let _ = tx.send(Msg::Token(e));
                    }
                }));
            }
            run_cmds(cmds, &clipboard, &vault, &given_mounts, &tx);
        }
        dirty = true;
        if app.should_quit {
            break;
        }
    }
    // After the terminal is restored: pending clears go to detached helpers (OSC 52 ones may write to
    // the terminal), waited for off the runtime's threads.
    drop(_guard);
    let _ = tokio::task::spawn_blocking(move || clipboard.finish()).await;
    Ok(())
}

/// Carries out a namespace switch among `cmds`: this side owns the connection, so it swaps it, and the
/// explorer starts again in the new namespace (its start effects join `cmds`).
pub fn take_namespace_switch(app: &mut App, vault: &mut Vault, cmds: &mut Vec<Effect>) {
    if let Some(i) = cmds.iter().position(|c| matches!(c, Effect::SwitchNamespace { .. }))
        && let Effect::SwitchNamespace { namespace } = cmds.remove(i)
    {
        *vault = vault.in_namespace(namespace.as_deref());
        cmds.extend(app.switch_namespace(namespace));
    }
}

/// Carries out a login's new token among `cmds`: this side swaps its connection's token, and the explorer
/// asks again what failed without one. True when the token changed.
pub fn take_token_switch(app: &mut App, vault: &mut Vault, cmds: &mut Vec<Effect>) -> bool {
    use secrecy::ExposeSecret as _;
    if let Some(i) = cmds.iter().position(|c| matches!(c, Effect::UseToken { .. }))
        && let Effect::UseToken { token } = cmds.remove(i)
    {
        *vault = vault.with_token(token.0.expose_secret());
        cmds.extend(app.token_swapped());
        return true;
    }
    false
}

/// Starts a profile switch among `cmds`: connects with the profile on a blocking task (its token helper
/// may run a program) and hands the connection back as [`Msg::ProfileReady`].
pub fn take_profile_switch(
    cmds: &mut Vec<Effect>,
    connect: &ProfileConnector,
    known: &std::collections::HashMap<String, (Vault, crate::app::login_form::LoginSettings)>,
    tx: &mpsc::UnboundedSender<Msg>,
) {
    let Some(i) = cmds.iter().position(|c| matches!(c, Effect::SwitchProfile { .. })) else { return };
    let Effect::SwitchProfile { name } = cmds.remove(i) else { return };
    if let Some((v, login)) = known.get(&name) {
        // Connected before: back at once.
        let _ = tx.send(Msg::ProfileReady { name, result: Ok((v.clone(), login.clone())) });
        return;
    }
    let (connect, tx) = (connect.clone(), tx.clone());
    tokio::task::spawn_blocking(move || {
        let result = connect(&name).map_err(|e| format!("{e:#}"));
        let _ = tx.send(Msg::ProfileReady { name, result });
    });
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl AbortOnDrop {
    /// Aborts the task and keeps this one instead.
    fn replace(&mut self, task: tokio::task::JoinHandle<()>) {
        self.0.abort();
        self.0 = task;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn scopeguard_abort(task: tokio::task::JoinHandle<()>) -> AbortOnDrop {
    AbortOnDrop(task)
}

/// Runs the effects of one update: copies go to the clipboard thread, everything else as network tasks.
fn run_cmds(
    cmds: Vec<Effect>,
    clipboard: &Worker<CopyRequest>,
    vault: &Vault,
    given_mounts: &[String],
    tx: &mpsc::UnboundedSender<Msg>,
) {
    let mut network = Vec::with_capacity(cmds.len());
    for cmd in cmds {
        match cmd {
            Effect::Copy(req) => {
                let text = req.text.0.clone();
                if !clipboard.copy(text, req.content, req.clone()) {
                    let reason = "the clipboard thread has stopped".to_string();
                    let _ = tx.send(copy_result(&CopyOutcome::Manual { reason }, req));
                }
            }
            other => network.push(other),
        }
    }
    effects::spawn_batch(vault, given_mounts, network, tx);
}

/// Writes what the clipboard thread has for the terminal (OSC 52) and turns a finished copy into its
/// message; a clear only writes.
fn clipboard_done(done: Done<CopyRequest>, term: &mut impl std::io::Write) -> Option<Msg> {
    let mut write = |bytes: &[u8]| {
        if bytes.is_empty() {
            return Ok(());
        }
        term.write_all(bytes).and_then(|()| term.flush())
    };
    match done {
        Done::Copied { outcome, terminal, tag } => {
            let outcome = match write(&terminal) {
                Ok(()) => outcome,
                Err(e) => {
                    CopyOutcome::Manual { reason: format!("OSC 52: cannot write to the terminal: {e}") }
                }
            };
            Some(copy_result(&outcome, tag))
        }
        Done::Cleared { outcomes, terminal } => {
            if let Err(e) = write(&terminal) {
                tracing::debug!(error = %e, "cannot write the clipboard clear");
            }
            for cleared in outcomes {
                tracing::debug!(?cleared, "clipboard clear");
            }
            None
        }
    }
}

fn copy_result(outcome: &CopyOutcome, req: CopyRequest) -> Msg {
    let manual = outcome.is_manual().then(|| (format!("Copy {}", req.what), req.text));
    let message = outcome.message(&req.what);
    Msg::CopyResult { message, copied: !outcome.is_manual(), manual }
}
