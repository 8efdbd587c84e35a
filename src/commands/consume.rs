//! "Use in service" from scripts: `sesame snippet`, `sesame copy`, `sesame run` and `sesame export`.
//!
//! Values are printed only by `snippet --reveal` and by `export` (which refuses a terminal without
//! `--reveal`); `copy` says what it copied, never the value; `run` hands the values to the command's
//! environment and replaces sesame with it (`exec`), so nothing is written anywhere, signals reach the
//! command directly and its exit status is sesame's.

use std::ffi::OsString;
use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use futures::stream::{self, StreamExt as _};
use zeroize::Zeroizing;

use super::locate;
use crate::clipboard::{Clipboard, Content, CopyOutcome, MethodSetting};
use crate::config::Config;
use crate::secret::{SecretData, SecretValue};
use crate::snippet::{self, SecretType, SnippetFormat, Target};
use crate::vault::annotations::{AnnotationStore, Annotations};
use crate::vault::connect::ConnectArgs;
use crate::vault::walk::{WalkOptions, walk};
use crate::vault::{Mount, Vault, VaultError};

/// `sesame snippet`.
#[derive(Args, Debug)]
pub struct SnippetArgs {
    /// The secret, or a folder ending with `/`, e.g. `secret/apps/web/db`.
    pub path: String,
    /// What to print.
    #[arg(short, long, value_enum, default_value_t = SnippetFormat::Path)]
    pub format: SnippetFormat,
    /// Allow the formats that contain secret values (k8s, dotenv, export).
    #[arg(long, visible_alias = "yes")]
    pub reveal: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `sesame copy`.
#[derive(Args, Debug)]
pub struct CopyArgs {
    /// The secret, or a folder ending with `/`.
    pub path: String,
    /// What to copy.
    #[arg(short, long, value_enum, default_value_t = SnippetFormat::Path, conflicts_with = "key")]
    pub format: SnippetFormat,
    /// Copy the value of this key instead (cleared from the clipboard after `[clipboard] clear_after`
    /// seconds, 30 by default).
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// Allow the formats that contain secret values (k8s, dotenv, export).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// How to copy, overriding `[clipboard] method` of the config file.
    #[arg(long, value_enum, value_name = "METHOD")]
    pub via: Option<MethodSetting>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `sesame run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The secrets whose keys become environment variables.
    #[arg(required_unless_present_any = ["folders", "env_files"], value_name = "PATH")]
    pub paths: Vec<String>,
    /// A dotenv file whose values may be references (`NAME=vault://mount/path#KEY`,
    /// `NAME=ref+vault://PATH#/KEY`; a reference alone on a line injects every key of the secret); literals
    /// pass through; repeatable. Each secret is read once. An unresolved reference runs nothing (exit 2).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<std::path::PathBuf>,
    /// Replace every injected value (of 4 bytes or more) in the command's output with `<redacted>`; the
    /// command then runs as a child of sesame, its output passing through the filter as it streams.
    #[arg(long)]
    pub mask: bool,
    /// Check the secrets every SECONDS (KV v2: their current version, without values; KV v1: their data)
    /// and restart the command when one changed.
    #[arg(long, value_name = "SECONDS")]
    pub watch: Option<u64>,
    /// With --watch: the signal that asks the command to stop before a restart.
    #[arg(long, default_value = "TERM", value_name = "SIGNAL", requires = "watch")]
    pub watch_signal: String,
    /// With --watch: seconds the command has to stop before it is killed.
    #[arg(long, default_value_t = 10, value_name = "SECONDS", requires = "watch")]
    pub watch_grace: u64,
    /// Also every secret below this folder flagged "inject as environment variables" (the `inject.env`
    /// annotation); repeatable. They come before the PATHs.
    #[arg(long = "folder", value_name = "FOLDER")]
    pub folders: Vec<String>,
    /// Prepend this to every variable name.
    #[arg(long, default_value = "", hide_default_value = true, value_name = "PREFIX")]
    pub prefix: String,
    /// When several secrets have the same key, let the later one win instead of failing.
    #[arg(long = "override")]
    pub override_: bool,
    /// Let this variable through although it changes how programs load or shells start (PATH, LD_*,
    /// BASH_ENV…: see "Variables that run and export refuse" in the README); repeatable.
    #[arg(long = "allow-env", value_name = "NAME")]
    pub allow_env: Vec<String>,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Output format of `sesame export`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// `export NAME='value'` lines (`eval "$(sesame export …)"`).
    Env,
    /// A `.env` body.
    Dotenv,
    /// One JSON object with every key (values keep their JSON types).
    Json,
    /// A Kubernetes Secret manifest (type from the keys: Opaque, dockerconfigjson, ssh-auth).
    K8s,
}

/// `sesame export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The secrets to export (merged in order).
    #[arg(required_unless_present = "folders", value_name = "PATH")]
    pub paths: Vec<String>,
    /// Also every secret below this folder flagged for injection (the `inject.env` annotation); repeatable.
    #[arg(long = "folder", value_name = "FOLDER")]
    pub folders: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ExportFormat::Env)]
    pub format: ExportFormat,
    /// Prepend this to every key.
    #[arg(long, default_value = "", hide_default_value = true, value_name = "PREFIX")]
    pub prefix: String,
    /// When several secrets have the same key, let the later one win instead of failing.
    #[arg(long = "override")]
    pub override_: bool,
    /// Print even when the output is a terminal (by default the values only go to pipes and files).
    #[arg(long)]
    pub reveal: bool,
    /// Let this key through although, as a variable, it changes how programs load or shells start (PATH,
    /// LD_*, BASH_ENV…: see "Variables that run and export refuse" in the README); repeatable.
    #[arg(long = "allow-env", value_name = "NAME")]
    pub allow_env: Vec<String>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Variables a secret may not set in `run`'s child or `export`'s output unless `--allow-env` names them:
