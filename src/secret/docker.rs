//! Container registry credentials: the `kubernetes.io/dockerconfigjson` secret type.
//!
//! The secret has one key, `.dockerconfigjson`, holding exactly what a container runtime reads
//! (`~/.docker/config.json`, `skopeo --authfile`, a kubelet's image pull secret):
//!
//! ```json
//! {"auths":{"ghcr.io":{"username":"bob","password":"…","email":"bob@example.com","auth":"Ym9iOuKApg=="}}}
//! ```
//!
//! [`DockerConfig`] is the form model (several registries, each validated field by field) and writes that JSON
//! with `auth` = base64(`username:password`). [`parse`] reads a stored config into a [`StoredDockerConfig`]: it
//! accepts entries with only `auth` or only `username`/`password` and says which ([`CredentialSource`]), keeps
//! fields sesame does not edit (`identitytoken`, `credHelpers`, …) verbatim, and turns anything malformed into a
//! [`MalformedDockerConfig`] that keeps the raw text, so a broken stored value is shown, never silently
//! replaced.
//!
//! Passwords and `auth` strings live in [`Zeroizing`] buffers; `Debug` never prints them, and no error message
//! quotes a stored value (JSON errors give only a line and column).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use zeroize::Zeroizing;

use super::types::DOCKER_CONFIG_KEY;
use super::{MASK, SecretData, SecretValue};

/// Docker Hub's registry key, the default when the registry server is left empty (what `docker login`
/// writes).
pub const DOCKER_HUB: &str = "https://index.docker.io/v1/";

/// A field of one registry row of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The registry server.
    Registry,
    /// The user name.
    Username,
    /// The password or token.
    Password,
    /// The optional e-mail address.
    Email,
}

/// A problem with one field of one registry row, to show next to that field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Index of the row in [`DockerConfig::registries`].
    pub entry: usize,
    /// The field.
    pub field: Field,
    /// What is wrong, in plain words (never quotes the password).
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = match self.field {
            Field::Registry => "registry server",
            Field::Username => "username",
            Field::Password => "password",
            Field::Email => "email",
        };
        write!(f, "registry #{}: {field}: {}", self.entry + 1, self.message)
    }
}

/// One registry's credentials: a row of the form.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RegistryCredentials {
    /// Registry server as typed: `ghcr.io`, `localhost:5000`, `https://index.docker.io/v1/`; empty means
    /// Docker Hub.
    pub registry: String,
    /// User name (no `:`).
    pub username: String,
    /// Password or access token.
    pub password: Zeroizing<String>,
    /// Optional e-mail address; empty for none.
    pub email: String,
    /// Fields of a stored entry that sesame does not edit (`identitytoken`, `registrytoken`, …), written
    /// back unchanged.
    pub extra: Vec<(String, SecretValue)>,
}

impl fmt::Debug for RegistryCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryCredentials")
            .field("registry", &self.registry)
            .field("username", &self.username)
            .field("password", &MASK)
            .field("email", &self.email)
            .field("extra", &self.extra.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .finish()
    }
}

impl RegistryCredentials {
    /// A row with the given values.
    pub fn new(registry: &str, username: &str, password: &str, email: Option<&str>) -> Self {
        Self {
            registry: registry.to_string(),
            username: username.to_string(),
            password: Zeroizing::new(password.to_string()),
            email: email.unwrap_or("").to_string(),
            extra: Vec::new(),
        }
    }

    /// The registry key this row is saved under (see [`validate_registry`]).
    pub fn registry_key(&self) -> Result<String, String> {
        validate_registry(&self.registry)
    }
}

/// The docker registry form: several registries in one secret.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct DockerConfig {
    /// One row per registry.
    pub registries: Vec<RegistryCredentials>,
    /// Top-level fields other than `auths` (`credHelpers`, `HttpHeaders`, …) of a stored config, written back
    /// unchanged.
    pub extra: Vec<(String, SecretValue)>,
}

impl fmt::Debug for DockerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DockerConfig")
            .field("registries", &self.registries)
            .field("extra", &self.extra.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .finish()
    }
}

