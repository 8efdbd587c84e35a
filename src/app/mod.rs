//! Application state and `update`: one owner of all state, driven by messages, returning the effects
//! (network work) to run. `update` never does I/O, so app flows are tested by feeding it messages.

pub mod audit;
pub mod audit_effects;
pub mod chooser;
pub mod editor;
pub mod effects;
pub mod forms;
pub mod forms_effects;
pub mod history;
pub mod json_view;
pub mod list;
pub mod ops;
pub mod ops_effects;
pub mod overlay;
pub mod perms;
pub mod policy;
pub mod policy_effects;
pub mod prompt;

use std::collections::{HashMap, HashSet};

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use crate::action::Action;
use crate::keymap::{Context, Key, Keymap};
use crate::secret::SecretData;
use crate::vault::VaultError;
use crate::vault::kv::{Entry, Identity, Mount, SecretRead, VersionInfo, VersionState};
use editor::{Editor, EditorOutcome};
pub use list::ListState;
use overlay::Layer;

/// Messages into `update`: terminal input, ticks, and answers from the network tasks.
#[derive(Debug)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// A mouse event.
    Mouse(MouseEvent),
    /// The terminal was resized.
    Resize(u16, u16),
    /// Periodic tick (spinner, debounced preview).
    Tick,
    /// Mount discovery finished.
    Mounts(Result<Vec<Mount>, VaultError>),
    /// `lookup-self` finished.
    Identity(Result<Identity, VaultError>),
    /// A chunk of a folder listing; `done` on the last one.
    Listed { req: u64, result: Result<Vec<Entry>, VaultError>, done: bool },
    /// A secret was read.
    Secret { req: u64, result: Result<SecretRead, VaultError> },
    /// A preview was loaded.
    Preview { req: u64, result: Result<PreviewData, VaultError> },
    /// The start path given on the command line was resolved.
    Resolved(Result<StartTarget, VaultError>),
    /// A write finished (new KV v2 version on success).
    Written { req: u64, result: Result<Option<u64>, VaultError> },
    /// The types of some secrets of a folder (`None`: could not be read).
    Types {
        req: u64,
        mount: String,
        folder: String,
        types: Vec<(String, Option<crate::secret::types::SecretType>)>,
    },
    /// The type annotation of a secret sesame wrote was recorded (`path` is `mount/path`).
    TypeSet { req: u64, path: String, ty: crate::secret::types::SecretType, result: Result<(), VaultError> },
    /// The current version of a secret, fetched to show someone else's change.
    Theirs { req: u64, result: Result<SecretRead, VaultError> },
    /// A folder was created.
    FolderMade { req: u64, result: Result<String, VaultError> },
    /// The versions of a secret and its current version.
    History { req: u64, result: Result<(Vec<crate::vault::write::VersionMeta>, u64), VaultError> },
    /// A diff of two versions (keys only).
    Diff {
        req: u64,
        a: u64,
        b: u64,
        result: Result<crate::secret::diff::MaskedDiff, VaultError>,
        /// The old and new values of the keys that differ (masked until revealed).
        values: history::DiffValues,
    },
    /// A version operation finished; the text says what was done.
    VersionDone { req: u64, result: Result<String, VaultError> },
    /// An answer of the delete/move/copy flows or of a permissions question.
    Ops(ops::OpsMsg),
    /// An answer of the audit view's crawl or export.
    Audit(audit::AuditMsg),
    /// A copy finished: the message for the status line, and the text to show when nothing could copy.
    CopyResult { message: String, copied: bool, manual: Option<(String, chooser::CopyText)> },
    /// The annotations of the secret in the secret view.
    Annotations { req: u64, result: Result<crate::vault::annotations::Annotations, VaultError> },
    /// The injection flag was set (true) or cleared (false).
    InjectSet { req: u64, path: String, result: Result<bool, VaultError> },
    /// The secret being opened is key-only: its recorded key names (its values are not read).
    KeyOnly { req: u64, record: crate::vault::modes::ModeRecord },
    /// Whether the token administers the secret's mode.
    Admin { req: u64, admin: bool },
    /// The admin modes and injection flags of listed secrets (folder key `mount/folder`).
    Marks { folder_key: String, marks: Vec<(String, forms_effects::Marks)> },
    /// An answer of the policy view's work.
    Policy(policy::PolicyMsg),
    /// A file was read for an editor row: the value and its encoding record, or why not.
    FileLoaded { req: u64, row: usize, result: Result<(crate::secret::SecretValue, Option<String>), String> },
    /// A mode was set (or cleared).
    ModeSet { req: u64, path: String, result: Result<crate::vault::modes::ModeRecord, String> },
}

/// Network work for the runtime to do; each answer comes back as a [`Msg`] carrying the same `req`.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Discover mounts (plus the ones given with `--mount`).
    LoadMounts,
    /// Look up the token's identity.
    LoadIdentity,
    /// List a folder.
    List { req: u64, mount: Mount, folder: String },
    /// Read a secret (the latest version, or `version` on KV v2).
    Read { req: u64, mount: Mount, path: String, version: Option<u64> },
    /// Load the preview of an entry (a folder's entries or a secret's keys).
    Preview { req: u64, mount: Mount, path: String, is_folder: bool },
    /// Resolve the start path (mount, folder or secret).
    Resolve { path: String },
    /// Write a secret with check-and-set against `base` (`None`: create only), unless `force`.
    Write {
        req: u64,
        mount: Mount,
        path: String,
        data: SecretData,
        base: Option<SecretRead>,
        force: bool,
        encodings: Vec<(String, String)>,
    },
    /// Load the types of some secrets of a folder (annotation, else keys), for the explorer's tags.
    LoadTypes { req: u64, mount: Mount, folder: String, names: Vec<String> },
    /// Record the type annotation of a secret sesame just wrote.
    SetType { req: u64, mount: Mount, path: String, ty: crate::secret::types::SecretType },
    /// Read the current version of a secret (conflict view).
    ReadTheirs { req: u64, mount: Mount, path: String },
    /// Create a folder.
    MakeFolder { req: u64, mount: Mount, path: String },
    /// Load the versions of a secret.
    LoadHistory { req: u64, mount: Mount, path: String },
    /// Compare two versions.
    DiffVersions { req: u64, mount: Mount, path: String, a: u64, b: u64 },
    /// Roll back, undelete, delete or destroy a version; `current` is the version the user saw as current.
    VersionOp { req: u64, mount: Mount, path: String, op: history::VersionOp, current: u64 },
    /// Delete/move/copy work, or a permissions question.
    Ops(ops::OpsEffect),
    /// The audit view's crawl or export.
    Audit(audit::AuditEffect),
    /// Copy text (handled by the terminal side, which owns the clipboard and the terminal writer).
    Copy(chooser::CopyRequest),
    /// Open a secret: its annotations (type, mode, injection flag…), then its data unless it is key-only,
    /// and whether the token administers it — one read of the annotations for all of it.
    OpenSecret { req: u64, mount: Mount, path: String, version: Option<u64> },
    /// Flip the injection flag of a secret.
    ToggleInject { req: u64, mount: Mount, path: String },
    /// Read a local file into the value of an editor row (size-limited, off the UI task).
    LoadFile { req: u64, row: usize, path: String },
    /// The policy view's work.
    Policy(policy::PolicyEffect),
    /// Set the admin mode of a secret.
    SetMode { req: u64, mount: Mount, path: String, mode: crate::vault::modes::Mode },
}

/// What a preview shows. Secret previews carry key names only, never values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewData {
    /// A folder's entries.
    Folder(Vec<Entry>),
    /// A secret's keys and version.
    Keys { keys: Vec<String>, version: Option<VersionInfo> },
}

/// Where the start path led.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartTarget {
    /// The mount.
    pub mount: Mount,
    /// Path inside the mount.
    pub path: String,
    /// True when the path is a secret (opened in the secret view).
    pub is_secret: bool,
}

