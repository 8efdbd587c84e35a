//! The key/value editor of an Opaque secret: add, remove and rename keys, edit values in a text area,
//! load a value from a file, check keys as they are typed, then save through a summary.
//!
//! Pure state and key handling; the app turns [`EditorOutcome::Save`] into a write with check-and-set and
//! feeds the answer back. A failed save keeps the whole draft here.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;
use zeroize::Zeroizing;

use super::Action;
use crate::keymap::Context;
use crate::secret::rules::{self, KeyIssue};
use crate::secret::templates::{Template, TemplateKey};
use crate::secret::{SecretData, SecretValue};
use crate::vault::kv::{Mount, SecretRead};

/// One key/value row of the draft.
#[derive(Debug, Clone)]
pub struct EditRow {
    /// The key as it stands in the draft.
    pub key: String,
    /// The value as it stands in the draft.
    pub value: SecretValue,
    /// The key and value as loaded (`None` for a row added in this session).
    pub original: Option<(String, SecretValue)>,
    /// Encoding recorded for this value (`base64` for binary files).
    pub encoding: Option<String>,
}

impl EditRow {
    /// True when the key or value differ from what was loaded.
    pub fn changed(&self) -> bool {
        match &self.original {
            None => true,
            Some((k, v)) => k != &self.key || v != &self.value,
        }
    }
}

/// What the editor is doing.
pub enum EditMode {
    /// Moving between rows.
    Browse,
    /// Typing a key name (a new row when `new_row`).
    Key { input: TextArea<'static>, row: usize, new_row: bool },
    /// Editing a value; `json` for non-string values, which must stay valid JSON.
    Value { input: TextArea<'static>, row: usize, json: bool, error: Option<String> },
    /// Typing the path of a file to load into a value.
    File { input: TextArea<'static>, row: usize, error: Option<String>, completions: Vec<String> },
    /// The summary shown before writing.
    Summary(ChangeSummary),
    /// The write is under way.
    Saving,
    /// Someone else changed the secret since it was loaded.
    Conflict { theirs: Option<ChangeSummary>, loading: bool },
    /// Leaving with unsaved changes: asks first.
    ConfirmDiscard,
}

/// Keys added, removed and changed between two versions; never values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSummary {
    /// Keys only in the new version.
    pub added: Vec<String>,
    /// Keys only in the old version.
    pub removed: Vec<String>,
    /// Keys in both with different values.
    pub changed: Vec<String>,
    /// Keys renamed (old, new) with the same value.
    pub renamed: Vec<(String, String)>,
    /// The changed key whose old and new values are shown (one at a time, on request).
    pub revealed: Option<String>,
}

impl ChangeSummary {
    /// Compares two secrets by key, with the comparison's verdicts ([`crate::compare::compare_data`]:
    /// values as JSON values).
    pub fn between(old: &SecretData, new: &SecretData) -> Self {
        let mut s = Self::default();
        for k in crate::compare::compare_data(new, old) {
            match k.state {
                crate::compare::State::OnlyA => s.added.push(k.key),
                crate::compare::State::OnlyB => s.removed.push(k.key),
                crate::compare::State::Different => s.changed.push(k.key),
                crate::compare::State::Equal => {}
            }
        }
        s.added.sort();
        s.removed.sort();
        s.changed.sort();
        s
    }

    /// Reveals the next changed key's old and new values (after the last, none).
    pub fn reveal_next(&mut self) {
        let next = match &self.revealed {
            None => self.changed.first().cloned(),
            Some(k) => self.changed.iter().skip_while(|c| *c != k).nth(1).cloned(),
        };
        self.revealed = next;
    }

    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty() && self.renamed.is_empty()
    }
}

/// What the app should do after a key.
#[derive(Debug)]
pub enum EditorOutcome {
    /// Nothing to do outside the editor.
    None,
    /// Write this data (after the user confirmed the summary); `force` skips check-and-set.
    Save { data: SecretData, force: bool },
    /// Fetch the current version to show the other change.
    FetchTheirs,
    /// Read a file into the value of `row` (off the UI task; the answer comes to [`Editor::file_loaded`]).
    LoadFile { row: usize, path: String },
    /// Complete the file path typed so far (the directory is read off the UI task).
    Complete { typed: String },
    /// Close the editor.
    Close,
}

/// The editor's state.
pub struct Editor {
    /// The mount of the secret.
    pub mount: Mount,
    /// Path of the secret inside the mount.
    pub path: String,
    /// True when creating a new secret.
    pub is_new: bool,
    /// What was loaded (version for check-and-set, data for KV v1's compare-before-write).
    pub base: Option<SecretRead>,
    /// The draft.
    pub rows: Vec<EditRow>,
    /// Keys removed from the draft (for the summary).
    pub removed: Vec<String>,
    /// Selected row.
    pub selected: usize,
    /// Current mode.
    pub mode: EditMode,
    /// The last error (a failed save keeps the draft and shows this).
    pub error: Option<String>,
    /// Upper-case keys while typing.
    pub upper_keys: bool,
    /// Reveal values in the table.
    pub reveal: bool,
    /// The quick-add template the secret is being created from: its keys' hints and value-shape warnings.
    pub template: Option<Template>,
}

fn line_input(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![text.to_string()]);
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}