impl DockerConfig {
    /// Checks every field of every row; an empty list means the form can be saved.
    pub fn validate(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        let mut seen: Vec<(String, usize)> = Vec::new();
        if self.registries.is_empty() {
            issues.push(Issue {
                entry: 0,
                field: Field::Registry,
                message: "add at least one registry".into(),
            });
        }
        for (i, r) in self.registries.iter().enumerate() {
            let mut push = |field, message: String| issues.push(Issue { entry: i, field, message });
            match validate_registry(&r.registry) {
                Ok(key) => {
                    let norm = registry_identity(&key);
                    if let Some((_, first)) = seen.iter().find(|(n, _)| *n == norm) {
                        push(Field::Registry, format!("same registry as #{}", first + 1));
                    } else {
                        seen.push((norm, i));
                    }
                }
                Err(m) => push(Field::Registry, m),
            }
            // An entry kept only for its extra fields (e.g. an identity token) may have no password.
            let keeps_extra = !r.extra.is_empty() && r.username.is_empty() && r.password.is_empty();
            if !keeps_extra {
                if let Err(m) = validate_username(&r.username) {
                    push(Field::Username, m);
                }
                if let Err(m) = validate_password(&r.password) {
                    push(Field::Password, m);
                }
            }
            if let Err(m) = validate_email(&r.email) {
                push(Field::Email, m);
            }
        }
        issues
    }

    /// Replaces the row for the same registry (compared as [`validate_registry`] normalises it), or appends.
    pub fn upsert(&mut self, creds: RegistryCredentials) {
        let key = creds.registry_key().map(|k| registry_identity(&k));
        let pos = self
            .registries
            .iter()
            .position(|r| r.registry_key().map(|k| registry_identity(&k)).ok() == key.clone().ok());
        match pos {
            Some(i) => {
                let extra = std::mem::take(&mut self.registries[i].extra);
                self.registries[i] = RegistryCredentials { extra, ..creds };
            }
            None => self.registries.push(creds),
        }
    }

    /// The `.dockerconfigjson` text (compact JSON), or the problems that prevent saving.
    pub fn to_json(&self) -> Result<Zeroizing<String>, Vec<Issue>> {
        let issues = self.validate();
        if !issues.is_empty() {
            return Err(issues);
        }
        let mut out = Zeroizing::new(String::with_capacity(256));
        out.push_str("{\"auths\":{");
        for (i, r) in self.registries.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let key =
                r.registry_key().map_err(|m| vec![Issue { entry: i, field: Field::Registry, message: m }])?;
            push_json_str(&mut out, &key);
            out.push_str(":{");
            let mut first = true;
            let mut sep = |out: &mut Zeroizing<String>| {
                if !first {
                    out.push(',');
                }
                first = false;
            };
            if !r.username.is_empty() || !r.password.is_empty() {
                sep(&mut out);
                out.push_str("\"username\":");
                push_json_str(&mut out, &r.username);
                sep(&mut out);
                out.push_str("\"password\":");
                push_json_str(&mut out, &r.password);
            }
            if !r.email.trim().is_empty() {
                sep(&mut out);
                out.push_str("\"email\":");
                push_json_str(&mut out, r.email.trim());
            }
            if !r.username.is_empty() || !r.password.is_empty() {
                sep(&mut out);
                out.push_str("\"auth\":");
                let auth = encode_auth(&r.username, &r.password);
                push_json_str(&mut out, &auth);
            }
            for (k, v) in &r.extra {
                if is_known_entry_field(k) {
                    continue;
                }
                sep(&mut out);
                push_json_str(&mut out, k);
                out.push(':');
                out.push_str(v.json_text());
            }
            out.push('}');
        }
        out.push('}');
        for (k, v) in &self.extra {
            if k == "auths" {
                continue;
            }
            out.push(',');
            push_json_str(&mut out, k);
            out.push(':');
            out.push_str(v.json_text());
        }
        out.push('}');
        Ok(out)
    }

    /// The secret to write: one key, `.dockerconfigjson`, whose string value is [`DockerConfig::to_json`].
    pub fn to_secret_data(&self) -> Result<SecretData, Vec<Issue>> {
        let json = self.to_json()?;
        let mut quoted = Zeroizing::new(String::with_capacity(json.len() + 16));
        push_json_str(&mut quoted, &json);
        Ok(SecretData { pairs: vec![(DOCKER_CONFIG_KEY.to_string(), SecretValue::from_json_text(&quoted))] })
    }
}

