//! Typed secrets in the TUI: the type picker of "new secret", the docker registry and SSH key forms, and the
//! per-folder cache of secret types that tags the explorer's rows.
//!
//! Like the key/value editor, each form is pure state plus key handling returning a [`FormOutcome`]; the
//! `impl App` block at the end is the glue `update` calls: it turns outcomes into [`Effect`]s and feeds the
//! answers back. Saving reuses the editor's write (`Effect::Write`, check-and-set) and then records the type
//! annotation (`Effect::SetType`).
//!
//! Types are loaded lazily: reading every secret of a big folder is too costly, so only the rows on screen
//! are asked for, in one batched [`Effect::LoadTypes`] per change of what is visible; the answers are cached
//! per folder, and answers for a folder the user left are dropped.

pub mod docker;
pub mod ssh;

use std::collections::{HashMap, HashSet};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::editor::Editor;
use super::{Action, App, Effect, Level, SecretView, parent};
use crate::keymap::{Context, Key};
use crate::secret::SecretData;
use crate::secret::ssh::SshKeyInfo;
use crate::secret::templates::Template;
use crate::secret::types::{SSH_PRIVATE_KEY, SecretType, TYPE_ANNOTATION};
use crate::vault::VaultError;
use crate::vault::kv::{Mount, SecretRead};

/// The character a key types into a field, if it types one (no Ctrl or Alt).
pub(crate) fn typed_char(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c) if !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => Some(c),
        _ => None,
    }
}

/// True for Ctrl plus this letter.
pub(crate) fn is_ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

/// One entry of the type picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// A secret type with its own form (Opaque opens the key/value editor).
    Type(SecretType),
    /// A quick-add template: the key/value editor with the template's keys pre-filled.
    Template(Template),
}

impl Choice {
    /// The menu label.
    pub fn label(&self) -> &str {
        match self {
            Self::Type(t) => t.label(),
            Self::Template(t) => &t.name,
        }
    }

    /// One sentence about it.
    pub fn description(&self) -> String {
        match self {
            Self::Type(SecretType::Opaque) => "Free key/value pairs: the default.".into(),
            Self::Type(SecretType::DockerConfigJson) => {
                "kubernetes.io/dockerconfigjson: registry server, username and password, several registries in \
                 one secret, saved as .dockerconfigjson."
                    .into()
            }
            Self::Type(SecretType::SshAuth) => {
                "kubernetes.io/ssh-auth: paste or load a private key; once stored it is masked and cannot be \
                 changed."
                    .into()
            }
            Self::Template(t) => t.description.clone(),
        }
    }

    /// The keys it pre-fills, for the menu.
    pub fn keys(&self) -> String {
        match self {
            Self::Type(t) => t.payload_key().unwrap_or("").to_string(),
            Self::Template(t) => t.keys.iter().map(|k| k.name.as_str()).collect::<Vec<_>>().join(" "),
        }
    }
}

/// "New secret": the type or template of the secret being created, asked after its name.
#[derive(Debug, Clone)]
pub struct TypePicker {
    /// The mount of the new secret.
    pub mount: Mount,
    /// Its path inside the mount.
    pub path: String,
    /// The entries: the three types, then the quick-add templates.
    pub items: Vec<Choice>,
    /// Index of the highlighted entry.
    pub selected: usize,
    /// Why the templates are missing, if they could not be loaded.
    pub error: Option<String>,
}

impl TypePicker {
    /// The picker for a new secret at `path`, Opaque highlighted.
    pub fn new(mount: Mount, path: String) -> Self {
        let mut items: Vec<Choice> = SecretType::ALL.iter().map(|t| Choice::Type(*t)).collect();
        let mut error = None;
        match crate::secret::templates::builtin() {
            Ok(t) => items.extend(t.templates.iter().cloned().map(Choice::Template)),
            Err(e) => error = Some(e.to_string()),
        }
        Self { mount, path, items, selected: 0, error }
    }

    /// Index of the first template (the "Quick add" heading goes above it).
    pub fn first_template(&self) -> usize {
        self.items.iter().position(|c| matches!(c, Choice::Template(_))).unwrap_or(self.items.len())
    }

