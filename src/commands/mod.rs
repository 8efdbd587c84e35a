//! Non-interactive subcommands for scripts: `ls` and `get`. They print no value unless asked to.

pub mod admin;
pub mod compare;
pub mod consume;
pub mod edit;
pub mod find;
pub mod login;
pub mod refs;
pub mod scopes;
pub mod typed;

use std::io::{IsTerminal as _, Write};

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};

use crate::sanitize::terminal as shown;
use crate::secret::MASK;
use crate::vault::Vault;
use crate::vault::connect::ConnectArgs;
use crate::vault::kv::KvVersion;

/// `sesame ls`.
#[derive(Args, Debug)]
pub struct LsArgs {
    /// A mount or folder, e.g. `secret/teams/`.
    pub path: String,
    /// List every secret below PATH.
    #[arg(short, long)]
    pub recursive: bool,
    /// Requests in flight at most during a recursive walk.
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub concurrency: usize,
    /// Walk folder by folder even where the server offers a recursive SCAN.
    #[arg(long)]
    pub no_scan: bool,
    /// Print names raw, each followed by a NUL byte, for scripts (like `find -print0`). Without it, control,
    /// bidi and invisible characters in names are shown escaped (`\e`, `\u{202e}`…) and a backslash as `\\`.
    #[arg(short = 'z', long = "null")]
    pub null: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Output format of `sesame get`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GetFormat {
    /// KEY and VALUE columns (values masked unless --reveal).
    #[default]
    Table,
    /// The secret as a JSON object (values masked unless --reveal).
    Json,
}

/// `sesame get`.
#[derive(Args, Debug)]
pub struct GetArgs {
    /// The secret, e.g. `secret/apps/web/db`.
    pub path: String,
    /// Print only this key.
    #[arg(long, value_name = "KEY")]
    pub field: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GetFormat::Table)]
    pub format: GetFormat,
    /// Print values instead of masks.
    #[arg(long)]
    pub reveal: bool,
    /// Read this version (KV v2).
    #[arg(long, value_name = "N")]
    pub version: Option<u64>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Splits `mount/path` into the mount and the path inside it.
pub async fn locate(vault: &Vault, path: &str) -> anyhow::Result<(crate::vault::Mount, String)> {
    match vault.locate(path).await {
        Err(e @ crate::vault::VaultError::Invalid(_)) => Err(e.into()),
        r => r.with_context(|| format!("cannot find the mount of {}", path.trim_matches('/'))),
    }
}

/// Asks on the terminal for `expected` to be typed; refuses when standard input is not a terminal.
pub(crate) fn confirm(question: &str, expected: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("{question}: refusing without --yes (standard input is not a terminal)");
    }
    eprint!("{}? Type {} to confirm: ", shown(question), shown(expected));
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim() == expected)
}

/// `sesame ls [-r] PATH`.
pub async fn ls(vault: &Vault, args: &LsArgs) -> anyhow::Result<()> {
    let (mount, folder) = locate(vault, &args.path).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.recursive {
        let opts = crate::vault::walk::WalkOptions {
            concurrency: args.concurrency.max(1),
            use_scan: !args.no_scan,
            ..Default::default()
        };
        let result = crate::vault::walk::walk_detailed(vault, &mount, &folder, &opts, None).await?;
        for p in &result.secrets {
            print_name(&mut out, &format!("{}/{p}", mount.path), args.null)?;
        }
        for d in &result.denied {
            crate::errln!(
                "sesame: permission denied listing {} (skipped)",
                shown(&format!("{}/{d}/", mount.path))
            );
        }
    } else {
        let entries = vault.list(&mount, &folder).await?;
        if entries.is_empty() {
            // An empty answer is either an empty folder or a path that is not a folder.
            if !folder.is_empty() && vault.read(&mount, &folder, None).await.is_ok() {
                bail!("{}/{folder} is a secret, not a folder: use `sesame get`", mount.path);
            }
        }
        for e in entries {
            print_name(&mut out, &format!("{}{}", e.name, if e.is_folder { "/" } else { "" }), args.null)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// One name of a listing: escaped on its own line, or raw and NUL-terminated with `-z`.
fn print_name(out: &mut impl Write, name: &str, null: bool) -> std::io::Result<()> {
    if null {
        out.write_all(name.as_bytes())?;
        out.write_all(b"\0")
    } else {
        writeln!(out, "{}", shown(name))
    }
}

/// `sesame get PATH`.
pub async fn get(vault: &Vault, args: &GetArgs) -> anyhow::Result<()> {
    let (mount, path) = locate(vault, &args.path).await?;
    if path.is_empty() {
        bail!("{} is a mount, not a secret", mount.path);
    }
    if args.version.is_some() && mount.version == KvVersion::V1 {
        bail!("{} is a KV v1 mount: it has no versions", mount.path);
    }
    // A key-only secret: its recorded key names, never a read of its values.
    let store = crate::vault::annotations::AnnotationStore::new(vault.clone());
    if let Some(record) = crate::vault::modes::key_only(&store, &mount, &path).await {
        let full = format!("{}/{path}", mount.path);
        if args.reveal || args.field.is_some() || args.version.is_some() {
            bail!("{}", crate::vault::modes::values_refused(&full));
        }
        let mut out = std::io::stdout().lock();
        writeln!(out, "# {} is key-only: key names only", shown(&full))?;
        for k in &record.keys {
            writeln!(out, "{}", shown(k))?;
        }
        out.flush()?;
        return Ok(());
    }
    let read = vault.read(&mount, &path, args.version).await?;
    let Some(data) = read.data else {
        let v = read.version.map(|v| v.version).unwrap_or(0);
        bail!("version {v} of {}/{path} is deleted or destroyed", mount.path);
    };
    // ssh-auth secrets never show their private key; docker registry secrets get a summary.
    if typed::get_typed(vault, &mount, &path, read.version.as_ref(), &data, args).await? {
        return Ok(());
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if let Some(field) = &args.field {
        let Some(v) = data.get(field) else { bail!("{}/{path} has no key {field:?}", mount.path) };
        if args.reveal {
            // Exact for a pipe or a file; escaped on a terminal, which must not obey what a value holds.
            let value = v.reveal();
            if std::io::stdout().is_terminal() {
                writeln!(out, "{}", shown(value.as_str()))?;
            } else {
                writeln!(out, "{}", value.as_str())?;
            }
        } else {
            writeln!(out, "{MASK}")?;
            crate::errln!("value masked: add --reveal to print it");
        }
        out.flush()?;
        return Ok(());
    }
    match args.format {
        GetFormat::Json => {
            if args.reveal {
                writeln!(out, "{}", crate::sanitize::json(data.to_json_pretty().as_str()))?;
            } else {
                let masked: serde_json::Map<String, serde_json::Value> = data
                    .keys()
                    .map(|k| (k.to_string(), serde_json::Value::String(MASK.to_string())))
                    .collect();
                writeln!(out, "{}", crate::sanitize::json(&serde_json::to_string_pretty(&masked)?))?;
            }
        }
        GetFormat::Table => {
            if let Some(v) = &read.version {
                let full = format!("{}/{path}", mount.path);
                writeln!(out, "# {} version {} created {}", shown(&full), v.version, shown(&v.created_time))?;
            }
            typed::write_table(&mut out, &data, args.reveal, None)?;
        }
    }
    out.flush()?;
    Ok(())
}