/// Severity of a status message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Neutral information.
    Info,
    /// Something went wrong.
    Error,
}

/// Preview pane state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewState {
    /// Nothing selected.
    Empty,
    /// Waiting for the debounce or the answer.
    Loading,
    /// A mount's facts.
    Mount(Mount),
    /// Loaded.
    Ready(PreviewData),
    /// Failed.
    Error(String),
}

/// The preview of the selected entry.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The full path the preview is for.
    pub target: String,
    /// Request id of the pending load.
    pub req: u64,
    /// Ticks left before the load is sent (debounce while moving fast).
    pub due: Option<u8>,
    /// What to show.
    pub state: PreviewState,
}

/// The secret view.
#[derive(Debug, Clone)]
pub struct SecretView {
    /// The mount.
    pub mount: Mount,
    /// Path inside the mount.
    pub path: String,
    /// Pending request.
    pub req: u64,
    /// True while loading.
    pub loading: bool,
    /// The secret, once read.
    pub read: Option<SecretRead>,
    /// Error of the last read.
    pub error: Option<String>,
    /// Selected key row.
    pub selected: usize,
    /// First visible row.
    pub offset: usize,
    /// Keys revealed one by one.
    pub revealed: HashSet<String>,
    /// All values revealed.
    pub reveal_all: bool,
    /// JSON view scroll offset when open.
    pub json: Option<usize>,
    /// The JSON view's lines, laid out when it opens or its values are revealed or masked.
    pub json_layout: Option<json_view::JsonLayout>,
    /// The version shown when it is not the latest (opened from the history).
    pub version: Option<u64>,
    /// sesame's annotations of the secret, once loaded.
    pub annotations: Option<crate::vault::annotations::Annotations>,
    /// Set for a key-only secret: its recorded key names; the values are never read.
    pub key_only: Option<crate::vault::modes::ModeRecord>,
    /// Whether this token administers the secret's mode (may update its metadata), once known.
    pub admin: Option<bool>,
}

impl SecretView {
    /// A view of `mount/path` waiting for request `req`; `version` is set for an older version.
    pub fn loading(mount: Mount, path: String, req: u64, version: Option<u64>) -> Self {
        Self {
            mount,
            path,
            req,
            loading: true,
            read: None,
            error: None,
            selected: 0,
            offset: 0,
            revealed: HashSet::new(),
            reveal_all: false,
            json: None,
            json_layout: None,
            version,
            annotations: None,
            key_only: None,
            admin: None,
        }
    }

    fn rows(&self) -> usize {
        if let Some(r) = &self.key_only {
            return r.keys.len();
        }
        self.read.as_ref().and_then(|r| r.data.as_ref()).map_or(0, |d| d.pairs.len())
    }

    /// Lays the JSON view out again (after it opened, a reveal or a new read); drops it when closed.
    pub fn relayout_json(&mut self) {
        self.json_layout = match (self.json, self.read.as_ref().and_then(|r| r.data.as_ref())) {
            (Some(_), Some(data)) => Some(json_view::JsonLayout::new(data, self.reveal_all)),
            _ => None,
        };
    }

    /// True when a value is shown unmasked.
    pub fn is_revealed(&self, key: &str) -> bool {
        self.reveal_all || self.revealed.contains(key)
    }
}

/// The whole application state.
pub struct App {
    /// Key bindings.
    pub keymap: Keymap,
    /// Server address, for the status bar.
    pub addr: String,
    /// Known mounts (`None` until discovered).
    pub mounts: Option<Vec<Mount>>,
    /// Current mount (`None` at the list of mounts).
    pub mount: Option<Mount>,
    /// Current folder inside the mount, without slashes at the ends.
    pub folder: String,
    /// The listing of the current folder (or of the mounts).
    pub list: ListState,
    /// Pending listing request.
    pub list_req: u64,
    /// True while the current listing loads.
    pub list_loading: bool,
    /// Error of the last listing.
    pub(crate) list_error: Option<String>,
    /// Chunks received while a cached listing is on screen.
    incoming: Option<Vec<Entry>>,
    /// Listings seen this session, by full folder path, shown at once when going back.
    cache: HashMap<String, Vec<Entry>>,
    /// True while the filter is being typed.
    pub filter_editing: bool,
    /// The preview pane.
    pub preview: Preview,
    /// The secret view, when open.
    pub secret: Option<SecretView>,
    /// The popups, bottom first (help, prompts, the chooser, questions): see [`overlay`].
    popups: Vec<overlay::Popup>,
    /// Token identity.
    pub identity: Option<Identity>,
    /// Last message.
    pub message: Option<(Level, String)>,
    /// Spinner frame.
    pub(crate) spinner: usize,
    /// Terminal size.
    pub size: (u16, u16),
    /// Start path still to resolve once mounts are known.
    pending_start: Option<String>,
    /// Entry to select once the listing brings it (going back to a parent folder).
    pending_select: Option<String>,
    /// Set when the user quits.
    pub should_quit: bool,
    /// Draw without colours (`NO_COLOR`).
    pub no_color: bool,
    /// The key/value editor, when open.
    pub editor: Option<Editor>,
    /// The type picker or a typed-secret form (docker, SSH), when open.
    pub form: Option<forms::Form>,
    /// Types of the secrets on screen, loaded lazily.
    pub(crate) types: forms::TypeCache,
    /// Request id of the pending write or conflict read.
    edit_req: u64,
    /// Open the editor once the secret being read arrives.
    edit_when_loaded: bool,
    /// Quit once the user confirmed discarding the editor's changes.
    quit_after_discard: bool,
    /// Upper-case keys as they are typed in the editor (the convention).
    pub upper_keys: bool,
    /// The history view, when open.
    pub history: Option<history::HistoryView>,
    /// Delete/move/copy flows and what the token may do here.
    pub ops: ops::OpsState,
    /// Open the chooser once the secret being read arrives.
    chooser_when_loaded: bool,
    /// Settings of the snippets (top folder for relative paths).
    pub service: crate::snippet::ServiceSettings,
    /// The namespace requests go to (for snippets).
    pub namespace: Option<String>,
    /// Seconds after which copied values are cleared (0: never), for the confirmation text.
    pub clear_after_secs: u64,
    /// The policy view, when open.
    pub policy: Option<policy::PolicyView>,
    /// Admin modes and injection flags of listed secrets, by folder key (`mount/folder`) and name.
    pub(crate) marks: HashMap<String, HashMap<String, forms_effects::Marks>>,
    /// The audit view, when open.
    pub audit: Option<audit::AuditView>,
    /// The latest annotation write sent (a mode, the injection flag or a type): an older one's answer is
    /// still reported, but it no longer changes what is on screen.
    annotate_req: u64,
    /// The pending read of a file into an editor value.
    file_req: u64,
    next_req: u64,
}

/// Takes the next request id from `counter` (a free function, so a caller may hold a borrow of another field).
fn next_id(counter: &mut u64) -> u64 {
    *counter += 1;
    *counter
}

/// Joins a folder and a name.
pub fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() { name.to_string() } else { format!("{folder}/{name}") }
}

fn parent(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some((p, n)) => (p, n),
        None => ("", path),
    }
}

