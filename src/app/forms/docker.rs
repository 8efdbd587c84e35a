//! The docker registry credentials form (`kubernetes.io/dockerconfigjson`).
//!
//! Fields per registry: server (validated; empty means Docker Hub), username, password (masked unless
//! revealed) and an optional e-mail; several registries in one secret. The codec
//! ([`crate::secret::docker`]) validates the fields and builds the `.dockerconfigjson`; this module keeps the
//! draft, the focus and what the user has seen.
//!
//! Editing a stored secret pre-fills the form and keeps the stored config for a read-only view below it.
//! A stored value that cannot be parsed is shown raw with its error, and saving over it asks first; keys of
//! the secret other than `.dockerconfigjson` are written back unchanged.

use std::collections::HashSet;

use crossterm::event::{KeyCode, KeyEvent};
use zeroize::Zeroizing;

use super::{FormOutcome, is_ctrl, typed_char};
use crate::action::Action;
use crate::secret::docker::{
    self, DockerConfig, Field, Issue, MalformedDockerConfig, RegistryCredentials, StoredDockerConfig,
};
use crate::secret::types::DOCKER_CONFIG_KEY;
use crate::secret::{SecretData, SecretValue};
use crate::vault::kv::{Mount, SecretRead};

/// The fields of one registry, in focus order.
pub const FIELDS: [Field; 4] = [Field::Registry, Field::Username, Field::Password, Field::Email];

/// The label of a field.
pub fn field_label(f: Field) -> &'static str {
    match f {
        Field::Registry => "Registry server",
        Field::Username => "Username",
        Field::Password => "Password",
        Field::Email => "Email",
    }
}

/// What the form is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DockerMode {
    /// Typing in the fields.
    Edit,
    /// The stored value is malformed: saving replaces it, and asks first.
    ConfirmReplace,
    /// The write is under way.
    Saving,
    /// Someone else changed the secret since it was loaded.
    Conflict,
    /// Leaving with unsaved changes: asks first.
    ConfirmDiscard,
}

/// The docker registry form's state.
pub struct DockerForm {
    /// The mount of the secret.
    pub mount: Mount,
    /// Path of the secret inside the mount.
    pub path: String,
    /// True when creating a new secret.
    pub is_new: bool,
    /// What was loaded (for check-and-set).
    pub base: Option<SecretRead>,
    /// The draft.
    pub config: DockerConfig,
    /// The draft as loaded, to tell whether anything changed.
    initial: DockerConfig,
    /// How each loaded registry's credentials were stored (a note for the form), by row.
    pub notes: Vec<Option<&'static str>>,
    /// The stored config, parsed or malformed, when editing a stored secret that has one.
    pub stored: Option<Result<StoredDockerConfig, MalformedDockerConfig>>,
    /// Keys of the secret other than `.dockerconfigjson`, written back unchanged.
    pub kept: Vec<(String, SecretValue)>,
    /// The focused field: (registry row, field).
    pub focus: (usize, Field),
    /// Fields the focus has left (their problems are shown from then on).
    pub touched: HashSet<(usize, Field)>,
    /// Show every problem (after a save was attempted).
    pub show_all: bool,
    /// Show passwords (in the form and the stored view).
    pub reveal: bool,
    /// First line of the stored JSON shown.
    pub stored_scroll: usize,
    /// Current mode.
    pub mode: DockerMode,
    /// The last error or remark.
    pub error: Option<String>,
}

impl DockerForm {
    /// An empty form for a new secret (one registry, Docker Hub unless a server is typed).
    pub fn new(mount: Mount, path: String) -> Self {
        let config = DockerConfig { registries: vec![RegistryCredentials::default()], extra: Vec::new() };
        Self {
            mount,
            path,
            is_new: true,
            base: None,
            initial: config.clone(),
            notes: vec![None],
            config,
            stored: None,
            kept: Vec::new(),
            focus: (0, Field::Registry),
            touched: HashSet::new(),
            show_all: false,
            reveal: false,
            stored_scroll: 0,
            mode: DockerMode::Edit,
            error: None,
        }
    }

