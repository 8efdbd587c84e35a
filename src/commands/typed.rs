//! Typed secrets for scripts: `sesame put PATH --type dockerconfigjson|ssh-auth …` and the typed views of
//! `sesame get`.
//!
//! - `--type dockerconfigjson --registry R --username U --password-stdin [--email E]` adds or updates the
//!   credentials of registry R (Docker Hub when omitted) in the secret's `.dockerconfigjson`, keeping its other
//!   registries; a malformed stored config is never overwritten unless `--replace` says so.
//! - `--type ssh-auth --key-file F` (`-` for standard input) validates the private key and stores it under
//!   `ssh-privatekey`; it prints the public key and fingerprint. An ssh-auth secret's private key is immutable:
//!   delete the secret and recreate it to change it.
//! - Both record the type annotation ([`crate::vault::annotations`]); a token that may not write metadata
//!   gets a warning (the type is still recognised from the keys).
//! - `sesame get` on an ssh-auth secret shows the public key and the fingerprint and never the private key, not
//!   even with `--reveal`; `--field ssh-publickey` / `--field ssh-fingerprint` print them when the secret does
//!   not store such keys itself.
//!
//! Every write is checked like `sesame put`'s (check-and-set on KV v2, compare-before-write on KV v1), and
//! nothing here prints a password or a private key.

use std::io::{Read as _, Write as _};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args;
use zeroize::Zeroizing;

use super::{GetArgs, GetFormat};
use crate::sanitize::terminal as shown;
use crate::secret::docker::{self, DockerConfig, RegistryCredentials};
use crate::secret::ssh;
use crate::secret::types::{DOCKER_CONFIG_KEY, SSH_PRIVATE_KEY, SecretType, TYPE_ANNOTATION};
use crate::secret::{MASK, SecretData};
use crate::vault::annotations::{AnnotationStore, Changes};
use crate::vault::kv::{Mount, Vault, VersionInfo};

/// The virtual field of `sesame get` that prints an ssh-auth secret's public key.
pub const PUBLIC_KEY_FIELD: &str = "ssh-publickey";

/// The virtual field of `sesame get` that prints an ssh-auth secret's fingerprint.
pub const FINGERPRINT_FIELD: &str = "ssh-fingerprint";

/// Largest password read from standard input.
const MAX_STDIN: u64 = 64 * 1024;

/// The typed-secret flags of `sesame put` (flattened into its arguments).
#[derive(Args, Debug, Default, Clone)]
pub struct TypedPutArgs {
    /// Write a typed secret instead of KEY=VALUE pairs: `dockerconfigjson` (registry credentials, with
    /// --registry, --username, --password-stdin, --email) or `ssh-auth` (a private key, with --key-file).
    #[arg(id = "type", long = "type", value_name = "TYPE", value_parser = parse_put_type)]
    pub ty: Option<SecretType>,
    /// dockerconfigjson: the registry server, `host[:port]` or a URL [default: Docker Hub,
    /// https://index.docker.io/v1/].
    #[arg(long, value_name = "SERVER", requires = "type")]
    pub registry: Option<String>,
    /// dockerconfigjson: the registry username.
    #[arg(long, value_name = "NAME", requires = "type")]
    pub username: Option<String>,
    /// dockerconfigjson: read the password or token from standard input (one trailing newline is dropped).
    #[arg(long, requires = "type")]
    pub password_stdin: bool,
    /// dockerconfigjson: an optional e-mail address.
    #[arg(long, value_name = "ADDRESS", requires = "type")]
    pub email: Option<String>,
    /// ssh-auth: the private key file (`~` expanded; `-` reads standard input).
    #[arg(long, value_name = "FILE", requires = "type")]
    pub key_file: Option<String>,
}

fn parse_put_type(s: &str) -> Result<SecretType, String> {
    match SecretType::from_name(s) {
        Some(t @ (SecretType::DockerConfigJson | SecretType::SshAuth)) => Ok(t),
        Some(SecretType::Opaque) => Err("Opaque is the default: give KEY=VALUE pairs without --type".into()),
        None => Err(format!("unknown type {s:?}: use dockerconfigjson or ssh-auth")),
    }
}

