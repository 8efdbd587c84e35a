//! Admin subcommands for scripts, cron and CI: `sesame mode`, `sesame policy`, `sesame audit`.
//!
//! They share the explorer's code paths ([`crate::vault::modes`], [`crate::vault::policy`],
//! [`crate::vault::audit`]) and never print a value: paths, modes, names, key names and policy text only.
//! Exit status: `mode` and `policy show|apply` 0 on success; `policy diff` 1 when the server's policy differs
//! from the generated one; `audit` 1 when it finds drift; any error 1 with the reason on stderr.

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};

use super::{confirm, locate};
use crate::vault::Vault;
use crate::vault::annotations::AnnotationStore;
use crate::vault::audit::{self, AuditOptions, AuditProgress, Scope};
use crate::vault::connect::ConnectArgs;
use crate::vault::modes::{Mode, ModeError, Modes};
use crate::vault::policy::{self, DEFAULT_POLICY_NAME};
use crate::vault::walk::DEFAULT_CONCURRENCY;

/// A mode on the command line.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeArg {
    /// View and copy only: no edit, rename, move or delete.
    Readonly,
    /// Key names only: values are never shown.
    KeyOnly,
    /// No mode.
    None,
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Readonly => Mode::ReadOnly,
            ModeArg::KeyOnly => Mode::KeyOnly,
            ModeArg::None => Mode::None,
        }
    }
}

/// `sesame mode`.
#[derive(Args, Debug)]
pub struct ModeArgs {
    /// The secret, e.g. `secret/apps/web/db`.
    pub path: String,
    /// The mode to set; without it, print the current mode.
    #[arg(value_enum)]
    pub mode: Option<ModeArg>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// What `sesame policy` does.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyAction {
    /// Print the generated HCL.
    Show,
    /// Show the difference between the server's policy and the generated one (exit 1 when they differ).
    Diff,
    /// Write the generated policy to the server (after confirming, unless --yes).
    Apply,
}

/// `sesame policy`.
#[derive(Args, Debug)]
pub struct PolicyArgs {
    /// show, diff or apply.
    #[arg(value_enum)]
    pub action: PolicyAction,
    /// Mounts or folders whose modes the policy covers [default: every KV mount the token sees]. A policy
    /// generated from one team's folder can be attached to that team only.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// The policy's name.
    #[arg(long, default_value = DEFAULT_POLICY_NAME, value_name = "NAME")]
    pub name: String,
    /// Apply without asking.
    #[arg(short, long)]
    pub yes: bool,
    /// Apply even when some folders or metadata could not be read (their modes would lose their rules).
    #[arg(long)]
    pub partial: bool,
    /// Requests in flight at most while collecting the modes.
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY, value_name = "N")]
    pub concurrency: usize,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Output format of `sesame audit`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuditFormat {
    /// Aligned columns, drift on indented lines, a summary.
    #[default]
    Table,
    /// The whole report as JSON.
    Json,
    /// One line per secret: path,mode,set_by,set_at,keys,drift.
    Csv,
}

/// `sesame audit`.
#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Mounts or folders to audit [default: every KV mount the token sees].
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
    pub format: AuditFormat,
    /// The policy to compare with.
    #[arg(long, default_value = DEFAULT_POLICY_NAME, value_name = "NAME")]
    pub name: String,
    /// Requests in flight at most.
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY, value_name = "N")]
    pub concurrency: usize,
    /// Do not compare the key names of key-only secrets with their real keys.
    #[arg(long)]
    pub no_key_check: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// The scopes named on the command line, or every KV mount the token sees.
async fn scopes(vault: &Vault, paths: &[String]) -> anyhow::Result<Vec<Scope>> {
    if paths.is_empty() {
        let mounts = vault.mounts().await.context("cannot list the KV mounts: name them")?;
        if mounts.is_empty() {
            bail!("the token sees no KV mount: name the mounts or folders to cover");
        }
        return Ok(mounts.into_iter().map(Scope::mount).collect());
    }
    let mut out = Vec::new();
    for p in paths {
        let (mount, folder) = locate(vault, p).await?;
        out.push(Scope { mount, folder });
    }
    Ok(out)
}

/// `sesame mode PATH [readonly|key-only|none]`.
pub async fn mode(vault: &Vault, args: &ModeArgs) -> anyhow::Result<ExitCode> {
    let (mount, path) = locate(vault, &args.path).await?;
    if path.is_empty() {
        bail!("{} is a mount: a mode belongs to a secret", mount.path);
    }
    let full = format!("{}/{path}", mount.path);
    let full = crate::sanitize::terminal(&full).into_owned();
    let modes = Modes::new(AnnotationStore::new(vault.clone()));
    let Some(wanted) = args.mode else {
        let r = modes.get(&mount, &path).await?;
        let mut out = std::io::stdout().lock();
        write!(out, "{full}: {}", r.mode)?;
        if let (Some(by), Some(at)) = (&r.set_by, &r.set_at)
            && r.mode != Mode::None
        {
            write!(out, " (set by {} at {})", crate::sanitize::terminal(by), crate::sanitize::terminal(at))?;
        }
        writeln!(out)?;
        if r.mode == Mode::KeyOnly {
            writeln!(out, "keys: {}", crate::sanitize::terminal(&r.keys.join(", ")))?;
        }
        return Ok(ExitCode::SUCCESS);
    };
    let r = match modes.set_mode(&mount, &path, wanted.into()).await {
        Ok(r) => r,
        Err(e @ ModeError::NotAdmin { .. }) => {
            bail!(
                "{e}\nAn admin of a secret is a token that may update its metadata (KV v2) or the mount's annotation registry (KV v1)."
            )
        }
        Err(e) => return Err(e.into()),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}: {}", crate::sanitize::terminal(&full), r.mode)?;
    if r.mode == Mode::KeyOnly {
        writeln!(out, "keys recorded: {}", crate::sanitize::terminal(&r.keys.join(", ")))?;
    }
    crate::errln!("sesame: run `sesame policy apply` to have the server enforce it");
    Ok(ExitCode::SUCCESS)
}