    /// The form over a stored secret, pre-filled from its `.dockerconfigjson`.
    pub fn edit(mount: Mount, path: String, read: SecretRead) -> Self {
        let mut f = Self::new(mount, path);
        f.is_new = false;
        let data = read.data.clone().unwrap_or_default();
        f.kept = data.pairs.iter().filter(|(k, _)| k != DOCKER_CONFIG_KEY).cloned().collect();
        match data.get(DOCKER_CONFIG_KEY).map(docker::parse_value) {
            Some(Ok(stored)) => {
                let config = stored.to_form();
                if !config.registries.is_empty() {
                    f.notes = stored.entries.iter().map(|e| e.source.note()).collect();
                    f.config = config;
                } else {
                    f.config.extra = config.extra;
                }
                f.stored = Some(Ok(stored));
            }
            Some(Err(bad)) => {
                f.error = Some("the stored value is malformed: saving replaces it (after asking)".into());
                f.stored = Some(Err(bad));
            }
            None => f.error = Some(format!("no {DOCKER_CONFIG_KEY} key yet: saving adds one")),
        }
        f.initial = f.config.clone();
        f.base = Some(read);
        f
    }

    /// Number of lines of the read-only view of the stored value (0 when there is none).
    pub fn stored_lines(&self) -> usize {
        match &self.stored {
            Some(Ok(st)) => st.warnings.len() + st.render(false).lines().count(),
            Some(Err(bad)) => 2 + bad.raw.lines().count(),
            None => 0,
        }
    }

    /// True when the draft differs from what was loaded.
    pub fn dirty(&self) -> bool {
        self.config != self.initial
    }

    /// Problems of the draft, as the codec finds them.
    pub fn issues(&self) -> Vec<Issue> {
        self.config.validate()
    }