impl App {
    /// A new app for a server address, with the effects to run at start.
    pub fn new(addr: &str, keymap: Keymap, start: Option<String>) -> (Self, Vec<Effect>) {
        let app = Self {
            keymap,
            addr: addr.to_string(),
            mounts: None,
            mount: None,
            folder: String::new(),
            list: ListState::default(),
            list_req: 0,
            list_loading: true,
            list_error: None,
            incoming: None,
            cache: HashMap::new(),
            filter_editing: false,
            preview: Preview { target: String::new(), req: 0, due: None, state: PreviewState::Empty },
            secret: None,
            popups: Vec::new(),
            identity: None,
            message: None,
            spinner: 0,
            size: (80, 24),
            pending_start: start.filter(|s| !s.trim_matches('/').is_empty()),
            pending_select: None,
            should_quit: false,
            no_color: false,
            editor: None,
            form: None,
            types: forms::TypeCache::default(),
            edit_req: 0,
            edit_when_loaded: false,
            quit_after_discard: false,
            upper_keys: true,
            history: None,
            ops: ops::OpsState::default(),
            chooser_when_loaded: false,
            service: crate::snippet::ServiceSettings::default(),
            namespace: None,
            clear_after_secs: crate::clipboard::DEFAULT_CLEAR_AFTER_SECS,
            policy: None,
            marks: HashMap::new(),
            audit: None,
            annotate_req: 0,
            file_req: 0,
            next_req: 1,
        };
        (app, vec![Effect::LoadMounts, Effect::LoadIdentity])
    }

    fn req(&mut self) -> u64 {
        next_id(&mut self.next_req)
    }

    /// True while anything is loading (the spinner turns): a dialog at work, or the screen beneath.
    pub fn busy(&self) -> bool {
        let layers = self.layers();
        let dialogs = layers.iter().any(|l| match l {
            Layer::Audit => self.audit.as_ref().is_some_and(audit::AuditView::busy),
            Layer::Ops => self.ops.busy(),
            Layer::Form => self.form.as_ref().is_some_and(forms::Form::busy),
            _ => false,
        });
        dialogs
            || match self.screen() {
                Layer::Editor => self.editor.as_ref().is_some_and(|e| {
                    matches!(
                        e.mode,
                        editor::EditMode::Saving | editor::EditMode::Conflict { loading: true, .. }
                    )
                }),
                Layer::Secret => self.secret.as_ref().is_some_and(|s| s.loading),
                Layer::Policy => self.policy.as_ref().is_some_and(|p| p.busy),
                Layer::History => self.history.as_ref().is_some_and(|h| h.busy),
                _ => self.list_loading || matches!(self.preview.state, PreviewState::Loading),
            }
    }

    /// The context whose bindings apply now: the top layer's.
    pub fn context(&self) -> Context {
        match self.top_layer() {
            Layer::Popup(i) => self.popups.get(i).map_or(Context::Explorer, overlay::Popup::context),
            Layer::Audit => Context::Audit,
            Layer::Ops => self.ops.context(),
            Layer::Form => self.form.as_ref().map_or(Context::Explorer, forms::Form::context),
            _ => self.screen_context(),
        }
    }

    /// The context of the screen under the popups and dialogs.
    pub fn screen_context(&self) -> Context {
        match self.screen() {
            Layer::Editor => Context::Editor,
            Layer::Secret if self.secret.as_ref().is_some_and(|s| s.json.is_some()) => Context::Json,
            Layer::Secret => Context::Secret,
            Layer::Policy => Context::Policy,
            Layer::History => Context::History,
            _ => Context::Explorer,
        }
    }

    /// The breadcrumb of the current location, e.g. `secret/teams/ml/`.
    pub fn breadcrumb(&self) -> String {
        match &self.mount {
            None => "/".to_string(),
            Some(m) if self.folder.is_empty() => format!("{}/", m.path),
            Some(m) => format!("{}/{}/", m.path, self.folder),
        }
    }

    /// Rows of the list that fit on screen.
    pub fn page(&self) -> usize {
        crate::layout::list_height(self.size).max(1)
    }

    /// Sets the status message.
    pub fn info(&mut self, text: impl Into<String>) {
        self.message = Some((Level::Info, text.into()));
    }

    /// Sets an error status message.
    pub fn error(&mut self, text: impl Into<String>) {
        self.message = Some((Level::Error, text.into()));
    }