    /// Runs a keymap action.
    pub fn on_action(&mut self, action: Action) -> FormOutcome {
        let last = self.items.len().saturating_sub(1);
        match action {
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::PageDown => self.selected = (self.selected + 5).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(5),
            Action::Open => {
                if let Some(c) = self.items.get(self.selected) {
                    return FormOutcome::Chosen(c.clone());
                }
            }
            Action::Back | Action::Quit => return FormOutcome::Close,
            Action::Help => return FormOutcome::Help,
            _ => {}
        }
        FormOutcome::None
    }
}

/// A form over the explorer.
pub enum Form {
    /// Choosing the type of a new secret.
    Picker(TypePicker),
    /// The docker registry credentials form.
    Docker(Box<docker::DockerForm>),
    /// The SSH private key form.
    Ssh(Box<ssh::SshForm>),
}

/// What the app should do after a key in a form.
#[derive(Debug)]
pub enum FormOutcome {
    /// Nothing outside the form.
    None,
    /// Close the form.
    Close,
    /// Open the help overlay.
    Help,
    /// The picker chose this.
    Chosen(Choice),
    /// Write this data (check-and-set against the form's base unless `force`).
    Save {
        /// The secret to write.
        data: SecretData,
        /// Skip check-and-set (the user chose to overwrite someone else's change).
        force: bool,
    },
}

impl Form {
    /// The keymap context of the form.
    pub fn context(&self) -> Context {
        match self {
            Self::Picker(_) => Context::TypePicker,
            Self::Docker(f) => match f.mode {
                docker::DockerMode::ConfirmDiscard | docker::DockerMode::ConfirmReplace => Context::Confirm,
                docker::DockerMode::Conflict => Context::Conflict,
                _ => Context::Form,
            },
            Self::Ssh(f) => match f.mode {
                ssh::SshMode::ConfirmDiscard => Context::Confirm,
                _ => Context::Form,
            },
        }
    }

    /// True while a save is under way.
    pub fn busy(&self) -> bool {
        match self {
            Self::Picker(_) => false,
            Self::Docker(f) => f.mode == docker::DockerMode::Saving,
            Self::Ssh(f) => f.mode == ssh::SshMode::Saving,
        }
    }

    /// Asks before leaving when there is something unsaved; true when it now asks.
    pub fn confirm_leave(&mut self) -> bool {
        match self {
            Self::Picker(_) => false,
            Self::Docker(f) => f.confirm_leave(),
            Self::Ssh(f) => f.confirm_leave(),
        }
    }

    /// The mount and path of the secret the form is for.
    pub fn target(&self) -> (&Mount, &str) {
        match self {
            Self::Picker(p) => (&p.mount, &p.path),
            Self::Docker(f) => (&f.mount, &f.path),
            Self::Ssh(f) => (&f.mount, &f.path),
        }
    }

    /// The type the form writes.
    pub fn secret_type(&self) -> SecretType {
        match self {
            Self::Picker(_) => SecretType::Opaque,
            Self::Docker(_) => SecretType::DockerConfigJson,
            Self::Ssh(_) => SecretType::SshAuth,
        }
    }

    fn is_new(&self) -> bool {
        match self {
            Self::Picker(_) | Self::Ssh(_) => true,
            Self::Docker(f) => f.is_new,
        }
    }

    fn base(&self) -> Option<SecretRead> {
        match self {
            Self::Docker(f) => f.base.clone(),
            _ => None,
        }
    }

    fn save_failed(&mut self, message: String) {
        match self {
            Self::Picker(_) => {}
            Self::Docker(f) => f.save_failed(message),
            Self::Ssh(f) => f.save_failed(message),
        }
    }

    fn on_key(&mut self, key: KeyEvent, action: Option<Action>) -> FormOutcome {
        match self {
            Self::Picker(p) => action.map_or(FormOutcome::None, |a| p.on_action(a)),
            Self::Docker(f) => f.on_key(key, action),
            Self::Ssh(f) => f.on_key(key, action),
        }
    }
}

/// What editing a loaded secret opens, by its type.
pub enum Opened {
    /// The key/value editor (Opaque).
    Editor(Box<Editor>),
    /// A typed form.
    Form(Form),
    /// Nothing: the reason, for the status line.
    Refused(String),
}