/// `sesame policy show|diff|apply [--name N] [PATH…]`.
pub async fn policy(vault: &Vault, args: &PolicyArgs) -> anyhow::Result<ExitCode> {
    let scopes = scopes(vault, &args.paths).await?;
    let store = AnnotationStore::new(vault.clone());
    let opts = AuditOptions { concurrency: args.concurrency.max(1), ..AuditOptions::default() };
    let (entries, scans) = audit::collect_entries(&store, &scopes, &opts, None).await?;
    let incomplete: usize = scans.iter().map(|s| s.denied.len() + s.unreadable.len()).sum();
    for (scope, s) in scopes.iter().zip(&scans) {
        for d in &s.denied {
            crate::errln!(
                "sesame: permission denied listing {}/{d}/: its modes are not in the policy",
                scope.mount.path
            );
        }
        for p in &s.unreadable {
            crate::errln!(
                "sesame: cannot read the metadata of {}/{p}: its mode is not in the policy",
                scope.mount.path
            );
        }
    }
    let generated = policy::generate(&args.name, &entries);
    for (p, why) in &generated.skipped {
        crate::errln!("sesame: {p} left out: {why}");
    }
    match args.action {
        PolicyAction::Show => {
            print!("{}", crate::sanitize::lines(&generated.hcl));
            Ok(ExitCode::SUCCESS)
        }
        PolicyAction::Diff | PolicyAction::Apply => {
            let current = policy::read_policy(vault, &args.name).await?;
            let diff = policy::diff(&args.name, current.as_deref(), &generated.hcl);
            if diff.is_empty() {
                crate::errln!(
                    "sesame: policy {} on the server is up to date ({} secrets)",
                    args.name,
                    generated.secrets
                );
                return Ok(ExitCode::SUCCESS);
            }
            print!("{}", crate::sanitize::lines(&diff));
            std::io::stdout().flush()?;
            if args.action == PolicyAction::Diff {
                return Ok(ExitCode::FAILURE);
            }
            if incomplete > 0 && !args.partial {
                bail!(
                    "not applied: {incomplete} folders or secrets could not be read, so the rules of their modes \
                     would be dropped; use a token that may list and read every metadata, or add --partial"
                );
            }
            if !args.yes
                && !confirm(
                    &format!(
                        "Write policy {} ({} secrets) to {}",
                        args.name,
                        generated.secrets,
                        vault.addr()
                    ),
                    "yes",
                )?
            {
                bail!("not applied");
            }
            policy::apply_policy(vault, &args.name, &generated.hcl).await?;
            crate::errln!(
                "sesame: policy {} applied ({} secrets); attach it to the non-admin users' group, role or auth method",
                args.name,
                generated.secrets
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `sesame audit [PATH…] --format table|json|csv`: exit status 1 when drift is found.
pub async fn audit(vault: &Vault, args: &AuditArgs) -> anyhow::Result<ExitCode> {
    let scopes = scopes(vault, &args.paths).await?;
    let store = AnnotationStore::new(vault.clone());
    let opts = AuditOptions {
        concurrency: args.concurrency.max(1),
        policy_name: args.name.clone(),
        check_keys: !args.no_key_check,
        ..AuditOptions::default()
    };
    let progress = Arc::new(AuditProgress::default());
    let ticker = std::io::stderr().is_terminal().then(|| {
        let p = progress.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                eprint!(
                    "\r\x1b[2Kauditing: {:.0}% ({})",
                    p.fraction() * 100.0,
                    crate::sanitize::terminal(&p.label())
                );
            }
        })
    });
    let result = audit::audit(&store, &scopes, &opts, Some(&progress)).await;
    if let Some(t) = ticker {
        t.abort();
        eprint!("\r\x1b[2K");
    }
    let report = result?;
    let text = match args.format {
        AuditFormat::Table => audit::to_table(&report),
        AuditFormat::Json => audit::to_json(&report) + "\n",
        AuditFormat::Csv => audit::to_csv(&report),
    };
    // The table is sanitized cell by cell and JSON is terminal-safe as it is; CSV stays exact for a file or
    // a pipe and is shown escaped on a terminal.
    let csv_on_terminal = args.format == AuditFormat::Csv && std::io::stdout().is_terminal();
    let text = if csv_on_terminal { crate::sanitize::lines(&text).into_owned() } else { text };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    for d in &report.denied {
        crate::errln!("sesame: permission denied listing {d}/ (not audited)");
    }
    for p in &report.unreadable {
        crate::errln!("sesame: cannot read the metadata of {p} (not audited)");
    }
    Ok(if report.has_drift() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
