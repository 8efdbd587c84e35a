//! The finder (`Ctrl-p`, or `sesame --find`): every secret path under every KV mount the token can see,
//! ranked as the user types. The index ([`crate::find::Index`]) is built in the background by an effect
//! (SCAN where the token may, else the bounded walk), streams in while the finder is open, is kept for the
//! session, and follows sesame's own writes (new, delete, move, copy, rename) without a rebuild. The ranking
//! is `crate::find::rank`, the same as `sesame find`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::overlay::Popup;
use super::{App, Effect, Msg};
use crate::action::Action;
use crate::find::index::{BuildEvent, BuildProgress, Index, Progress};
use crate::find::rank::{MatchMode, Query, Ranker};
use crate::keymap::{Context, Key};
use crate::vault::kv::Mount;
use crate::vault::transfer::{BatchReport, ItemStatus};

/// Results kept per query (the best ones; the count of all matches is shown beside them).
pub const SHOWN: usize = 200;

/// Key-name and value matches kept per query (more are counted, not kept).
pub const CONTENT_SHOWN: usize = 500;

/// Ticks of no typing before a key-name or value search starts (each search reads secrets).
const CONTENT_DELAY_TICKS: u8 = 3;

/// A stop flag shared with a running effect (equal when it is the same flag).
#[derive(Debug, Clone, Default)]
pub struct StopFlag(pub Arc<AtomicBool>);

impl PartialEq for StopFlag {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl StopFlag {
    /// Asks the effect to stop.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Resolves once the flag is set (polled: the effect is dropped at its next await).
    pub async fn stopped(&self) {
        while !self.0.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

/// Where the key-name and value search of the current query stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ContentState {
    /// Not asked (both toggles off, or an empty query).
    #[default]
    Off,
    /// Starts after this many more ticks without typing.
    Due(u8),
    /// Reading secrets.
    Running,
    /// Over: what it met.
    Done(crate::find::contents::ContentStats),
    /// Stopped: why.
    Failed(String),
}

/// The session's index and its build.
#[derive(Debug, Default)]
pub struct FinderIndex {
    /// The paths found so far.
    pub index: Index,
    /// The build whose answers are current (0: none asked yet).
    pub req: u64,
    /// Live counters of the running build.
    pub progress: Option<Arc<BuildProgress>>,
    /// Asks the running build to stop (a refresh, or quitting).
    stop: Option<Arc<AtomicBool>>,
    /// Stops the running key-name or value search.
    content_stop: Option<StopFlag>,
    /// The counters as last read (on a tick).
    pub snapshot: Progress,
    /// True once the build is over.
    pub done: bool,
    /// True when the index holds fewer paths than there are (its bound was reached).
    pub truncated: bool,
    /// Roots that failed, with why (what was found of them stays).
    pub failures: Vec<String>,
    /// Whether SCAN listed every root.
    pub used_scan: bool,
    /// New paths arrived since the finder last ranked.
    dirty: bool,
}

/// The finder popup: the query and the ranked results.
#[derive(Debug, Clone, Default)]
pub struct FinderView {
    /// The query typed.
    pub query: String,
    /// Fuzzy, exact substring or regular expression.
    pub mode: MatchMode,
    /// The best results, best first: index entry number and matched character positions (for highlighting).
    pub hits: Vec<(usize, Vec<u32>)>,
    /// How many entries match in all.
    pub matched: usize,
    /// Selected row.
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
    /// Why the query cannot be used (a bad regular expression).
    pub error: Option<String>,
    /// Also match key names.
    pub keys: bool,
    /// Also match values (read, matched in memory, never shown).
    pub values: bool,
    /// Key names and values that matched, in the order found (after the paths in the list).
    pub contents: Vec<crate::find::contents::ContentHit>,
    /// Matches beyond [`CONTENT_SHOWN`].
    pub contents_dropped: usize,
    /// The key-name and value search.
    pub content: ContentState,
    /// The content search whose answers are current.
    pub content_req: u64,
}

impl FinderView {
    /// Rows in the list: paths, then key names and values.
    pub fn rows(&self) -> usize {
        self.hits.len() + self.contents.len()
    }

    /// The query changed, or a toggle: content matches of the old query go, and a search is due.
    fn content_changed(&mut self) {
        self.contents.clear();
        self.contents_dropped = 0;
        self.content_req = 0;
        self.content = if (self.keys || self.values) && !self.query.is_empty() {
            ContentState::Due(CONTENT_DELAY_TICKS)
        } else {
            ContentState::Off
        };
    }