/// `sesame put PATH --type …`: writes a typed secret. `pairs` are the KEY=VALUE arguments (refused with a
/// type); `replace` allows replacing a secret of another type or a malformed stored docker config.
pub async fn put_typed(
    vault: &Vault,
    path: &str,
    typed: &TypedPutArgs,
    pairs: &[String],
    replace: bool,
) -> anyhow::Result<ExitCode> {
    let Some(ty) = typed.ty else { bail!("no --type given") };
    if !pairs.is_empty() {
        bail!("--type {} takes no KEY=VALUE pairs", ty.cli_name());
    }
    check_flags(ty, typed)?;
    let trimmed = path.trim_start_matches('/');
    if let Some(reason) = crate::secret::rules::path_error(trimmed) {
        bail!("invalid path {path:?}: {reason}");
    }
    if path.ends_with('/') {
        bail!("{path} ends with `/`: give a secret, not a folder");
    }
    // Read and validate the local input before anything is sent.
    let input = match ty {
        SecretType::DockerConfigJson => {
            let password = read_password_stdin()?;
            let creds = RegistryCredentials {
                registry: typed.registry.clone().unwrap_or_default(),
                username: typed.username.clone().unwrap_or_default(),
                password,
                email: typed.email.clone().unwrap_or_default(),
                extra: Vec::new(),
            };
            let issues = DockerConfig { registries: vec![creds.clone()], extra: Vec::new() }.validate();
            if let Some(first) = issues.first() {
                bail!("{}", first.message);
            }
            Input::Docker(creds)
        }
        SecretType::SshAuth => {
            let file = typed.key_file.as_deref().unwrap_or("-");
            let text = if file == "-" {
                read_stdin("the private key")?
            } else {
                ssh::read_key_file(file).map_err(|e| anyhow::anyhow!("{e}"))?
            };
            Input::Ssh(ssh::prepare_private_key(&text).map_err(|e| anyhow::anyhow!("{e}"))?)
        }
        SecretType::Opaque => bail!("Opaque is the default: give KEY=VALUE pairs without --type"),
    };

    let (mount, rel) = super::locate(vault, trimmed).await?;
    if rel.is_empty() {
        bail!("{} is a mount: give a secret inside it", mount.path);
    }
    let store = AnnotationStore::new(vault.clone());
    let snapshot = vault.snapshot(&mount, &rel).await?;
    let full = format!("{}/{rel}", mount.path);
    let existing = snapshot.data.clone().unwrap_or_default();
    let existing_type = existing_type(&store, &mount, &rel, &existing).await;

    let (data, summary) = match input {
        Input::Docker(creds) => {
            let mut form = DockerConfig::default();
            let mut kept = SecretData::default();
            if !existing.pairs.is_empty() && !replace {
                if existing_type != SecretType::DockerConfigJson {
                    bail!(
                        "{full} holds a {} secret (keys {}): nothing written; add --replace to turn it into a \
                         docker registry secret",
                        existing_type.k8s_name(),
                        existing.keys().collect::<Vec<_>>().join(", ")
                    );
                }
                if let Some(v) = existing.get(DOCKER_CONFIG_KEY) {
                    form = docker::parse_value(v)
                        .map_err(|e| anyhow::anyhow!("{e}: nothing written; add --replace to overwrite it"))?
                        .to_form();
                }
                kept.pairs = existing.pairs.iter().filter(|(k, _)| k != DOCKER_CONFIG_KEY).cloned().collect();
            }
            let registry = creds.registry_key().map_err(|m| anyhow::anyhow!(m))?;
            form.upsert(creds);
            let written = form.to_secret_data().map_err(|issues| {
                let lines: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
                anyhow::anyhow!("cannot save {full}: {}", lines.join("; "))
            })?;
            let mut data = written;
            data.pairs.extend(kept.pairs);
            let names: Vec<String> = form.registries.iter().filter_map(|r| r.registry_key().ok()).collect();
            (data, format!("registry {registry} set; registries: {}", names.join(", ")))
        }
        Input::Ssh(prepared) => {
            if existing_type == SecretType::SshAuth && existing.get(SSH_PRIVATE_KEY).is_some() {
                bail!(
                    "{full} already holds an SSH private key, which sesame never changes: delete the secret \
                     (sesame rm {full}) and create it again"
                );
            }
            if !existing.pairs.is_empty() && !replace {
                bail!(
                    "{full} holds a {} secret (keys {}): nothing written; add --replace to turn it into an \
                     ssh-auth secret",
                    existing_type.k8s_name(),
                    existing.keys().collect::<Vec<_>>().join(", ")
                );
            }
            let mut out = format!(
                "public key: {}\nfingerprint: {}",
                prepared.info.public_key,
                prepared.info.keygen_line()
            );
            if let Some(note) = &prepared.note {
                out.push_str(&format!("\nnote: {note}"));
            }
            (prepared.to_secret_data(), out)
        }
    };

    let written = vault.write(&mount, &rel, &data, &snapshot.expected).await.map_err(|e| match e {
        crate::vault::VaultError::CasMismatch { .. } => {
            anyhow::anyhow!(
                "{e}: nothing was written; run the command again to apply it over the new version"
            )
        }
        other => other.into(),
    })?;
    let mut changes = Changes::new();
    changes.insert(TYPE_ANNOTATION.to_string(), Some(ty.k8s_name().to_string()));
    // The secret is written either way: a failed annotation is a warning (the keys still give the type).
    if let Err(e) = store.set(&mount, &rel, &changes).await {
        crate::errln!(
            "sesame: {full} written, but its type annotation could not be recorded ({e}); the type is still \
             recognised from its keys"
        );
    }
    let mut out = std::io::stdout().lock();
    let full = shown(&full);
    match written.version {
        Some(v) => writeln!(out, "{full}: version {v} ({})", ty.k8s_name())?,
        None => writeln!(out, "{full}: written ({})", ty.k8s_name())?,
    }
    writeln!(out, "{}", crate::sanitize::lines(&summary))?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

enum Input {
    Docker(RegistryCredentials),
    Ssh(ssh::PreparedKey),
}

fn check_flags(ty: SecretType, t: &TypedPutArgs) -> anyhow::Result<()> {
    match ty {
        SecretType::DockerConfigJson => {
            if t.key_file.is_some() {
                bail!("--key-file belongs to --type ssh-auth");
            }
            if t.username.is_none() {
                bail!("--type dockerconfigjson needs --username");
            }
            if !t.password_stdin {
                bail!(
                    "--type dockerconfigjson needs --password-stdin: give the password on standard input (command \
                     lines are visible to other users)"
                );
            }
        }
        SecretType::SshAuth => {
            if t.registry.is_some() || t.username.is_some() || t.password_stdin || t.email.is_some() {
                bail!(
                    "--registry, --username, --password-stdin and --email belong to --type dockerconfigjson"
                );
            }
            if t.key_file.is_none() {
                bail!("--type ssh-auth needs --key-file FILE (or --key-file - for standard input)");
            }
        }
        SecretType::Opaque => {}
    }
    Ok(())
}

/// Reads standard input as UTF-8 text into a zeroizing buffer.
fn read_stdin(what: &str) -> anyhow::Result<Zeroizing<String>> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(4096));
    std::io::stdin()
        .lock()
        .take(MAX_STDIN + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {what} from standard input"))?;
    if bytes.len() as u64 > MAX_STDIN {
        bail!("{what} on standard input is larger than {MAX_STDIN} bytes");
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| anyhow::anyhow!("{what} on standard input is not UTF-8 text"))?;
    Ok(Zeroizing::new(text.to_string()))
}

