//! Command-line interface: the TUI by default, subcommands for scripts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::vault::connect::ConnectArgs;

/// sesame — a terminal file explorer for HashiCorp Vault and OpenBao KV secrets.
///
/// With no subcommand, opens the explorer at PATH (a mount, a folder or a secret). The connection follows
/// the official CLI: VAULT_ADDR, VAULT_TOKEN, ~/.vault-token, the token helper in ~/.vault, VAULT_NAMESPACE,
/// VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT, VAULT_CLIENT_KEY, VAULT_SKIP_VERIFY, VAULT_TLS_SERVER_NAME,
/// VAULT_CLIENT_TIMEOUT, and their BAO_* equivalents (read first); flags override them.
#[derive(Parser, Debug)]
#[command(
    name = "sesame",
    version,
    args_conflicts_with_subcommands = true,
    max_term_width = 110,
    after_help = "Exit status: 0 done; 1 failed (nothing was written unless the message says so); 2 bad usage; \
                  3 a write was sent and its answer never came: it may have been carried out (check, or save \
                  again: a save whose data the server already holds counts as done).\n\
                  Answers larger than SESAME_MAX_REPLY_MB (default 64) are refused."
)]
pub struct Cli {
    /// Where to start: `secret/`, `secret/teams/ml/`, or a secret such as `secret/apps/web/db`.
    #[arg(value_name = "PATH")]
    pub path: Option<String>,

    /// Start a throw-away OpenBao dev server with demo data, browse it, and stop it on exit.
    #[arg(long)]
    pub dev: bool,

    /// With --dev: browse as the demo's root token (`admin`, the default) or as its non-admin userpass user
    /// (`user`: alice, whose team policy is restricted by the admin modes policy).
    #[arg(long = "as", value_enum, value_name = "WHO", requires = "dev")]
    pub dev_as: Option<DevIdentity>,

    /// The server binary for --dev and `sesame dev` [env: SESAME_DEV_SERVER] [default: bao, then vault,
    /// on PATH, then ./.venv/bin/bao].
    #[arg(long, value_name = "PATH", global = true)]
    pub dev_server: Option<PathBuf>,

    /// A KV mount (or a path inside one) to browse even when the token may not list mounts; repeatable.
    #[arg(long = "mount", value_name = "PATH")]
    pub mounts: Vec<String>,

    /// Start in my personal folder ([scopes] personal, from the token's login name).
    #[arg(long)]
    pub mine: bool,

    /// A local .env file of references (`NAME=vault://mount/path#KEY`): the secret view marks the keys it
    /// refers to.
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_file: Option<PathBuf>,

    /// Open the finder at start (every secret path of every KV mount, ranked as you type), with QUERY typed.
    #[arg(long = "find", value_name = "QUERY", num_args = 0..=1, default_missing_value = "")]
    pub find: Option<String>,

    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(flatten)]
    pub connect: ConnectArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Who `sesame --dev` browses as.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevIdentity {
    /// The root token: an admin of every secret.
    Admin,
    /// The demo's non-admin userpass user alice (`user` says the same).
    #[value(alias = "user")]
    Alice,
    /// The demo's second user, bob, who shares project ml with alice.
    Bob,
}

/// Options shared by every mode.
#[derive(Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// Draw without colours (also set by the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,

    /// Log file [default: sesame.log in the cache directory]. Logs never go to the terminal.
    #[arg(long, value_name = "FILE", global = true)]
    pub log_file: Option<PathBuf>,
}