fn is_enter(k: &KeyEvent) -> bool {
    k.code == KeyCode::Enter
}

fn ctrl(k: &KeyEvent, c: char) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char(c)
}

impl Editor {
    /// An editor over a loaded secret, or a new one when `base` is `None`.
    pub fn new(mount: Mount, path: String, base: Option<SecretRead>, upper_keys: bool) -> Self {
        let rows = base
            .as_ref()
            .and_then(|b| b.data.as_ref())
            .map(|d| {
                d.pairs
                    .iter()
                    .map(|(k, v)| EditRow {
                        key: k.clone(),
                        value: v.clone(),
                        original: Some((k.clone(), v.clone())),
                        encoding: None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let is_new = base.is_none();
        let mut e = Self {
            mount,
            path,
            is_new,
            base,
            rows,
            removed: Vec::new(),
            selected: 0,
            mode: EditMode::Browse,
            error: None,
            upper_keys,
            reveal: false,
            template: None,
        };
        if e.is_new {
            e.start_new_row();
        }
        e
    }

    /// An editor for a new secret with a quick-add template's keys pre-filled (empty values); a template without
    /// keys (custom) starts like [`Editor::new`].
    pub fn from_template(mount: Mount, path: String, template: &Template, upper_keys: bool) -> Self {
        let mut e = Self::new(mount, path, None, upper_keys);
        e.template = Some(template.clone());
        if !template.keys.is_empty() {
            e.rows = template
                .keys
                .iter()
                .map(|k| EditRow {
                    key: k.name.clone(),
                    value: SecretValue::from_string(""),
                    original: None,
                    encoding: None,
                })
                .collect();
            e.selected = 0;
            e.mode = EditMode::Browse;
        }
        e
    }

    /// The template's description of a key, if the secret comes from a template that has it.
    pub fn template_key(&self, key: &str) -> Option<&TemplateKey> {
        self.template.as_ref().and_then(|t| t.key(key))
    }

    /// Value-shape warnings of each row (empty where the template has no check for the key), never quoting the
    /// value. They warn; they never block saving.
    pub fn value_warnings(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|r| match self.template_key(&r.key) {
                Some(k) if r.value.is_string() => k.check(&r.value.reveal()),
                _ => Vec::new(),
            })
            .collect()
    }

    /// True when the draft differs from what was loaded.
    pub fn dirty(&self) -> bool {
        !self.removed.is_empty() || self.rows.iter().any(EditRow::changed)
    }

    /// The draft as secret data, in row order. Optional template keys left empty are not written.
    pub fn draft(&self) -> SecretData {
        let skipped = |r: &EditRow| {
            r.original.is_none()
                && self.template_key(&r.key).is_some_and(|k| !k.required)
                && r.value.reveal().is_empty()
        };
        SecretData {
            pairs: self
                .rows
                .iter()
                .filter(|r| !skipped(r))
                .map(|r| (r.key.clone(), r.value.clone()))
                .collect(),
        }
    }

    /// What is wrong with each row's key (the reason shown next to it). Keys loaded from another tool that
    /// break the rules are flagged but kept.
    pub fn key_issues(&self) -> Vec<KeyIssue> {
        rules::check_keys(self.rows.iter().map(|r| r.key.as_str()))
    }

    /// Why the draft cannot be saved as it is: a key the user typed that breaks the rules, or a duplicate.
    fn blocking_problem(&self) -> Option<String> {
        for (r, issue) in self.rows.iter().zip(self.key_issues()) {
            let Some(error) = issue.error else { continue };
            let loaded_as_is = r.original.as_ref().is_some_and(|(k, _)| k == &r.key);
            let duplicate = error.starts_with("duplicate");
            if duplicate || !loaded_as_is {
                return Some(format!("key {:?}: {error}", r.key));
            }
        }
        None
    }

    /// The reason a key typed for `row` cannot be accepted, if any.
    pub fn typed_key_error(&self, row: usize, typed: &str) -> Option<String> {
        if let Some(e) = rules::key_error(typed) {
            return Some(e);
        }
        self.rows
            .iter()
            .enumerate()
            .any(|(i, r)| i != row && r.key == typed)
            .then(|| "duplicate key: another row has this name".to_string())
    }

    /// The summary of what saving would change.
    pub fn summary(&self) -> ChangeSummary {
        let old = self.base.as_ref().and_then(|b| b.data.clone()).unwrap_or_default();
        let mut s = ChangeSummary::between(&old, &self.draft());
        // Show a rename with an unchanged value as a rename rather than a remove plus an add.
        for r in &self.rows {
            if let Some((ok, ov)) = &r.original
                && ok != &r.key
                && ov == &r.value
            {
                s.added.retain(|k| k != &r.key);
                s.removed.retain(|k| k != ok);
                s.renamed.push((ok.clone(), r.key.clone()));
            }
        }
        s
    }

    fn start_new_row(&mut self) {
        self.rows.push(EditRow {
            key: String::new(),
            value: SecretValue::from_string(""),
            original: None,
            encoding: None,
        });
        self.selected = self.rows.len() - 1;
        self.mode = EditMode::Key { input: line_input(""), row: self.selected, new_row: true };
    }

    fn start_value(&mut self, row: usize) {
        let Some(r) = self.rows.get(row) else { return };
        let json = !r.value.is_string();
        let text: Zeroizing<String> = if json {
            match serde_json::from_str::<serde_json::Value>(r.value.json_text()) {
                Ok(v) => Zeroizing::new(serde_json::to_string_pretty(&v).unwrap_or_default()),
                Err(_) => Zeroizing::new(r.value.json_text().to_string()),
            }
        } else {
            r.value.reveal()
        };
        let lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        let mut input = TextArea::new(lines);
        input.move_cursor(ratatui_textarea::CursorMove::Bottom);
        input.move_cursor(ratatui_textarea::CursorMove::End);
        self.mode = EditMode::Value { input, row, json, error: None };
    }

    /// Handles a key; returns what the app must do.
    /// `action` is what the keymap binds the key to in [`Editor::key_context`].
    pub fn on_key(&mut self, key: KeyEvent, action: Option<Action>) -> EditorOutcome {
        let mode = std::mem::replace(&mut self.mode, EditMode::Browse);
        let (mode, outcome) = self.step(mode, key, action);
        self.mode = mode;
        outcome
    }

    /// The keymap context of the keys while the editor is not browsing: a question, a conflict, or a field
    /// being typed.
    pub fn key_context(&self) -> Context {
        match self.mode {
            EditMode::Summary(_) | EditMode::ConfirmDiscard => Context::Confirm,
            EditMode::Conflict { .. } => Context::Conflict,
            _ => Context::Line,
        }
    }

    fn step(&mut self, mode: EditMode, key: KeyEvent, action: Option<Action>) -> (EditMode, EditorOutcome) {
        match mode {
            EditMode::Browse => (EditMode::Browse, EditorOutcome::None),
            EditMode::Key { mut input, row, new_row } => {
                if key.code == KeyCode::Esc {
                    if new_row && self.rows.get(row).is_some_and(|r| r.original.is_none() && r.key.is_empty())
                    {
                        self.rows.remove(row);
                        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
                    }
                    return (EditMode::Browse, EditorOutcome::None);
                }
                if is_enter(&key) {
                    let typed = input.lines().first().cloned().unwrap_or_default();
                    if self.typed_key_error(row, &typed).is_some() {
                        // Stay in the field: the reason is shown next to it.
                        return (EditMode::Key { input, row, new_row }, EditorOutcome::None);
                    }
                    if let Some(r) = self.rows.get_mut(row) {
                        r.key = typed;
                    }
                    if new_row {
                        self.start_value(row);
                        let m = std::mem::replace(&mut self.mode, EditMode::Browse);
                        return (m, EditorOutcome::None);
                    }
                    return (EditMode::Browse, EditorOutcome::None);
                }
                if key.code == KeyCode::Tab {
                    return (EditMode::Key { input, row, new_row }, EditorOutcome::None);
                }
                let key = match key.code {
                    KeyCode::Char(c) if self.upper_keys && !key.modifiers.contains(KeyModifiers::CONTROL) => {
                        KeyEvent::new(KeyCode::Char(c.to_ascii_uppercase()), key.modifiers)
                    }
                    _ => key,
                };
                input.input(key);
                (EditMode::Key { input, row, new_row }, EditorOutcome::None)
            }
            EditMode::Value { mut input, row, json, error } => {
                if key.code == KeyCode::Esc || ctrl(&key, 's') {
                    let text = Zeroizing::new(input.lines().join("\n"));
                    let value = if json {
                        match serde_json::from_str::<serde_json::Value>(&text) {
                            Ok(v) => SecretValue::from_json_text(&v.to_string()),
                            Err(e) => {
                                let msg = format!("not valid JSON: {e} (Ctrl-x drops the edit)");
                                return (
                                    EditMode::Value { input, row, json, error: Some(msg) },
                                    EditorOutcome::None,
                                );
                            }
                        }
                    } else {
                        SecretValue::from_string(&text)
                    };
                    if let Some(r) = self.rows.get_mut(row) {
                        if r.value != value {
                            r.encoding = None;
                        }
                        r.value = value;
                    }
                    wipe(input);
                    return (EditMode::Browse, EditorOutcome::None);
                }
                if ctrl(&key, 'x') {
                    wipe(input);
                    return (EditMode::Browse, EditorOutcome::None);
                }
                input.input(key);
                (EditMode::Value { input, row, json, error }, EditorOutcome::None)
            }
            EditMode::File { mut input, row, error, completions } => match key.code {
                KeyCode::Esc => (EditMode::Browse, EditorOutcome::None),
                KeyCode::Enter => {
                    let typed = input.lines().first().cloned().unwrap_or_default();
                    if typed.trim().is_empty() {
                        let error = Some("type a file path (Tab completes)".to_string());
                        return (EditMode::File { input, row, error, completions }, EditorOutcome::None);
                    }
                    (
                        EditMode::File { input, row, error: None, completions },
                        EditorOutcome::LoadFile { row, path: typed },
                    )
                }
                KeyCode::Tab => {
                    let typed = input.lines().first().cloned().unwrap_or_default();
                    (
                        EditMode::File { input, row, error: None, completions },
                        EditorOutcome::Complete { typed },
                    )
                }
                _ => {
                    input.input(key);
                    (EditMode::File { input, row, error, completions: Vec::new() }, EditorOutcome::None)
                }
            },
            EditMode::Summary(mut s) if action == Some(Action::Reveal) => {
                s.reveal_next();
                (EditMode::Summary(s), EditorOutcome::None)
            }
            EditMode::Summary(_) => {
                if action == Some(Action::Yes) || key.code == KeyCode::Enter {
                    (EditMode::Saving, EditorOutcome::Save { data: self.draft(), force: false })
                } else {
                    (EditMode::Browse, EditorOutcome::None)
                }
            }
            EditMode::Saving => (EditMode::Saving, EditorOutcome::None),
            EditMode::Conflict { theirs, loading } => match action {
                Some(Action::ShowTheirs) => {
                    (EditMode::Conflict { theirs, loading: true }, EditorOutcome::FetchTheirs)
                }
                Some(Action::Overwrite) => {
                    (EditMode::Saving, EditorOutcome::Save { data: self.draft(), force: true })
                }
                Some(Action::Back) => (EditMode::Browse, EditorOutcome::None),
                _ if key.code == KeyCode::Esc => (EditMode::Browse, EditorOutcome::None),
                _ => (EditMode::Conflict { theirs, loading }, EditorOutcome::None),
            },
            EditMode::ConfirmDiscard => {
                if action == Some(Action::Yes) {
                    (EditMode::Browse, EditorOutcome::Close)
                } else {
                    (EditMode::Browse, EditorOutcome::None)
                }
            }
        }
    }

    /// True when keys are dispatched through the keymap (not typed into a field or answered in a popup).
    pub fn browsing(&self) -> bool {
        matches!(self.mode, EditMode::Browse)
    }

    /// Runs a keymap action while browsing the rows.
    pub fn on_action(&mut self, action: Action) -> EditorOutcome {
        if !self.browsing() {
            return EditorOutcome::None;
        }
        let n = self.rows.len();
        match action {
            Action::Down => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = n.saturating_sub(1),
            Action::AddKey => self.start_new_row(),
            Action::EditValue if n > 0 => self.start_value(self.selected),
            Action::RenameKey if n > 0 => {
                let k = self.rows[self.selected].key.clone();
                self.mode = EditMode::Key { input: line_input(&k), row: self.selected, new_row: false };
            }
            Action::LoadFile if n > 0 => {
                self.mode = EditMode::File {
                    input: line_input(""),
                    row: self.selected,
                    error: None,
                    completions: Vec::new(),
                };
            }
            Action::DeleteKey if n > 0 => {
                let r = self.rows.remove(self.selected);
                if let Some((k, _)) = r.original {
                    self.removed.push(k);
                }
                self.selected = self.selected.min(self.rows.len().saturating_sub(1));
            }
            Action::ToggleUppercase => self.upper_keys = !self.upper_keys,
            Action::Reveal | Action::RevealAll => self.reveal = !self.reveal,
            Action::Save => {
                let (mode, outcome) = self.request_save();
                self.mode = mode;
                return outcome;
            }
            Action::Back | Action::Quit => {
                if self.dirty() {
                    self.mode = EditMode::ConfirmDiscard;
                    return EditorOutcome::None;
                }
                return EditorOutcome::Close;
            }
            _ => {}
        }
        EditorOutcome::None
    }

    /// Asks before leaving when there are unsaved changes (quitting sesame with an open editor).
    pub fn confirm_leave(&mut self) -> bool {
        if self.dirty() {
            self.mode = EditMode::ConfirmDiscard;
            true
        } else {
            false
        }
    }

    fn request_save(&mut self) -> (EditMode, EditorOutcome) {
        if let Some(problem) = self.blocking_problem() {
            self.error = Some(format!("cannot save: {problem}"));
            return (EditMode::Browse, EditorOutcome::None);
        }
        if self.rows.is_empty() {
            self.error =
                Some("cannot save a secret without keys: add one with a, or delete the secret".into());
            return (EditMode::Browse, EditorOutcome::None);
        }
        let summary = self.summary();
        if summary.is_empty() && !self.is_new {
            self.error = Some("nothing to save: no change".into());
            return (EditMode::Browse, EditorOutcome::None);
        }
        self.error = None;
        (EditMode::Summary(summary), EditorOutcome::None)
    }

    /// The write failed: keep the draft, show why.
    pub fn save_failed(&mut self, message: String) {
        self.mode = EditMode::Browse;
        self.error = Some(format!("not saved, your changes are kept: {message}"));
    }

    /// The completion of `typed` arrived: take it if the field still holds what was completed.
    pub fn completed(&mut self, typed: &str, completed: String, options: Vec<String>) {
        if let EditMode::File { input, completions, error, .. } = &mut self.mode
            && input.lines().first().map(String::as_str).unwrap_or("") == typed
        {
            *input = line_input(&completed);
            *completions = options;
            *error = None;
        }
    }

    /// The file asked for with [`EditorOutcome::LoadFile`] was read (or not): fill the row, or say why and
    /// stay in the file prompt. An answer for a prompt already left is dropped.
    pub fn file_loaded(&mut self, row: usize, result: Result<(SecretValue, Option<String>), String>) {
        let EditMode::File { row: asked, .. } = &self.mode else { return };
        if *asked != row {
            return;
        }
        match result {
            Ok((value, encoding)) => {
                if let Some(r) = self.rows.get_mut(row) {
                    r.value = value;
                    r.encoding = encoding;
                }
                self.mode = EditMode::Browse;
            }
            Err(e) => {
                if let EditMode::File { error, .. } = &mut self.mode {
                    *error = Some(e);
                }
            }
        }
    }

    /// The write was sent and no answer came: it may have been carried out. Keep the draft and say so; the
    /// next save finds out (the server holding this very draft counts as saved).
    pub fn save_unknown(&mut self, message: String) {
        self.mode = EditMode::Browse;
        self.error = Some(unknown_outcome(&message));
    }

    /// The write was refused by check-and-set.
    pub fn conflict(&mut self) {
        self.mode = EditMode::Conflict { theirs: None, loading: false };
        self.error = None;
    }

    /// The other change arrived: show it as a masked diff against what we loaded.
    pub fn show_theirs(&mut self, theirs: &SecretData) {
        let old = self.base.as_ref().and_then(|b| b.data.clone()).unwrap_or_default();
        self.mode = EditMode::Conflict { theirs: Some(ChangeSummary::between(&old, theirs)), loading: false };
    }

    /// Encodings recorded for values loaded from binary files (key → encoding).
    pub fn encodings(&self) -> Vec<(String, String)> {
        self.rows.iter().filter_map(|r| r.encoding.clone().map(|e| (r.key.clone(), e))).collect()
    }
}

/// Drops a text area that held a value, zeroizing its lines (its undo history is ratatui-textarea's own and
/// is not reachable from here).
pub fn wipe(input: TextArea<'_>) {
    use zeroize::Zeroize as _;
    for mut line in input.into_lines() {
        line.zeroize();
    }
}

/// Expands a leading `~` or `~/` to the home directory ([`crate::secret::ssh::expand_tilde`]).
pub fn expand_tilde(p: &str) -> PathBuf {
    crate::secret::ssh::expand_tilde(p)
}

/// Reads a file into a value (UTF-8 text as is, anything else base64-encoded, with the encoding returned).
pub fn load_file(path: &str) -> Result<(SecretValue, Option<String>), String> {
    if path.trim().is_empty() {
        return Err("type a file path (Tab completes)".into());
    }
    let fv = crate::secret::file::load_file_value(&expand_tilde(path.trim())).map_err(|e| e.to_string())?;
    Ok((fv.value, fv.encoding.metadata_value().map(str::to_string)))
}

/// Completes a path: the longest common prefix of the matching entries, and the matches.
pub fn complete_path(typed: &str) -> (String, Vec<String>) {
    let expanded = expand_tilde(typed).to_string_lossy().into_owned();
    let (dir, prefix) = match expanded.rfind('/') {
        Some(i) => (expanded[..=i].to_string(), expanded[i + 1..].to_string()),
        None => (String::new(), expanded.clone()),
    };
    let read_dir = if dir.is_empty() { "." } else { dir.as_str() };
    let mut matches: Vec<String> = std::fs::read_dir(read_dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if !name.starts_with(&prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                        return None;
                    }
                    let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
                    Some(if is_dir { format!("{name}/") } else { name })
                })
                .collect()
        })
        .unwrap_or_default();
    matches.sort();
    let Some(first) = matches.first() else { return (typed.to_string(), matches) };
    let mut common = first.clone();
    for m in &matches[1..] {
        while !m.starts_with(&common) {
            common.pop();
        }
    }
    let completed = format!("{dir}{common}");
    // Keep the user's `~/` if they typed it.
    let completed = match (typed.starts_with("~/"), std::env::var("HOME")) {
        (true, Ok(home)) => completed.replacen(&home, "~", 1),
        _ => completed,
    };
    (completed, matches)
}

/// The words for a save whose answer never came, shared by the editor and the typed forms.
pub fn unknown_outcome(message: &str) -> String {
    format!(
        "may have been saved, the answer never came; your changes are kept: save again to check ({message})"
    )
}
