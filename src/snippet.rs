//! "Use in a service": what to copy so that a service can read a secret without anyone pasting values.
//!
//! A [`Target`] describes a secret (or a folder) without its values: server address, namespace, mount,
//! KV version, path and key names. [`render`] turns it into one [`SnippetFormat`]: the full path, the path
//! relative to a configurable top folder (EDITO style), `vault`/`bao` CLI commands, `curl`, Python `hvac`,
//! an External Secrets Operator manifest, or, given the values, a Kubernetes Secret manifest, a `.env` body
//! or `export` lines.
//!
//! Every [`Snippet`] says whether it [`contains_values`](Snippet::contains_values); the UI asks for a
//! confirmation before showing or copying those and the CLI requires `--reveal`. Snippet text is kept in
//! a zeroizing buffer and a value-bearing snippet's `Debug` never shows its text.
//!
//! The environment-variable helpers ([`env_vars`], [`dotenv_body`], [`export_lines`]) are shared with
//! `sesame run` and `sesame export`.

use std::fmt;
use std::fmt::Write as _;

use base64::Engine as _;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::secret::SecretData;
pub use crate::secret::types::SecretType;
use crate::secret::types::{TYPE_ANNOTATION, detect};
use crate::vault::annotations::Annotations;
use crate::vault::kv::{KvVersion, Mount, encode_path};

/// The annotation that flags a secret for `sesame run --folder`: EOxHub's "inject as environment variables"
/// ([`crate::secret::annotation::INJECT_ENV`]). Set it to `true`; absent or anything else means not flagged.
pub use crate::secret::annotation::INJECT_ENV as INJECT_ANNOTATION;

/// True when a secret's annotations flag it for injection ([`INJECT_ANNOTATION`] = `true`).
pub fn is_injected(annotations: &Annotations) -> bool {
    annotations.get(INJECT_ANNOTATION).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// True when `key` of a secret of type `ty` never goes into a snippet, nor to the clipboard: an ssh-auth
/// secret's private key never leaves sesame. The TUI's chooser and the `snippet` and `copy` commands ask here.
pub fn withheld(ty: SecretType, key: &str) -> bool {
    ty == SecretType::SshAuth && key == crate::secret::types::SSH_PRIVATE_KEY
}

/// Drops from `data` (the values a snippet may be built from) the keys [`withheld`] for a secret of type `ty`.
pub fn withhold(ty: SecretType, data: &mut SecretData) {
    data.pairs.retain(|(k, _)| !withheld(ty, k));
}

/// The keys whose values are stored base64-encoded with the encoding recorded (`sesame.encoding.KEY` =
/// `base64`, see [`crate::secret::file`]), from a secret's annotations.
pub fn binary_keys(annotations: &Annotations) -> Vec<String> {
    let prefix = crate::secret::file::ENCODING_ANNOTATION_PREFIX;
    annotations
        .iter()
        .filter(|(_, v)| v.as_str() == crate::secret::annotation::BASE64)
        .filter_map(|(k, _)| k.strip_prefix(prefix).map(str::to_string))
        .collect()
}

/// `[service]` settings of the config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceSettings {
    /// The folder that [`SnippetFormat::Relative`] paths are relative to, including the mount, e.g.
    /// `onyxia-kv/user-alice` (EDITO/Onyxia services take secret paths relative to the user's folder).
    /// Unset: relative to the mount.
    pub top_folder: Option<String>,
}

/// A secret or folder to build snippets for. Holds no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Server address without a trailing slash, e.g. `https://vault.example.com:8200`.
    pub addr: String,
    /// The Vault namespace, if any.
    pub namespace: Option<String>,
    /// Mount path without slashes, e.g. `secret`.
    pub mount: String,
    /// The mount's KV version.
    pub version: KvVersion,
    /// The path inside the mount without leading or trailing slash (`""` for the mount's root folder).
    pub path: String,
    /// True for a folder.
    pub is_folder: bool,
    /// The secret's key names (empty for a folder or when unknown).
    pub keys: Vec<String>,
    /// Its Kubernetes type: from the keys, or from the `type` annotation ([`Target::with_annotations`]).
    pub secret_type: SecretType,
    /// Keys whose values are stored base64-encoded with the encoding recorded: the Kubernetes Secret carries
    /// their decoded bytes.
    pub binary_keys: Vec<String>,
}

impl Target {
    /// A secret at `path` inside `mount`, with its key names.
    pub fn secret<K: Into<String>>(
        addr: &str,
        namespace: Option<&str>,
        mount: &Mount,
        path: &str,
        keys: impl IntoIterator<Item = K>,
    ) -> Self {
        let keys: Vec<String> = keys.into_iter().map(Into::into).collect();
        Self {
            addr: addr.trim_end_matches('/').to_string(),
            namespace: namespace.filter(|n| !n.is_empty()).map(str::to_string),
            mount: mount.path.trim_matches('/').to_string(),
            version: mount.version,
            path: path.trim_matches('/').to_string(),
            is_folder: false,
            secret_type: SecretType::from_keys(keys.iter().map(String::as_str)),
            keys,
            binary_keys: Vec::new(),
        }
    }