    /// The problem to show next to a field, if it should be shown now.
    pub fn shown_issue<'a>(&self, issues: &'a [Issue], entry: usize, field: Field) -> Option<&'a Issue> {
        let visible = self.show_all
            || self.touched.contains(&(entry, field))
            || self.config.registries.get(entry).is_some_and(|r| !field_value(r, field).is_empty());
        let issue = issues.iter().find(|i| i.entry == entry && i.field == field)?;
        visible.then_some(issue)
    }

    /// Asks before leaving when there are unsaved changes; true when it now asks.
    pub fn confirm_leave(&mut self) -> bool {
        if self.dirty() {
            self.mode = DockerMode::ConfirmDiscard;
            true
        } else {
            false
        }
    }

    /// The write failed: keep the draft, show why.
    pub fn save_failed(&mut self, message: String) {
        self.mode = DockerMode::Edit;
        self.error = Some(format!("not saved, your changes are kept: {message}"));
    }

    /// The write was refused by check-and-set.
    pub fn conflict(&mut self) {
        self.mode = DockerMode::Conflict;
        self.error = None;
    }

    /// Handles a key; `action` is what the form's keymap binds it to.
    pub fn on_key(&mut self, key: KeyEvent, action: Option<Action>) -> FormOutcome {
        match self.mode {
            DockerMode::Saving => FormOutcome::None,
            DockerMode::ConfirmDiscard => {
                if action == Some(Action::Yes) {
                    return FormOutcome::Close;
                }
                self.mode = DockerMode::Edit;
                FormOutcome::None
            }
            DockerMode::ConfirmReplace => {
                if action == Some(Action::Yes) {
                    return self.save(false);
                }
                self.mode = DockerMode::Edit;
                FormOutcome::None
            }
            DockerMode::Conflict => match action {
                Some(Action::Overwrite) => self.save(true),
                Some(Action::Back) => {
                    self.mode = DockerMode::Edit;
                    FormOutcome::None
                }
                _ if key.code == KeyCode::Esc => {
                    self.mode = DockerMode::Edit;
                    FormOutcome::None
                }
                _ => FormOutcome::None,
            },
            DockerMode::Edit => self.edit_key(key, action),
        }
    }

    fn edit_key(&mut self, key: KeyEvent, action: Option<Action>) -> FormOutcome {
        if let Some(c) = typed_char(&key) {
            self.with_field(|s| s.push(c));
            return FormOutcome::None;
        }
        match action {
            Some(Action::NextField) => self.move_focus(1),
            Some(Action::PrevField) => self.move_focus(-1),
            Some(Action::Reveal) => self.reveal = !self.reveal,
            Some(Action::PageDown) => self.stored_scroll = (self.stored_scroll + 5).min(self.stored_lines()),
            Some(Action::PageUp) => self.stored_scroll = self.stored_scroll.saturating_sub(5),
            Some(Action::AddRegistry) => {
                self.leave_field();
                self.config.registries.push(RegistryCredentials::default());
                self.notes.push(None);
                self.focus = (self.config.registries.len() - 1, Field::Registry);
            }
            Some(Action::RemoveRegistry) => {
                let n = self.config.registries.len();
                if n <= 1 {
                    self.error = Some("a docker registry secret needs at least one registry".into());
                } else {
                    let i = self.focus.0.min(n - 1);
                    self.config.registries.remove(i);
                    if i < self.notes.len() {
                        self.notes.remove(i);
                    }
                    // Problems are tracked by row: renumber the rows after the removed one.
                    self.touched = self
                        .touched
                        .iter()
                        .filter(|(e, _)| *e != i)
                        .map(|(e, f)| (if *e > i { e - 1 } else { *e }, *f))
                        .collect();
                    self.focus = (i.min(n - 2), Field::Registry);
                    self.error = None;
                }
            }
            Some(Action::Save) => return self.request_save(),
            Some(Action::Back) => {
                return if self.confirm_leave() { FormOutcome::None } else { FormOutcome::Close };
            }
            Some(Action::Help) => return FormOutcome::Help,
            _ => match key.code {
                KeyCode::Backspace => self.with_field(|s| {
                    s.pop();
                }),
                _ if is_ctrl(&key, 'u') => self.with_field(String::clear),
                _ => {}
            },
        }
        FormOutcome::None
    }

    /// Applies an edit to the focused field.
    fn with_field(&mut self, edit: impl FnOnce(&mut String)) {
        let (entry, field) = self.focus;
        let Some(r) = self.config.registries.get_mut(entry) else { return };
        match field {
            Field::Registry => edit(&mut r.registry),
            Field::Username => edit(&mut r.username),
            Field::Password => {
                // Grow the buffer ourselves, so a reallocation never leaves an unzeroized copy behind: the old
                // buffer is a `Zeroizing` that is wiped when replaced.
                if r.password.capacity() - r.password.len() < 8 {
                    let mut bigger = Zeroizing::new(String::with_capacity(r.password.len() + 128));
                    bigger.push_str(&r.password);
                    r.password = bigger;
                }
                edit(&mut r.password);
            }
            Field::Email => edit(&mut r.email),
        }
        self.error = None;
    }

    fn leave_field(&mut self) {
        self.touched.insert(self.focus);
    }

    fn move_focus(&mut self, delta: isize) {
        self.leave_field();
        let n = self.config.registries.len() * FIELDS.len();
        let pos = self.focus.0 * FIELDS.len() + FIELDS.iter().position(|f| *f == self.focus.1).unwrap_or(0);
        let to = (pos as isize + delta).clamp(0, n.saturating_sub(1) as isize) as usize;
        self.focus = (to / FIELDS.len(), FIELDS[to % FIELDS.len()]);
    }

    fn request_save(&mut self) -> FormOutcome {
        self.leave_field();
        self.show_all = true;
        let issues = self.issues();
        if let Some(first) = issues.first() {
            self.error = Some(format!(
                "cannot save: {} (every problem is shown next to its field)",
                plural_problems(issues.len())
            ));
            self.focus = (first.entry.min(self.config.registries.len().saturating_sub(1)), first.field);
            return FormOutcome::None;
        }
        if !self.is_new && !self.dirty() && matches!(self.stored, Some(Ok(_))) {
            self.error = Some("nothing to save: no change".into());
            return FormOutcome::None;
        }
        if matches!(self.stored, Some(Err(_))) {
            self.mode = DockerMode::ConfirmReplace;
            return FormOutcome::None;
        }
        self.save(false)
    }

    fn save(&mut self, force: bool) -> FormOutcome {
        match self.config.to_secret_data() {
            Ok(mut data) => {
                data.pairs.extend(self.kept.iter().cloned());
                self.mode = DockerMode::Saving;
                self.error = None;
                FormOutcome::Save { data, force }
            }
            Err(issues) => {
                self.mode = DockerMode::Edit;
                self.error = Some(format!("cannot save: {}", plural_problems(issues.len())));
                FormOutcome::None
            }
        }
    }

    /// The data a save would write now (for tests and previews), or the problems.
    pub fn draft(&self) -> Result<SecretData, Vec<Issue>> {
        let mut data = self.config.to_secret_data()?;
        data.pairs.extend(self.kept.iter().cloned());
        Ok(data)
    }
}

/// The text of a field of a registry row.
pub fn field_value(r: &RegistryCredentials, field: Field) -> &str {
    match field {
        Field::Registry => &r.registry,
        Field::Username => &r.username,
        Field::Password => &r.password,
        Field::Email => &r.email,
    }
}