/// `base64(username:password)`, the `auth` field.
pub fn encode_auth(username: &str, password: &str) -> Zeroizing<String> {
    let mut plain = Zeroizing::new(String::with_capacity(username.len() + password.len() + 1));
    plain.push_str(username);
    plain.push(':');
    plain.push_str(password);
    let mut out = Zeroizing::new(String::with_capacity(plain.len().div_ceil(3) * 4 + 4));
    STANDARD.encode_string(plain.as_bytes(), &mut out);
    out
}

/// Which credentials a stored registry entry carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialSource {
    /// `username`, `password` and a matching `auth`.
    Complete,
    /// Only `auth`: username and password decoded from it.
    AuthOnly,
    /// Only `username`/`password`, no `auth`.
    UsernamePasswordOnly,
    /// Both, but `auth` decodes to other credentials: runtimes use `auth`, and so does sesame.
    Disagree,
    /// No credentials (e.g. only an `identitytoken`).
    None,
}

impl CredentialSource {
    /// A short note for the form, or `None` when nothing needs saying.
    pub fn note(self) -> Option<&'static str> {
        match self {
            Self::Complete | Self::None => None,
            Self::AuthOnly => Some("stored with only \"auth\": username and password decoded from it"),
            Self::UsernamePasswordOnly => Some("stored without \"auth\": it will be added on save"),
            Self::Disagree => {
                Some("\"auth\" and username/password disagree: runtimes use \"auth\", shown here")
            }
        }
    }
}

/// One registry entry as stored, fields as present.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// The registry key.
    pub registry: String,
    /// `username`, if present.
    pub username: Option<String>,
    /// `password`, if present.
    pub password: Option<Zeroizing<String>>,
    /// `email`, if present and not empty.
    pub email: Option<String>,
    /// `auth`, if present, as stored (base64).
    pub auth: Option<Zeroizing<String>>,
    /// Username and password decoded from `auth`.
    pub decoded_auth: Option<(String, Zeroizing<String>)>,
    /// Other fields, verbatim.
    pub extra: Vec<(String, SecretValue)>,
    /// Which credentials the entry carries.
    pub source: CredentialSource,
}

impl fmt::Debug for StoredEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredEntry")
            .field("registry", &self.registry)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("source", &self.source)
            .field("extra", &self.extra.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl StoredEntry {
    /// The effective username (from `auth` when it is there, as runtimes do).
    pub fn effective_username(&self) -> Option<&str> {
        match &self.decoded_auth {
            Some((u, _)) => Some(u),
            None => self.username.as_deref(),
        }
    }
}

/// A parsed `.dockerconfigjson`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct StoredDockerConfig {
    /// The `auths` entries, in stored order.
    pub entries: Vec<StoredEntry>,
    /// Top-level fields other than `auths`, verbatim.
    pub extra: Vec<(String, SecretValue)>,
    /// Remarks that do not prevent use (e.g. no `auths` object).
    pub warnings: Vec<String>,
}

impl fmt::Debug for StoredDockerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredDockerConfig")
            .field("entries", &self.entries)
            .field("extra", &self.extra.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("warnings", &self.warnings)
            .finish()
    }
}

impl StoredDockerConfig {
    /// The form pre-filled from the stored config (`auth` decoded where it is the only source).
    pub fn to_form(&self) -> DockerConfig {
        let registries = self
            .entries
            .iter()
            .map(|e| {
                let (username, password) = match &e.decoded_auth {
                    Some((u, p)) => (u.clone(), p.clone()),
                    None => (
                        e.username.clone().unwrap_or_default(),
                        e.password.clone().unwrap_or_else(|| Zeroizing::new(String::new())),
                    ),
                };
                RegistryCredentials {
                    registry: e.registry.clone(),
                    username,
                    password,
                    email: e.email.clone().unwrap_or_default(),
                    extra: e.extra.clone(),
                }
            })
            .collect();
        DockerConfig { registries, extra: self.extra.clone() }
    }