    /// Takes the type (the `type` annotation wins over the keys) and the recorded encodings from the secret's
    /// annotations.
    pub fn with_annotations(mut self, annotations: &Annotations) -> Self {
        let annotation = annotations.get(TYPE_ANNOTATION).map(String::as_str);
        self.secret_type = detect(annotation, self.keys.iter().map(String::as_str)).ty;
        self.binary_keys = binary_keys(annotations);
        self
    }

    /// A folder at `folder` inside `mount` (`""` for the mount's root).
    pub fn folder(addr: &str, namespace: Option<&str>, mount: &Mount, folder: &str) -> Self {
        let mut t = Self::secret(addr, namespace, mount, folder, Vec::<String>::new());
        t.is_folder = true;
        t
    }

    /// `mount/path` (a folder ends with `/`).
    pub fn full_path(&self) -> String {
        let mut p = self.mount.clone();
        if !self.path.is_empty() {
            p.push('/');
            p.push_str(&self.path);
        }
        if self.is_folder {
            p.push('/');
        }
        p
    }

    /// The last path segment (the mount for its root).
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().filter(|s| !s.is_empty()).unwrap_or(&self.mount)
    }
}

/// What to copy or print for a secret or folder.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnippetFormat {
    /// The full path `mount/path`.
    Path,
    /// The path relative to the configured top folder (`[service] top_folder`), or to the mount.
    Relative,
    /// `vault kv get -mount=M PATH` (`vault kv list` for a folder).
    Cli,
    /// `bao kv get -mount=M PATH` (`bao kv list` for a folder).
    BaoCli,
    /// `curl` against the HTTP API path for the mount's KV version.
    Curl,
    /// Python `hvac` for the mount's KV version.
    Hvac,
    /// An External Secrets Operator `ExternalSecret` manifest.
    Eso,
    /// A `.env` body of references, `NAME=vault://mount/path#KEY` (for `sesame run --env-file`; no values).
    Refs,
    /// The same with vals' references, `NAME=ref+vault://mount/path#/KEY` (helmfile, vals; no values).
    ValsRefs,
    /// A Kubernetes `Secret` manifest with the values (contains values).
    K8s,
    /// A `.env` body (contains values).
    Dotenv,
    /// `export KEY='value'` lines for a POSIX shell (contains values).
    Export,
}

impl SnippetFormat {
    /// Every format, in the order a chooser lists them.
    pub const ALL: [Self; 12] = [
        Self::Path,
        Self::Relative,
        Self::Cli,
        Self::BaoCli,
        Self::Curl,
        Self::Hvac,
        Self::Eso,
        Self::Refs,
        Self::ValsRefs,
        Self::K8s,
        Self::Dotenv,
        Self::Export,
    ];

    /// A short human label for a chooser.
    pub fn label(self) -> &'static str {
        match self {
            Self::Path => "Full path",
            Self::Relative => "Relative path",
            Self::Cli => "vault CLI",
            Self::BaoCli => "bao CLI",
            Self::Curl => "curl",
            Self::Hvac => "Python hvac",
            Self::Eso => "ExternalSecret (ESO)",
            Self::Refs => ".env of references",
            Self::ValsRefs => ".env of vals references",
            Self::K8s => "Kubernetes Secret",
            Self::Dotenv => ".env file",
            Self::Export => "Shell export lines",
        }
    }

    /// The `--format` value.
    pub fn name(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Relative => "relative",
            Self::Cli => "cli",
            Self::BaoCli => "bao-cli",
            Self::Curl => "curl",
            Self::Hvac => "hvac",
            Self::Eso => "eso",
            Self::Refs => "refs",
            Self::ValsRefs => "vals-refs",
            Self::K8s => "k8s",
            Self::Dotenv => "dotenv",
            Self::Export => "export",
        }
    }

    /// True when the snippet embeds secret values: show or copy it only after an explicit confirmation.
    pub fn contains_values(self) -> bool {
        matches!(self, Self::K8s | Self::Dotenv | Self::Export)
    }

    /// True when the format makes sense for this target (folders get paths and list commands only).
    pub fn applies_to(self, target: &Target) -> bool {
        !target.is_folder
            || matches!(
                self,
                Self::Path | Self::Relative | Self::Cli | Self::BaoCli | Self::Curl | Self::Hvac
            )
    }

    /// The formats for a target, in chooser order.
    pub fn available(target: &Target) -> Vec<Self> {
        Self::ALL.into_iter().filter(|f| f.applies_to(target)).collect()
    }
}

impl fmt::Display for SnippetFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One rendered snippet.
pub struct Snippet {
    /// Its format.
    pub format: SnippetFormat,
    /// The text to copy or print (no trailing newline for one-line snippets).
    pub text: Zeroizing<String>,
    /// True when [`text`](Self::text) embeds secret values.
    pub contains_values: bool,
}

impl fmt::Debug for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Snippet");
        d.field("format", &self.format).field("contains_values", &self.contains_values);
        if self.contains_values {
            d.field("text", &"<redacted>");
        } else {
            d.field("text", &self.text.as_str());
        }
        d.finish()
    }
}

