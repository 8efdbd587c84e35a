//! Application state and `update`: one owner of all state, driven by messages, returning the effects
//! (network work) to run. `update` never does I/O, so app flows are tested by feeding it messages.

pub mod audit;
pub mod audit_effects;
pub mod chooser;
pub mod compare_view;
pub mod editing;
pub mod editor;
pub mod effects;
pub mod explorer;
pub mod finder;
pub mod forms;
pub mod forms_effects;
pub mod history;
pub mod history_flow;
pub mod input;
pub mod json_view;
pub mod list;
pub mod login_form;
pub mod msg;
pub mod ops;
pub mod ops_effects;
pub mod overlay;
pub mod perms;
pub mod policy;
pub mod policy_effects;
pub mod prompt;
pub mod secret_view;

use std::collections::{HashMap, HashSet};

use crossterm::event::KeyEventKind;

use crate::action::Action;
use crate::keymap::{Context, Key, Keymap};
use crate::secret::SecretData;
use crate::vault::VaultError;
use crate::vault::kv::{Entry, Identity, Mount, SecretRead, VersionInfo, VersionState};
use editor::{Editor, EditorOutcome};
pub use list::ListState;
pub use msg::{Effect, Level, Msg, Preview, PreviewData, PreviewState, StartTarget};
use overlay::Layer;
pub use secret_view::SecretView;

/// What the app takes from the config file, the command line and the connection.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Draw without colours (`NO_COLOR`, `--no-color`).
    pub no_color: bool,
    /// Settings of the snippets (top folder for relative paths).
    pub service: crate::snippet::ServiceSettings,
    /// Upper-case keys as they are typed in the editor.
    pub upper_keys: bool,
    /// Seconds after which copied values are cleared (0: never).
    pub clear_after_secs: u64,
    /// The namespace requests go to (for snippets).
    pub namespace: Option<String>,
    /// A local `.env` file of references (`sesame --env-file`): its name and its entries, to show which
    /// keys of a secret it refers to.
    pub env_file: Option<(String, crate::reference::EnvFile)>,
    /// The profile in use (`--profile`), for the status bar.
    pub profile: Option<String>,
    /// `[scopes]`: the personal and project folders (for the places and the tags).
    pub scopes: crate::scopes::ScopeSettings,
    /// The bookmarks kept in the config directory.
    pub bookmarks: Vec<String>,
    /// How the login form logs in (the profile's method).
    pub login: login_form::LoginSettings,
    /// The names of the profiles of the config file, offered by the switcher (Ctrl-n).
    pub profiles: Vec<String>,
}

/// Sessions kept for switching back (profiles and namespaces left).
const MAX_SESSIONS: usize = 16;

/// What a session left keeps, to come back to at once.
struct Session {
    mounts: Option<Vec<Mount>>,
    mount: Option<Mount>,
    folder: String,
    cache: HashMap<String, Vec<Entry>>,
    finder: finder::FinderIndex,
    identity: Option<Identity>,
}