/// each one changes which code a program loads or what a shell runs before the command, so whoever may
/// write the secret would run code as whoever runs sesame. Exact names (case-sensitive, as the
/// environment is).
pub const REFUSED_ENV: &[&str] = &[
    // Where programs are found, and what shells read or run on start.
    "PATH",
    "BASH_ENV",
    "ENV",
    "ZDOTDIR",
    "IFS",
    "CDPATH",
    "PROMPT_COMMAND",
    "PS1",
    "PS2",
    "PS4",
    "SHELLOPTS",
    "BASHOPTS",
    "GLOBIGNORE",
    // The C library and the dynamic loader.
    "GCONV_PATH",
    "GLIBC_TUNABLES",
    "HOSTALIASES",
    "LOCPATH",
    "NLSPATH",
    "RESOLV_HOST_CONF",
    // Interpreters and runtimes that load code named by a variable.
    "PERL5OPT",
    "PERL5LIB",
    "PERLLIB",
    "PERL5DB",
    "PYTHONPATH",
    "PYTHONSTARTUP",
    "PYTHONHOME",
    "PYTHONUSERBASE",
    "PYTHONWARNINGS",
    "PYTHONBREAKPOINT",
    "NODE_OPTIONS",
    "NODE_PATH",
    "RUBYOPT",
    "RUBYLIB",
    "JAVA_TOOL_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "_JAVA_OPTIONS",
    "CLASSPATH",
    // Tools that run a command named by a variable.
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_EXEC_PATH",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
];

/// Prefixes of the variables refused as [`REFUSED_ENV`]: the dynamic loader (`LD_PRELOAD`,
/// `LD_LIBRARY_PATH`, `LD_AUDIT`…, macOS `DYLD_*`), glibc's allocator hooks, and bash's exported functions.
pub const REFUSED_ENV_PREFIXES: &[&str] = &["LD_", "DYLD_", "MALLOC_", "BASH_FUNC_"];