/// Why a snippet cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnippetError {
    /// A value-bearing format was asked for without the values.
    #[error("the {0} snippet needs the secret's values")]
    NeedsValues(SnippetFormat),
    /// The format does not apply to folders.
    #[error("the {format} snippet is for secrets, and {path} is a folder")]
    NotForFolders {
        /// The format asked for.
        format: SnippetFormat,
        /// The folder.
        path: String,
    },
    /// The target is outside the configured top folder.
    #[error("{path} is not inside the top folder {top} (set [service] top_folder in the config file)")]
    NotUnderTop {
        /// The target's full path.
        path: String,
        /// The configured top folder.
        top: String,
    },
}

/// Renders one snippet. `data` is needed only for the value-bearing formats.
pub fn render(
    format: SnippetFormat,
    target: &Target,
    settings: &ServiceSettings,
    data: Option<&SecretData>,
) -> Result<Snippet, SnippetError> {
    if !format.applies_to(target) {
        return Err(SnippetError::NotForFolders { format, path: target.full_path() });
    }
    let text: Zeroizing<String> = match format {
        SnippetFormat::Path => Zeroizing::new(target.full_path()),
        SnippetFormat::Relative => Zeroizing::new(relative_path(target, settings)?),
        SnippetFormat::Cli => Zeroizing::new(cli_command("vault", target)),
        SnippetFormat::BaoCli => Zeroizing::new(cli_command("bao", target)),
        SnippetFormat::Curl => Zeroizing::new(curl_command(target)),
        SnippetFormat::Hvac => Zeroizing::new(hvac_snippet(target)),
        SnippetFormat::Eso => Zeroizing::new(eso_manifest(target)),
        SnippetFormat::Refs | SnippetFormat::ValsRefs => {
            Zeroizing::new(reference_lines(target, format == SnippetFormat::ValsRefs))
        }
        SnippetFormat::K8s => {
            let data = data.ok_or(SnippetError::NeedsValues(format))?;
            let source = format!("{} ({})", target.full_path(), target.version.label());
            k8s_secret_manifest(
                &k8s_name(target.name()),
                &source,
                target.secret_type,
                data,
                &target.binary_keys,
            )
        }
        SnippetFormat::Dotenv | SnippetFormat::Export => {
            let data = data.ok_or(SnippetError::NeedsValues(format))?;
            let vars = env_vars(data, "");
            let mut out = Zeroizing::new(String::new());
            for note in vars.notes() {
                let _ = writeln!(out, "# {}", comment_safe(&note));
            }
            let body = if format == SnippetFormat::Dotenv {
                dotenv_body(&vars.vars)
            } else {
                export_lines(&vars.vars)
            };
            out.push_str(&body);
            out
        }
    };
    Ok(Snippet { format, text, contains_values: format.contains_values() })
}

/// A `.env` body naming each key of the target by reference: `NAME=vault://mount/path#KEY` (vals' form
/// with `vals`). Keys that are not variable names are listed in a comment with their reference.
fn reference_lines(target: &Target, vals: bool) -> String {
    let mount = crate::vault::kv::Mount {
        path: target.mount.clone(),
        version: target.version,
        description: String::new(),
    };
    let mut out = String::new();
    for k in &target.keys {
        let r = if vals {
            crate::reference::Reference::vals(&mount, &target.path, Some(k))
        } else {
            crate::reference::Reference::short(&mount, &target.path, Some(k))
        };
        if is_env_name(k) && !k.contains(['\n', '\r']) {
            let _ = writeln!(out, "{k}={r}");
        } else {
            let _ = writeln!(out, "# {} is not a variable name: {}", comment_safe(k), comment_safe(&r));
        }
    }
    out
}

/// Renders every value-free format that applies to the target (the chooser's previews). Formats that fail
/// (e.g. a relative path outside the top folder) are left out.
pub fn previews(target: &Target, settings: &ServiceSettings) -> Vec<Snippet> {
    SnippetFormat::available(target)
        .into_iter()
        .filter(|f| !f.contains_values())
        .filter_map(|f| render(f, target, settings, None).ok())
        .collect()
}

fn relative_path(target: &Target, settings: &ServiceSettings) -> Result<String, SnippetError> {
    let full = target.full_path();
    let Some(top) = settings.top_folder.as_deref().map(|t| t.trim_matches('/')).filter(|t| !t.is_empty())
    else {
        return Ok(if target.is_folder && !target.path.is_empty() {
            format!("{}/", target.path)
        } else {
            target.path.clone()
        });
    };
    let rest = full.strip_prefix(top).and_then(|r| r.strip_prefix('/')).filter(|r| !r.is_empty());
    rest.map(str::to_string)
        .ok_or_else(|| SnippetError::NotUnderTop { path: full.clone(), top: top.to_string() })
}

fn cli_command(program: &str, target: &Target) -> String {
    let mut cmd = String::from(program);
    cmd.push_str(if target.is_folder { " kv list" } else { " kv get" });
    if let Some(ns) = &target.namespace {
        cmd.push_str(" -namespace=");
        cmd.push_str(&shell_quote(ns));
    }
    cmd.push_str(" -mount=");
    cmd.push_str(&shell_quote(&target.mount));
    if !target.path.is_empty() {
        cmd.push(' ');
        cmd.push_str(&shell_quote(&target.path));
    }
    cmd
}