/// The password from standard input, without one trailing newline.
fn read_password_stdin() -> anyhow::Result<Zeroizing<String>> {
    let mut text = read_stdin("the password")?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    if text.is_empty() {
        bail!("no password on standard input");
    }
    Ok(text)
}

/// The type of a stored secret: its annotation if readable, else its keys.
async fn existing_type(store: &AnnotationStore, mount: &Mount, path: &str, data: &SecretData) -> SecretType {
    if data.pairs.is_empty() {
        return SecretType::Opaque;
    }
    store.detect_type(mount, path, data).await.ty
}

/// `sesame get` for typed secrets: handles the output and returns true for an ssh-auth secret (the private key
/// stays masked even with `--reveal`), and for the table view of a docker registry secret (a summary of
/// registries and usernames under the masked table); returns false to let plain `get` print.
pub async fn get_typed(
    vault: &Vault,
    mount: &Mount,
    path: &str,
    version: Option<&VersionInfo>,
    data: &SecretData,
    args: &GetArgs,
) -> anyhow::Result<bool> {
    let store = AnnotationStore::new(vault.clone());
    let ty = existing_type(&store, mount, path, data).await;
    let full = format!("{}/{path}", mount.path);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match ty {
        SecretType::Opaque => Ok(false),
        SecretType::DockerConfigJson => {
            if args.field.is_some() || args.format != GetFormat::Table {
                return Ok(false);
            }
            write_header(&mut out, &full, version, ty)?;
            write_table(&mut out, data, args.reveal, None)?;
            if let Some(v) = data.get(DOCKER_CONFIG_KEY) {
                match docker::parse_value(v) {
                    Ok(cfg) => {
                        for e in &cfg.entries {
                            let user = e.effective_username().unwrap_or("(none)");
                            writeln!(out, "# registry {}: username {}", shown(&e.registry), shown(user))?;
                            if let Some(note) = e.source.note() {
                                writeln!(out, "#   {}", shown(note))?;
                            }
                        }
                        for w in &cfg.warnings {
                            writeln!(out, "# warning: {}", shown(w))?;
                        }
                    }
                    Err(e) => writeln!(out, "# {}", shown(&e.to_string()))?,
                }
            }
            out.flush()?;
            Ok(true)
        }
        SecretType::SshAuth => {
            let view = ssh::stored_key_info(data);
            if let Some(field) = &args.field {
                match field.as_str() {
                    SSH_PRIVATE_KEY if data.get(SSH_PRIVATE_KEY).is_some() => {
                        if args.reveal {
                            bail!(
                                "the private key of an ssh-auth secret is never printed (use --field {PUBLIC_KEY_FIELD} \
                                 or --field {FINGERPRINT_FIELD}; delete and recreate the secret to change the key)"
                            );
                        }
                        writeln!(out, "{MASK}")?;
                    }
                    f if data.get(f).is_some() => {
                        drop(out);
                        return Ok(false);
                    }
                    PUBLIC_KEY_FIELD => match &view {
                        Ok(i) => writeln!(out, "{}", shown(&i.public_key))?,
                        Err(e) => bail!("{full}: no public key: {e}"),
                    },
                    FINGERPRINT_FIELD => match &view {
                        Ok(i) => writeln!(out, "{}", shown(&i.fingerprint))?,
                        Err(e) => bail!("{full}: no fingerprint: {e}"),
                    },
                    _ => {
                        drop(out);
                        return Ok(false);
                    }
                }
                out.flush()?;
                return Ok(true);
            }
            match args.format {
                GetFormat::Json => {
                    let mut obj = serde_json::Map::new();
                    for (k, v) in &data.pairs {
                        let shown = if k == SSH_PRIVATE_KEY || !args.reveal {
                            serde_json::Value::String(MASK.to_string())
                        } else {
                            // Revealed values of other keys, parsed only to be printed.
                            serde_json::from_str(v.json_text()).unwrap_or(serde_json::Value::Null)
                        };
                        obj.insert(k.clone(), shown);
                    }
                    writeln!(out, "{}", crate::sanitize::json(&serde_json::to_string_pretty(&obj)?))?;
                }
                GetFormat::Table => {
                    write_header(&mut out, &full, version, ty)?;
                    match &view {
                        Ok(i) => {
                            writeln!(out, "# public key: {}", shown(&i.public_key))?;
                            writeln!(out, "# fingerprint: {}", shown(&i.keygen_line()))?;
                        }
                        Err(e) => writeln!(out, "# public key: unavailable ({})", shown(e))?,
                    }
                    writeln!(
                        out,
                        "# the private key is never shown; delete and recreate the secret to change it"
                    )?;
                    write_table(&mut out, data, args.reveal, Some(SSH_PRIVATE_KEY))?;
                }
            }
            out.flush()?;
            Ok(true)
        }
    }
}

