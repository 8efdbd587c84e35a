//! The comparison in the TUI: `=` marks a secret or folder, `=` on another compares them
//! ([`crate::compare`], the same code as `sesame diff`). The view lists secrets and, for those that differ,
//! their keys, differences first; `d` hides what is equal; `Space` reveals one differing pair of values (read
//! again, in zeroizing memory, masked again on the next move); `p` promotes the selected secret or key from
//! A to B after a question, with check-and-set, and compares again.

use zeroize::Zeroizing;

use super::overlay::Popup;
use super::{App, Effect, Msg};
use crate::action::Action;
use crate::compare::{Comparison, State, Step, StepOutcome};
use crate::keymap::{Context, Key};

/// One row of the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A secret (index into the comparison's secrets).
    Secret(usize),
    /// A key of a secret (indexes into secrets and their keys).
    Key(usize, usize),
}

/// A revealed pair of values: the secret, the key, A's and B's values.
#[derive(Clone, PartialEq, Eq)]
pub struct Pair {
    /// The secret (relative path).
    pub rel: String,
    /// The key.
    pub key: String,
    /// A's value.
    pub a: Zeroizing<String>,
    /// B's value.
    pub b: Zeroizing<String>,
}

impl std::fmt::Debug for Pair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pair({}/{})", self.rel, self.key)
    }
}

/// The comparison view.
#[derive(Debug, Clone)]
pub struct CompareView {
    /// A and B as typed (`mount/path`, `/` ending a folder).
    pub a: String,
    /// B.
    pub b: String,
    /// The comparison, once it arrived.
    pub comparison: Option<Comparison>,
    /// Why it failed.
    pub error: Option<String>,
    /// True while comparing (or promoting).
    pub busy: bool,
    /// The pending request.
    pub req: u64,
    /// Rows shown.
    pub rows: Vec<Row>,
    /// Selected row.
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
    /// Hide what is equal.
    pub only_diff: bool,
    /// The pair revealed, if any.
    pub revealed: Option<Pair>,
    /// The promotion asked about (a question is open).
    pub confirm: Option<Vec<Step>>,
    /// What the last promotion did.
    pub report: Vec<String>,
}

impl CompareView {
    fn new(a: String, b: String, req: u64) -> Self {
        Self {
            a,
            b,
            comparison: None,
            error: None,
            busy: true,
            req,
            rows: Vec::new(),
            selected: 0,
            offset: 0,
            only_diff: true,
            revealed: None,
            confirm: None,
            report: Vec::new(),
        }
    }

    /// Rebuilds the rows: secrets, and under a differing secret (or the only one, comparing two secrets) its
    /// keys.
    pub fn relayout(&mut self) {
        let Some(c) = &self.comparison else {
            self.rows.clear();
            return;
        };
        let mut rows = Vec::new();
        for (i, s) in c.secrets.iter().enumerate() {
            if self.only_diff && s.state == Some(State::Equal) && c.secrets.len() > 1 {
                continue;
            }
            let single = s.rel.is_empty();
            if !single {
                rows.push(Row::Secret(i));
            }
            if single || s.state == Some(State::Different) {
                for (j, k) in s.keys.iter().enumerate() {
                    if self.only_diff && k.state == State::Equal {
                        continue;
                    }
                    rows.push(Row::Key(i, j));
                }
            }
        }
        self.rows = rows;
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    /// The steps promoting the selected row: a whole secret's differences, or one key.
    fn steps_for_selected(&self) -> Vec<Step> {
        let Some(c) = &self.comparison else { return Vec::new() };
        match self.rows.get(self.selected) {
            Some(Row::Secret(i)) => {
                let s = &c.secrets[*i];
                let sub = Comparison { secrets: vec![s.clone()], ..c.clone() };
                crate::compare::plan(&sub, &[])
            }
            Some(Row::Key(i, j)) => {
                let s = &c.secrets[*i];
                let key = s.keys[*j].key.clone();
                let sub = Comparison { secrets: vec![s.clone()], ..c.clone() };
                crate::compare::plan(&sub, &[key])
            }
            None => Vec::new(),
        }
    }
}

impl App {
    /// `=` in the explorer or the secret view: mark this secret or folder, or compare the marked one with it.
    pub(super) fn mark_compare(&mut self, full: String, out: &mut Vec<Effect>) {
        if full.is_empty() || !full.contains('/') || full.ends_with("//") {
            self.error("select a secret or a folder inside a mount to compare");
            return;
        }
        match self.compare_mark.take() {
            None => {
                self.info(format!("marked {full} as A: = on another secret or folder compares them"));
                self.compare_mark = Some(full);
            }
            Some(a) if a == full => self.info("the mark is cleared"),
            Some(a) => {
                let req = self.req();
                out.push(Effect::Compare { req, a: a.clone(), b: full.clone() });
                self.compare = Some(CompareView::new(a, full, req));
            }
        }
    }