/// The HTTP API path (after `/v1/`) that reads the secret or lists the folder.
pub fn api_path(target: &Target) -> String {
    let mount = encode_path(&target.mount);
    let mut api = match (target.version, target.is_folder) {
        (KvVersion::V1, _) => format!("{mount}/"),
        (KvVersion::V2, false) => format!("{mount}/data/"),
        (KvVersion::V2, true) => format!("{mount}/metadata/"),
    };
    if !target.path.is_empty() {
        api.push_str(&encode_path(&target.path));
        if target.is_folder {
            api.push('/');
        }
    }
    api
}

fn curl_command(target: &Target) -> String {
    let mut cmd = String::from("curl -sS");
    if target.is_folder {
        cmd.push_str(" -X LIST");
    }
    cmd.push_str(" \\\n  -H \"X-Vault-Token: $VAULT_TOKEN\"");
    if let Some(ns) = &target.namespace {
        cmd.push_str(" \\\n  -H ");
        cmd.push_str(&single_quote(&format!("X-Vault-Namespace: {ns}")));
    }
    cmd.push_str(" \\\n  ");
    cmd.push_str(&single_quote(&format!("{}/v1/{}", target.addr, api_path(target))));
    cmd
}

fn hvac_snippet(target: &Target) -> String {
    let mut s = String::from("import hvac\n\n");
    let _ = write!(s, "client = hvac.Client(url={}", py_str(&target.addr));
    if let Some(ns) = &target.namespace {
        let _ = write!(s, ", namespace={}", py_str(ns));
    }
    s.push_str(")  # the token comes from VAULT_TOKEN or ~/.vault-token\n");
    let v = match target.version {
        KvVersion::V1 => "v1",
        KvVersion::V2 => "v2",
    };
    let path = py_str(&target.path);
    let mount = py_str(&target.mount);
    if target.is_folder {
        let _ = write!(
            s,
            "keys = client.secrets.kv.{v}.list_secrets(\n    path={path},\n    mount_point={mount},\n)[\"data\"][\"keys\"]"
        );
    } else {
        match target.version {
            KvVersion::V1 => {
                let _ = write!(
                    s,
                    "secret = client.secrets.kv.v1.read_secret(\n    path={path},\n    mount_point={mount},\n)\n\
                     data = secret[\"data\"]"
                );
            }
            KvVersion::V2 => {
                let _ = write!(
                    s,
                    "secret = client.secrets.kv.v2.read_secret_version(\n    path={path},\n    mount_point={mount},\n    \
                     raise_on_deleted_version=True,\n)\ndata = secret[\"data\"][\"data\"]"
                );
            }
        }
    }
    s
}

fn eso_manifest(target: &Target) -> String {
    let name = k8s_name(target.name());
    let version = match target.version {
        KvVersion::V1 => "v1",
        KvVersion::V2 => "v2",
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# ExternalSecret for {} ({}).",
        comment_safe(&target.full_path()),
        target.version.label()
    );
    s.push_str("# Its SecretStore (or ClusterSecretStore) needs the vault provider with\n");
    let ns = match &target.namespace {
        Some(ns) => format!("namespace: {}, ", yaml_str(ns)),
        None => String::new(),
    };
    let _ = writeln!(
        s,
        "#   server: {}, {ns}path: {}, version: \"{version}\"",
        yaml_str(&target.addr),
        yaml_str(&target.mount)
    );
    match target.version {
        KvVersion::V1 => {
            s.push_str("# (set \"v1\" for this KV v1 mount: the provider's default is \"v2\").\n")
        }
        KvVersion::V2 => {
            s.push_str("# (\"v2\" is the provider's default; a KV v1 mount would need \"v1\").\n")
        }
    }
    s.push_str("apiVersion: external-secrets.io/v1\n");
    s.push_str("kind: ExternalSecret\n");
    s.push_str("metadata:\n");
    let _ = writeln!(s, "  name: {name}");
    s.push_str("spec:\n");
    s.push_str("  refreshInterval: 1h\n");
    s.push_str("  secretStoreRef:\n");
    s.push_str("    kind: SecretStore\n");
    s.push_str("    name: vault-backend # your SecretStore or ClusterSecretStore\n");
    s.push_str("  target:\n");
    let _ = writeln!(s, "    name: {name}");
    if target.secret_type != SecretType::Opaque {
        s.push_str("    template:\n");
        let _ = writeln!(s, "      type: {}", target.secret_type.k8s_name());
    }
    s.push_str("  dataFrom:\n");
    s.push_str("    - extract:\n");
    let _ = write!(s, "        key: {}", yaml_str(&target.path));
    s
}