    /// The stored JSON, pretty-printed for a read-only view: passwords, `auth` and unknown fields masked unless
    /// `reveal`.
    pub fn render(&self, reveal: bool) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::from("{\n  \"auths\": {"));
        for (i, e) in self.entries.iter().enumerate() {
            out.push_str(if i == 0 { "\n    " } else { ",\n    " });
            push_json_str(&mut out, &e.registry);
            out.push_str(": {");
            let mut fields: Vec<(&str, Zeroizing<String>)> = Vec::new();
            let text = |s: &str| {
                let mut q = Zeroizing::new(String::new());
                push_json_str(&mut q, s);
                q
            };
            let masked = || text(MASK);
            if let Some(u) = &e.username {
                fields.push(("username", text(u)));
            }
            if let Some(p) = &e.password {
                fields.push(("password", if reveal { text(p) } else { masked() }));
            }
            if let Some(m) = &e.email {
                fields.push(("email", text(m)));
            }
            if let Some(a) = &e.auth {
                fields.push(("auth", if reveal { text(a) } else { masked() }));
            }
            for (k, v) in &e.extra {
                let v = if reveal { Zeroizing::new(v.json_text().to_string()) } else { masked() };
                fields.push((k.as_str(), v));
            }
            for (j, (k, v)) in fields.iter().enumerate() {
                out.push_str(if j == 0 { "\n      " } else { ",\n      " });
                push_json_str(&mut out, k);
                out.push_str(": ");
                out.push_str(v);
            }
            out.push_str(if fields.is_empty() { "}" } else { "\n    }" });
        }
        out.push_str(if self.entries.is_empty() { "}" } else { "\n  }" });
        for (k, v) in &self.extra {
            out.push_str(",\n  ");
            push_json_str(&mut out, k);
            out.push_str(": ");
            if reveal {
                out.push_str(v.json_text());
            } else {
                push_json_str(&mut out, MASK);
            }
        }
        out.push_str("\n}");
        out
    }
}

/// A stored `.dockerconfigjson` that could not be read: the raw text, kept so it can be shown and is never
/// replaced without the user saying so.
#[derive(Clone, PartialEq, Eq)]
pub struct MalformedDockerConfig {
    /// The stored text, exactly.
    pub raw: Zeroizing<String>,
    /// What is wrong (a position for JSON errors; never quotes the text).
    pub error: String,
}

impl fmt::Debug for MalformedDockerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MalformedDockerConfig").field("error", &self.error).finish_non_exhaustive()
    }
}

impl fmt::Display for MalformedDockerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the stored {DOCKER_CONFIG_KEY} is malformed: {}", self.error)
    }
}

impl std::error::Error for MalformedDockerConfig {}

/// Parses the value stored under `.dockerconfigjson`: a JSON string holding the config (what Kubernetes and
/// sesame write), or the config as a JSON object directly (some tools do that).
pub fn parse_value(v: &SecretValue) -> Result<StoredDockerConfig, MalformedDockerConfig> {
    if v.is_string() { parse(&v.reveal()) } else { parse(v.json_text()) }
}