/// Whether a secret may not set the variable `name` without `--allow-env`.
pub fn refused_env(name: &str) -> bool {
    REFUSED_ENV.contains(&name) || REFUSED_ENV_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Fails, naming them, when `names` hold refused variables that `allowed` does not let through.
pub(super) fn check_env_names<'a>(
    names: impl IntoIterator<Item = &'a str>,
    allowed: &[String],
) -> anyhow::Result<()> {
    let mut refused: Vec<String> = names
        .into_iter()
        .filter(|n| refused_env(n) && !allowed.iter().any(|a| a == n))
        // sanitize: the names come from the server; escaped until the shared sanitizer exists.
        .map(|n| format!("{}", n.escape_debug()))
        .collect();
    refused.sort();
    refused.dedup();
    if refused.is_empty() {
        return Ok(());
    }
    bail!(
        "refusing to set {}: {} the command loads or how its shell starts, so whoever may write the \
         secret could run code as you; nothing was run. If you mean it, add {}",
        refused.join(", "),
        if refused.len() == 1 { "this variable changes what" } else { "these variables change what" },
        refused.iter().map(|n| format!("--allow-env {n}")).collect::<Vec<_>>().join(" ")
    )
}

/// A resolved secret or folder, with the values when it is a readable secret.
struct Resolved {
    target: Target,
    data: Option<SecretData>,
    /// A key-only secret (see [`crate::vault::modes`]): its values were not read and are never shown.
    key_only: bool,
}

/// Finds what `path` names: a folder when it ends with `/`, is a mount, or only lists; else a secret.
async fn resolve(vault: &Vault, path: &str) -> anyhow::Result<Resolved> {
    let (mount, rest) = locate(vault, path).await?;
    let folder = |m: &Mount, f: &str| Resolved {
        target: Target::folder(vault.addr(), vault.namespace(), m, f),
        data: None,
        key_only: false,
    };
    if rest.is_empty() || path.ends_with('/') {
        return Ok(folder(&mount, &rest));
    }
    if let Some(record) =
        crate::vault::modes::key_only(&AnnotationStore::new(vault.clone()), &mount, &rest).await
    {
        // Key-only: its recorded key names; its values are never read (value formats are refused).
        return Ok(Resolved {
            target: Target::secret(vault.addr(), vault.namespace(), &mount, &rest, record.keys),
            data: None,
            key_only: true,
        });
    }
    match vault.read(&mount, &rest, None).await {
        Ok(read) => {
            let Some(data) = read.data else {
                bail!("the latest version of {}/{rest} is deleted or destroyed", mount.path);
            };
            // The type annotation and the recorded encodings; a token that may not read them gets the type
            // from the keys.
            let annotations =
                AnnotationStore::new(vault.clone()).get(&mount, &rest).await.unwrap_or_default();
            let mut target = Target::secret(vault.addr(), vault.namespace(), &mount, &rest, data.keys())
                .with_annotations(&annotations);
            // An ssh-auth secret's private key never leaves sesame, snippets and copies included.
            let (mut data, ty) = (data, target.secret_type);
            snippet::withhold(ty, &mut data);
            target.keys.retain(|k| !snippet::withheld(ty, k));
            Ok(Resolved { target, data: Some(data), key_only: false })
        }
        Err(VaultError::NotFound { .. }) => {
            if vault.list(&mount, &rest).await.is_ok_and(|e| !e.is_empty()) {
                Ok(folder(&mount, &rest))
            } else {
                bail!("there is no secret or folder at {}/{rest}", mount.path)
            }
        }
        Err(e @ VaultError::Forbidden { .. }) => {
            // Paths and commands need no read access; the keys (and so the Kubernetes type) stay unknown.
            crate::errln!("sesame: cannot read {}/{rest} ({e}): its keys are unknown", mount.path);
            Ok(Resolved {
                target: Target::secret(vault.addr(), vault.namespace(), &mount, &rest, Vec::<String>::new()),
                data: None,
                key_only: false,
            })
        }
        Err(e) => Err(e.into()),
    }
}