/// A Kubernetes Secret manifest of type `ty` with `data`: base64 of each value's bytes (strings as their text,
/// other JSON values as compact JSON, `binary` keys decoded from their stored base64 first). `source` goes
/// into the header comment. Keys Kubernetes refuses are left out with a comment.
pub fn k8s_secret_manifest(
    name: &str,
    source: &str,
    ty: SecretType,
    data: &SecretData,
    binary: &[String],
) -> Zeroizing<String> {
    let mut s = Zeroizing::new(String::new());
    let _ = writeln!(s, "# Kubernetes Secret with the values of {}.", comment_safe(source));
    for key in data.keys().filter(|k| !is_k8s_key(k)) {
        let _ = writeln!(s, "# skipped {}: not a valid Secret key", comment_safe(key));
    }
    s.push_str("apiVersion: v1\nkind: Secret\nmetadata:\n");
    let _ = writeln!(s, "  name: {name}");
    let _ = writeln!(s, "type: {}", ty.k8s_name());
    s.push_str("data:");
    let mut any = false;
    for (k, v) in data.pairs.iter().filter(|(k, _)| is_k8s_key(k)) {
        let bytes = value_bytes(k, v, binary);
        let encoded = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(bytes.as_slice()));
        s.push_str("\n  ");
        s.push_str(&yaml_str(k));
        s.push_str(": ");
        s.push_str(&encoded);
        any = true;
    }
    if !any {
        s.push_str(" {}");
    }
    s
}

/// The bytes a value stands for: a `binary` key's stored base64 decoded (when it decodes), else the value as
/// text (strings unescaped, other JSON values compact).
pub fn value_bytes(key: &str, value: &crate::secret::SecretValue, binary: &[String]) -> Zeroizing<Vec<u8>> {
    if binary.iter().any(|b| b == key)
        && let Some(bytes) = crate::secret::file::decode_value(value, crate::secret::file::Encoding::Base64)
    {
        return bytes;
    }
    Zeroizing::new(value.reveal().as_bytes().to_vec())
}

/// A Kubernetes object name from a path segment: lowercase DNS-1123 (`[a-z0-9-.]`, alphanumeric ends).
pub fn k8s_name(segment: &str) -> String {
    let mut out = String::new();
    for c in segment.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed: String = out.trim_matches(|c: char| !c.is_ascii_alphanumeric()).chars().take(253).collect();
    let trimmed = trimmed.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_string();
    if trimmed.is_empty() { "secret".to_string() } else { trimmed }
}

fn is_k8s_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 253
        && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// True for a valid environment variable name: `^[A-Za-z_][A-Za-z0-9_]*$`, not `_` alone.
pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    name != "_" && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A secret's keys as environment variables.
#[derive(Default)]
pub struct EnvVars {
    /// `(PREFIX + key, value)` in the secret's order; values as [`crate::secret::SecretValue::reveal`] gives
    /// them.
    pub vars: Vec<(String, Zeroizing<String>)>,
    /// Keys left out because `PREFIX + key` is not a valid variable name.
    pub skipped: Vec<String>,
    /// Keys left out because the value holds a NUL byte, which no environment can carry.
    pub with_nul: Vec<String>,
}

impl EnvVars {
    /// One line per left-out key, saying why (key names only).
    pub fn notes(&self) -> Vec<String> {
        let names =
            self.skipped.iter().map(|k| format!("skipped {k:?}: not a valid environment variable name"));
        let nul = self.with_nul.iter().map(|k| format!("skipped {k:?}: its value holds a NUL byte"));
        names.chain(nul).collect()
    }
}

impl fmt::Debug for EnvVars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvVars")
            .field("vars", &self.vars.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("skipped", &self.skipped)
            .field("with_nul", &self.with_nul)
            .finish()
    }
}

/// Turns a secret into environment variables named `prefix + key`; see [`EnvVars`].
pub fn env_vars(data: &SecretData, prefix: &str) -> EnvVars {
    let mut out = EnvVars::default();
    for (k, v) in &data.pairs {
        let name = format!("{prefix}{k}");
        let value = v.reveal();
        if !is_env_name(&name) {
            out.skipped.push(k.clone());
        } else if value.contains('\0') {
            out.with_nul.push(k.clone());
        } else {
            out.vars.push((name, value));
        }
    }
    out
}

/// A `.env` body, one `NAME=value` line each: bare when the value is plain, single-quoted when it has no
/// single quote or line break, double-quoted with `\\`, `\"`, `\n`, `\r`, `\t` escapes otherwise (docker
/// compose and python-dotenv read all three; both expand `${VAR}` inside double quotes).
pub fn dotenv_body(vars: &[(String, Zeroizing<String>)]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::new());
    for (k, v) in vars {
        out.push_str(k);
        out.push('=');
        if !v.is_empty() && v.chars().all(is_plain_char) {
            out.push_str(v);
        } else if !v.contains(['\'', '\n', '\r']) {
            out.push('\'');
            out.push_str(v);
            out.push('\'');
        } else {
            out.push('"');
            for c in v.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '"' => out.push_str("\\\""),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        out.push('\n');
    }
    out
}

/// `export NAME='value'` lines for a POSIX shell (`eval`-able; values single-quoted).
pub fn export_lines(vars: &[(String, Zeroizing<String>)]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::new());
    for (k, v) in vars {
        out.push_str("export ");
        out.push_str(k);
        out.push_str("='");
        // `single_quote`, written into the output buffer (as `dotenv_body` does) rather than a plain String.
        for c in v.chars() {
            if c == '\'' {
                out.push_str(r"'\''");
            } else {
                out.push(c);
            }
        }
        out.push_str("'\n");
    }
    out
}