/// Parses `.dockerconfigjson` text.
pub fn parse(text: &str) -> Result<StoredDockerConfig, MalformedDockerConfig> {
    let bad = |error: String| MalformedDockerConfig { raw: Zeroizing::new(text.to_string()), error };
    let top = object_pairs(text, "the config").map_err(bad)?;
    let mut out = StoredDockerConfig::default();
    let mut auths = None;
    for (k, v) in top {
        if k == "auths" {
            auths = Some(v);
        } else {
            out.extra.push((k, v));
        }
    }
    let Some(auths) = auths else {
        out.warnings.push("no \"auths\" object: no registry credentials".into());
        return Ok(out);
    };
    for (registry, entry) in object_pairs(auths.json_text(), "\"auths\"").map_err(bad)? {
        let what = format!("the entry of {registry:?}");
        let mut e = StoredEntry {
            registry: registry.clone(),
            username: None,
            password: None,
            email: None,
            auth: None,
            decoded_auth: None,
            extra: Vec::new(),
            source: CredentialSource::None,
        };
        for (k, v) in object_pairs(entry.json_text(), &what).map_err(bad)? {
            let field = match k.as_str() {
                "username" | "password" | "email" | "auth" => {
                    if !v.is_string() {
                        return Err(bad(format!("{k} of {registry:?} is a {}, not a string", v.kind())));
                    }
                    v.reveal()
                }
                _ => {
                    e.extra.push((k, v));
                    continue;
                }
            };
            if field.is_empty() {
                continue;
            }
            match k.as_str() {
                "username" => e.username = Some(field.to_string()),
                "password" => e.password = Some(field),
                "email" => e.email = Some(field.to_string()),
                _ => e.auth = Some(field),
            }
        }
        if let Some(a) = &e.auth {
            e.decoded_auth = Some(decode_auth(a).map_err(|m| bad(format!("auth of {registry:?}: {m}")))?);
        }
        e.source = match (&e.decoded_auth, e.username.is_some() || e.password.is_some()) {
            (None, false) => CredentialSource::None,
            (None, true) => CredentialSource::UsernamePasswordOnly,
            (Some(_), false) => CredentialSource::AuthOnly,
            (Some((u, p)), true) => {
                let same = e.username.as_deref() == Some(u.as_str())
                    && e.password.as_ref().map(|x| x.as_str()) == Some(p.as_str());
                if same { CredentialSource::Complete } else { CredentialSource::Disagree }
            }
        };
        if e.source == CredentialSource::UsernamePasswordOnly
            && (e.username.is_none() || e.password.is_none())
        {
            out.warnings.push(format!("{registry:?} has a username or a password but not both"));
        }
        out.entries.push(e);
    }
    Ok(out)
}

/// Decodes `auth` into username and password.
pub fn decode_auth(auth: &str) -> Result<(String, Zeroizing<String>), String> {
    let trimmed = auth.trim();
    let bytes = Zeroizing::new(
        STANDARD
            .decode(trimmed)
            .or_else(|_| STANDARD_NO_PAD.decode(trimmed.trim_end_matches('=')))
            .map_err(|_| "not valid base64".to_string())?,
    );
    let text = std::str::from_utf8(&bytes).map_err(|_| "does not decode to UTF-8 text".to_string())?;
    let Some((user, pass)) = text.split_once(':') else {
        return Err("does not decode to username:password".into());
    };
    Ok((user.to_string(), Zeroizing::new(pass.to_string())))
}

/// Validates a registry server and returns the key it is saved under: empty means Docker Hub
/// ([`DOCKER_HUB`]); otherwise `host[:port][/path]` or an `http(s)://` URL, trimmed.
pub fn validate_registry(input: &str) -> Result<String, String> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(DOCKER_HUB.to_string());
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a registry server has no spaces".into());
    }
    if let Some((scheme, _)) = s.split_once("://") {
        if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
            return Err(format!("{scheme}:// is not a registry URL scheme: use https:// or a host name"));
        }
        let url = url::Url::parse(s).map_err(|e| format!("not a valid URL: {e}"))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err("the URL has no host".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("put the credentials in username and password, not in the URL".into());
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("a registry URL has no query or fragment".into());
        }
        return Ok(s.to_string());
    }
    let (host_port, path) = match s.find('/') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    validate_host_port(host_port)?;
    if path
        .split('/')
        .filter(|p| !p.is_empty())
        .any(|seg| !seg.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err("the path after the host may hold only letters, digits, '.', '_' and '-'".into());
    }
    Ok(s.to_string())
}