    /// Handles one message and returns the effects to run.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let mut out = Vec::new();
        match msg {
            Msg::Key(key) => {
                if key.kind != KeyEventKind::Release {
                    self.on_key(key, &mut out);
                }
            }
            Msg::Mouse(m) => self.on_mouse(m, &mut out),
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.list.scroll_into_view(self.page());
            }
            Msg::Tick => {
                self.spinner = self.spinner.wrapping_add(1);
                self.ops_tick();
                self.audit_tick();
                if let Some(d) = self.preview.due {
                    if d == 0 {
                        self.preview.due = None;
                        self.send_preview(&mut out);
                    } else {
                        self.preview.due = Some(d - 1);
                    }
                }
            }
            Msg::Mounts(result) => self.on_mounts(result, &mut out),
            Msg::Identity(result) => match result {
                Ok(id) => self.identity = Some(id),
                Err(e) => self.error(format!("token lookup failed: {e}")),
            },
            Msg::Listed { req, result, done } => self.on_listed(req, result, done, &mut out),
            Msg::Secret { req, result } => self.on_secret(req, result),
            Msg::Preview { req, result } => {
                if req == self.preview.req {
                    self.preview.state = match result {
                        Ok(p) => PreviewState::Ready(p),
                        Err(e) => PreviewState::Error(e.to_string()),
                    };
                }
            }
            Msg::Resolved(result) => self.on_resolved(result, &mut out),
            Msg::Written { req, result } => self.on_written(req, result, &mut out),
            Msg::Types { req, mount, folder, types } => self.on_types(req, &mount, &folder, types),
            Msg::TypeSet { req, path, ty, result } => {
                let current = req == self.annotate_req;
                self.on_type_set(&path, ty, result, current);
            }
            Msg::Theirs { req, result } => {
                if req == self.edit_req
                    && let Some(e) = self.editor.as_mut()
                {
                    match result {
                        Ok(r) => e.show_theirs(&r.data.unwrap_or_default()),
                        Err(err) => {
                            e.mode = editor::EditMode::Conflict { theirs: None, loading: false };
                            e.error = Some(format!("cannot load their version: {err}"));
                        }
                    }
                }
            }
            Msg::History { req, result } => {
                if let Some(h) = self.history.as_mut()
                    && h.req == req
                {
                    h.busy = false;
                    match result {
                        Ok((versions, current)) => {
                            let prev = h.selected_version().map(|v| v.version);
                            h.selected = prev
                                .and_then(|p| versions.iter().position(|v| v.version == p))
                                .unwrap_or(h.selected)
                                .min(versions.len().saturating_sub(1));
                            h.versions = Some(versions);
                            h.current = current;
                        }
                        Err(e) => h.error = Some(e.to_string()),
                    }
                }
            }
            Msg::Diff { req, a, b, result, values } => {
                if let Some(h) = self.history.as_mut()
                    && h.req == req
                {
                    h.busy = false;
                    h.diff_values = values;
                    h.diff_revealed = false;
                    match result {
                        Ok(d) => h.diff = Some((a, b, d)),
                        Err(e) => h.error = Some(e.to_string()),
                    }
                }
            }
            Msg::Ops(m) => self.on_ops_msg(m, &mut out),
            Msg::Audit(m) => self.on_audit_msg(m),
            Msg::VersionDone { req, result } => {
                if let Some(h) = self.history.as_ref()
                    && h.req == req
                {
                    let (mount, path) = (h.mount.clone(), h.path.clone());
                    match result {
                        Ok(text) => {
                            self.info(text);
                            self.open_history(mount, path, &mut out);
                        }
                        Err(e) => {
                            if let Some(h) = self.history.as_mut() {
                                h.busy = false;
                                h.error = Some(e.to_string());
                            }
                        }
                    }
                }
            }
            Msg::CopyResult { message, copied, manual } => {
                self.message =
                    Some((if copied || manual.is_some() { Level::Info } else { Level::Error }, message));
                self.set_manual_copy(manual);
            }
            Msg::Annotations { req, result } => {
                if let Some(s) = self.secret.as_mut()
                    && s.req == req
                {
                    s.annotations = result.ok();
                    if let Some(a) = s.annotations.clone() {
                        let path = s.path.clone();
                        self.chooser_annotations(&path, &a);
                    }
                }
            }
            Msg::KeyOnly { req, record } => {
                if let Some(s) = self.secret.as_mut()
                    && s.req == req
                {
                    s.loading = false;
                    s.error = None;
                    s.key_only = Some(record);
                    self.chooser_when_loaded = false;
                    self.edit_when_loaded = false;
                }
            }
            Msg::Marks { folder_key, marks } => {
                let folder = self.marks.entry(folder_key).or_default();
                folder.extend(marks);
            }
            Msg::Policy(m) => self.on_policy_msg(m, &mut out),
            Msg::Admin { req, admin } => {
                if let Some(s) = self.secret.as_mut()
                    && s.req == req
                {
                    s.admin = Some(admin);
                }
            }
            Msg::ModeSet { req, path, result } => match result {
                Ok(record) => {
                    let what = match record.mode {
                        crate::vault::modes::Mode::None => format!("{path} has no mode any more"),
                        m => format!(
                            "{path} is now {} — run `sesame policy apply` so the server enforces it",
                            m.as_str()
                        ),
                    };
                    self.info(what);
                    // An older request's answer is reported, but the screen belongs to the newer one.
                    if req == self.annotate_req {
                        self.close_mode_menu();
                        if let Some(s) = self.secret.clone() {
                            let mut sink = Vec::new();
                            self.open_secret(s.mount, s.path, &mut sink);
                            out.extend(sink);
                        }
                    }
                }
                Err(e) => {
                    if req == self.annotate_req {
                        self.close_mode_menu();
                    }
                    self.error(format!("cannot set the mode of {path}: {e}"));
                }
            },
            Msg::FileLoaded { req, row, result } => {
                if req == self.file_req
                    && let Some(e) = self.editor.as_mut()
                {
                    e.file_loaded(row, result);
                }
            }
            Msg::InjectSet { req, path, result } => match result {
                Ok(on) => {
                    if req == self.annotate_req
                        && let Some(s) = self.secret.as_mut()
                        && format!("{}/{}", s.mount.path, s.path) == path
                        && let Some(a) = s.annotations.as_mut()
                    {
                        if on {
                            a.insert(crate::snippet::INJECT_ANNOTATION.to_string(), "true".to_string());
                        } else {
                            a.remove(crate::snippet::INJECT_ANNOTATION);
                        }
                    }
                    self.info(if on {
                        format!("{path} is now injected as environment variables (sesame run --folder)")
                    } else {
                        format!("{path} is no longer injected as environment variables")
                    });
                }
                Err(e) => self.error(format!("cannot change the injection flag: {e}")),
            },
            Msg::FolderMade { req, result } => {
                if req == self.edit_req {
                    match result {
                        Ok(path) => {
                            self.info(format!("created folder {path}/"));
                            let name = path.rsplit('/').next().unwrap_or("").to_string();
                            self.reload_selecting(name, &mut out);
                        }
                        Err(e) => self.error(format!("cannot create the folder: {e}")),
                    }
                }
            }
        }
        self.forms_after_update(&mut out);
        self.ops_after_update(&mut out);
        out
    }

    fn on_key(&mut self, key: KeyEvent, out: &mut Vec<Effect>) {
        if matches!(self.message, Some((Level::Info, _))) {
            self.message = None;
        }
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            if let Some(e) = self.editor.as_mut()
                && e.confirm_leave()
            {
                self.quit_after_discard = true;
                return;
            }
            if let Some(f) = self.form.as_mut()
                && f.confirm_leave()
            {
                self.quit_after_discard = true;
                return;
            }
            self.should_quit = true;
            return;
        }
        match self.top_layer() {
            Layer::Popup(i) => self.popup_key(i, key, out),
            Layer::Audit => {
                self.audit_key(key, out);
            }
            Layer::Ops => {
                self.ops_key(key, out);
            }
            Layer::Form => self.on_form_key(key, out),
            Layer::Editor => self.editor_key(key, out),
            Layer::Policy => {
                let action = self.keymap.lookup(Context::Policy, Key::from_event(&key));
                self.policy_key(action, key, out);
            }
            Layer::History => {
                if !self.ops_key(key, out) {
                    self.history_key(key, out);
                }
            }
            Layer::Secret | Layer::Explorer => {
                if !self.audit_key(key, out) && !self.ops_key(key, out) {
                    self.screen_key(key, out);
                }
            }
        }
    }

    fn editor_key(&mut self, key: KeyEvent, out: &mut Vec<Effect>) {
        let Some(e) = self.editor.as_mut() else { return };
        let outcome = if e.browsing() {
            match self.keymap.lookup(Context::Editor, Key::from_event(&key)) {
                Some(Action::Help) => {
                    self.open_help();
                    return;
                }
                Some(action) => e.on_action(action),
                None => editor::EditorOutcome::None,
            }
        } else {
            let ctx = e.key_context();
            let action = self.keymap.lookup_in(ctx, Key::from_event(&key));
            e.on_key(key, action)
        };
        self.on_editor_outcome(outcome, out);
    }

    fn history_key(&mut self, key: KeyEvent, out: &mut Vec<Effect>) {
        let Some(h) = self.history.as_mut() else { return };
        let outcome = if h.confirming() {
            let action = self.keymap.lookup_in(h.confirm_context(), Key::from_event(&key));
            h.on_confirm_key(key, action)
        } else {
            match self.keymap.lookup(Context::History, Key::from_event(&key)) {
                Some(Action::Help) => {
                    self.open_help();
                    return;
                }
                Some(Action::Refresh) => {
                    let (mount, path) = (h.mount.clone(), h.path.clone());
                    self.open_history(mount, path, out);
                    return;
                }
                Some(action) => h.on_action(action),
                None => history::HistoryOutcome::None,
            }
        };
        self.on_history_outcome(outcome, out);
    }

    /// A key for the secret view or the explorer (the filter line takes every key while it is typed).
    fn screen_key(&mut self, key: KeyEvent, out: &mut Vec<Effect>) {
        if self.filter_editing {
            self.on_filter_key(key);
            return;
        }
        let context = self.screen_context();
        if let Some(action) = self.keymap.lookup(context, Key::from_event(&key)) {
            self.dispatch(action, out);
        }
    }

    fn on_filter_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Enter => self.filter_editing = false,
            KeyCode::Esc => {
                self.filter_editing = false;
                self.set_filter(String::new());
            }
            KeyCode::Backspace => {
                let mut f = self.list.filter.clone();
                f.pop();
                self.set_filter(f);
            }
            KeyCode::Down => self.list.move_by(1),
            KeyCode::Up => self.list.move_by(-1),
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                let mut f = self.list.filter.clone();
                f.push(c);
                self.set_filter(f);
            }
            _ => {}
        }
        self.after_move();
    }

    fn set_filter(&mut self, f: String) {
        self.list.filter = f;
        self.list.relayout();
    }

    /// Runs an action.
    pub fn dispatch(&mut self, action: Action, out: &mut Vec<Effect>) {
        match self.screen_context() {
            Context::Json => self.dispatch_json(action),
            Context::Secret => self.dispatch_secret(action, out),
            _ => self.dispatch_explorer(action, out),
        }
    }

    fn dispatch_common(&mut self, action: Action, out: &mut Vec<Effect>) -> bool {
        match action {
            Action::Help => self.open_help(),
            Action::Quit => self.should_quit = true,
            Action::Refresh => self.refresh(out),
            _ => return false,
        }
        true
    }

    fn dispatch_explorer(&mut self, action: Action, out: &mut Vec<Effect>) {
        if self.dispatch_common(action, out) {
            return;
        }
        let page = self.page() as isize;
        match action {
            Action::Down => self.list.move_by(1),
            Action::Up => self.list.move_by(-1),
            Action::PageDown => self.list.move_by(page),
            Action::PageUp => self.list.move_by(-page),
            Action::Top => self.list.top(),
            Action::Bottom => self.list.bottom(),
            Action::Open => self.open_selected(out),
            Action::Back => self.go_up(out),
            Action::Filter => self.filter_editing = true,
            Action::ClearFilter => {
                if !self.list.filter.is_empty() {
                    self.set_filter(String::new());
                }
            }
            Action::ToggleHidden => {
                self.list.show_hidden = !self.list.show_hidden;
                self.list.relayout();
                self.info(if self.list.show_hidden {
                    "showing hidden entries"
                } else {
                    "hiding hidden entries"
                });
            }
            Action::Edit => {
                if let (Some(m), Some(e)) = (self.mount.clone(), self.list.selected_entry().cloned())
                    && !e.is_folder
                {
                    self.edit_when_loaded = true;
                    self.open_secret(m, join(&self.folder, &e.name), out);
                }
            }
            Action::History => {
                if let (Some(m), Some(e)) = (self.mount.clone(), self.list.selected_entry().cloned())
                    && !e.is_folder
                {
                    let path = join(&self.folder, &e.name);
                    self.open_history(m, path, out);
                }
            }
            Action::UseInService => match (self.mount.clone(), self.list.selected_entry().cloned()) {
                (Some(m), Some(e)) if e.is_folder => {
                    let folder = join(&self.folder, &e.name);
                    let target =
                        crate::snippet::Target::folder(&self.addr, self.namespace.as_deref(), &m, &folder);
                    self.open_chooser(chooser::Chooser::new(target, None));
                }
                (Some(m), Some(e)) => {
                    self.chooser_when_loaded = true;
                    self.open_secret(m, join(&self.folder, &e.name), out);
                }
                (None, Some(e)) => {
                    if let Some(m) = self.mounts.iter().flatten().find(|m| m.path == e.name).cloned() {
                        let target =
                            crate::snippet::Target::folder(&self.addr, self.namespace.as_deref(), &m, "");
                        self.open_chooser(chooser::Chooser::new(target, None));
                    }
                }
                _ => {}
            },
            Action::Policy => self.open_policy(out),
            Action::ToggleInject => {
                if let (Some(m), Some(e)) = (self.mount.clone(), self.list.selected_entry().cloned())
                    && !e.is_folder
                {
                    let req = self.req();
                    self.annotate_req = req;
                    out.push(Effect::ToggleInject { req, mount: m, path: join(&self.folder, &e.name) });
                }
            }
            Action::NewSecret | Action::NewFolder => match self.mount.clone() {
                None => self.error("open a mount first"),
                Some(mount) => {
                    let folder = self.folder.clone();
                    let shown = format!(
                        "{}/{}",
                        mount.path,
                        if folder.is_empty() { String::new() } else { format!("{folder}/") }
                    );
                    self.push_popup(overlay::Popup::Prompt(if action == Action::NewSecret {
                        prompt::Prompt::new(
                            format!(" New secret in {shown} "),
                            prompt::PromptPurpose::NewSecret { mount, folder },
                        )
                    } else {
                        prompt::Prompt::new(
                            format!(" New folder in {shown} "),
                            prompt::PromptPurpose::NewFolder { mount, folder },
                        )
                    }));
                }
            },
            Action::ToggleSort => {
                self.list.descending = !self.list.descending;
                self.list.relayout();
                self.info(if self.list.descending {
                    "sorted by name, Z to A"
                } else {
                    "sorted by name, A to Z"
                });
            }
            _ => return,
        }
        self.after_move();
    }

    fn dispatch_secret(&mut self, action: Action, out: &mut Vec<Effect>) {
        if action == Action::Quit {
            // `q` in the secret view goes back, as the keymap describes; Ctrl-c quits from anywhere.
            self.secret = None;
            self.after_move();
            return;
        }
        if self.dispatch_common(action, out) || self.refuse_on_ssh_key(action) || self.refuse_by_mode(action)
        {
            return;
        }
        if action == Action::SetMode {
            self.push_popup(overlay::Popup::ModeMenu { selected: 0 });
            return;
        }
        if matches!(action, Action::CopyPublicKey | Action::CopyFingerprint) {
            match self.ssh_key_info() {
                Some(Ok(info)) => {
                    let (text, what) = if action == Action::CopyPublicKey {
                        (info.public_key.clone(), "the SSH public key".to_string())
                    } else {
                        (info.fingerprint.clone(), "the SSH key fingerprint".to_string())
                    };
                    out.push(Effect::Copy(chooser::CopyRequest {
                        text: chooser::CopyText(zeroize::Zeroizing::new(text)),
                        content: crate::clipboard::Content::Text,
                        what,
                    }));
                }
                Some(Err(why)) => self.error(format!("no public key to copy: {why}")),
                None => self.error("this is not an SSH key secret"),
            }
            return;
        }
        if action == Action::UseInService
            && let Some(s) = &self.secret
            && s.key_only.is_none()
            && let Some(mut data) = s.read.as_ref().and_then(|r| r.data.clone())
        {
            // An ssh-auth secret's private key never leaves sesame, snippets included.
            crate::snippet::withhold(self.secret_type(s), &mut data);
            let mut target = crate::snippet::Target::secret(
                &self.addr,
                self.namespace.as_deref(),
                &s.mount,
                &s.path,
                data.keys().map(str::to_string).collect::<Vec<_>>(),
            );
            if let Some(a) = &s.annotations {
                target = target.with_annotations(a);
            }
            self.open_chooser(chooser::Chooser::new(target, Some(data)));
            return;
        }
        if action == Action::UseInService
            && let Some(s) = &self.secret
            && let Some(record) = &s.key_only
        {
            // Key-only: path snippets from the recorded key names; nothing that would hold a value.
            let target = crate::snippet::Target::secret(
                &self.addr,
                self.namespace.as_deref(),
                &s.mount,
                &s.path,
                record.keys.clone(),
            );
            self.open_chooser(chooser::Chooser::new(target, None));
            return;
        }
        let page = self.page() as isize;
        let Some(s) = self.secret.as_mut() else { return };
        let rows = s.rows();
        let move_to = |s: &mut SecretView, to: isize| {
            s.selected = to.clamp(0, rows.saturating_sub(1) as isize) as usize;
        };
        match action {
            Action::Down => move_to(s, s.selected as isize + 1),
            Action::Up => move_to(s, s.selected as isize - 1),
            Action::PageDown => move_to(s, s.selected as isize + page),
            Action::PageUp => move_to(s, s.selected as isize - page),
            Action::Top => move_to(s, 0),
            Action::Bottom => move_to(s, rows as isize),
            Action::Reveal => {
                let key = s
                    .read
                    .as_ref()
                    .and_then(|r| r.data.as_ref())
                    .and_then(|d| d.pairs.get(s.selected))
                    .map(|(k, _)| k.clone());
                if let Some(k) = key {
                    if s.reveal_all {
                        // Masking one value while all are revealed: reveal the others one by one.
                        s.reveal_all = false;
                        if let Some(d) = s.read.as_ref().and_then(|r| r.data.as_ref()) {
                            s.revealed = d.keys().filter(|x| *x != k).map(str::to_string).collect();
                        }
                    } else if !s.revealed.remove(&k) {
                        s.revealed.insert(k);
                    }
                }
            }
            Action::RevealAll => {
                s.reveal_all = !s.reveal_all;
                if !s.reveal_all {
                    s.revealed.clear();
                }
            }
            Action::JsonView if s.read.as_ref().is_some_and(|r| r.data.is_some()) => {
                s.json = Some(0);
                s.relayout_json();
            }
            Action::UseInService => {
                self.message = Some((Level::Info, "still loading…".into()));
                return;
            }
            Action::CopyValue | Action::CopyKey => {
                let pair = s
                    .read
                    .as_ref()
                    .and_then(|r| r.data.as_ref())
                    .and_then(|d| d.pairs.get(s.selected))
                    .cloned();
                if let Some((k, v)) = pair {
                    if action == Action::CopyKey {
                        out.push(Effect::Copy(chooser::CopyRequest {
                            text: chooser::CopyText(zeroize::Zeroizing::new(k.clone())),
                            content: crate::clipboard::Content::Text,
                            what: format!("the key name {k}"),
                        }));
                    } else {
                        self.push_popup(overlay::Popup::ConfirmCopy(chooser::CopyRequest {
                            text: chooser::CopyText(v.reveal()),
                            content: crate::clipboard::Content::Secret,
                            what: format!("the value of {k}"),
                        }));
                    }
                }
                return;
            }
            Action::ToggleInject => {
                let (m, p) = (s.mount.clone(), s.path.clone());
                let req = self.req();
                self.annotate_req = req;
                out.push(Effect::ToggleInject { req, mount: m, path: p });
                return;
            }
            Action::History => {
                let (m, p) = (s.mount.clone(), s.path.clone());
                self.secret = None;
                self.open_history(m, p, out);
                return;
            }
            Action::Edit if s.version.is_some() => {
                self.message = Some((
                    Level::Error,
                    "this is an older version: roll back to it from the history (R), or edit the latest"
                        .into(),
                ));
                return;
            }
            Action::Edit => {
                match s.read.as_ref() {
                    Some(r) if r.data.is_some() => {
                        forms::open_editing(&self.types, s, r, self.upper_keys).apply(
                            &mut self.editor,
                            &mut self.form,
                            &mut self.message,
                        );
                    }
                    Some(_) => {
                        self.message = Some((Level::Error, "this version is deleted: nothing to edit".into()))
                    }
                    None => self.message = Some((Level::Info, "still loading…".into())),
                }
                return;
            }
            Action::Back => {
                self.secret = None;
                self.after_move();
            }
            _ => {}
        }
        let height = crate::layout::secret_rows_height(self.size);
        if let Some(s) = self.secret.as_mut() {
            if s.selected < s.offset {
                s.offset = s.selected;
            } else if s.selected >= s.offset + height {
                s.offset = s.selected + 1 - height;
            }
        }
    }

    fn dispatch_json(&mut self, action: Action) {
        if action == Action::Help {
            self.open_help();
            return;
        }
        if self.refuse_on_ssh_key(action) {
            return;
        }
        let Some(s) = self.secret.as_mut() else { return };
        let Some(scroll) = s.json else { return };
        let page = crate::layout::secret_rows_height(self.size);
        match action {
            Action::Down => s.json = Some(scroll + 1),
            Action::Up => s.json = Some(scroll.saturating_sub(1)),
            Action::PageDown => s.json = Some(scroll + page),
            Action::PageUp => s.json = Some(scroll.saturating_sub(page)),
            Action::Top => s.json = Some(0),
            Action::RevealAll => {
                s.reveal_all = !s.reveal_all;
                s.relayout_json();
            }
            Action::Back | Action::Quit | Action::JsonView => {
                s.json = None;
                s.relayout_json();
            }
            _ => {}
        }
    }

    fn on_mouse(&mut self, m: MouseEvent, out: &mut Vec<Effect>) {
        match self.top_layer() {
            Layer::Popup(i) => self.popup_mouse(i, &m),
            Layer::Audit => self.audit_mouse(&m),
            // Dialogs, forms and the editor are driven by the keyboard; what is beneath must not move.
            Layer::Ops | Layer::Form | Layer::Editor | Layer::Policy | Layer::History => {}
            Layer::Secret | Layer::Explorer => self.screen_mouse(m, out),
        }
    }

    fn screen_mouse(&mut self, m: MouseEvent, out: &mut Vec<Effect>) {
        if self.secret.is_some() {
            match m.kind {
                MouseEventKind::ScrollDown => self.dispatch(Action::Down, out),
                MouseEventKind::ScrollUp => self.dispatch(Action::Up, out),
                MouseEventKind::Down(MouseButton::Left) => {
                    if let Some(row) = crate::layout::secret_row_at(self.size, m.column, m.row)
                        && let Some(s) = self.secret.as_mut()
                    {
                        let target = s.offset + row;
                        if target < s.rows() {
                            s.selected = target;
                        }
                    }
                }
                _ => {}
            }
            return;
        }
        match m.kind {
            MouseEventKind::ScrollDown => {
                self.list.move_by(3);
                self.after_move();
            }
            MouseEventKind::ScrollUp => {
                self.list.move_by(-3);
                self.after_move();
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(row) = crate::layout::list_row_at(self.size, m.column, m.row) {
                    let target = self.list.offset + row;
                    if target < self.list.view.len() {
                        if target == self.list.selected {
                            self.open_selected(out);
                        } else {
                            self.list.selected = target;
                        }
                        self.after_move();
                    }
                }
            }
            _ => {}
        }
    }

    /// After the selection moved: keep it on screen and schedule its preview.
    fn after_move(&mut self) {
        self.list.scroll_into_view(self.page());
        let target = self.selected_full_path();
        if target != self.preview.target {
            self.preview.target = target;
            match (&self.mount, self.list.selected_entry()) {
                (_, None) => {
                    self.preview.state = PreviewState::Empty;
                    self.preview.due = None;
                }
                (None, Some(e)) => {
                    let m = self.mounts.as_ref().and_then(|ms| ms.iter().find(|m| m.path == e.name)).cloned();
                    self.preview.state = m.map_or(PreviewState::Empty, PreviewState::Mount);
                    self.preview.due = None;
                }
                (Some(_), Some(_)) => {
                    self.preview.state = PreviewState::Loading;
                    self.preview.due = Some(1);
                    self.preview.req = 0;
                }
            }
        }
    }

    fn selected_full_path(&self) -> String {
        match (&self.mount, self.list.selected_entry()) {
            (_, None) => String::new(),
            (None, Some(e)) => format!("{}/", e.name),
            (Some(m), Some(e)) => {
                format!("{}/{}{}", m.path, join(&self.folder, &e.name), if e.is_folder { "/" } else { "" })
            }
        }
    }

    fn send_preview(&mut self, out: &mut Vec<Effect>) {
        let (Some(mount), Some(e)) = (self.mount.clone(), self.list.selected_entry().cloned()) else {
            return;
        };
        let req = self.req();
        self.preview.req = req;
        self.preview.state = PreviewState::Loading;
        out.push(Effect::Preview { req, mount, path: join(&self.folder, &e.name), is_folder: e.is_folder });
    }

    fn cache_key(mount: Option<&Mount>, folder: &str) -> String {
        match mount {
            None => String::from("/"),
            Some(m) => format!("{}/{}", m.path, folder),
        }
    }

    /// Moves to a folder and starts listing it; `select` names the entry to select once it arrives.
    fn enter(&mut self, mount: Option<Mount>, folder: String, select: Option<String>, out: &mut Vec<Effect>) {
        self.mount = mount;
        self.folder = folder;
        self.list.filter.clear();
        self.filter_editing = false;
        self.list.offset = 0;
        self.list.selected = 0;
        self.list_error = None;
        let key = Self::cache_key(self.mount.as_ref(), &self.folder);
        match self.mount.clone() {
            None => {
                let entries: Vec<Entry> = self
                    .mounts
                    .iter()
                    .flatten()
                    .map(|m| Entry { name: m.path.clone(), is_folder: true })
                    .collect();
                self.list.set_entries(entries);
                self.list_loading = self.mounts.is_none();
                self.incoming = None;
            }
            Some(mount) => {
                match self.cache.get(&key) {
                    Some(cached) => {
                        self.list.set_entries(cached.clone());
                        self.incoming = Some(Vec::new());
                    }
                    None => {
                        self.list.set_entries(Vec::new());
                        self.incoming = None;
                    }
                }
                let req = self.req();
                self.list_req = req;
                self.list_loading = true;
                out.push(Effect::List { req, mount, folder: self.folder.clone() });
            }
        }
        self.pending_select = select;
        if let Some(name) = self.pending_select.clone()
            && self.list.select_name(&name)
        {
            self.pending_select = None;
        }
        self.preview.target = String::from("\0");
        self.after_move();
    }

    fn open_selected(&mut self, out: &mut Vec<Effect>) {
        let Some(e) = self.list.selected_entry().cloned() else { return };
        match self.mount.clone() {
            None => {
                let m = self.mounts.as_ref().and_then(|ms| ms.iter().find(|m| m.path == e.name)).cloned();
                if let Some(m) = m {
                    self.enter(Some(m), String::new(), None, out);
                }
            }
            Some(m) if e.is_folder => {
                let folder = join(&self.folder, &e.name);
                self.enter(Some(m), folder, None, out);
            }
            Some(m) => {
                let path = join(&self.folder, &e.name);
                self.open_secret(m, path, out);
            }
        }
    }

    fn open_secret(&mut self, mount: Mount, path: String, out: &mut Vec<Effect>) {
        let req = self.req();
        self.secret = Some(SecretView::loading(mount.clone(), path.clone(), req, None));
        out.push(Effect::OpenSecret { req, mount, path, version: None });
    }

    fn go_up(&mut self, out: &mut Vec<Effect>) {
        if !self.list.filter.is_empty() {
            self.set_filter(String::new());
            return;
        }
        match self.mount.clone() {
            None => {}
            Some(m) if self.folder.is_empty() => {
                let name = m.path.clone();
                self.enter(None, String::new(), Some(name), out);
            }
            Some(m) => {
                let (p, name) = parent(&self.folder);
                let (p, name) = (p.to_string(), name.to_string());
                self.enter(Some(m), p, Some(name), out);
            }
        }
    }

    fn refresh(&mut self, out: &mut Vec<Effect>) {
        out.push(Effect::LoadIdentity);
        if let Some(s) = self.secret.as_mut() {
            let req = next_id(&mut self.next_req);
            s.req = req;
            s.loading = true;
            let version = s.version;
            out.push(Effect::OpenSecret { req, mount: s.mount.clone(), path: s.path.clone(), version });
            return;
        }
        match self.mount.clone() {
            None => {
                self.list_loading = true;
                out.push(Effect::LoadMounts);
            }
            Some(m) => {
                let req = self.req();
                self.list_req = req;
                self.list_loading = true;
                self.incoming = Some(Vec::new());
                self.types.forget(&Self::cache_key(Some(&m), &self.folder));
                out.push(Effect::List { req, mount: m, folder: self.folder.clone() });
            }
        }
        self.preview.target = String::from("\0");
        self.after_move();
        self.info("refreshing…");
    }

    fn on_mounts(&mut self, result: Result<Vec<Mount>, VaultError>, out: &mut Vec<Effect>) {
        match result {
            Ok(mounts) => {
                if mounts.is_empty() {
                    self.error(
                        "no KV mount visible to this token: start inside a known path with --mount PATH",
                    );
                }
                self.mounts = Some(mounts);
                if let Some(start) = self.pending_start.take() {
                    out.push(Effect::Resolve { path: start });
                    self.list_loading = true;
                } else if self.mount.is_none() {
                    let keep = self.list.selected_entry().map(|e| e.name.clone());
                    self.enter(None, String::new(), keep, out);
                    // A single mount: open it directly, nothing else to choose from.
                    if let Some([only]) = self.mounts.as_deref()
                        && self.message.is_none()
                    {
                        let only = only.clone();
                        self.enter(Some(only), String::new(), None, out);
                    }
                }
            }
            Err(e) => {
                self.list_loading = false;
                self.list_error = Some(e.to_string());
                self.error(format!("cannot list mounts: {e}"));
                if self.mounts.is_none() {
                    self.mounts = Some(Vec::new());
                }
                if let Some(start) = self.pending_start.take() {
                    out.push(Effect::Resolve { path: start });
                    self.list_loading = true;
                }
            }
        }
    }

    fn on_listed(
        &mut self,
        req: u64,
        result: Result<Vec<Entry>, VaultError>,
        done: bool,
        out: &mut Vec<Effect>,
    ) {
        if req != self.list_req {
            return; // An answer for a folder we already left.
        }
        let key = Self::cache_key(self.mount.as_ref(), &self.folder);
        match result {
            Ok(chunk) => {
                match self.incoming.as_mut() {
                    Some(buf) => buf.extend(chunk),
                    None => self.list.append(chunk),
                }
                if done {
                    self.list_loading = false;
                    if let Some(buf) = self.incoming.take() {
                        self.list.set_entries(buf);
                    }
                    self.cache.insert(key, self.list.entries.clone());
                    if self.message.as_ref().is_some_and(|(_, t)| t == "refreshing…") {
                        self.message = None;
                    }
                }
                if let Some(name) = self.pending_select.clone()
                    && self.list.select_name(&name)
                {
                    self.pending_select = None;
                }
                if self.list.entries.is_empty() && done {
                    self.preview.state = PreviewState::Empty;
                }
                self.after_move();
            }
            Err(e) => {
                self.list_loading = false;
                self.incoming = None;
                self.list_error = Some(e.to_string());
                self.error(e.to_string());
                let _ = out;
            }
        }
    }

    fn on_secret(&mut self, req: u64, result: Result<SecretRead, VaultError>) {
        let Some(s) = self.secret.as_mut() else { return };
        if s.req != req {
            return;
        }
        s.loading = false;
        match result {
            Ok(read) => {
                s.error = None;
                if let Some(v) = &read.version
                    && v.state != VersionState::Live
                {
                    s.error = Some(match v.state {
                        VersionState::Deleted => {
                            format!("version {} is deleted (it can be undeleted)", v.version)
                        }
                        _ => format!("version {} is destroyed", v.version),
                    });
                }
                let rows = read.data.as_ref().map_or(0, |d| d.pairs.len());
                s.selected = s.selected.min(rows.saturating_sub(1));
                if self.chooser_when_loaded
                    && let Some(mut data) = read.data.clone()
                {
                    // An ssh-auth secret's private key never leaves sesame, snippets included.
                    crate::snippet::withhold(forms::type_of(&self.types, s, Some(&data)), &mut data);
                    let target = crate::snippet::Target::secret(
                        &self.addr,
                        self.namespace.as_deref(),
                        &s.mount,
                        &s.path,
                        data.keys().map(str::to_string).collect::<Vec<_>>(),
                    );
                    // (The stack by hand: `s` still borrows the secret view.)
                    self.popups.retain(|p| !matches!(p, overlay::Popup::Chooser(_)));
                    self.popups.push(overlay::Popup::Chooser(chooser::Chooser::new(target, Some(data))));
                }
                self.chooser_when_loaded = false;
                if self.edit_when_loaded && read.data.is_some() {
                    forms::open_editing(&self.types, s, &read, self.upper_keys).apply(
                        &mut self.editor,
                        &mut self.form,
                        &mut self.message,
                    );
                }
                self.edit_when_loaded = false;
                s.read = Some(read);
                s.relayout_json();
            }
            Err(e) => {
                s.error = Some(e.to_string());
                self.edit_when_loaded = false;
                let msg = e.to_string();
                self.error(msg);
            }
        }
    }

    fn on_resolved(&mut self, result: Result<StartTarget, VaultError>, out: &mut Vec<Effect>) {
        match result {
            Ok(t) => {
                if let Some(ms) = self.mounts.as_mut()
                    && !ms.iter().any(|m| m.path == t.mount.path)
                {
                    ms.push(t.mount.clone());
                    ms.sort_by(|a, b| a.path.cmp(&b.path));
                }
                if t.is_secret {
                    let (folder, name) = parent(&t.path);
                    let (folder, name) = (folder.to_string(), name.to_string());
                    self.enter(Some(t.mount.clone()), folder, Some(name), out);
                    self.open_secret(t.mount, t.path, out);
                } else {
                    self.enter(Some(t.mount), t.path, None, out);
                }
            }
            Err(e) => {
                self.error(format!("cannot open the start path: {e}"));
                self.enter(None, String::new(), None, out);
            }
        }
    }

    fn on_prompt(&mut self, purpose: prompt::PromptPurpose, text: String, out: &mut Vec<Effect>) {
        match purpose {
            prompt::PromptPurpose::NewSecret { mount, folder } => {
                let path = join(&folder, text.trim_end_matches('/'));
                self.open_type_picker(mount, path);
            }
            prompt::PromptPurpose::NewFolder { mount, folder } => {
                let req = self.req();
                self.edit_req = req;
                out.push(Effect::MakeFolder { req, mount, path: join(&folder, text.trim_end_matches('/')) });
            }
        }
    }

    fn on_editor_outcome(&mut self, outcome: EditorOutcome, out: &mut Vec<Effect>) {
        match outcome {
            EditorOutcome::None => {}
            EditorOutcome::Close => {
                self.editor = None;
                if self.quit_after_discard {
                    self.should_quit = true;
                }
            }
            EditorOutcome::Save { data, force } => {
                let req = self.req();
                self.edit_req = req;
                if let Some(e) = self.editor.as_ref() {
                    out.push(Effect::Write {
                        req,
                        mount: e.mount.clone(),
                        path: e.path.clone(),
                        data,
                        base: e.base.clone(),
                        force,
                        encodings: e.encodings(),
                    });
                }
            }
            EditorOutcome::LoadFile { row, path } => {
                let req = self.req();
                self.file_req = req;
                out.push(Effect::LoadFile { req, row, path });
            }
            EditorOutcome::FetchTheirs => {
                let req = self.req();
                self.edit_req = req;
                if let Some(e) = self.editor.as_ref() {
                    out.push(Effect::ReadTheirs { req, mount: e.mount.clone(), path: e.path.clone() });
                }
            }
        }
        self.quit_after_discard &= self.editor.is_some();
    }

    fn on_written(&mut self, req: u64, result: Result<Option<u64>, VaultError>, out: &mut Vec<Effect>) {
        if req != self.edit_req {
            return;
        }
        if self.form.is_some() {
            self.on_form_written(result, out);
            return;
        }
        let Some(e) = self.editor.as_mut() else { return };
        match result {
            Ok(version) => {
                let (mount, path) = (e.mount.clone(), e.path.clone());
                self.editor = None;
                self.info(match version {
                    Some(v) => format!("saved {}/{path} (version {v})", mount.path),
                    None => format!("saved {}/{path}", mount.path),
                });
                let (folder, name) = parent(&path);
                let (folder, name) = (folder.to_string(), name.to_string());
                if self.mount.as_ref() == Some(&mount) && self.folder == folder {
                    self.reload_selecting(name, out);
                } else {
                    self.enter(Some(mount.clone()), folder, Some(name), out);
                }
                self.open_secret(mount, path, out);
            }
            Err(VaultError::CasMismatch { .. }) if e.is_new => {
                e.save_failed(format!(
                    "{}/{} already exists: leave with Esc and open it, or choose another name",
                    e.mount.path, e.path
                ));
            }
            Err(VaultError::CasMismatch { .. }) => e.conflict(),
            Err(err) if err.may_have_written() => e.save_unknown(err.to_string()),
            Err(err) => e.save_failed(err.to_string()),
        }
    }

    /// Re-lists the current folder and selects `name` when it arrives.
    fn reload_selecting(&mut self, name: String, out: &mut Vec<Effect>) {
        let Some(m) = self.mount.clone() else { return };
        let req = self.req();
        self.list_req = req;
        self.list_loading = true;
        self.incoming = Some(Vec::new());
        self.pending_select = Some(name);
        out.push(Effect::List { req, mount: m, folder: self.folder.clone() });
    }

    fn open_history(&mut self, mount: Mount, path: String, out: &mut Vec<Effect>) {
        if mount.version == crate::vault::KvVersion::V1 {
            self.error(format!("{}/ is a KV v1 mount: secrets there have no versions", mount.path));
            return;
        }
        let req = self.req();
        let keep = self.history.take().filter(|h| h.mount == mount && h.path == path);
        let mut h = history::HistoryView::new(mount.clone(), path.clone(), req);
        if let Some(old) = keep {
            h.selected = old.selected;
            h.marked = old.marked;
            h.versions = old.versions;
        }
        self.history = Some(h);
        out.push(Effect::LoadHistory { req, mount, path });
    }

    fn on_history_outcome(&mut self, outcome: history::HistoryOutcome, out: &mut Vec<Effect>) {
        let Some(h) = self.history.as_mut() else { return };
        match outcome {
            history::HistoryOutcome::None => {}
            history::HistoryOutcome::Close => self.history = None,
            history::HistoryOutcome::Open(version) => {
                let (mount, path, current) = (h.mount.clone(), h.path.clone(), h.current);
                let req = self.req();
                self.secret = Some(SecretView::loading(
                    mount.clone(),
                    path.clone(),
                    req,
                    (version != current).then_some(version),
                ));
                out.push(Effect::Read { req, mount, path, version: Some(version) });
            }
            history::HistoryOutcome::Diff(a, b) => {
                let req = next_id(&mut self.next_req);
                h.req = req;
                h.busy = true;
                out.push(Effect::DiffVersions { req, mount: h.mount.clone(), path: h.path.clone(), a, b });
            }
            history::HistoryOutcome::Run(op) => {
                let req = next_id(&mut self.next_req);
                h.req = req;
                h.busy = true;
                out.push(Effect::VersionOp {
                    req,
                    mount: h.mount.clone(),
                    path: h.path.clone(),
                    op,
                    current: h.current,
                });
            }
        }
    }

    /// The mode of the secret in the secret view (none until known).
    pub fn secret_mode(&self) -> crate::vault::modes::Mode {
        let Some(s) = &self.secret else { return crate::vault::modes::Mode::None };
        s.key_only
            .as_ref()
            .map(|r| r.mode)
            .or_else(|| s.annotations.as_ref().map(crate::vault::modes::mode_of))
            .unwrap_or(crate::vault::modes::Mode::None)
    }

    /// Refuses an action the secret's admin mode does not allow this token, saying why.
    fn refuse_by_mode(&mut self, action: Action) -> bool {
        use crate::vault::modes::ModeAction as M;
        let Some(s) = &self.secret else { return false };
        let what = match action {
            Action::Edit => M::Edit,
            Action::Reveal | Action::RevealAll | Action::JsonView => M::Reveal,
            Action::CopyValue => M::CopyValue,
            Action::Delete => M::Delete,
            Action::Move => M::Move,
            Action::Rename => M::Rename,
            Action::Duplicate => M::Duplicate,
            Action::SetMode => M::SetMode,
            _ => return false,
        };
        let admin = s.admin.unwrap_or(false);
        if s.key_only.is_some() && what == M::Edit && admin {
            self.error(
                "key-only: sesame never reads its values, so it cannot edit them; clear the mode first (M)",
            );
            return true;
        }
        match crate::vault::modes::permission(self.secret_mode(), what, admin) {
            crate::vault::capabilities::Permission::Denied(reason) => {
                self.error(format!("not allowed: {reason}"));
                true
            }
            _ => false,
        }
    }
}