impl Opened {
    /// Puts the result in place: the editor, the form, or an error message.
    pub fn apply(
        self,
        editor: &mut Option<Editor>,
        form: &mut Option<Form>,
        message: &mut Option<(Level, String)>,
    ) {
        match self {
            Self::Editor(e) => *editor = Some(*e),
            Self::Form(f) => *form = Some(f),
            Self::Refused(m) => *message = Some((Level::Error, m)),
        }
    }
}

/// The message shown when the private key of an ssh-auth secret would be shown, copied or changed.
pub const SSH_IMMUTABLE: &str =
    "the private key stays hidden and unchanged: delete and recreate to change it";

/// What editing the secret of `s` opens, given the data just read: the docker form for a docker registry
/// secret, a refusal for an ssh-auth secret (immutable), the key/value editor otherwise.
pub fn open_editing(types: &TypeCache, s: &SecretView, read: &SecretRead, upper_keys: bool) -> Opened {
    match type_of(types, s, read.data.as_ref()) {
        SecretType::DockerConfigJson => Opened::Form(Form::Docker(Box::new(docker::DockerForm::edit(
            s.mount.clone(),
            s.path.clone(),
            read.clone(),
        )))),
        SecretType::SshAuth => Opened::Refused(SSH_IMMUTABLE.to_string()),
        SecretType::Opaque => Opened::Editor(Box::new(Editor::new(
            s.mount.clone(),
            s.path.clone(),
            Some(read.clone()),
            upper_keys,
        ))),
    }
}

/// The type of the secret in a secret view: its `type` annotation once loaded, else the type cached from the
/// explorer, else recognised from `data`'s keys.
pub fn type_of(types: &TypeCache, s: &SecretView, data: Option<&SecretData>) -> SecretType {
    let keys = || data.into_iter().flat_map(|d| d.keys());
    if let Some(a) = &s.annotations {
        return crate::secret::types::detect(a.get(TYPE_ANNOTATION).map(String::as_str), keys()).ty;
    }
    let (folder, name) = parent(&s.path);
    match types.get(&format!("{}/{folder}", s.mount.path), name) {
        Some(ty) => ty,
        None => SecretType::from_keys(keys()),
    }
}

/// At most this many secret types are kept (or waited for) per folder; see [`TypeCache::bound`].
pub const MAX_TYPES: usize = 4_096;

/// Types of secrets by folder, loaded lazily for the rows on screen; and what may be shown of the SSH key in
/// the secret view.
#[derive(Debug, Default)]
pub struct TypeCache {
    /// Folder key (`mount/folder`) → secret name → type (`None`: could not be read).
    folders: HashMap<String, HashMap<String, Option<SecretType>>>,
    /// The folder the pending names belong to.
    current: String,
    /// Names asked for in `current` and not answered yet.
    pending: HashSet<String>,
    /// Requests numbered up to this one were sent before entering `current`: their answers are dropped.
    since: u64,
    /// The public half of the SSH key in the secret view: (which secret and version, key info or why none).
    ssh: Option<(String, Result<SshKeyInfo, String>)>,
}

impl TypeCache {
    /// The cached type of `name` in the folder `folder_key` (`mount/folder`), if known.
    pub fn get(&self, folder_key: &str, name: &str) -> Option<SecretType> {
        self.folders.get(folder_key).and_then(|f| f.get(name)).copied().flatten()
    }

    /// Records a type (after sesame wrote the secret).
    pub fn record(&mut self, folder_key: &str, name: &str, ty: SecretType) {
        self.folders.entry(folder_key.to_string()).or_default().insert(name.to_string(), Some(ty));
    }

    /// Forgets the types of one folder (a refresh).
    pub fn forget(&mut self, folder_key: &str) {
        self.folders.remove(folder_key);
        if self.current == folder_key {
            self.pending.clear();
        }
    }

    /// Past [`MAX_TYPES`] names in a folder (known or pending), forgets those not on screen, so memory
    /// follows the screen and not how far the user scrolled a huge folder; they are asked again if they
    /// come back into view.
    fn bound(&mut self, folder_key: &str, visible: &[String]) {
        if self.pending.len() > MAX_TYPES {
            self.pending.retain(|n| visible.contains(n));
        }
        if let Some(f) = self.folders.get_mut(folder_key)
            && f.len() > MAX_TYPES
        {
            f.retain(|n, _| visible.contains(n));
        }
    }