    /// The mode's name, for the title.
    pub fn mode_label(&self) -> &'static str {
        match self.mode {
            MatchMode::Fuzzy => "fuzzy",
            MatchMode::Exact => "exact",
            MatchMode::Regex => "regex",
        }
    }
}

/// Ranks `index` for `view`'s query and keeps the best [`SHOWN`], with their matched positions.
pub fn rank_view(index: &Index, view: &mut FinderView, ranker: &mut Ranker) {
    let query = match Query::new(&view.query, view.mode) {
        Ok(q) => q,
        Err(e) => {
            view.error = Some(e);
            return;
        }
    };
    view.error = None;
    let selected_id = view.hits.get(view.selected).map(|(id, _)| *id);
    let ranked = crate::find::rank::rank(index, &query, Some(SHOWN), ranker);
    view.matched = ranked.matched;
    view.hits = ranked
        .hits
        .iter()
        .filter_map(|h| {
            let e = index.get(h.id)?;
            let positions = ranker.indices(&query, e.full).map(|(_, p)| p).unwrap_or_default();
            Some((h.id, positions))
        })
        .collect();
    // Keep the selection on the same secret while results stream in.
    view.selected = selected_id
        .and_then(|id| view.hits.iter().position(|(h, _)| *h == id))
        .unwrap_or(0)
        .min(view.hits.len().saturating_sub(1));
    if view.selected < view.offset {
        view.offset = view.selected;
    }
}

/// Splits `mount/path` with the longest known mount that prefixes it.
fn split_full<'a>(mounts: &'a [Mount], full: &'a str) -> Option<(&'a Mount, &'a str)> {
    mounts
        .iter()
        .filter(|m| full.strip_prefix(&m.path).is_some_and(|r| r.starts_with('/')))
        .max_by_key(|m| m.path.len())
        .map(|m| (m, &full[m.path.len() + 1..]))
}

impl App {
    /// Opens the finder with `query`; builds the index the first time (or after a failed build).
    pub fn open_finder(&mut self, query: &str, out: &mut Vec<Effect>) {
        if self.finder.req == 0 {
            self.build_index(out);
        }
        let mut view = FinderView { query: query.to_string(), ..FinderView::default() };
        rank_view(&self.finder.index, &mut view, &mut self.ranker);
        self.popups.retain(|p| !matches!(p, Popup::Finder(_)));
        self.push_popup(Popup::Finder(view));
    }

    /// The finder, when open.
    pub fn finder_view(&self) -> Option<&FinderView> {
        self.popups.iter().rev().find_map(|p| match p {
            Popup::Finder(v) => Some(v),
            _ => None,
        })
    }

    /// Starts a build of the index (stopping one under way); the index is kept until the new one answers.
    fn build_index(&mut self, out: &mut Vec<Effect>) {
        if let Some(stop) = self.finder.stop.take() {
            stop.store(true, Ordering::SeqCst);
        }
        let req = self.req();
        self.finder.req = req;
        self.finder.done = false;
        self.finder.truncated = false;
        self.finder.failures.clear();
        self.finder.progress = None;
        self.finder.snapshot = Progress::default();
        out.push(Effect::BuildIndex { req });
    }

    /// Asks a running build to stop (on quit).
    pub(super) fn stop_index(&mut self) {
        if let Some(stop) = self.finder.stop.take() {
            stop.store(true, Ordering::SeqCst);
        }
    }