fn validate_host_port(hp: &str) -> Result<(), String> {
    if hp.is_empty() {
        return Err("the registry server has no host".into());
    }
    let (host, port) = if let Some(rest) = hp.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else { return Err("unclosed '[' in the host".into()) };
        v6.parse::<std::net::Ipv6Addr>().map_err(|_| format!("{v6} is not an IPv6 address"))?;
        match after {
            "" => (None, None),
            p if p.starts_with(':') => (None, Some(&p[1..])),
            _ => return Err("unexpected text after the IPv6 address".into()),
        }
    } else {
        match hp.rsplit_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(hp), None),
        }
    };
    if let Some(host) = host {
        if host.is_empty() {
            return Err("the registry server has no host".into());
        }
        for label in host.split('.') {
            let ok = !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !ok {
                return Err(format!("{host:?} is not a host name (letters, digits and '-' between dots)"));
            }
        }
    }
    if let Some(p) = port {
        match p.parse::<u16>() {
            Ok(n) if n > 0 => {}
            _ => return Err(format!("{p:?} is not a port (1-65535)")),
        }
    }
    Ok(())
}

/// Validates a registry username: not empty, no `:` (it separates username and password in `auth`), no
/// control character.
pub fn validate_username(u: &str) -> Result<(), String> {
    if u.is_empty() {
        Err("a username is needed".into())
    } else if u.contains(':') {
        Err("a username cannot contain ':'".into())
    } else if u.chars().any(char::is_control) {
        Err("a username cannot contain control characters".into())
    } else if u.trim() != u {
        Err("the username starts or ends with a space".into())
    } else {
        Ok(())
    }
}

/// Validates a password or token: not empty, no line break or control character (a pasted newline is the usual
/// mistake).
pub fn validate_password(p: &str) -> Result<(), String> {
    if p.is_empty() {
        Err("a password or token is needed".into())
    } else if p.chars().any(char::is_control) {
        Err("the password contains a line break or a control character".into())
    } else {
        Ok(())
    }
}

/// Validates the optional e-mail: empty, or something with an `@` and no space.
pub fn validate_email(e: &str) -> Result<(), String> {
    let e = e.trim();
    if e.is_empty() {
        return Ok(());
    }
    match e.split_once('@') {
        Some((l, d)) if !l.is_empty() && !d.is_empty() && !e.chars().any(|c| c.is_whitespace()) => Ok(()),
        _ => Err("not an e-mail address (leave it empty if there is none)".into()),
    }
}

/// The identity of a registry key for duplicate detection: lowercase, no scheme, no trailing slash.
fn registry_identity(key: &str) -> String {
    let k = key.to_ascii_lowercase();
    let k = k.split_once("://").map(|(_, r)| r.to_string()).unwrap_or(k);
    k.trim_end_matches('/').to_string()
}

fn is_known_entry_field(k: &str) -> bool {
    matches!(k, "username" | "password" | "email" | "auth")
}

/// Splits a JSON object's text into pairs; errors name only the position, never the content.
fn object_pairs(text: &str, what: &str) -> Result<Vec<(String, SecretValue)>, String> {
    let t = text.trim_start();
    if !t.starts_with('{') {
        let kind = SecretValue::from_json_text(t).kind();
        return Err(if t.is_empty() {
            format!("{what} is empty")
        } else if serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok() {
            format!("{what} is a {kind}, not a JSON object")
        } else {
            format!("{what} is not JSON")
        });
    }
    SecretData::from_json_object(text).map(|d| d.pairs).map_err(|e| json_error(what, &e))
}

/// Describes a JSON error by its class and position only.
fn json_error(what: &str, e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let class = match e.classify() {
        Category::Eof => "ends too early",
        Category::Syntax => "has a syntax error",
        Category::Data => "has an unexpected value",
        Category::Io => "could not be read",
    };
    format!("{what} {class} (line {}, column {})", e.line(), e.column())
}