fn is_plain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | ':' | '@' | '%' | '+' | ',' | '-')
}

/// Quotes a word for a POSIX shell: bare when it is made of safe characters, single-quoted otherwise.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| is_plain_char(c) || c == '=') {
        s.to_string()
    } else {
        single_quote(s)
    }
}

/// Single-quotes for a POSIX shell (`'` becomes `'\''`).
pub fn single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A Python string literal (JSON's escapes are valid Python).
fn py_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// A YAML scalar: plain when unambiguous, double-quoted (JSON escapes are valid YAML) otherwise.
fn yaml_str(s: &str) -> String {
    let reserved = ["true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"];
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-'))
        && !reserved.contains(&s.to_ascii_lowercase().as_str());
    if plain { s.to_string() } else { py_str(s) }
}

/// Text safe inside a `#` comment line: control characters become `?`.
fn comment_safe(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(v: KvVersion) -> Mount {
        Mount { path: "secret".into(), version: v, description: String::new() }
    }

    fn db(v: KvVersion) -> Target {
        Target::secret("http://127.0.0.1:8200/", None, &mount(v), "apps/web/db", ["password", "username"])
    }

    fn text(f: SnippetFormat, t: &Target) -> String {
        render(f, t, &ServiceSettings::default(), None).unwrap().text.to_string()
    }

    fn data() -> SecretData {
        SecretData::from_json_object(
            r#"{"DB_PASSWORD":"it's \"x\"\n$HOME","port":5432,"bad-key":"v","_":"u"}"#,
        )
        .unwrap()
    }

    #[test]
    fn paths() {
        for v in [KvVersion::V1, KvVersion::V2] {
            let t = db(v);
            assert_eq!(text(SnippetFormat::Path, &t), "secret/apps/web/db");
            assert_eq!(text(SnippetFormat::Relative, &t), "apps/web/db");
            let top = ServiceSettings { top_folder: Some("/secret/apps/".into()) };
            assert_eq!(&*render(SnippetFormat::Relative, &t, &top, None).unwrap().text, "web/db");
            let other = ServiceSettings { top_folder: Some("secret/app".into()) };
            assert_eq!(
                render(SnippetFormat::Relative, &t, &other, None).unwrap_err(),
                SnippetError::NotUnderTop { path: "secret/apps/web/db".into(), top: "secret/app".into() }
            );
            let f = Target::folder("http://h", None, &mount(v), "apps/web/");
            assert_eq!(text(SnippetFormat::Path, &f), "secret/apps/web/");
            assert_eq!(text(SnippetFormat::Relative, &f), "apps/web/");
            assert_eq!(&*render(SnippetFormat::Relative, &f, &top, None).unwrap().text, "web/");
            let root = Target::folder("http://h", None, &mount(v), "");
            assert_eq!(text(SnippetFormat::Path, &root), "secret/");
        }
    }

    #[test]
    fn cli_commands_are_the_same_for_v1_and_v2() {
        for v in [KvVersion::V1, KvVersion::V2] {
            let t = db(v);
            assert_eq!(text(SnippetFormat::Cli, &t), "vault kv get -mount=secret apps/web/db");
            assert_eq!(text(SnippetFormat::BaoCli, &t), "bao kv get -mount=secret apps/web/db");
            let mut odd = Target::secret("http://h", Some("team-a"), &mount(v), "apps/my db's", ["k"]);
            assert_eq!(
                text(SnippetFormat::Cli, &odd),
                r"vault kv get -namespace=team-a -mount=secret 'apps/my db'\''s'"
            );
            odd.is_folder = true;
            assert_eq!(
                text(SnippetFormat::BaoCli, &odd),
                r"bao kv list -namespace=team-a -mount=secret 'apps/my db'\''s'"
            );
            let root = Target::folder("http://h", None, &mount(v), "");
            assert_eq!(text(SnippetFormat::Cli, &root), "vault kv list -mount=secret");
        }
    }

    #[test]
    fn curl_v2_and_v1() {
        assert_eq!(
            text(SnippetFormat::Curl, &db(KvVersion::V2)),
            "curl -sS \\\n  -H \"X-Vault-Token: $VAULT_TOKEN\" \\\n  'http://127.0.0.1:8200/v1/secret/data/apps/web/db'"
        );
        assert_eq!(
            text(SnippetFormat::Curl, &db(KvVersion::V1)),
            "curl -sS \\\n  -H \"X-Vault-Token: $VAULT_TOKEN\" \\\n  'http://127.0.0.1:8200/v1/secret/apps/web/db'"
        );
        let t = Target::secret("https://v:8200", Some("team-a"), &mount(KvVersion::V2), "a b/c?d", ["k"]);
        assert_eq!(
            text(SnippetFormat::Curl, &t),
            "curl -sS \\\n  -H \"X-Vault-Token: $VAULT_TOKEN\" \\\n  -H 'X-Vault-Namespace: team-a' \\\n  \
             'https://v:8200/v1/secret/data/a%20b/c%3Fd'"
        );
        let f = Target::folder("http://h", None, &mount(KvVersion::V2), "apps");
        assert_eq!(
            text(SnippetFormat::Curl, &f),
            "curl -sS -X LIST \\\n  -H \"X-Vault-Token: $VAULT_TOKEN\" \\\n  'http://h/v1/secret/metadata/apps/'"
        );
        let f1 = Target::folder("http://h", None, &mount(KvVersion::V1), "");
        assert_eq!(
            text(SnippetFormat::Curl, &f1),
            "curl -sS -X LIST \\\n  -H \"X-Vault-Token: $VAULT_TOKEN\" \\\n  'http://h/v1/secret/'"
        );
    }

    #[test]
    fn hvac_v2_and_v1() {
        assert_eq!(
            text(SnippetFormat::Hvac, &db(KvVersion::V2)),
            r#"import hvac

client = hvac.Client(url="http://127.0.0.1:8200")  # the token comes from VAULT_TOKEN or ~/.vault-token
secret = client.secrets.kv.v2.read_secret_version(
    path="apps/web/db",
    mount_point="secret",
    raise_on_deleted_version=True,
)
data = secret["data"]["data"]"#
        );
        let mut t = db(KvVersion::V1);
        t.namespace = Some("team-a".into());
        assert_eq!(
            text(SnippetFormat::Hvac, &t),
            r#"import hvac

client = hvac.Client(url="http://127.0.0.1:8200", namespace="team-a")  # the token comes from VAULT_TOKEN or ~/.vault-token
secret = client.secrets.kv.v1.read_secret(
    path="apps/web/db",
    mount_point="secret",
)
data = secret["data"]"#
        );
        let f = Target::folder("http://h", None, &mount(KvVersion::V2), "apps");
        assert!(text(SnippetFormat::Hvac, &f).ends_with(
            "keys = client.secrets.kv.v2.list_secrets(\n    path=\"apps\",\n    mount_point=\"secret\",\n)[\"data\"][\"keys\"]"
        ));
    }

    #[test]
    fn eso_v2_and_v1() {
        assert_eq!(
            text(SnippetFormat::Eso, &db(KvVersion::V2)),
            r#"# ExternalSecret for secret/apps/web/db (KV v2).
# Its SecretStore (or ClusterSecretStore) needs the vault provider with
#   server: "http://127.0.0.1:8200", path: secret, version: "v2"
# ("v2" is the provider's default; a KV v1 mount would need "v1").
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: db
spec:
  refreshInterval: 1h
  secretStoreRef:
    kind: SecretStore
    name: vault-backend # your SecretStore or ClusterSecretStore
  target:
    name: db
  dataFrom:
    - extract:
        key: apps/web/db"#
        );
        let t = Target::secret(
            "http://h",
            Some("team-a"),
            &mount(KvVersion::V1),
            "registry/Docker Hub",
            [".dockerconfigjson"],
        );
        assert_eq!(
            text(SnippetFormat::Eso, &t),
            r#"# ExternalSecret for secret/registry/Docker Hub (KV v1).
# Its SecretStore (or ClusterSecretStore) needs the vault provider with
#   server: "http://h", namespace: team-a, path: secret, version: "v1"
# (set "v1" for this KV v1 mount: the provider's default is "v2").
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: docker-hub
spec:
  refreshInterval: 1h
  secretStoreRef:
    kind: SecretStore
    name: vault-backend # your SecretStore or ClusterSecretStore
  target:
    name: docker-hub
    template:
      type: kubernetes.io/dockerconfigjson
  dataFrom:
    - extract:
        key: "registry/Docker Hub""#
        );
    }

    #[test]
    fn k8s_secret_follows_the_type_and_contains_values() {
        let d = SecretData::from_json_object(r#"{"ssh-privatekey":"KEY","port":22,"bad key":"x"}"#).unwrap();
        let t = Target::secret("http://h", None, &mount(KvVersion::V2), "ssh/deploy", d.keys());
        assert_eq!(
            render(SnippetFormat::K8s, &t, &ServiceSettings::default(), None).unwrap_err(),
            SnippetError::NeedsValues(SnippetFormat::K8s)
        );
        let s = render(SnippetFormat::K8s, &t, &ServiceSettings::default(), Some(&d)).unwrap();
        assert!(s.contains_values);
        assert_eq!(
            &*s.text,
            r#"# Kubernetes Secret with the values of secret/ssh/deploy (KV v2).
# skipped bad key: not a valid Secret key
apiVersion: v1
kind: Secret
metadata:
  name: deploy
type: kubernetes.io/ssh-auth
data:
  ssh-privatekey: S0VZ
  port: MjI="#
        );
        assert!(!format!("{s:?}").contains("S0VZ"));
        let v1 = Target::secret("http://h", None, &mount(KvVersion::V1), "x", ["a"]);
        let d1 = SecretData::from_json_object(r#"{"a":"b"}"#).unwrap();
        let s1 = render(SnippetFormat::K8s, &v1, &ServiceSettings::default(), Some(&d1)).unwrap();
        assert_eq!(
            &*s1.text,
            "# Kubernetes Secret with the values of secret/x (KV v1).\napiVersion: v1\nkind: Secret\nmetadata:\n  \
             name: x\ntype: Opaque\ndata:\n  a: Yg=="
        );
    }

    #[test]
    fn k8s_secret_carries_the_bytes_of_binary_values() {
        // "AAH/" is base64 of the bytes 00 01 ff; "YWJj" of "abc".
        let d = SecretData::from_json_object(r#"{"CERT":"AAH/","TEXT":"YWJj","BROKEN":"%%"}"#).unwrap();
        let binary = ["CERT".to_string(), "BROKEN".to_string()];
        let s = k8s_secret_manifest("x", "m/x", SecretType::Opaque, &d, &binary);
        assert!(s.ends_with("data:\n  CERT: AAH/\n  TEXT: WVdKag==\n  BROKEN: JSU="), "{}", s.as_str());
    }

    #[test]
    fn dotenv_and_export() {
        let d = data();
        for v in [KvVersion::V1, KvVersion::V2] {
            let t = Target::secret("http://h", None, &mount(v), "apps/x", d.keys());
            let env = render(SnippetFormat::Dotenv, &t, &ServiceSettings::default(), Some(&d)).unwrap();
            assert!(env.contains_values);
            assert_eq!(
                &*env.text,
                "# skipped \"bad-key\": not a valid environment variable name\n\
                 # skipped \"_\": not a valid environment variable name\n\
                 DB_PASSWORD=\"it's \\\"x\\\"\\n$HOME\"\nport=5432\n"
            );
            let ex = render(SnippetFormat::Export, &t, &ServiceSettings::default(), Some(&d)).unwrap();
            assert_eq!(
                &*ex.text,
                "# skipped \"bad-key\": not a valid environment variable name\n\
                 # skipped \"_\": not a valid environment variable name\n\
                 export DB_PASSWORD='it'\\''s \"x\"\n$HOME'\nexport port='5432'\n"
            );
        }
        let plain = [
            ("A".to_string(), Zeroizing::new("x y".to_string())),
            ("B".into(), Zeroizing::new(String::new())),
        ];
        assert_eq!(&*dotenv_body(&plain), "A='x y'\nB=''\n");
    }

    #[test]
    fn env_names_and_prefix() {
        for ok in ["A", "_A", "a1", "DB_PASSWORD"] {
            assert!(is_env_name(ok), "{ok}");
        }
        for bad in ["", "_", "1A", "A-B", "A B", "É"] {
            assert!(!is_env_name(bad), "{bad}");
        }
        let d = SecretData::from_json_object(r#"{"1st":"a","x":"b\u0000c"}"#).unwrap();
        let vars = env_vars(&d, "APP_");
        assert_eq!(vars.vars.len(), 1);
        assert_eq!(vars.vars[0].0, "APP_1st");
        assert_eq!(vars.with_nul, ["x"]);
        assert_eq!(format!("{vars:?}"), r#"EnvVars { vars: ["APP_1st"], skipped: [], with_nul: ["x"] }"#);
        assert_eq!(vars.notes(), [r#"skipped "x": its value holds a NUL byte"#]);
    }

    #[test]
    fn types_and_names() {
        let m = mount(KvVersion::V2);
        let t = Target::secret("http://h", None, &m, "x", ["a", "ssh-privatekey", ".dockerconfigjson"]);
        assert_eq!(t.secret_type, SecretType::DockerConfigJson);
        assert_eq!(
            Target::secret("http://h", None, &m, "x", ["ssh-privatekey"]).secret_type,
            SecretType::SshAuth
        );
        let plain = Target::secret("http://h", None, &m, "x", ["a", "CERT"]);
        assert_eq!(plain.secret_type, SecretType::Opaque);
        let ann: Annotations = [
            ("type".to_string(), "kubernetes.io/ssh-auth".to_string()),
            ("encoding.CERT".to_string(), "base64".to_string()),
            ("inject.env".to_string(), "true".to_string()),
        ]
        .into_iter()
        .collect();
        let t = plain.with_annotations(&ann);
        assert_eq!(t.secret_type, SecretType::SshAuth);
        assert_eq!(t.binary_keys, ["CERT"]);
        assert!(is_injected(&ann));
        assert!(!is_injected(&Annotations::new()));
        assert_eq!(k8s_name("My_DB (prod)"), "my-db-prod");
        assert_eq!(k8s_name("--"), "secret");
        assert_eq!(k8s_name("a.b"), "a.b");
    }

    #[test]
    fn folders_get_paths_and_list_commands_only() {
        let f = Target::folder("http://h", None, &mount(KvVersion::V2), "apps");
        assert_eq!(
            SnippetFormat::available(&f),
            [
                SnippetFormat::Path,
                SnippetFormat::Relative,
                SnippetFormat::Cli,
                SnippetFormat::BaoCli,
                SnippetFormat::Curl,
                SnippetFormat::Hvac
            ]
        );
        assert!(matches!(
            render(SnippetFormat::Eso, &f, &ServiceSettings::default(), None),
            Err(SnippetError::NotForFolders { .. })
        ));
        // Every value-free format: 7, and the two .env-of-references formats.
        assert_eq!(previews(&db(KvVersion::V2), &ServiceSettings::default()).len(), 9);
        assert_eq!(SnippetFormat::ALL.iter().filter(|f| f.contains_values()).count(), 3);
        assert!(!SnippetFormat::Refs.contains_values() && !SnippetFormat::ValsRefs.contains_values());
    }
}