    /// Answers of the comparison's work.
    pub(super) fn on_compare_msg(&mut self, msg: Msg, out: &mut Vec<Effect>) {
        let Some(v) = self.compare.as_mut() else { return };
        match msg {
            Msg::Compared { req, result } if req == v.req => {
                v.busy = false;
                match result {
                    Ok(c) => {
                        v.comparison = Some(*c);
                        v.error = None;
                        v.relayout();
                    }
                    Err(e) => v.error = Some(e),
                }
            }
            Msg::PairRevealed { req, pair } if req == v.req => {
                v.busy = false;
                match pair {
                    Ok(p) => v.revealed = Some(p),
                    Err(e) => v.error = Some(e),
                }
            }
            Msg::Promoted { req, results } if req == v.req => {
                v.report = results
                    .iter()
                    .map(|(s, o)| {
                        let what = if s.rel.is_empty() { "the secret".to_string() } else { s.rel.clone() };
                        match o {
                            StepOutcome::Done(_) => {
                                format!("promoted {what}: {} (verified)", s.keys.join(", "))
                            }
                            StepOutcome::ChangedMeanwhile => {
                                format!("{what} changed in B since the comparison: not overwritten")
                            }
                            StepOutcome::MaybeWritten(e) => format!("{what} may have been written: {e}"),
                            StepOutcome::Failed(e) => format!("{what} was not promoted: {e}"),
                        }
                    })
                    .collect();
                // Compare again: the view shows what B holds now.
                let req = next_req(&mut self.next_req);
                v.req = req;
                v.busy = true;
                out.push(Effect::Compare { req, a: v.a.clone(), b: v.b.clone() });
            }
            _ => {}
        }
    }

    /// A key in the comparison view.
    pub(super) fn compare_key(&mut self, key: crossterm::event::KeyEvent, out: &mut Vec<Effect>) {
        let k = Key::from_event(&key);
        let page = crate::layout::list_height(self.size).max(1);
        let Some(v) = self.compare.as_mut() else { return };
        if let Some(steps) = v.confirm.take() {
            if self.keymap.lookup_in(Context::Confirm, k) == Some(Action::Yes) {
                if let Some(c) = v.comparison.clone() {
                    let req = next_req(&mut self.next_req);
                    v.req = req;
                    v.busy = true;
                    out.push(Effect::Promote { req, comparison: Box::new(c), steps });
                }
            } else {
                v.report = vec!["nothing promoted".to_string()];
            }
            return;
        }
        let action = self.keymap.lookup(Context::Compare, k);
        let n = v.rows.len();
        let before = v.selected;
        match action {
            Some(Action::Back) => {
                self.compare = None;
                return;
            }
            Some(Action::Help) => {
                self.push_popup(Popup::Help { scroll: 0 });
                return;
            }
            Some(Action::Down) => v.selected = (v.selected + 1).min(n.saturating_sub(1)),
            Some(Action::Up) => v.selected = v.selected.saturating_sub(1),
            Some(Action::PageDown) => v.selected = (v.selected + page).min(n.saturating_sub(1)),
            Some(Action::PageUp) => v.selected = v.selected.saturating_sub(page),
            Some(Action::Top) => v.selected = 0,
            Some(Action::Bottom) => v.selected = n.saturating_sub(1),
            Some(Action::DiffOnly) => {
                v.only_diff = !v.only_diff;
                v.relayout();
            }
            Some(Action::Refresh) => {
                let req = next_req(&mut self.next_req);
                v.req = req;
                v.busy = true;
                v.revealed = None;
                out.push(Effect::Compare { req, a: v.a.clone(), b: v.b.clone() });
            }
            Some(Action::Reveal) => {
                if v.revealed.take().is_some() {
                    return;
                }
                let (Some(c), Some(Row::Key(i, j))) = (&v.comparison, v.rows.get(v.selected)) else { return };
                let s = &c.secrets[*i];
                if s.keys[*j].state != State::Different {
                    self.info("only a differing key has a pair of values to reveal");
                    return;
                }
                let req = next_req(&mut self.next_req);
                v.req = req;
                v.busy = true;
                out.push(Effect::RevealPair {
                    req,
                    comparison: Box::new(c.clone()),
                    index: *i,
                    key: s.keys[*j].key.clone(),
                });
            }
            Some(Action::Promote) => {
                let steps = v.steps_for_selected();
                if steps.is_empty() {
                    self.info("nothing to promote here: B already holds A's value");
                    return;
                }
                v.confirm = Some(steps);
            }
            _ => {}
        }
        if v.selected != before {
            v.revealed = None;
        }
        if v.selected < v.offset {
            v.offset = v.selected;
        } else if v.selected >= v.offset + page.saturating_sub(4) {
            v.offset = v.selected + 1 - page.saturating_sub(4).max(1);
        }
    }
}

fn next_req(counter: &mut u64) -> u64 {
    *counter += 1;
    *counter
}