fn write_header(
    out: &mut impl std::io::Write,
    full: &str,
    version: Option<&VersionInfo>,
    ty: SecretType,
) -> std::io::Result<()> {
    match version {
        Some(v) => {
            writeln!(out, "# {} version {} created {}", shown(full), v.version, shown(&v.created_time))?
        }
        None => writeln!(out, "# {}", shown(full))?,
    }
    writeln!(out, "# type: {}", ty.k8s_name())
}

/// The `KEY  VALUE` table of `sesame get`: values masked unless `reveal`, and `never` always masked.
pub(super) fn write_table(
    out: &mut impl std::io::Write,
    data: &SecretData,
    reveal: bool,
    never: Option<&str>,
) -> std::io::Result<()> {
    use unicode_width::UnicodeWidthStr as _;
    // Padding is written out rather than asked of `format!`, whose width argument is limited to u16: a key
    // of 65,536 characters must not panic.
    let keys: Vec<_> = data.keys().map(|k| crate::sanitize::terminal(k)).collect();
    let w = keys.iter().map(|k| k.width()).max().unwrap_or(3).max(3);
    let pad = |out: &mut dyn std::io::Write, text: &str| -> std::io::Result<()> {
        out.write_all(text.as_bytes())?;
        out.write_all(" ".repeat(w.saturating_sub(text.width()) + 2).as_bytes())
    };
    pad(out, "KEY")?;
    writeln!(out, "VALUE")?;
    for ((k, v), key) in data.pairs.iter().zip(&keys) {
        pad(out, key)?;
        if reveal && never != Some(k.as_str()) {
            writeln!(out, "{}", crate::sanitize::terminal(v.reveal().as_str()))?;
        } else {
            writeln!(out, "{MASK}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_typed_types_are_accepted() {
        assert_eq!(parse_put_type("dockerconfigjson"), Ok(SecretType::DockerConfigJson));
        assert_eq!(parse_put_type("kubernetes.io/ssh-auth"), Ok(SecretType::SshAuth));
        assert!(parse_put_type("opaque").is_err());
        assert!(parse_put_type("tls").is_err());
    }

    #[test]
    fn flags_belong_to_their_type() {
        let docker = TypedPutArgs {
            ty: Some(SecretType::DockerConfigJson),
            username: Some("u".into()),
            password_stdin: true,
            ..Default::default()
        };
        assert!(check_flags(SecretType::DockerConfigJson, &docker).is_ok());
        let no_stdin = TypedPutArgs { password_stdin: false, ..docker.clone() };
        assert!(
            check_flags(SecretType::DockerConfigJson, &no_stdin).unwrap_err().to_string().contains("stdin")
        );
        assert!(check_flags(SecretType::SshAuth, &docker).is_err());
        let ssh =
            TypedPutArgs { ty: Some(SecretType::SshAuth), key_file: Some("f".into()), ..Default::default() };
        assert!(check_flags(SecretType::SshAuth, &ssh).is_ok());
        assert!(check_flags(SecretType::DockerConfigJson, &ssh).is_err());
    }
}