fn plural_problems(n: usize) -> String {
    if n == 1 { "1 problem".into() } else { format!("{n} problems") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn m() -> Mount {
        Mount { path: "secret".into(), version: crate::vault::KvVersion::V2, description: String::new() }
    }

    fn typed(f: &mut DockerForm, s: &str) {
        for c in s.chars() {
            f.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE), None);
        }
    }

    fn act(f: &mut DockerForm, a: Action) -> FormOutcome {
        f.on_key(KeyEvent::new(KeyCode::Null, KeyModifiers::NONE), Some(a))
    }

    #[test]
    fn fields_fill_and_save_builds_the_config() {
        let mut f = DockerForm::new(m(), "reg".into());
        typed(&mut f, "ghcr.io");
        act(&mut f, Action::NextField);
        typed(&mut f, "bob");
        act(&mut f, Action::NextField);
        typed(&mut f, "pw");
        assert_eq!(f.focus, (0, Field::Password));
        match act(&mut f, Action::Save) {
            FormOutcome::Save { data, force } => {
                assert!(!force);
                assert_eq!(data.keys().collect::<Vec<_>>(), [DOCKER_CONFIG_KEY]);
            }
            other => panic!("expected a save, got {other:?}"),
        }
        assert_eq!(f.mode, DockerMode::Saving);
    }

    #[test]
    fn problems_block_saving_and_show_next_to_fields() {
        let mut f = DockerForm::new(m(), "reg".into());
        assert!(f.shown_issue(&f.issues(), 0, Field::Username).is_none(), "not before the field is visited");
        assert!(matches!(act(&mut f, Action::Save), FormOutcome::None));
        let issues = f.issues();
        assert!(f.shown_issue(&issues, 0, Field::Username).is_some());
        assert!(f.shown_issue(&issues, 0, Field::Registry).is_none(), "empty server is Docker Hub");
        assert_eq!(f.focus, (0, Field::Username));
        assert!(f.error.as_ref().unwrap().contains("2 problems"));
    }

    #[test]
    fn registries_are_added_and_removed() {
        let mut f = DockerForm::new(m(), "reg".into());
        act(&mut f, Action::RemoveRegistry);
        assert!(f.error.is_some(), "the last registry stays");
        act(&mut f, Action::AddRegistry);
        assert_eq!(f.config.registries.len(), 2);
        assert_eq!(f.focus, (1, Field::Registry));
        act(&mut f, Action::RemoveRegistry);
        assert_eq!(f.config.registries.len(), 1);
        assert_eq!(f.focus, (0, Field::Registry));
    }

    #[test]
    fn malformed_stored_json_asks_before_replacing() {
        let data = SecretData::from_json_object(r#"{".dockerconfigjson":"{not json","OTHER":"x"}"#).unwrap();
        let mut f = DockerForm::edit(m(), "reg".into(), SecretRead { data: Some(data), version: None });
        assert!(matches!(f.stored, Some(Err(_))));
        typed(&mut f, "ghcr.io");
        act(&mut f, Action::NextField);
        typed(&mut f, "bob");
        act(&mut f, Action::NextField);
        typed(&mut f, "pw");
        assert!(matches!(act(&mut f, Action::Save), FormOutcome::None));
        assert_eq!(f.mode, DockerMode::ConfirmReplace);
        f.on_key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE), None);
        assert_eq!(f.mode, DockerMode::Edit, "any other key goes back");
        act(&mut f, Action::Save);
        match f.on_key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE), Some(Action::Yes)) {
            FormOutcome::Save { data, .. } => {
                assert_eq!(data.keys().collect::<Vec<_>>(), [DOCKER_CONFIG_KEY, "OTHER"], "other keys kept");
            }
            other => panic!("expected a save, got {other:?}"),
        }
    }

    #[test]
    fn editing_a_stored_config_prefills_and_notes_auth_only() {
        let auth = docker::encode_auth("alice", "s3cret");
        let inner = format!(r#"{{"auths":{{"ghcr.io":{{"auth":"{}"}}}}}}"#, auth.as_str());
        let data = SecretData { pairs: vec![(DOCKER_CONFIG_KEY.into(), SecretValue::from_string(&inner))] };
        let f = DockerForm::edit(m(), "reg".into(), SecretRead { data: Some(data), version: None });
        assert_eq!(f.config.registries[0].username, "alice");
        assert_eq!(f.config.registries[0].password.as_str(), "s3cret");
        assert!(f.notes[0].is_some_and(|n| n.contains("only \"auth\"")));
        assert!(!f.dirty());
    }
}
