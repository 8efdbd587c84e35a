//! Editing subcommands for scripts: `put`, `mkdir`, `rm`, `mv`, `cp`, `history`, `rollback`, `undelete`,
//! `destroy`.
//!
//! They share the code paths of the explorer ([`crate::vault::write`], [`crate::vault::transfer`]), check
//! keys and names before sending anything, and never print a value: only paths, key names, versions and
//! counts. Every write is checked (check-and-set on KV v2, compare-before-write on KV v1); a conflict is an
//! error. Exit status: 0 when everything asked was done, 1 otherwise (with the reason on stderr).

use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args;

use super::{confirm, locate};
use crate::secret::SecretData;
use crate::secret::diff::masked_diff;
use crate::secret::file::{self, Encoding, FileValue};
use crate::secret::rules;
use crate::vault::annotations::AnnotationStore;
use crate::vault::connect::ConnectArgs;
use crate::vault::kv::{KvVersion, Mount, Vault};
use crate::vault::transfer::{BatchReport, ItemStatus, Location, TransferMode, TransferOptions};
use crate::vault::walk::WalkOptions;
use crate::vault::write::DeleteMode;

/// `sesame put`.
#[derive(Args, Debug)]
pub struct PutArgs {
    /// The secret, e.g. `secret/apps/web/db`; created if missing.
    pub path: String,
    /// KEY=VALUE pairs. KEY=? asks for the value (echo off on a terminal; one line from a pipe); KEY=@FILE
    /// loads a file (UTF-8 text as is, anything else base64-encoded, at most 512 KiB); KEY=@- reads
    /// standard input. A KEY=VALUE value is visible to other users in the process list (ps) and may stay in
    /// the shell's history: use KEY=?, @FILE or @- for real secrets.
    #[arg(value_name = "KEY=VALUE", required_unless_present = "type")]
    pub pairs: Vec<String>,
    /// Drop the keys not given (default: keep them and change only the keys given).
    #[arg(long)]
    pub replace: bool,
    /// Typed secrets: --type dockerconfigjson|ssh-auth and their flags (see `crate::commands::typed`).
    #[command(flatten)]
    pub typed: crate::commands::typed::TypedPutArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `sesame mkdir`.
#[derive(Args, Debug)]
pub struct MkdirArgs {
    /// The folder to create, e.g. `secret/teams/new/` (kept alive by a `.keep` placeholder secret).
    pub path: String,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `sesame rm`.
#[derive(Args, Debug)]
pub struct RmArgs {
    /// The secret (or, with -r, the folder) to delete.
    pub path: String,
    /// Delete every secret below the folder PATH.
    #[arg(short, long)]
    pub recursive: bool,
    /// KV v2: remove every version and the metadata (cannot be undone) instead of soft-deleting the latest
    /// version (which `sesame undelete` restores).
    #[arg(long)]
    pub all_versions: bool,
    /// Do not ask for confirmation before a recursive delete.
    #[arg(short, long)]
    pub yes: bool,
    /// Requests in flight at most during a recursive delete.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub concurrency: usize,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `sesame mv` and `sesame cp`.
#[derive(Args, Debug)]
pub struct TransferArgs {
    /// The secret or folder to copy/move (a trailing `/` means the folder when a secret has the same name).
    pub src: String,
    /// Where to: as mv(1) and cp -r, SRC goes inside DST under its own name when DST is an existing folder
    /// (or a mount), and is renamed to DST when DST does not exist. A secret also goes inside a DST ending
    /// with `/`. May be in another mount, of either KV version.
    pub dst: String,
    /// Overwrite secrets that exist at the destination (default: refuse).
    #[arg(long)]
    pub overwrite: bool,
    /// mv from KV v2: soft-delete only the source's latest version, keeping its history (default: remove
    /// the source with every version once the copy is verified).
    #[arg(long)]
    pub keep_source_versions: bool,
    /// Secrets copied at once for a folder.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub concurrency: usize,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `sesame history`.
#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// A KV v2 secret.
    pub path: String,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `sesame rollback`.
#[derive(Args, Debug)]
pub struct RollbackArgs {
    /// A KV v2 secret.
    pub path: String,
    /// The version whose data becomes the new latest version.
    pub version: u64,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `sesame undelete`.
#[derive(Args, Debug)]
pub struct UndeleteArgs {
    /// A KV v2 secret.
    pub path: String,
    /// Versions to undelete.
    #[arg(required = true)]
    pub versions: Vec<u64>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `sesame destroy`.
#[derive(Args, Debug)]
pub struct DestroyArgs {
    /// A KV v2 secret.
    pub path: String,
    /// Versions to destroy for good.
    #[arg(required = true)]
    pub versions: Vec<u64>,
    /// Confirm without a prompt (required when standard input is not a terminal).
    #[arg(short, long)]
    pub yes: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Rejects a path breaking the name rules before anything is sent.
fn check_user_path(path: &str) -> anyhow::Result<()> {
    let p = path.trim_start_matches('/');
    match rules::path_error(p) {
        Some(reason) => bail!("invalid path {path:?}: {reason}"),
        None => Ok(()),
    }
}

/// Locates a path that must be inside a mount (not the mount itself).
async fn locate_item(vault: &Vault, path: &str, what: &str) -> anyhow::Result<(Mount, String)> {
    check_user_path(path)?;
    let (mount, rest) = locate(vault, path).await?;
    if rest.is_empty() {
        bail!("{} is a mount: give a {what} inside it", mount.path);
    }
    Ok((mount, rest))
}

/// One `KEY=VALUE` argument, parsed.
struct Pair {
    key: String,
    value: FileValue,
}

fn parse_pairs(args: &[String]) -> anyhow::Result<Vec<Pair>> {
    let mut out: Vec<Pair> = Vec::new();
    let mut stdin_used = false;
    for arg in args {
        let Some((key, value)) = arg.split_once('=') else {
            // The argument may be a value given without key: never echo it.
            bail!("expected KEY=VALUE, KEY=@FILE or KEY=@-, got an argument without `=`");
        };
        if let Some(reason) = rules::key_error(key) {
            bail!("invalid key {key:?}: {reason}");
        }
        if out.iter().any(|p| p.key == key) {
            bail!("key {key} is given twice");
        }
        let value = if value == "@-" {
            if stdin_used {
                bail!("only one key can read standard input (@-)");
            }
            stdin_used = true;
            let mut bytes = zeroize::Zeroizing::new(Vec::new());
            std::io::stdin()
                .lock()
                .take(file::MAX_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
                .context("reading standard input")?;
            if bytes.len() as u64 > file::MAX_FILE_BYTES {
                bail!(
                    "standard input holds more than {} KiB: a value may be at most that",
                    file::MAX_FILE_BYTES / 1024
                );
            }
            file::value_from_bytes(&bytes)
        } else if value == "?" {
            asked_value(key)?
        } else if let Some(path) = value.strip_prefix('@') {
            file::load_file_value(&PathBuf::from(path))?
        } else {
            FileValue {
                value: crate::secret::SecretValue::from_string(value),
                encoding: Encoding::Text,
                size: value.len() as u64,
            }
        };
        out.push(Pair { key: key.to_string(), value });
    }
    Ok(out)
}

/// The value of `KEY=?`: asked on stderr and typed with echo off when standard input is a terminal, else
/// one line of standard input (without its line ending). It never passes through argv.
fn asked_value(key: &str) -> anyhow::Result<FileValue> {
    use std::io::{BufRead as _, IsTerminal as _};
    let text = if std::io::stdin().is_terminal() {
        // sanitize: the key was typed by the user and checked by `rules::key_error`.
        read_hidden(&format!("Value of {key} (not shown): "))?
    } else {
        let mut line = zeroize::Zeroizing::new(String::new());
        let read = std::io::stdin()
            .lock()
            .take(file::MAX_FILE_BYTES + 2)
            .read_line(&mut line)
            .with_context(|| format!("reading the value of {key} from standard input"))?;
        if read == 0 {
            bail!("no value for {key}: standard input has ended (KEY=? reads one line)");
        }
        let end = line.trim_end_matches('\n').trim_end_matches('\r').len();
        line.truncate(end);
        line
    };
    if text.len() as u64 > file::MAX_FILE_BYTES {
        bail!("the value of {key} is longer than {} KiB", file::MAX_FILE_BYTES / 1024);
    }
    Ok(FileValue {
        value: crate::secret::SecretValue::from_string(text.as_str()),
        encoding: Encoding::Text,
        size: text.len() as u64,
    })
}

/// Asks with `prompt` on stderr and reads a line from the terminal with echo off (raw mode, so nothing
/// typed is shown); Enter ends it, Ctrl-U starts over, Esc or Ctrl-C cancels.
fn read_hidden(prompt: &str) -> anyhow::Result<zeroize::Zeroizing<String>> {
    use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
    let mut err = std::io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    crossterm::terminal::enable_raw_mode().context("cannot turn the terminal's echo off")?;
    // Room for a long value up front, so that growing it leaves no copy behind.
    let mut value = zeroize::Zeroizing::new(String::with_capacity(4096));
    let result = loop {
        let ev = match event::read() {
            Ok(ev) => ev,
            Err(e) => break Err(anyhow::Error::from(e).context("reading the terminal")),
        };
        match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Enter => break Ok(()),
                KeyCode::Esc => break Err(anyhow::anyhow!("cancelled: nothing was written")),
                KeyCode::Char('c' | 'd') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    break Err(anyhow::anyhow!("cancelled: nothing was written"));
                }
                KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => value.clear(),
                KeyCode::Backspace => {
                    value.pop();
                }
                KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => value.push(c),
                _ => {}
            },
            Event::Paste(p) => value.push_str(&p),
            _ => {}
        }
    };
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = writeln!(err);
    result.map(|()| value)
}

/// `sesame put PATH KEY=VALUE… [--replace]`.
pub async fn put(vault: &Vault, args: &PutArgs) -> anyhow::Result<ExitCode> {
    if args.typed.ty.is_some() {
        return crate::commands::typed::put_typed(vault, &args.path, &args.typed, &args.pairs, args.replace)
            .await;
    }
    check_user_path(&args.path)?;
    if args.path.ends_with('/') {
        bail!("{} ends with `/`: give a secret, not a folder", args.path);
    }
    let pairs = parse_pairs(&args.pairs)?;
    let (mount, path) = locate_item(vault, &args.path, "secret").await?;
    let snapshot = vault.snapshot(&mount, &path).await?;
    if snapshot.data.is_none() && !snapshot.is_absent() && !args.replace {
        crate::errln!(
            "sesame: the latest version of {}/{path} is deleted: the new version holds only the keys given",
            mount.path
        );
    }
    let old = snapshot.data.clone().unwrap_or_default();
    let mut new = if args.replace { SecretData::default() } else { old.clone() };
    for p in &pairs {
        match new.pairs.iter_mut().find(|(k, _)| *k == p.key) {
            Some((_, v)) => *v = p.value.value.clone(),
            None => new.pairs.push((p.key.clone(), p.value.value.clone())),
        }
    }
    let loaded: Vec<(String, Encoding)> = pairs.iter().map(|p| (p.key.clone(), p.value.encoding)).collect();
    let saved = vault.save(&mount, &path, &new, &snapshot.expected, Some(&old), &loaded).await.map_err(
        |e| match e {
            crate::vault::VaultError::CasMismatch { .. } => anyhow::anyhow!(
                "{e}: nothing was written; run the command again to apply it over the new version"
            ),
            other => other.into(),
        },
    )?;
    let diff = masked_diff(&old, &new);
    let mut out = std::io::stdout().lock();
    let full = format!("{}/{path}", mount.path);
    let full = crate::sanitize::terminal(&full);
    match saved.written.version {
        Some(v) => write!(out, "{full}: version {v}")?,
        None => write!(out, "{full}: written")?,
    }
    let mut parts = Vec::new();
    for (what, keys) in [("added", &diff.added), ("changed", &diff.changed), ("removed", &diff.removed)] {
        if !keys.is_empty() {
            parts.push(format!("{what} {}", keys.join(", ")));
        }
    }
    if parts.is_empty() {
        parts.push("no change".to_string());
    }
    writeln!(out, " ({})", crate::sanitize::terminal(&parts.join("; ")))?;
    out.flush()?;
    drop(out);
    for key in &saved.unrecorded {
        crate::errln!("sesame: cannot record that {key} is base64-encoded (key too long)");
    }
    saved.records?;
    for p in &saved.written.placeholders_removed {
        crate::errln!("sesame: removed the placeholder {p}");
    }
    Ok(ExitCode::SUCCESS)
}

/// `sesame mkdir PATH`.
pub async fn mkdir(vault: &Vault, args: &MkdirArgs) -> anyhow::Result<ExitCode> {
    let (mount, folder) = locate_item(vault, &args.path, "folder").await?;
    let full = vault.make_folder(&mount, &folder).await?;
    crate::outln!("{full}/: created");
    Ok(ExitCode::SUCCESS)
}

/// `sesame rm [-r] [--all-versions] PATH`.
pub async fn rm(vault: &Vault, args: &RmArgs) -> anyhow::Result<ExitCode> {
    let (mount, path) =
        locate_item(vault, &args.path, if args.recursive { "folder" } else { "secret" }).await?;
    let full = format!("{}/{path}", mount.path);
    let mode = if args.all_versions { DeleteMode::AllVersions } else { DeleteMode::Latest };
    if args.all_versions && mount.version == KvVersion::V1 {
        bail!("{} is a KV v1 mount: it has no versions (drop --all-versions)", mount.path);
    }
    if !args.recursive {
        if args.path.ends_with('/') {
            bail!("{} is a folder: use -r to delete everything below it", args.path);
        }
        let snap = vault.snapshot(&mount, &path).await?;
        if snap.is_absent() {
            if !vault.list(&mount, &path).await?.is_empty() {
                bail!("{full} is a folder: use -r to delete everything below it");
            }
            bail!("{full} not found");
        }
        vault.delete_secret(&mount, &path, &mode).await?;
        if mount.version == KvVersion::V1
            && let Err(e) = AnnotationStore::new(vault.clone()).remove(&mount, &path).await
        {
            crate::errln!(
                "sesame: {full} was deleted, but its annotations stay in the mount's registry: {e}"
            );
        }
        match (mount.version, &mode, snap.version) {
            (KvVersion::V2, DeleteMode::Latest, Some(v)) => crate::outln!(
                "{full}: version {} deleted (`sesame undelete {full} {}` restores it)",
                v.version,
                v.version
            ),
            (KvVersion::V2, _, _) => crate::outln!("{full}: deleted with every version"),
            _ => crate::outln!("{full}: deleted"),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let folder = Location::new(mount.clone(), &path);
    let walk = WalkOptions { concurrency: args.concurrency.max(1), use_scan: true, ..WalkOptions::default() };
    let found = vault.count_secrets(&folder, &walk).await?;
    if found.secrets.is_empty() {
        bail!("{full}/ holds no secret");
    }
    let how = match (mount.version, &mode) {
        (KvVersion::V2, DeleteMode::AllVersions) => " with every version",
        (KvVersion::V2, _) => " (latest versions, undeletable)",
        _ => "",
    };
    let question = format!("delete {} secrets below {full}/{how}", found.secrets.len());
    if !args.yes && !confirm(&question, "yes")? {
        bail!("not confirmed: nothing deleted");
    }
    let report = vault.delete_folder(&folder, &mode, &walk, None).await?;
    Ok(print_report(&report, "deleted"))
}

/// Prints a batch report: problems on stderr, the summary on stdout. Failure unless complete.
fn print_report(report: &BatchReport, verb: &str) -> ExitCode {
    for item in &report.items {
        let target = item.destination.as_ref().map(|d| format!(" -> {d}")).unwrap_or_default();
        match &item.status {
            ItemStatus::Done => {}
            ItemStatus::SourceKept { reason } => {
                crate::errln!("copied, source kept: {}{target}: {reason}", item.source)
            }
            ItemStatus::Failed { reason, .. } => crate::errln!("failed: {}{target}: {reason}", item.source),
            ItemStatus::NotAttempted => crate::errln!("not attempted: {}{target}", item.source),
        }
    }
    for d in &report.denied_folders {
        crate::errln!("not listable (permission denied), so not handled: {d}/");
    }
    if let Some(h) = &report.halted {
        crate::errln!("sesame: {h}");
    }
    for p in &report.placeholders_removed {
        crate::errln!("sesame: removed the placeholder {p}");
    }
    crate::outln!("{}", report.summary(verb));
    if report.is_complete() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// `sesame mv SRC DST`.
pub async fn mv(vault: &Vault, args: &TransferArgs) -> anyhow::Result<ExitCode> {
    transfer(vault, args, TransferMode::Move).await
}

/// `sesame cp SRC DST`.
pub async fn cp(vault: &Vault, args: &TransferArgs) -> anyhow::Result<ExitCode> {
    transfer(vault, args, TransferMode::Copy).await
}

/// `sesame mv SRC DST` and `sesame cp SRC DST`.
pub async fn transfer(vault: &Vault, args: &TransferArgs, mode: TransferMode) -> anyhow::Result<ExitCode> {
    check_user_path(&args.src)?;
    check_user_path(&args.dst)?;
    let (smount, spath) = locate(vault, &args.src).await?;
    let src = Location::new(smount, &spath);
    // Secret or folder? A trailing `/` says folder; otherwise a secret if one exists, else a folder.
    let is_folder = if args.src.ends_with('/') || spath.is_empty() {
        true
    } else if vault.exists(&src.mount, &src.path).await? {
        if !vault.list(&src.mount, &src.path).await?.is_empty() {
            crate::errln!(
                "sesame: {} is a secret and a folder: taking the secret (add `/` for the folder)",
                src.display()
            );
        }
        false
    } else if !vault.list(&src.mount, &src.path).await?.is_empty() {
        true
    } else {
        bail!("{} not found", src.display());
    };
    // As mv(1) and cp -r: into DST when it is an existing folder, else renamed to DST.
    let dst = vault.transfer_destination(&src, is_folder, &args.dst).await?;
    let opts = TransferOptions {
        overwrite: args.overwrite,
        keep_source_versions: args.keep_source_versions,
        walk: WalkOptions { concurrency: args.concurrency.max(1), use_scan: true, ..WalkOptions::default() },
    };
    let report = if is_folder {
        vault.transfer_folder(&src, &dst, mode, &opts, None).await?
    } else {
        vault.transfer_secret(&src, &dst, mode, &opts, None).await?
    };
    Ok(print_report(&report, if mode == TransferMode::Move { "moved" } else { "copied" }))
}

/// `sesame history PATH`.
pub async fn history(vault: &Vault, args: &HistoryArgs) -> anyhow::Result<ExitCode> {
    let (mount, path) = locate_item(vault, &args.path, "secret").await?;
    let meta = vault.metadata(&mount, &path).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "{:<8} {:<31} {:<10} DELETED", "VERSION", "CREATED", "STATE")?;
    for v in meta.versions.iter().rev() {
        let state = v.state().word();
        let current = if v.version == meta.current_version { " *" } else { "" };
        writeln!(
            out,
            "{:<8} {:<31} {:<10} {}",
            format!("{}{current}", v.version),
            crate::sanitize::terminal(&v.created_time),
            state,
            crate::sanitize::terminal(v.deletion_time.as_deref().unwrap_or(""))
        )?;
    }
    if !meta.custom_metadata.is_empty() {
        writeln!(out, "# custom_metadata")?;
        for (k, v) in &meta.custom_metadata {
            writeln!(out, "{}={}", crate::sanitize::terminal(k), crate::sanitize::terminal(v))?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `sesame rollback PATH VERSION`.
pub async fn rollback(vault: &Vault, args: &RollbackArgs) -> anyhow::Result<ExitCode> {
    let (mount, path) = locate_item(vault, &args.path, "secret").await?;
    let new = vault.rollback(&mount, &path, args.version, None).await?;
    crate::outln!("{}/{path}: version {new} written with the data of version {}", mount.path, args.version);
    Ok(ExitCode::SUCCESS)
}

fn list_versions(v: &[u64]) -> String {
    v.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
}

/// `sesame undelete PATH VERSION…`.
pub async fn undelete(vault: &Vault, args: &UndeleteArgs) -> anyhow::Result<ExitCode> {
    let (mount, path) = locate_item(vault, &args.path, "secret").await?;
    vault.undelete(&mount, &path, &args.versions).await?;
    crate::outln!("{}/{path}: undeleted version(s) {}", mount.path, list_versions(&args.versions));
    Ok(ExitCode::SUCCESS)
}

/// `sesame destroy PATH VERSION… --yes`.
pub async fn destroy(vault: &Vault, args: &DestroyArgs) -> anyhow::Result<ExitCode> {
    let (mount, path) = locate_item(vault, &args.path, "secret").await?;
    if mount.version == KvVersion::V1 {
        bail!("{} is a KV v1 mount: it has no versions", mount.path);
    }
    let full = format!("{}/{path}", mount.path);
    let question = format!("destroy version(s) {} of {full} for good", list_versions(&args.versions));
    if !args.yes && !confirm(&question, "destroy")? {
        bail!("not confirmed: nothing destroyed");
    }
    vault.destroy(&mount, &path, &args.versions).await?;
    crate::outln!("{full}: destroyed version(s) {}", list_versions(&args.versions));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_checked_without_echoing_values() {
        let e = parse_pairs(&["hunter2".to_string()]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(!e.contains("hunter2") && e.contains("KEY=VALUE"), "{e}");
        let e =
            parse_pairs(&["bad-key=hunter2".to_string()]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(!e.contains("hunter2") && e.contains("bad-key"), "{e}");
        let e = parse_pairs(&["A=1".into(), "A=2".into()]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("twice"), "{e}");
        let p = parse_pairs(&["A=x=y".to_string(), "B=".to_string()]).unwrap();
        assert_eq!(&*p[0].value.value.reveal(), "x=y");
        assert_eq!(&*p[1].value.value.reveal(), "");
    }

    #[test]
    fn user_paths() {
        assert!(check_user_path("secret/a b/c").is_ok());
        assert!(check_user_path("/secret/a/").is_ok());
        assert!(check_user_path("secret//a").is_err());
        assert!(check_user_path("secret/../a").is_err());
        assert!(check_user_path("secret/ a").is_err());
    }
}