    fn known(&self, folder_key: &str, name: &str) -> bool {
        self.folders.get(folder_key).is_some_and(|f| f.contains_key(name))
    }
}

impl App {
    /// Opens the type picker for a new secret (after its name was accepted).
    pub(super) fn open_type_picker(&mut self, mount: Mount, path: String) {
        self.secret = None;
        self.form = Some(Form::Picker(TypePicker::new(mount, path)));
    }

    /// Handles a key while a form is open.
    pub(super) fn on_form_key(&mut self, key: KeyEvent, out: &mut Vec<Effect>) {
        let Some(form) = self.form.as_mut() else { return };
        let ctx = form.context();
        let k = Key::from_event(&key);
        // Picker: nothing is typed, so global keys (help) apply too. Forms: only the form's own bindings, so
        // every character types.
        let action = match ctx {
            Context::TypePicker => self.keymap.lookup(ctx, k),
            _ => self.keymap.lookup_in(ctx, k),
        };
        let outcome = form.on_key(key, action);
        self.on_form_outcome(outcome, out);
    }

    fn on_form_outcome(&mut self, outcome: FormOutcome, out: &mut Vec<Effect>) {
        match outcome {
            FormOutcome::None => {}
            FormOutcome::Help => self.open_help(),
            FormOutcome::Close => {
                self.form = None;
                if self.quit_after_discard {
                    self.should_quit = true;
                }
            }
            FormOutcome::Chosen(choice) => {
                let Some(Form::Picker(p)) = self.form.take() else { return };
                match choice {
                    Choice::Type(SecretType::Opaque) => {
                        self.editor = Some(Editor::new(p.mount, p.path, None, self.upper_keys));
                    }
                    Choice::Type(SecretType::DockerConfigJson) => {
                        self.form = Some(Form::Docker(Box::new(docker::DockerForm::new(p.mount, p.path))));
                    }
                    Choice::Type(SecretType::SshAuth) => {
                        self.form = Some(Form::Ssh(Box::new(ssh::SshForm::new(p.mount, p.path))));
                    }
                    Choice::Template(t) => {
                        self.editor = Some(Editor::from_template(p.mount, p.path, &t, self.upper_keys));
                    }
                }
            }
            FormOutcome::Save { data, force } => {
                let Some(form) = self.form.as_ref() else { return };
                let (mount, path) = form.target();
                let (mount, path, base) = (mount.clone(), path.to_string(), form.base());
                let req = self.req();
                self.edit_req = req;
                out.push(Effect::Write { req, mount, path, data, base, force, encodings: Vec::new() });
            }
        }
        self.quit_after_discard &= self.form.is_some() || self.editor.is_some();
    }

    /// The answer to a form's write: on success close the form, record the type and open the secret; on
    /// failure keep the draft and say why.
    pub(super) fn on_form_written(&mut self, result: Result<Option<u64>, VaultError>, out: &mut Vec<Effect>) {
        let Some(form) = self.form.as_mut() else { return };
        match result {
            Ok(version) => {
                let ty = form.secret_type();
                let (mount, path) = form.target();
                let (mount, path) = (mount.clone(), path.to_string());
                self.form = None;
                self.index_created(&mount, &path);
                let shown = format!("{}/{path}", mount.path);
                self.info(match version {
                    Some(v) => format!("saved {shown} (version {v}, {})", ty.label()),
                    None => format!("saved {shown} ({})", ty.label()),
                });
                let (folder, name) = parent(&path);
                let (folder, name) = (folder.to_string(), name.to_string());
                self.types.record(&Self::cache_key(Some(&mount), &folder), &name, ty);
                let req = self.req();
                self.annotate_req = req;
                out.push(Effect::SetType { req, mount: mount.clone(), path: path.clone(), ty });
                if self.mount.as_ref() == Some(&mount) && self.folder == folder {
                    self.reload_selecting(name, out);
                } else {
                    self.enter(Some(mount.clone()), folder, Some(name), out);
                }
                self.open_secret(mount, path, out);
            }
            Err(VaultError::CasMismatch { .. }) if form.is_new() => {
                let (mount, path) = form.target();
                let msg = format!(
                    "{}/{path} already exists: leave with Esc and open it, or choose another name",
                    mount.path
                );
                form.save_failed(msg);
            }
            Err(VaultError::CasMismatch { .. }) => {
                if let Form::Docker(f) = form {
                    f.conflict();
                }
            }
            Err(e) if e.may_have_written() => {
                let text = super::editor::unknown_outcome(&e.to_string());
                form.save_failed(String::new());
                match form {
                    Form::Docker(f) => f.error = Some(text),
                    Form::Ssh(f) => f.error = Some(text),
                    Form::Picker(_) => {}
                }
            }
            Err(e) => form.save_failed(e.to_string()),
        }
    }