/// Subcommands for scripts.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a throw-away OpenBao dev server with demo data in the foreground and print `export VAULT_ADDR=…
    /// VAULT_TOKEN=…` (eval-able) until Ctrl-C.
    Dev {
        /// Do not seed the demo data.
        #[arg(long)]
        no_seed: bool,
    },
    /// List a folder (or every secret below it with -r).
    Ls(crate::commands::LsArgs),
    /// Print a secret's keys, and values with --reveal.
    Get(crate::commands::GetArgs),
    /// Find secrets in every KV mount by fuzzy path (key names with --keys, values with --values, never
    /// printed). Exit status as grep's: 0 found, 1 nothing found, 2 an error.
    Find(crate::commands::find::FindArgs),
    /// Print how a service reads a secret or folder: its path, a vault/bao/curl/hvac command, an
    /// ExternalSecret or Kubernetes Secret manifest (value-bearing formats need --reveal).
    Snippet(crate::commands::consume::SnippetArgs),
    /// Copy a path, a snippet or one value (--key) to the clipboard: the system clipboard, tmux or OSC 52.
    /// Copied values are cleared after 30 s ([clipboard] clear_after in the config file).
    Copy(crate::commands::consume::CopyArgs),
    /// Run a command with the keys of secrets as environment variables: `sesame run PATH -- COMMAND…`, or
    /// with a .env file of references: `sesame run --env-file .env -- COMMAND…`.
    Run(crate::commands::consume::RunArgs),
    /// Render a template whose placeholders name secrets (`{{ vault://mount/path#KEY }}`,
    /// `{{ ref+vault://PATH#/KEY }}`) to a file (0600) or a pipe; --check only verifies the references.
    Inject(crate::commands::refs::InjectArgs),
    /// Compare two secrets or folders (other mounts and KV versions too) key by key, without a value unless
    /// --reveal: exit 0 equal, 1 different, 2 error, as diff(1).
    Diff(crate::commands::compare::DiffArgs),
    /// Log in (userpass, AppRole) and keep the token where the profile says (`token_file`, `save_token`) or
    /// --save; prints who logged in, never the token (`--format token` prints it to a pipe only).
    Login(crate::commands::login::LoginArgs),
    /// List the [[profile]]s of the config file.
    Profiles(crate::commands::login::ProfilesArgs),
    /// Personal and project folders enforced by the server: the templated personal policy, projects with
    /// their groups, and who you are.
    Scopes(crate::commands::scopes::ScopesArgs),
    /// Carry what differs from A to B (whole secrets, or --keys), with check-and-set, verified; --dry-run
    /// prints the plan.
    Promote(crate::commands::compare::PromoteArgs),
    /// Print secrets as shell exports, a .env body, JSON or a Kubernetes Secret (to a pipe or file).
    Export(crate::commands::consume::ExportArgs),
    /// Internal: serves the system clipboard and clears copied values after sesame exits.
    #[command(hide = true)]
    ClipboardHelper(crate::clipboard::HelperArgs),
    /// Create or update a secret with check-and-set: `sesame put PATH KEY=VALUE… [KEY=?] [KEY=@FILE] [KEY=@-]`.
    /// Prints key names and the new version, never values.
    Put(crate::commands::edit::PutArgs),
    /// Create a folder (kept alive by a `.keep` placeholder secret).
    Mkdir(crate::commands::edit::MkdirArgs),
    /// Delete a secret, or with -r every secret below a folder (after confirming the count).
    Rm(crate::commands::edit::RmArgs),
    /// Move or rename a secret or folder, also across mounts and KV versions: copy, verify, then delete.
    ///
    /// As mv(1): `sesame mv SRC DST` puts SRC inside DST when DST is an existing folder (or a mount), and
    /// renames SRC to DST when DST does not exist. Every copy is verified before the source is deleted.
    Mv(crate::commands::edit::TransferArgs),
    /// Copy a secret or folder, also across mounts and KV versions (KV v2 custom_metadata included).
    ///
    /// As cp -r: `sesame cp SRC DST` puts the copy inside DST when DST is an existing folder (or a mount), and
    /// makes DST the copy when DST does not exist.
    Cp(crate::commands::edit::TransferArgs),
    /// List the versions of a KV v2 secret with their time and state.
    History(crate::commands::edit::HistoryArgs),
    /// Write the data of an older version as the new latest version of a KV v2 secret.
    Rollback(crate::commands::edit::RollbackArgs),
    /// Undelete soft-deleted versions of a KV v2 secret.
    Undelete(crate::commands::edit::UndeleteArgs),
    /// Destroy versions of a KV v2 secret for good (asks for confirmation unless --yes).
    Destroy(crate::commands::edit::DestroyArgs),
    /// Set (or print) the admin mode of a secret: readonly, key-only or none. Only an admin of the secret (a
    /// token that may update its metadata) may set it; `sesame policy apply` makes the server enforce it.
    Mode(crate::commands::admin::ModeArgs),
    /// Print, diff or apply the ACL policy that enforces the modes (`sesame-modes` by default; apply asks for
    /// confirmation unless --yes). Attach it to the non-admin users' group, role or auth method.
    Policy(crate::commands::admin::PolicyArgs),
    /// List every secret with a mode, who set it and when, and drift from the policy or the data; exit status
    /// 1 when drift is found.
    Audit(crate::commands::admin::AuditArgs),
}