    /// An answer of the index's build.
    pub(super) fn on_index_msg(&mut self, msg: Msg) {
        match msg {
            Msg::IndexStarted { req, progress, stop } => {
                if req == self.finder.req {
                    self.finder.progress = Some(progress);
                    self.finder.stop = Some(stop);
                    // A refresh starts from nothing: the paths come back as the build finds them.
                    self.finder.index = Index::default();
                    self.finder.dirty = true;
                } else {
                    stop.store(true, Ordering::SeqCst);
                }
            }
            Msg::IndexEvent { req, event } if req == self.finder.req => {
                match &event {
                    BuildEvent::RootDone { used_scan, .. } => self.finder.used_scan |= *used_scan,
                    BuildEvent::RootFailed { root, error } => {
                        self.finder.failures.push(format!("{}: {error}", root.label()));
                    }
                    BuildEvent::Finished { truncated } => {
                        self.finder.done = true;
                        self.finder.truncated = *truncated;
                        self.finder.stop = None;
                    }
                    _ => {}
                }
                let finished = matches!(event, BuildEvent::Finished { .. });
                self.finder.index.apply(&event);
                self.finder.dirty = true;
                if finished {
                    // The last answer ranks at once: no tick may come once nothing is busy.
                    if let Some(Popup::Finder(view)) =
                        self.popups.iter_mut().rev().find(|p| matches!(p, Popup::Finder(_)))
                    {
                        self.finder.dirty = false;
                        rank_view(&self.finder.index, view, &mut self.ranker);
                    }
                }
            }
            Msg::ContentHits { req, hits } => {
                if let Some(Popup::Finder(view)) =
                    self.popups.iter_mut().rev().find(|p| matches!(p, Popup::Finder(_)))
                    && view.content_req == req
                {
                    for h in hits {
                        if view.contents.len() < CONTENT_SHOWN {
                            view.contents.push(h);
                        } else {
                            view.contents_dropped += 1;
                        }
                    }
                }
            }
            Msg::ContentDone { req, result } => {
                if let Some(Popup::Finder(view)) =
                    self.popups.iter_mut().rev().find(|p| matches!(p, Popup::Finder(_)))
                    && view.content_req == req
                {
                    view.content = match result {
                        Ok(stats) => ContentState::Done(stats),
                        Err(e) => ContentState::Failed(e),
                    };
                }
            }
            Msg::IndexFailed { req, error } if req == self.finder.req => {
                self.finder.done = true;
                self.finder.failures.push(error);
                // The next open tries again.
                self.finder.req = 0;
            }
            _ => {}
        }
    }

    /// True while the open finder waits for its index (ticks read the counters and rank what arrived).
    pub fn finder_busy(&self) -> bool {
        self.finder_view().is_some_and(|v| {
            !self.finder.done
                || self.finder.dirty
                || matches!(v.content, ContentState::Due(_) | ContentState::Running)
        })
    }

    /// On each tick: read the build's counters, and rank again if paths arrived while the finder is open.
    pub(super) fn finder_tick(&mut self, out: &mut Vec<Effect>) {
        if let Some(p) = &self.finder.progress {
            self.finder.snapshot = p.snapshot();
        }
        let Some(i) = self.popups.iter().rposition(|p| matches!(p, Popup::Finder(_))) else { return };
        let dirty = std::mem::take(&mut self.finder.dirty);
        let req = self.next_req + 1;
        let Some(Popup::Finder(view)) = self.popups.get_mut(i) else { return };
        if dirty {
            rank_view(&self.finder.index, view, &mut self.ranker);
        }
        match view.content {
            ContentState::Due(n) if n > 0 => view.content = ContentState::Due(n - 1),
            ContentState::Due(_) => {
                // Start the search of key names (and values, when asked) over every indexed secret.
                self.next_req = req;
                view.content_req = req;
                view.content = ContentState::Running;
                if let Some(old) = self.finder.content_stop.take() {
                    old.stop();
                }
                let stop = StopFlag::default();
                self.finder.content_stop = Some(stop.clone());
                let secrets =
                    self.finder.index.entries().map(|e| (e.mount.clone(), e.path.to_string())).collect();
                out.push(Effect::SearchContents {
                    req,
                    query: view.query.clone(),
                    mode: view.mode,
                    keys: view.keys,
                    values: view.values,
                    secrets,
                    stop,
                });
            }
            _ => {}
        }
    }

    /// Stops a key-name or value search under way (the finder closed, or another search started).
    fn stop_contents(&mut self) {
        if let Some(old) = self.finder.content_stop.take() {
            old.stop();
        }
    }