    /// The types of some secrets of a folder arrived.
    pub(super) fn on_types(
        &mut self,
        req: u64,
        mount: &str,
        folder: &str,
        types: Vec<(String, Option<SecretType>)>,
    ) {
        let key = format!("{mount}/{folder}");
        if key != self.types.current || req <= self.types.since {
            return; // For a folder we left.
        }
        let cached = self.types.folders.entry(key).or_default();
        for (name, ty) in types {
            self.types.pending.remove(&name);
            cached.insert(name, ty);
        }
    }

    /// The type annotation of a secret sesame just wrote was recorded, or not.
    /// `current` is false for the answer to an older request: then only its outcome is reported.
    pub(super) fn on_type_set(
        &mut self,
        path: &str,
        ty: SecretType,
        result: Result<(), VaultError>,
        current: bool,
    ) {
        match result {
            Ok(()) => {
                if current
                    && let Some(s) = self.secret.as_mut()
                    && format!("{}/{}", s.mount.path, s.path) == path
                    && let Some(a) = s.annotations.as_mut()
                {
                    a.insert(TYPE_ANNOTATION.to_string(), ty.k8s_name().to_string());
                }
            }
            Err(e) => self.error(format!(
                "{path} is saved, but its type could not be recorded ({e}): sesame still recognises it from its keys"
            )),
        }
    }

    /// Runs after every message: asks for the types of the secrets on screen that are not known yet, and
    /// derives the public key of an ssh-auth secret in the secret view.
    pub(super) fn forms_after_update(&mut self, out: &mut Vec<Effect>) {
        self.request_visible_types(out);
        self.refresh_ssh_info();
    }

    fn request_visible_types(&mut self, out: &mut Vec<Effect>) {
        let Some(mount) = self.mount.clone() else { return };
        let key = Self::cache_key(Some(&mount), &self.folder);
        if key != self.types.current {
            self.types.current = key.clone();
            self.types.pending.clear();
            self.types.since = self.next_req;
        }
        if self.secret.is_some() || self.editor.is_some() || self.history.is_some() {
            return;
        }
        let visible: Vec<String> = self
            .list
            .visible(self.page())
            .filter(|(_, e)| !e.is_folder)
            .map(|(_, e)| e.name.clone())
            .collect();
        self.types.bound(&key, &visible);
        let names: Vec<String> = visible
            .into_iter()
            .filter(|n| !self.types.known(&key, n) && !self.types.pending.contains(n))
            .collect();
        if names.is_empty() {
            return;
        }
        self.types.pending.extend(names.iter().cloned());
        let req = self.req();
        out.push(Effect::LoadTypes { req, mount, folder: self.folder.clone(), names });
    }

    fn refresh_ssh_info(&mut self) {
        let Some(s) = self.secret.as_ref() else {
            self.types.ssh = None;
            return;
        };
        let Some(read) = s.read.as_ref() else { return };
        let Some(data) = read.data.as_ref() else {
            self.types.ssh = None;
            return;
        };
        if type_of(&self.types, s, Some(data)) != SecretType::SshAuth {
            self.types.ssh = None;
            return;
        }
        let id = format!(
            "{}/{}@{:?}",
            s.mount.path,
            s.path,
            read.version.as_ref().map(|v| (v.version, v.created_time.as_str()))
        );
        if self.types.ssh.as_ref().is_some_and(|(k, _)| *k == id) {
            return;
        }
        let info = crate::secret::ssh::stored_key_info(data);
        self.types.ssh = Some((id, info));
    }