/// True when an answer is a 403 (permission denied), which may come from an expired or revoked token.
fn forbidden(msg: &Msg) -> bool {
    let denied = |e: &VaultError| matches!(e, VaultError::Forbidden { .. });
    match msg {
        Msg::Listed { result: Err(e), .. } | Msg::Mounts(Err(e)) | Msg::Resolved(Err(e)) => denied(e),
        Msg::Secret { result: Err(e), .. } => denied(e),
        Msg::Preview { result: Err(e), .. } => denied(e),
        Msg::Written { result: Err(e), .. } => denied(e),
        _ => false,
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
    /// A local `.env` file of references, to mark the keys it refers to in the secret view.
    pub(crate) env_file: Option<(String, crate::reference::EnvFile)>,
    /// The comparison view, when open.
    pub compare: Option<compare_view::CompareView>,
    /// Side A of the next comparison (`mount/path`), marked with `=`.
    pub(crate) compare_mark: Option<String>,
    /// The pending namespace listing.
    ns_req: u64,
    /// The pending places lookup.
    places_req: u64,
    /// True when the pending places lookup opens the places popup (`p`), not only the sidebar.
    places_popup: bool,
    /// The places shown beside the folder list (`B`).
    pub sidebar: bool,
    /// The pending login.
    login_req: u64,
    /// The token check under way after a 403 (0: none).
    token_check_req: u64,
    /// How the login form logs in.
    pub(crate) login: login_form::LoginSettings,
    /// `[scopes]`: the personal and project folders.
    pub(crate) scopes: crate::scopes::ScopeSettings,
    /// The token's login name, once the places were looked up (tags `[private]`).
    pub(crate) scope_user: Option<String>,
    /// Bookmarked folders (`mount/path/`).
    pub(crate) bookmarks: Vec<String>,
    /// The user's projects, from the last look at the places.
    pub(crate) scope_projects: Vec<String>,
    /// The profiles of the config file, to switch to.
    pub(crate) profiles: Vec<String>,
    /// The pending share.
    share_req: u64,
    /// Sessions switched away from, by profile and namespace.
    sessions: HashMap<String, Session>,
    /// When the identity (and its TTL) was learned, for the countdown.
    pub(crate) identity_at: Option<std::time::Instant>,
    /// The profile in use, for the status bar.
    pub(crate) profile: Option<String>,
    /// The finder's index of every secret path, kept for the session.
    pub finder: finder::FinderIndex,
    /// The finder's matcher (its buffers are reused from one key press to the next).
    ranker: crate::find::rank::Ranker,
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
    /// The start path as given (resolved again after a login when the first attempt failed).
    first_start: Option<String>,
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
    pub(crate) upper_keys: bool,
    /// The history view, when open.
    pub history: Option<history::HistoryView>,
    /// Delete/move/copy flows and what the token may do here.
    pub ops: ops::OpsState,
    /// Open the chooser once the secret being read arrives.
    chooser_when_loaded: bool,
    /// Settings of the snippets (top folder for relative paths).
    pub(crate) service: crate::snippet::ServiceSettings,
    /// The namespace requests go to (for snippets).
    pub(crate) namespace: Option<String>,
    /// Seconds after which copied values are cleared (0: never), for the confirmation text.
    pub(crate) clear_after_secs: u64,
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
            env_file: None,
            finder: finder::FinderIndex::default(),
            compare: None,
            identity_at: None,
            ns_req: 0,
            places_req: 0,
            places_popup: false,
            sidebar: false,
            login_req: 0,
            token_check_req: 0,
            login: login_form::LoginSettings::default(),
            scopes: crate::scopes::ScopeSettings::default(),
            scope_user: None,
            bookmarks: Vec::new(),
            scope_projects: Vec::new(),
            profiles: Vec::new(),
            share_req: 0,
            sessions: HashMap::new(),
            profile: None,
            compare_mark: None,
            ranker: crate::find::rank::Ranker::new(),
            identity: None,
            message: None,
            spinner: 0,
            size: (80, 24),
            pending_start: start.clone().filter(|s| !s.trim_matches('/').is_empty()),
            first_start: start.filter(|s| !s.trim_matches('/').is_empty()),
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

    /// Applies the settings from the config file, the command line and the connection.
    pub fn configure(&mut self, s: Settings) {
        self.no_color = s.no_color;
        self.service = s.service;
        self.upper_keys = s.upper_keys;
        self.clear_after_secs = s.clear_after_secs;
        self.namespace = s.namespace;
        self.env_file = s.env_file;
        self.profile = s.profile;
        self.scopes = s.scopes;
        self.bookmarks = s.bookmarks;
        self.login = s.login;
        self.profiles = s.profiles;
    }

    /// Starts again with another profile (the terminal side connected with it): a namespace switch in all
    /// but name, with the profile's login settings.
    pub fn switch_profile(
        &mut self,
        name: String,
        namespace: Option<String>,
        login: login_form::LoginSettings,
    ) -> Vec<Effect> {
        self.leave_session();
        self.profile = Some(name.clone());
        self.namespace = namespace;
        self.login = login;
        self.info(format!("now with profile {name}"));
        self.enter_session()
    }

    /// Starts again in another namespace (the connection was switched by the terminal side): the explorer,
    /// the views and the finder's index belong to the old one. Returns the effects of a start.
    pub fn switch_namespace(&mut self, namespace: Option<String>) -> Vec<Effect> {
        self.leave_session();
        self.namespace = namespace;
        self.info(match &self.namespace {
            Some(ns) => format!("now in namespace {ns}"),
            None => "now in the root namespace".to_string(),
        });
        self.enter_session()
    }

    /// The key of the session on screen: the profile and the namespace.
    fn session_key(&self) -> String {
        format!("{}|{}", self.profile.as_deref().unwrap_or(""), self.namespace.as_deref().unwrap_or(""))
    }

    /// Keeps what the explorer knows of this session (mounts, where it was, the listings seen, the finder's
    /// index, who the token is) to come back to at once, and closes the views that belong to it.
    fn leave_session(&mut self) {
        let saved = Session {
            mounts: self.mounts.take(),
            mount: self.mount.take(),
            folder: std::mem::take(&mut self.folder),
            cache: std::mem::take(&mut self.cache),
            finder: std::mem::take(&mut self.finder),
            identity: self.identity.take(),
        };
        if self.sessions.len() >= MAX_SESSIONS {
            // Bounded: the sessions left longest ago are not told apart; forget one.
            if let Some(k) = self.sessions.keys().next().cloned() {
                self.sessions.remove(&k);
            }
        }
        self.sessions.insert(self.session_key(), saved);
        self.list = ListState::default();
        self.incoming = None;
        self.secret = None;
        self.history = None;
        self.policy = None;
        self.audit = None;
        self.compare = None;
        self.compare_mark = None;
        self.editor = None;
        self.form = None;
        self.popups.clear();
        self.marks.clear();
        self.scope_user = None;
        self.scope_projects.clear();
    }

    /// Starts the session now keyed: where it was, shown at once from what was kept (and listed again in
    /// the background), or from the start.
    fn enter_session(&mut self) -> Vec<Effect> {
        let mut out = vec![Effect::LoadIdentity];
        match self.sessions.remove(&self.session_key()) {
            Some(s) => {
                self.mounts = s.mounts;
                self.cache = s.cache;
                self.finder = s.finder;
                self.identity = s.identity;
                self.enter(s.mount, s.folder, None, &mut out);
            }
            None => {
                let req = self.req();
                self.list_req = req;
                self.list_loading = true;
                out.insert(0, Effect::LoadMounts);
            }
        }
        if self.sidebar {
            // The places shown beside the folders are those of this session's server and token.
            self.look_up_places(false, &mut out);
        }
        out
    }

    /// Looks the places up (the user's login or entity name, their projects); `popup` opens them as a popup
    /// when they arrive, otherwise they only fill the sidebar and the scope tags.
    pub(super) fn look_up_places(&mut self, popup: bool, out: &mut Vec<Effect>) {
        let req = self.req();
        self.places_req = req;
        self.places_popup = popup;
        out.push(Effect::LoadPlaces { req, scopes: self.scopes.clone() });
    }

    /// The token renewer's report: a new TTL, or a warning that the token will expire.
    fn on_token(&mut self, event: crate::vault::login::TokenEvent) {
        use crate::vault::login::TokenEvent;
        match event {
            TokenEvent::Renewed { ttl } => {
                if let Some(id) = self.identity.as_mut() {
                    id.ttl = ttl;
                }
                self.identity_at = Some(std::time::Instant::now());
            }
            TokenEvent::Expiring { secs } => {
                if let Some(id) = self.identity.as_mut() {
                    id.ttl = secs;
                }
                self.identity_at = Some(std::time::Instant::now());
                // Before it expires: the login form, over whatever is open (a draft stays).
                self.open_login(format!("the token cannot be renewed and expires in {secs} s"));
            }
            TokenEvent::Failed(e) => {
                self.open_login(format!("the token could not be renewed ({e})"));
                self.error(format!("the token could not be renewed: {e}"));
            }
        }
    }

    /// The namespace the explorer is in (`None`: the root).
    pub fn namespace_now(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// Seconds the token has left now (0: it never expires).
    pub fn token_left(&self) -> u64 {
        let Some(id) = &self.identity else { return 0 };
        let gone = self.identity_at.map_or(0, |t| t.elapsed().as_secs());
        if id.ttl == 0 { 0 } else { id.ttl.saturating_sub(gone).max(1) }
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
            || self.finder_busy()
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
                Layer::Compare => self.compare.as_ref().is_some_and(|c| c.busy),
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
            Layer::Compare => Context::Compare,
            _ => Context::Explorer,
        }
    }

    /// The breadcrumb of the current location, e.g. `secret/teams/ml/`.
    /// The places, as labels and `mount/path/`: my secrets, my projects, the mounts, the bookmarks.
    pub fn place_choices(&self) -> Vec<(String, String)> {
        let mut choices = Vec::new();
        if let Some(u) = &self.scope_user {
            choices.push(("My secrets".to_string(), self.scopes.personal_for(u)));
        }
        let root = self.scopes.projects.trim_end_matches('/');
        for p in &self.scope_projects {
            choices.push((format!("Project {p}"), format!("{root}/{p}/")));
        }
        for m in self.mounts.iter().flatten() {
            choices.push((format!("Mount {}", m.path), format!("{}/", m.path)));
        }
        for b in &self.bookmarks {
            choices.push(("Bookmark".to_string(), b.clone()));
        }
        choices
    }

    /// The place the current folder is in (the deepest that contains it), as an index of `place_choices`.
    pub fn current_place(&self, choices: &[(String, String)]) -> Option<usize> {
        let here = self.breadcrumb();
        choices
            .iter()
            .enumerate()
            .filter(|(_, (_, p))| here.starts_with(p.as_str()))
            .max_by_key(|(_, (_, p))| p.len())
            .map(|(i, _)| i)
    }

    /// Columns the sidebar takes at this size (0: hidden, or too narrow a terminal).
    pub fn sidebar_width(&self) -> u16 {
        crate::layout::sidebar_width(self.size, self.sidebar)
    }

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
        // A 403: is it the token (expired, revoked) or a real denial? One lookup tells, one at a time.
        if forbidden(&msg) && self.token_check_req == 0 {
            let req = self.req();
            self.token_check_req = req;
            out.push(Effect::CheckToken { req });
        }
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
                self.finder_tick(&mut out);
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
                Ok(id) => {
                    // A login name on the scopes' auth method (`userpass-alice`): the user's scopes.
                    if self.scope_user.is_none() && self.scopes.placeholder() == Some(crate::scopes::USERNAME)
                    {
                        self.scope_user = id
                            .display_name
                            .strip_prefix(&format!("{}-", self.scopes.auth_mount.trim_matches('/')))
                            .filter(|u| !u.is_empty())
                            .map(str::to_string);
                    } else if self.scope_user.is_none()
                        && self.places_req == 0
                        && self.scopes.placeholder() == Some(crate::scopes::ENTITY_NAME)
                    {
                        // Named by the identity entity: looked up (once) for the [private] tags.
                        self.look_up_places(false, &mut out);
                    }
                    self.identity = Some(id);
                    self.identity_at = Some(std::time::Instant::now());
                }
                Err(e) => {
                    // No token, or one the server no longer knows: log in without leaving.
                    if matches!(e, VaultError::Forbidden { .. }) {
                        self.open_login(format!("the token was refused ({e})"));
                    }
                    self.error(format!("token lookup failed: {e}"));
                }
            },
            m @ (Msg::LoggedIn { .. } | Msg::LoginUrl { .. }) => self.on_logged_in(m, &mut out),
            Msg::TokenChecked { req, refused } if req == self.token_check_req => {
                self.token_check_req = 0;
                if let Some(why) = refused {
                    self.open_login(format!("the token has expired or was revoked ({why})"));
                }
            }
            Msg::TokenChecked { .. } => {}
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
            m @ (Msg::Theirs { .. }
            | Msg::FileLoaded { .. }
            | Msg::Completed { .. }
            | Msg::FolderMade { .. }) => self.on_editing_msg(m, &mut out),
            m @ (Msg::History { .. } | Msg::Diff { .. } | Msg::VersionDone { .. }) => {
                self.on_history_msg(m, &mut out)
            }
            m @ (Msg::IndexStarted { .. }
            | Msg::IndexEvent { .. }
            | Msg::IndexFailed { .. }
            | Msg::ContentHits { .. }
            | Msg::ContentDone { .. }) => self.on_index_msg(m),
            Msg::Token(event) => self.on_token(event),
            Msg::Problem(text) => self.error(text),
            Msg::Shared { req, result } if req == self.share_req => match result {
                Ok(text) => {
                    self.info(text);
                    self.refresh(&mut out);
                }
                Err(e) => self.error(format!("not shared: {e}")),
            },
            Msg::Shared { .. } => {}
            Msg::ProfileReady { name, result: Err(e) } => {
                self.error(format!("cannot switch to profile {name}: {e}"))
            }
            // Handled by the terminal side (it owns the connection), which calls `switch_profile`.
            Msg::ProfileReady { .. } => {}
            Msg::Namespaces { req, result } if req == self.ns_req => match result {
                Ok(children) => {
                    // The children of the current namespace, its parent, and the root.
                    let here = self.namespace.clone();
                    let mut choices: Vec<Option<String>> = children
                        .iter()
                        .map(|c| {
                            Some(match &here {
                                Some(h) => format!("{h}/{}", c.trim_end_matches('/')),
                                None => c.trim_end_matches('/').to_string(),
                            })
                        })
                        .collect();
                    if let Some(h) = &here {
                        if let Some((parent, _)) = h.rsplit_once('/') {
                            choices.push(Some(parent.to_string()));
                        }
                        choices.push(None);
                    }
                    let profiles: Vec<String> =
                        self.profiles.iter().filter(|p| Some(*p) != self.profile.as_ref()).cloned().collect();
                    if choices.is_empty() && profiles.is_empty() {
                        self.info(
                            "no child namespace here (or the token may not list them), and no other profile",
                        );
                    } else {
                        self.message = None;
                        self.push_popup(overlay::Popup::Namespaces { choices, profiles, selected: 0 });
                    }
                }
                Err(e) if self.profiles.is_empty() => self.error(format!("cannot list the namespaces: {e}")),
                Err(_) => {
                    // The profiles are still offered.
                    let profiles: Vec<String> =
                        self.profiles.iter().filter(|p| Some(*p) != self.profile.as_ref()).cloned().collect();
                    self.push_popup(overlay::Popup::Namespaces {
                        choices: Vec::new(),
                        profiles,
                        selected: 0,
                    });
                }
            },
            Msg::Namespaces { .. } => {}
            Msg::Places { req, result } if req == self.places_req => match result {
                Ok((user, projects)) => {
                    self.scope_user = user;
                    self.scope_projects = projects;
                    if std::mem::take(&mut self.places_popup) {
                        let choices = self.place_choices();
                        self.push_popup(overlay::Popup::Places { choices, selected: 0 });
                    }
                }
                Err(e) => self.error(format!("cannot look up the places: {e}")),
            },
            Msg::Places { .. } => {}
            m @ (Msg::Compared { .. } | Msg::PairRevealed { .. } | Msg::Promoted { .. }) => {
                self.on_compare_msg(m, &mut out)
            }
            Msg::Ops(m) => self.on_ops_msg(m, &mut out),
            Msg::Audit(m) => self.on_audit_msg(m),
            Msg::CopyResult { message, copied, manual } => {
                self.message =
                    Some((if copied || manual.is_some() { Level::Info } else { Level::Error }, message));
                self.set_manual_copy(manual);
            }
            m @ (Msg::Annotations { .. }
            | Msg::KeyOnly { .. }
            | Msg::Admin { .. }
            | Msg::ModeSet { .. }
            | Msg::InjectSet { .. }) => self.on_secret_msg(m, &mut out),
            Msg::Marks { folder_key, marks } => {
                let folder = self.marks.entry(folder_key).or_default();
                folder.extend(marks);
            }
            Msg::Policy(m) => self.on_policy_msg(m, &mut out),
        }
        if self.should_quit {
            self.stop_index();
        }
        self.forms_after_update(&mut out);
        self.ops_after_update(&mut out);
        out
    }
}