/// Appends `s` as a JSON string literal, escaping into the same zeroizing buffer.
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = fmt::Write::write_fmt(out, format_args!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(rows: &[(&str, &str, &str, Option<&str>)]) -> DockerConfig {
        DockerConfig {
            registries: rows.iter().map(|(r, u, p, e)| RegistryCredentials::new(r, u, p, *e)).collect(),
            extra: Vec::new(),
        }
    }

    #[test]
    fn writes_what_runtimes_read() {
        let f = form(&[("ghcr.io", "bob", "s3cr\"et", Some("bob@example.com")), ("", "alice", "pw", None)]);
        let json = f.to_json().unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let bob = &v["auths"]["ghcr.io"];
        assert_eq!(bob["username"], "bob");
        assert_eq!(bob["password"], "s3cr\"et");
        assert_eq!(bob["email"], "bob@example.com");
        assert_eq!(bob["auth"], STANDARD.encode("bob:s3cr\"et"));
        let hub = &v["auths"][DOCKER_HUB];
        assert_eq!(hub["auth"], "YWxpY2U6cHc=");
        assert!(hub.get("email").is_none());
    }

    #[test]
    fn round_trips_through_the_secret_value() {
        let f = form(&[("localhost:5000", "u", "p\u{1F511}", None)]);
        let data = f.to_secret_data().unwrap();
        assert_eq!(data.keys().collect::<Vec<_>>(), [DOCKER_CONFIG_KEY]);
        let stored = parse_value(data.get(DOCKER_CONFIG_KEY).unwrap()).unwrap();
        assert_eq!(stored.entries.len(), 1);
        assert_eq!(stored.entries[0].source, CredentialSource::Complete);
        assert_eq!(stored.to_form(), f);
    }

    #[test]
    fn accepts_auth_only_and_username_password_only() {
        let text = r#"{"auths":{"a.io":{"auth":"dXNlcjpwYTpzcw=="},"b.io":{"username":"v","password":"w"}}}"#;
        let s = parse(text).unwrap();
        assert_eq!(s.entries[0].source, CredentialSource::AuthOnly);
        assert_eq!(s.entries[0].effective_username(), Some("user"));
        assert_eq!(s.entries[1].source, CredentialSource::UsernamePasswordOnly);
        assert!(CredentialSource::AuthOnly.note().is_some());
        let f = s.to_form();
        assert_eq!(f.registries[0].username, "user");
        assert_eq!(f.registries[0].password.as_str(), "pa:ss");
        // Saving adds what was missing.
        let v: serde_json::Value = serde_json::from_str(&f.to_json().unwrap()).unwrap();
        assert_eq!(v["auths"]["a.io"]["password"], "pa:ss");
        assert_eq!(v["auths"]["b.io"]["auth"], STANDARD.encode("v:w"));
    }

    #[test]
    fn disagreeing_auth_wins_and_extras_survive() {
        let text = r#"{"auths":{"r.io":{"username":"x","password":"y","auth":"dTpw","identitytoken":"tok"}},
            "credHelpers":{"gcr.io":"gcloud"}}"#;
        let s = parse(text).unwrap();
        assert_eq!(s.entries[0].source, CredentialSource::Disagree);
        assert_eq!(s.entries[0].effective_username(), Some("u"));
        let f = s.to_form();
        let v: serde_json::Value = serde_json::from_str(&f.to_json().unwrap()).unwrap();
        assert_eq!(v["auths"]["r.io"]["identitytoken"], "tok");
        assert_eq!(v["auths"]["r.io"]["username"], "u");
        assert_eq!(v["credHelpers"]["gcr.io"], "gcloud");
    }

    #[test]
    fn render_masks_unless_revealed() {
        let text = r#"{"auths":{"r.io":{"username":"bob","password":"hunter2","auth":"Ym9iOmh1bnRlcjI=","identitytoken":"zzidzz"}}}"#;
        let s = parse(text).unwrap();
        let masked = s.render(false);
        assert!(
            !masked.contains("hunter2") && !masked.contains("Ym9i") && !masked.contains("zzidzz"),
            "{masked:?}"
        );
        assert!(masked.contains("\"username\": \"bob\""));
        let v: serde_json::Value = serde_json::from_str(&masked).unwrap();
        assert_eq!(v["auths"]["r.io"]["password"], MASK);
        let shown = s.render(true);
        let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(v["auths"]["r.io"]["password"], "hunter2");
        assert_eq!(v["auths"]["r.io"]["identitytoken"], "zzidzz");
        let empty = parse("{}").unwrap();
        assert!(serde_json::from_str::<serde_json::Value>(&empty.render(false)).is_ok());
        assert!(!empty.warnings.is_empty());
    }

    #[test]
    fn malformed_keeps_the_raw_text_and_never_quotes_it() {
        for (text, needle) in [
            (r#"{"auths":{"r.io":{"password":"hunter2""#, "ends too early"),
            (r#"{"auths":{"r.io":{"password":hunter2}}}"#, "syntax"),
            (r#""hunter2""#, "not a JSON object"),
            (r#"{"auths":"hunter2"}"#, "not a JSON object"),
            (r#"{"auths":{"r.io":{"password":12345678}}}"#, "not a string"),
            (r#"{"auths":{"r.io":{"auth":"hunter2!!"}}}"#, "base64"),
            (r#"{"auths":{"r.io":{"auth":"aHVudGVyMg=="}}}"#, "username:password"),
            ("hunter2", "not JSON"),
            ("", "empty"),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.raw.as_str(), text);
            assert!(e.error.contains(needle), "{text}: {}", e.error);
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("hunter2") && !shown.contains("12345678"), "{shown}");
        }
    }

    #[test]
    fn object_value_is_accepted_too() {
        let v = SecretValue::from_json_text(r#"{"auths":{"r.io":{"auth":"dTpw"}}}"#);
        assert_eq!(parse_value(&v).unwrap().entries[0].effective_username(), Some("u"));
    }

    #[test]
    fn registry_validation() {
        for ok in [
            "ghcr.io",
            "localhost:5000",
            "registry.example.com:443/team",
            "https://index.docker.io/v1/",
            "http://10.0.0.1:5000",
            "[::1]:5000",
            "nvcr.io",
            "123456789.dkr.ecr.eu-west-1.amazonaws.com",
        ] {
            assert_eq!(validate_registry(ok).as_deref(), Ok(ok), "{ok}");
        }
        assert_eq!(validate_registry("  ").unwrap(), DOCKER_HUB);
        assert_eq!(validate_registry(" ghcr.io ").unwrap(), "ghcr.io");
        for bad in [
            "ghcr io",
            "ftp://x.io",
            "https://u:p@x.io",
            "x.io:0",
            "x.io:99999",
            "x.io:port",
            "-bad.io",
            "a..b",
            "[::1",
            "https://",
            "x.io/a b",
            "x.io/a?b",
            ":5000",
        ] {
            assert!(validate_registry(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn field_issues_point_at_the_row() {
        let f = form(&[
            ("ghcr.io", "bob", "pw", None),
            ("GHCR.io/", "a:b", "", Some("nope")),
            ("bad host", "u", "line\n", None),
        ]);
        let issues = f.validate();
        let got: Vec<_> = issues.iter().map(|i| (i.entry, i.field)).collect();
        assert_eq!(
            got,
            [
                (1, Field::Registry),
                (1, Field::Username),
                (1, Field::Password),
                (1, Field::Email),
                (2, Field::Registry),
                (2, Field::Password),
            ]
        );
        assert!(issues[0].message.contains("#1"));
        assert!(f.to_json().is_err());
        assert!(!DockerConfig::default().validate().is_empty());
        let shown = format!("{f:?} {}", issues.iter().map(|i| i.to_string()).collect::<String>());
        assert!(!shown.contains("line\n") && !shown.contains("\"pw\""), "{shown}");
    }

    #[test]
    fn upsert_replaces_the_same_registry() {
        let mut f = form(&[("ghcr.io", "bob", "pw", None), ("quay.io", "q", "q", None)]);
        f.registries[0].extra.push(("identitytoken".into(), SecretValue::from_string("t")));
        f.upsert(RegistryCredentials::new("https://GHCR.io/", "carol", "new", None));
        assert_eq!(f.registries.len(), 2);
        assert_eq!(f.registries[0].username, "carol");
        assert_eq!(f.registries[0].extra.len(), 1);
        f.upsert(RegistryCredentials::new("", "d", "d", None));
        assert_eq!(f.registries.len(), 3);
    }

    #[test]
    fn escapes_control_characters() {
        let mut s = String::new();
        push_json_str(&mut s, "a\u{1}\"\\\n");
        assert_eq!(serde_json::from_str::<String>(&s).unwrap(), "a\u{1}\"\\\n");
    }
}