    /// The type of the secret `name` of the current folder, when known.
    pub fn listed_type(&self, name: &str) -> Option<SecretType> {
        self.types.get(&Self::cache_key(self.mount.as_ref(), &self.folder), name)
    }

    /// The type of the secret in the secret view (annotation, else cache, else keys).
    pub fn secret_type(&self, s: &SecretView) -> SecretType {
        type_of(&self.types, s, s.read.as_ref().and_then(|r| r.data.as_ref()))
    }

    /// What may be shown of the SSH key of the ssh-auth secret in the secret view: its public key and
    /// fingerprint (which may be copied), or why they cannot be derived.
    pub fn ssh_key_info(&self) -> Option<&Result<SshKeyInfo, String>> {
        self.secret.as_ref()?;
        self.types.ssh.as_ref().map(|(_, i)| i)
    }

    /// True when `key` of the secret in the secret view must stay masked and unchanged (the private key of an
    /// ssh-auth secret).
    pub fn is_immutable_key(&self, key: &str) -> bool {
        key == SSH_PRIVATE_KEY
            && self.secret.as_ref().is_some_and(|s| self.secret_type(s) == SecretType::SshAuth)
    }

    /// Refuses, in the secret or JSON view of an ssh-auth secret, what would show, copy or change its private
    /// key; true when the action was handled here.
    pub(super) fn refuse_on_ssh_key(&mut self, action: Action) -> bool {
        let Some(s) = self.secret.as_ref() else { return false };
        if self.secret_type(s) != SecretType::SshAuth {
            return false;
        }
        let Some(data) = s.read.as_ref().and_then(|r| r.data.as_ref()) else { return false };
        let selected_private = data.pairs.get(s.selected).is_some_and(|(k, _)| k == SSH_PRIVATE_KEY);
        let in_json = s.json.is_some();
        match action {
            Action::Edit => {}
            Action::Reveal | Action::CopyValue if selected_private && !in_json => {}
            Action::RevealAll if in_json => {}
            Action::RevealAll => {
                // Reveal the other keys; the private key stays masked.
                let others: HashSet<String> =
                    data.keys().filter(|k| *k != SSH_PRIVATE_KEY).map(str::to_string).collect();
                if let Some(s) = self.secret.as_mut() {
                    s.reveal_all = false;
                    s.revealed = if s.revealed.is_empty() { others } else { HashSet::new() };
                }
                self.info("the private key stays masked: it is never shown");
                return true;
            }
            _ => return false,
        }
        self.error(SSH_IMMUTABLE);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picker_lists_types_then_templates() {
        let m =
            Mount { path: "secret".into(), version: crate::vault::KvVersion::V2, description: String::new() };
        let mut p = TypePicker::new(m, "x".into());
        assert_eq!(p.items[0], Choice::Type(SecretType::Opaque));
        assert_eq!(p.first_template(), 3);
        assert!(p.items.iter().any(|c| c.label() == "GitHub token"));
        assert!(matches!(p.on_action(Action::Open), FormOutcome::Chosen(Choice::Type(SecretType::Opaque))));
        p.on_action(Action::Bottom);
        assert!(
            matches!(p.on_action(Action::Open), FormOutcome::Chosen(Choice::Template(t)) if t.id == "custom")
        );
        assert!(matches!(p.on_action(Action::Back), FormOutcome::Close));
    }

    #[test]
    fn type_cache_records_and_forgets() {
        let mut c = TypeCache::default();
        assert_eq!(c.get("secret/a", "x"), None);
        c.record("secret/a", "x", SecretType::SshAuth);
        assert_eq!(c.get("secret/a", "x"), Some(SecretType::SshAuth));
        c.forget("secret/a");
        assert!(!c.known("secret/a", "x"));
    }

    #[test]
    fn keys_that_type() {
        assert_eq!(typed_char(&KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE)), Some('q'));
        assert_eq!(typed_char(&KeyEvent::new(KeyCode::Char('Q'), KeyModifiers::SHIFT)), Some('Q'));
        assert_eq!(typed_char(&KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)), None);
        assert!(is_ctrl(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL), 'u'));
    }
}