fn render(format: SnippetFormat, r: &Resolved, config: &Config) -> anyhow::Result<snippet::Snippet> {
    if format.contains_values() && r.data.is_none() && !r.target.is_folder {
        if r.key_only {
            bail!("{}", crate::vault::modes::values_refused(&r.target.full_path()));
        }
        bail!("cannot read {}: the {format} snippet needs its values", r.target.full_path());
    }
    Ok(snippet::render(format, &r.target, &config.service, r.data.as_ref())?)
}

/// `sesame snippet PATH --format F`.
pub async fn snippet(vault: &Vault, args: &SnippetArgs) -> anyhow::Result<ExitCode> {
    if args.format.contains_values() && !args.reveal {
        bail!("the {} snippet contains secret values: add --reveal (or --yes) to print it", args.format);
    }
    let config = Config::load()?;
    let r = resolve(vault, &args.path).await?;
    let s = render(args.format, &r, &config)?;
    let mut out = std::io::stdout().lock();
    write_text(&mut out, &s.text)?;
    if !s.text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `sesame copy PATH [--format F | --key KEY]`.
pub async fn copy(vault: &Vault, args: &CopyArgs) -> anyhow::Result<ExitCode> {
    if args.key.is_none() && args.format.contains_values() && !args.yes {
        bail!("the {} snippet contains secret values: add --yes to copy it", args.format);
    }
    let config = Config::load()?;
    let r = resolve(vault, &args.path).await?;
    let full = r.target.full_path();
    let (text, content, what): (Zeroizing<String>, Content, String) = match &args.key {
        Some(key) => {
            let Some(data) = &r.data else {
                if r.key_only {
                    bail!("{}", crate::vault::modes::values_refused(&full));
                }
                bail!("{full} is not a readable secret");
            };
            if snippet::withheld(r.target.secret_type, key) {
                bail!(
                    "the private key of an ssh-auth secret never leaves sesame: {full} {key} is not copied"
                );
            }
            let Some(value) = data.get(key) else { bail!("{full} has no key {key:?}") };
            (value.reveal(), Content::Secret, format!("the value of {key} in {full}"))
        }
        None => {
            let s = render(args.format, &r, &config)?;
            let content = if s.contains_values { Content::Secret } else { Content::Text };
            let what = match args.format {
                SnippetFormat::Path | SnippetFormat::Relative => format!("the path {}", s.text.as_str()),
                f => format!("the {} snippet for {full}", f.label()),
            };
            (s.text, content, what)
        }
    };
    let mut settings = config.clipboard.clone();
    if let Some(via) = args.via {
        settings.method = via;
    }
    let mut clipboard = Clipboard::new(settings);
    let outcome = clipboard.copy(&text, content, None);
    clipboard.hand_off();
    match outcome {
        CopyOutcome::Manual { .. } if content == Content::Text => {
            crate::errln!("sesame: {}; here it is to copy by hand:", outcome.message(&what));
            let mut out = std::io::stdout().lock();
            write_text(&mut out, &text)?;
            out.write_all(b"\n")?;
            out.flush()?;
            Ok(ExitCode::FAILURE)
        }
        CopyOutcome::Manual { .. } => {
            let hint = match &args.key {
                Some(key) => format!("sesame get {} --field {key} --reveal", snippet::shell_quote(&full)),
                None => format!(
                    "sesame snippet {} --format {} --reveal",
                    snippet::shell_quote(&full),
                    args.format
                ),
            };
            bail!("{}; to print it instead: {hint}", outcome.message(&what))
        }
        _ => {
            crate::outln!("{}", outcome.message(&what));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// One secret read for `run` and `export`.
struct Source {
    /// `mount/path`.
    full: String,
    data: SecretData,
    annotations: Annotations,
}

/// Reads one secret (not a folder, not a deleted version) and its annotations (none when the token may not
/// read them).
async fn read_source(
    vault: &Vault,
    store: &AnnotationStore,
    mount: &Mount,
    rest: &str,
) -> anyhow::Result<Source> {
    let full = format!("{}/{rest}", mount.path);
    let read = vault.read(mount, rest, None).await.with_context(|| format!("cannot read {full}"))?;
    let Some(data) = read.data else { bail!("the latest version of {full} is deleted or destroyed") };
    let annotations = store.get(mount, rest).await.unwrap_or_default();
    Ok(Source { full, data, annotations })
}

/// The secrets flagged for injection ([`snippet::INJECT_ANNOTATION`]) below a folder, sorted by path.
async fn injected_under(
    vault: &Vault,
    store: &AnnotationStore,
    folder: &str,
) -> anyhow::Result<Vec<(Mount, String)>> {
    let (mount, rest) = locate(vault, folder).await?;
    let paths = walk(vault, &mount, &rest, &WalkOptions::default())
        .await
        .with_context(|| format!("cannot list {}/{rest}", mount.path))?;
    let visible = paths.into_iter().filter(|p| !p.split('/').any(|seg| seg.starts_with('.')));
    let flagged: Vec<Option<String>> = stream::iter(visible)
        .map(|p| {
            let mount = &mount;
            async move { store.get(mount, &p).await.is_ok_and(|a| snippet::is_injected(&a)).then_some(p) }
        })
        .buffered(ANNOTATION_CONCURRENCY)
        .collect()
        .await;
    let mut flagged: Vec<String> = flagged.into_iter().flatten().collect();
    flagged.sort();
    if flagged.is_empty() {
        crate::errln!(
            "sesame: no secret below {}/{rest} is flagged for injection ({}=true)",
            mount.path,
            snippet::INJECT_ANNOTATION
        );
    }
    Ok(flagged.into_iter().map(|p| (mount.clone(), p)).collect())
}

/// Requests in flight at most while reading annotations below a folder.
const ANNOTATION_CONCURRENCY: usize = 16;

/// The merged keys of several secrets.
struct Merged {
    /// `prefix + key` → value, in order.
    data: SecretData,
    /// Merged names whose values are stored base64 with the encoding recorded.
    binary: Vec<String>,
    /// `mount/path` of each secret, in order.
    sources: Vec<String>,
    /// The type of the only secret (annotation first), else the type the merged keys imply.
    secret_type: SecretType,
    /// `mount/path` of the key-only sources (`run` injects them; `export` refuses them).
    key_only: Vec<String>,
}

/// Reads the flagged secrets below `folders`, then `paths`, and merges their keys (with `prefix`) in that
/// order. A key present in two secrets is an error listing every such key, unless `override_`, where the later
/// secret wins (noted on stderr).
async fn merge(
    vault: &Vault,
    folders: &[String],
    paths: &[String],
    prefix: &str,
    override_: bool,
) -> anyhow::Result<Merged> {
    let store = AnnotationStore::new(vault.clone());
    let mut wanted: Vec<(Mount, String)> = Vec::new();
    for folder in folders {
        wanted.extend(injected_under(vault, &store, folder).await?);
    }
    for path in paths {
        let (mount, rest) = locate(vault, path).await?;
        if rest.is_empty() || path.ends_with('/') {
            bail!(
                "{} is a folder, not a secret (use --folder for the flagged secrets below a folder)",
                path.trim_end_matches('/')
            );
        }
        wanted.push((mount, rest));
    }
    if wanted.is_empty() {
        bail!("no secret to read");
    }
    let mut merged: Vec<(String, SecretValue, String, bool)> = Vec::new();
    let mut sources = Vec::new();
    let mut only_type = None;
    let mut clashes = Vec::new();
    let mut key_only = Vec::new();
    for (mount, rest) in &wanted {
        let src = read_source(vault, &store, mount, rest).await?;
        if crate::vault::modes::mode_of(&src.annotations) == crate::vault::modes::Mode::KeyOnly {
            key_only.push(src.full.clone());
        }
        let binary = snippet::binary_keys(&src.annotations);
        let ty = Target::secret("", None, mount, rest, src.data.keys())
            .with_annotations(&src.annotations)
            .secret_type;
        only_type = if sources.is_empty() { Some(ty) } else { None };
        for (k, v) in src.data.pairs {
            let name = format!("{prefix}{k}");
            let is_binary = binary.contains(&k);
            match merged.iter_mut().find(|(n, ..)| *n == name) {
                Some(existing) if override_ => {
                    crate::errln!("sesame: {name} from {} overrides the one from {}", src.full, existing.2);
                    existing.1 = v;
                    existing.2.clone_from(&src.full);
                    existing.3 = is_binary;
                }
                Some(existing) => clashes.push(format!("{name} ({} and {})", existing.2, src.full)),
                None => merged.push((name, v, src.full.clone(), is_binary)),
            }
        }
        sources.push(src.full);
    }
    if !clashes.is_empty() {
        bail!(
            "several secrets have the same key: {}; add --override to let the later secret win",
            clashes.join(", ")
        );
    }
    let binary = merged.iter().filter(|m| m.3).map(|m| m.0.clone()).collect();
    let data = SecretData { pairs: merged.into_iter().map(|(n, v, ..)| (n, v)).collect() };
    let secret_type = only_type.unwrap_or_else(|| SecretType::from_keys(data.keys()));
    Ok(Merged { data, binary, sources, secret_type, key_only })
}

/// The data with binary values decoded where they are text (an environment variable or a JSON string holds
/// text only); values that stay binary keep their base64, said on stderr.
fn decoded_text(m: &Merged) -> SecretData {
    let mut out = m.data.clone();
    for (name, value) in out.pairs.iter_mut().filter(|(n, _)| m.binary.contains(n)) {
        let bytes = snippet::value_bytes(name, value, &m.binary);
        match std::str::from_utf8(&bytes) {
            Ok(text) if !text.contains('\0') => *value = SecretValue::from_string(text),
            _ => crate::errln!("sesame: {name} holds binary data: kept base64-encoded as stored"),
        }
    }
    out
}

/// The environment variables of merged data; invalid names are reported on stderr and skipped.
fn env_of(data: &SecretData) -> Vec<(String, Zeroizing<String>)> {
    let vars = snippet::env_vars(data, "");
    for note in vars.notes() {
        crate::errln!("sesame: {note}");
    }
    vars.vars
}

/// `sesame run PATH… [--folder F] [--prefix P] [--override] -- COMMAND [ARGS…]`: replaces sesame with the
/// command (on Unix), its environment extended with the secrets' keys.
pub async fn run(vault: &Vault, args: &RunArgs) -> anyhow::Result<ExitCode> {
    if !args.env_files.is_empty() || args.mask || args.watch.is_some() {
        return super::refs::run(vault, args).await;
    }
    let vars = secret_vars(vault, args).await?;
    check_env_names(vars.iter().map(|(n, _)| n.as_str()), &args.allow_env)?;
    Ok(exec_with(&vars, &args.command))
}

/// The variables of the secrets `run` names (folders, then paths), merged.
pub(super) async fn secret_vars(
    vault: &Vault,
    args: &RunArgs,
) -> anyhow::Result<Vec<(String, Zeroizing<String>)>> {
    let merged = merge(vault, &args.folders, &args.paths, &args.prefix, args.override_).await?;
    Ok(env_of(&decoded_text(&merged)))
}

/// Replaces sesame with the command, its environment extended with `vars` (returns only on failure).
pub(super) fn exec_with(vars: &[(String, Zeroizing<String>)], command: &[OsString]) -> ExitCode {
    let Some((program, rest)) = command.split_first() else {
        crate::errln!("sesame: give the command to run after --");
        return ExitCode::from(2);
    };
    let mut cmd = std::process::Command::new(program);
    cmd.args(rest);
    for (name, value) in vars {
        cmd.env(name, value.as_str());
    }
    let shown = program.to_string_lossy().into_owned();
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        // Only returns on failure.
        let err = cmd.exec();
        crate::errln!("sesame: cannot run {shown}: {err}");
        ExitCode::from(if err.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 })
    }
    #[cfg(not(unix))]
    {
        match cmd.status() {
            Ok(status) => ExitCode::from(status.code().and_then(|c| u8::try_from(c).ok()).unwrap_or(1)),
            Err(e) => {
                crate::errln!("sesame: cannot run {shown}: {e}");
                ExitCode::from(126)
            }
        }
    }
}

/// `sesame export PATH… --format env|dotenv|json|k8s`.
pub async fn export(vault: &Vault, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    if std::io::stdout().is_terminal() && !args.reveal {
        bail!(
            "refusing to print secret values to the terminal: redirect or pipe the output, or add --reveal"
        );
    }
    let merged = merge(vault, &args.folders, &args.paths, &args.prefix, args.override_).await?;
    if let Some(full) = merged.key_only.first() {
        bail!("{}", crate::vault::modes::values_refused(full));
    }
    // Every format: the JSON and Kubernetes outputs end up as environments too (`envFrom`, loaders).
    check_env_names(merged.data.keys(), &args.allow_env)?;
    let text = match args.format {
        ExportFormat::Env => snippet::export_lines(&env_of(&decoded_text(&merged))),
        ExportFormat::Dotenv => snippet::dotenv_body(&env_of(&decoded_text(&merged))),
        ExportFormat::Json => {
            let mut t = decoded_text(&merged).to_json_pretty();
            t.push('\n');
            t
        }
        ExportFormat::K8s => {
            let first = merged.sources.first().map(String::as_str).unwrap_or("secret");
            let name = snippet::k8s_name(first.rsplit('/').next().unwrap_or(first));
            let source = merged.sources.join(", ");
            let mut t = snippet::k8s_secret_manifest(
                &name,
                &source,
                merged.secret_type,
                &merged.data,
                &merged.binary,
            );
            t.push('\n');
            t
        }
    };
    let mut out = std::io::stdout().lock();
    write_text(&mut out, &text)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Text for standard output: exact for a pipe or a file; on a terminal, each line through the sanitizer so
/// that nothing a name or a value holds is obeyed.
fn write_text(out: &mut impl std::io::Write, text: &str) -> std::io::Result<()> {
    if std::io::stdout().is_terminal() {
        out.write_all(crate::sanitize::lines(text).as_bytes())
    } else {
        out.write_all(text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loader_and_shell_variables_are_refused_unless_allowed() {
        for name in
            ["PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "DYLD_INSERT_LIBRARIES", "BASH_ENV", "MALLOC_CHECK_"]
        {
            assert!(refused_env(name), "{name}");
        }
        for name in ["DB_PASSWORD", "path", "MY_PATH", "PATHS", "APP_LD_PRELOAD", "LD"] {
            assert!(!refused_env(name), "{name}");
        }
        let e = check_env_names(["DB_USER", "PATH", "LD_PRELOAD"], &[]).err().map(|e| e.to_string());
        let e = e.unwrap_or_default();
        assert!(e.contains("refusing to set LD_PRELOAD, PATH:"), "{e}");
        assert!(e.contains("--allow-env LD_PRELOAD --allow-env PATH"), "{e}");
        let e = check_env_names(["PATH", "LD_PRELOAD"], &["PATH".into()]).err().map(|e| e.to_string());
        assert!(e.unwrap_or_default().contains("refusing to set LD_PRELOAD: this variable"));
        assert!(check_env_names(["PATH", "LD_PRELOAD"], &["PATH".into(), "LD_PRELOAD".into()]).is_ok());
    }
}