    /// A key for the finder: characters type the query; the finder context's bindings move, open and close.
    pub(super) fn finder_key(
        &mut self,
        mut view: FinderView,
        key: KeyEvent,
        out: &mut Vec<Effect>,
    ) -> Option<Popup> {
        let action = self.keymap.lookup_in(Context::Finder, Key::from_event(&key));
        let page = crate::layout::finder_rows(self.size).max(1);
        let n = view.rows();
        match action {
            Some(Action::Back) => {
                self.stop_contents();
                return None;
            }
            Some(Action::ToggleKeySearch) => {
                view.keys = !view.keys;
                view.content_changed();
            }
            Some(Action::ToggleValueSearch) => {
                view.values = !view.values;
                view.content_changed();
            }
            Some(Action::Down) => view.selected = (view.selected + 1).min(n.saturating_sub(1)),
            Some(Action::Up) => view.selected = view.selected.saturating_sub(1),
            Some(Action::PageDown) => view.selected = (view.selected + page).min(n.saturating_sub(1)),
            Some(Action::PageUp) => view.selected = view.selected.saturating_sub(page),
            Some(Action::Choose | Action::OpenFolder) => {
                let picked = match view.hits.get(view.selected) {
                    Some((id, _)) => {
                        self.finder.index.get(*id).map(|e| (e.mount.clone(), e.path.to_string()))
                    }
                    None => view
                        .contents
                        .get(view.selected - view.hits.len())
                        .map(|h| (h.mount.clone(), h.path.clone())),
                };
                let Some((mount, path)) = picked else { return Some(Popup::Finder(view)) };
                self.stop_contents();
                let (folder, name) = match path.rsplit_once('/') {
                    Some((f, n)) => (f.to_string(), n.to_string()),
                    None => (String::new(), path.clone()),
                };
                self.secret = None;
                self.history = None;
                self.policy = None;
                self.enter(Some(mount.clone()), folder, Some(name), out);
                if action == Some(Action::Choose) {
                    self.open_secret(mount, path, out);
                }
                return None;
            }
            Some(Action::Refresh) => {
                self.build_index(out);
                return Some(Popup::Finder(view));
            }
            Some(Action::CycleMatch) => {
                view.mode = match view.mode {
                    MatchMode::Fuzzy => MatchMode::Exact,
                    MatchMode::Exact => MatchMode::Regex,
                    MatchMode::Regex => MatchMode::Fuzzy,
                };
                self.requery(&mut view);
            }
            Some(Action::ClearLine) => {
                view.query.clear();
                self.requery(&mut view);
            }
            _ => match key.code {
                KeyCode::Esc => {
                    self.stop_contents();
                    return None;
                }
                KeyCode::Backspace => {
                    view.query.pop();
                    self.requery(&mut view);
                }
                KeyCode::Char(c) if !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
                    view.query.push(c);
                    self.requery(&mut view);
                }
                _ => {}
            },
        }
        if view.selected >= view.offset + page {
            view.offset = view.selected + 1 - page;
        } else if view.selected < view.offset {
            view.offset = view.selected;
        }
        Some(Popup::Finder(view))
    }

    /// The query or its mode changed: rank again, and schedule the key-name and value search anew.
    fn requery(&mut self, view: &mut FinderView) {
        view.selected = 0;
        view.offset = 0;
        rank_view(&self.finder.index, view, &mut self.ranker);
        self.stop_contents();
        view.content_changed();
    }

    /// sesame's own writes keep the index true: a new secret is added.
    pub(super) fn index_created(&mut self, mount: &Mount, path: &str) {
        if self.finder.req != 0 && self.finder.index.insert(mount, path).unwrap_or(false) {
            self.finder.dirty = true;
        }
    }

    /// A secret deleted.
    pub(super) fn index_removed(&mut self, mount: &Mount, path: &str) {
        if self.finder.index.remove(&mount.path, path) {
            self.finder.dirty = true;
        }
    }

    /// What a batch (a folder delete, a move, a copy, a rename) did, item by item; `source_gone` for a move
    /// or a rename (a copy keeps its sources; a delete has no destinations).
    pub fn index_batch(&mut self, report: &BatchReport, source_gone: bool) {
        if self.finder.req == 0 {
            return;
        }
        let mut mounts: Vec<Mount> = self.mounts.clone().unwrap_or_default();
        mounts.extend(self.finder.index.mounts().iter().cloned());
        for item in &report.items {
            let done = matches!(item.status, ItemStatus::Done);
            if !done && !matches!(item.status, ItemStatus::SourceKept { .. }) {
                continue;
            }
            if let Some(d) = &item.destination
                && let Some((m, p)) = split_full(&mounts, d)
            {
                let _ = self.finder.index.insert(m, p);
            }
            if done
                && (item.destination.is_none() || source_gone)
                && let Some((m, p)) = split_full(&mounts, &item.source)
            {
                self.finder.index.remove(&m.path, p);
            }
        }
        self.finder.dirty = true;
    }
}
