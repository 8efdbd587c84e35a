//! What flows in and out of `update`: the messages it handles and the effects it returns, and the small
//! state types they carry.

use crossterm::event::{KeyEvent, MouseEvent};

use super::*;

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
    /// A comparison, or why it failed.
    Compared { req: u64, result: Result<Box<crate::compare::Comparison>, String> },
    /// A pair of differing values, read again.
    PairRevealed { req: u64, pair: Result<super::compare_view::Pair, String> },
    /// What a promotion did.
    Promoted { req: u64, results: Vec<(crate::compare::Step, crate::compare::StepOutcome)> },
    /// The token's login name and the projects it may list (names).
    Places { req: u64, result: Result<(Option<String>, Vec<String>), String> },
    /// The child namespaces of the current one (names without slashes), or why not.
    Namespaces { req: u64, result: Result<Vec<String>, String> },
    /// OIDC: the provider's sign-on URL, to open in a browser while the login waits for the callback.
    LoginUrl { req: u64, url: String },
    /// A login's answer: the new token and who logged in, or why not.
    LoggedIn { req: u64, result: Result<(super::login_form::NewToken, String), String> },
    /// The token's own lookup after a 403: `None` when it is fine (the 403 was a real denial), else why
    /// the token itself is refused.
    TokenChecked { req: u64, refused: Option<String> },
    /// A share or make-private finished: where the secret is now, or why not.
    Shared { req: u64, result: Result<String, String> },
    /// Something failed that the user should know of (shown as an error).
    Problem(String),
    /// A profile's connection is ready (made off the UI task: its token helper may run), or why not. The
    /// terminal side swaps its connection before the app sees it.
    ProfileReady {
        name: String,
        result: Result<(crate::vault::Vault, super::login_form::LoginSettings), String>,
    },
    /// The token renewer's report.
    Token(crate::vault::login::TokenEvent),
    /// The finder's index build started: its live counters and its stop flag.
    IndexStarted {
        req: u64,
        progress: std::sync::Arc<crate::find::BuildProgress>,
        stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    },
    /// Paths found, folders denied, a root done or failed, the build finished.
    IndexEvent { req: u64, event: crate::find::BuildEvent },
    /// The index could not be started (the KV mounts could not be listed).
    IndexFailed { req: u64, error: String },
    /// Key names or values that matched the finder's query (never a value).
    ContentHits { req: u64, hits: Vec<crate::find::contents::ContentHit> },
    /// The content search is over: what it met, or why it stopped.
    ContentDone { req: u64, result: Result<crate::find::contents::ContentStats, String> },
    /// The completion of a file path typed in the editor: the completed text and the choices.
    Completed { req: u64, typed: String, completed: String, options: Vec<String> },
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
    /// Who the token is and which projects it may list, for the places.
    LoadPlaces { req: u64, scopes: crate::scopes::ScopeSettings },
    /// Share a private secret with a project (`project`), or make a project's secret private (`None`).
    Share {
        req: u64,
        full: String,
        project: Option<String>,
        user: String,
        scopes: crate::scopes::ScopeSettings,
    },
    /// Write the bookmarks file.
    SaveBookmarks { bookmarks: Vec<String> },
    /// Log in (the form's method, mount, name and password or file).
    Login {
        req: u64,
        settings: super::login_form::LoginSettings,
        name: String,
        secret: super::login_form::Typed,
    },
    /// Look the token up after a 403: an expired or revoked token is told apart from a real denial.
    CheckToken { req: u64 },
    /// Use this token from now on: the terminal side swaps its connection's token.
    UseToken { token: super::login_form::NewToken },
    /// List the child namespaces of the current one.
    ListNamespaces { req: u64 },
    /// Talk through another profile from now on: the terminal side connects with it.
    SwitchProfile { name: String },
    /// Talk to another namespace from now on (`None`: the root). The terminal side swaps its connection and
    /// the explorer starts again there ([`super::App::switch_namespace`]).
    SwitchNamespace { namespace: Option<String> },
    /// Compare two secrets or folders (`mount/path`, a trailing `/` for a folder).
    Compare { req: u64, a: String, b: String },
    /// Read again the pair of values of `key` in the comparison's secret number `index`.
    RevealPair { req: u64, comparison: Box<crate::compare::Comparison>, index: usize, key: String },
    /// Promote these steps from A to B (check-and-set, verified).
    Promote { req: u64, comparison: Box<crate::compare::Comparison>, steps: Vec<crate::compare::Step> },
    /// Build the finder's index of every secret path (SCAN where allowed, else the bounded walk).
    BuildIndex { req: u64 },
    /// Search the key names and, when asked, the values of `secrets` for the finder's query.
    SearchContents {
        req: u64,
        query: String,
        mode: crate::find::MatchMode,
        keys: bool,
        values: bool,
        secrets: Vec<(Mount, String)>,
        /// Set when a newer search (or closing the finder) makes this one useless.
        stop: super::finder::StopFlag,
    },
    /// Complete a file path typed in the editor (reads a directory).
    CompletePath { req: u64, typed: String },
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
