//! One API over KV v1 and KV v2: mount discovery, listing, reading, token identity.
//!
//! The client is vaultrs's (`VaultClient`, built by [`crate::vault::connect`]); requests vaultrs has no
//! endpoint for (the UI mounts listing, SCAN, seal status, reads that need the version metadata too) go
//! through the same `reqwest` client with the same token and namespace, so there is one HTTP stack.

use std::sync::Arc;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;
use zeroize::Zeroizing;

use super::error::VaultError;
use crate::secret::SecretData;

/// Characters escaped in a path segment (non-ASCII bytes always are): controls, `/` and the characters a URL or
/// Vault would read specially; the other sub-delimiters (`!$()*,:@`) stay as they are.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'[')
    .add(b']')
    .add(b'+')
    .add(b'&')
    .add(b';')
    .add(b'=')
    .add(b'\'');

/// Percent-encodes each segment of a slash-separated path, keeping the slashes.
pub fn encode_path(path: &str) -> String {
    path.split('/').map(|s| utf8_percent_encode(s, SEGMENT).to_string()).collect::<Vec<_>>().join("/")
}

/// The KV engine version of a mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KvVersion {
    /// Unversioned key/value.
    V1,
    /// Versioned key/value with metadata.
    V2,
}

impl KvVersion {
    /// "v1" / "v2".
    pub fn label(self) -> &'static str {
        match self {
            Self::V1 => "KV v1",
            Self::V2 => "KV v2",
        }
    }
}

/// A KV secrets engine mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Mount path without the trailing slash, e.g. `secret`.
    pub path: String,
    /// Engine version.
    pub version: KvVersion,
    /// The mount's description, if any.
    pub description: String,
}

/// One row of a folder listing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Entry {
    /// The name without a trailing slash.
    pub name: String,
    /// True for a folder (a list prefix).
    pub is_folder: bool,
}

impl Entry {
    /// Parses a LIST key (`name` or `name/`).
    pub fn from_key(key: &str) -> Self {
        match key.strip_suffix('/') {
            Some(name) => Self { name: name.to_string(), is_folder: true },
            None => Self { name: key.to_string(), is_folder: false },
        }
    }

    /// Hidden entries begin with a dot, like the `.keep` placeholder.
    pub fn is_hidden(&self) -> bool {
        self.name.starts_with('.')
    }
}

/// Sorts entries as an explorer does: folders first, then by name.
pub fn sort_entries(entries: &mut [Entry]) {
    entries.sort_by(|a, b| b.is_folder.cmp(&a.is_folder).then_with(|| a.name.cmp(&b.name)));
}

/// State of one KV v2 version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionState {
    /// Readable.
    Live,
    /// Soft-deleted (can be undeleted).
    Deleted,
    /// Destroyed for good.
    Destroyed,
}

impl VersionState {
    /// `live`, `deleted` or `destroyed`, as the history shows it (the TUI and the CLI alike).
    pub fn word(self) -> &'static str {
        match self {
            VersionState::Live => "live",
            VersionState::Deleted => "deleted",
            VersionState::Destroyed => "destroyed",
        }
    }
}

/// The version facts of a KV v2 read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    /// Version number.
    pub version: u64,
    /// RFC 3339 creation time.
    pub created_time: String,
    /// Live, deleted or destroyed.
    pub state: VersionState,
}

/// A secret as read: its data (absent when the version is deleted or destroyed) and, on KV v2, its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRead {
    /// The key/value pairs, `None` for a deleted or destroyed version.
    pub data: Option<SecretData>,
    /// KV v2 version facts.
    pub version: Option<VersionInfo>,
}

/// Who the token belongs to, from `auth/token/lookup-self`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// Display name (e.g. `root`, `userpass-alice`).
    pub display_name: String,
    /// Policies attached to the token.
    pub policies: Vec<String>,
    /// Remaining TTL in seconds; 0 means it never expires.
    pub ttl: u64,
}

/// A connection to one Vault/OpenBao server with one token.
#[derive(Clone)]
pub struct Vault {
    inner: Arc<Inner>,
}

struct Inner {
    client: vaultrs::client::VaultClient,
    http: reqwest::Client,
    /// Base address without trailing slash.
    addr: String,
    token: SecretString,
    namespace: Option<String>,
    /// The largest answer read, in bytes.
    max_reply: usize,
}

/// The default cap on one answer: 64 MiB, far above any listing or secret KV allows (OpenBao's own request
/// limit is 32 MiB), and small enough that a server streaming without end cannot exhaust memory.
pub const DEFAULT_MAX_REPLY_MB: usize = 64;

/// The cap from `SESAME_MAX_REPLY_MB` (whole MiB, at least 1), else [`DEFAULT_MAX_REPLY_MB`].
fn max_reply_from_env() -> usize {
    let mb = std::env::var("SESAME_MAX_REPLY_MB")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_MAX_REPLY_MB);
    mb.saturating_mul(1024 * 1024)
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("addr", &self.inner.addr)
            .field("namespace", &self.inner.namespace)
            .finish()
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<String>,
}

impl Vault {
    /// Wraps a vaultrs client; raw requests reuse its `reqwest` client, address, token and namespace.
    pub fn new(client: vaultrs::client::VaultClient) -> Self {
        let http = client.http.http.clone();
        let addr = client.settings.address.as_str().trim_end_matches('/').to_string();
        let token = SecretString::from(client.settings.token.clone());
        let namespace = client.settings.namespace.clone().filter(|n| !n.is_empty());
        let max_reply = max_reply_from_env();
        Self { inner: Arc::new(Inner { client, http, addr, token, namespace, max_reply }) }
    }

    /// Connects with an address and token and default settings (tests, the dev server).
    pub fn connect(addr: &str, token: &str) -> Result<Self, VaultError> {
        let settings = vaultrs::client::VaultClientSettingsBuilder::default()
            .address(addr)
            .token(token)
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build()
            .map_err(|e| VaultError::Invalid(format!("invalid Vault settings: {e}")))?;
        let client = vaultrs::client::VaultClient::new(settings)
            .map_err(|e| VaultError::Invalid(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self::new(client))
    }

    /// The vaultrs client, for the endpoints vaultrs implements.
    pub fn client(&self) -> &vaultrs::client::VaultClient {
        &self.inner.client
    }

    /// The server address.
    pub fn addr(&self) -> &str {
        &self.inner.addr
    }

    /// The namespace sent with every request, if any.
    pub fn namespace(&self) -> Option<&str> {
        self.inner.namespace.as_deref()
    }

    /// A copy of this connection using another token (e.g. a userpass login).
    pub fn with_token(&self, token: &str) -> Self {
        let mut client_settings = self.inner.client.settings.clone();
        client_settings.token = token.to_string();
        let mut middle = self.inner.client.middle.clone();
        middle.token = token.to_string();
        let client = vaultrs::client::VaultClient {
            http: rustify::clients::reqwest::Client::new(&self.inner.addr, self.inner.http.clone()),
            middle,
            settings: client_settings,
        };
        Self::new(client)
    }

    /// A copy of this connection in another namespace (`None`: the root namespace), same server and token.
    pub fn in_namespace(&self, namespace: Option<&str>) -> Self {
        let namespace = namespace.map(|n| n.trim_matches('/')).filter(|n| !n.is_empty()).map(str::to_string);
        let mut client_settings = self.inner.client.settings.clone();
        client_settings.namespace = namespace.clone();
        let mut middle = self.inner.client.middle.clone();
        middle.namespace = namespace;
        let client = vaultrs::client::VaultClient {
            http: rustify::clients::reqwest::Client::new(&self.inner.addr, self.inner.http.clone()),
            middle,
            settings: client_settings,
        };
        let mut v = Self::new(client);
        if let Some(inner) = Arc::get_mut(&mut v.inner) {
            inner.max_reply = self.inner.max_reply;
        }
        v
    }

    /// Sends one request to `/v1/<api_path>` (path already encoded) and returns status and body.
    ///
    /// The body is returned in a zeroizing buffer since it may hold secret data.
    pub async fn raw(
        &self,
        method: &str,
        api_path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Zeroizing<Vec<u8>>), VaultError> {
        let mut req = self.request(method, api_path)?;
        if let Some(b) = body {
            req = req.json(b);
        }
        self.send(req).await
    }

    /// Sends a request whose body is JSON text built by the caller (so a secret's values never pass through
    /// an un-zeroized `serde_json::Value`), with an optional content type (default `application/json`).
    pub async fn raw_text(
        &self,
        method: &str,
        api_path: &str,
        body: &str,
        content_type: Option<&str>,
    ) -> Result<(u16, Zeroizing<Vec<u8>>), VaultError> {
        let req = self
            .request(method, api_path)?
            .header(reqwest::header::CONTENT_TYPE, content_type.unwrap_or("application/json"))
            .body(body.as_bytes().to_vec());
        self.send(req).await
    }

    /// A request to `/v1/<api_path>` carrying the token and namespace headers.
    fn request(&self, method: &str, api_path: &str) -> Result<reqwest::RequestBuilder, VaultError> {
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| VaultError::Invalid(format!("invalid HTTP method {method}")))?;
        let url = format!("{}/v1/{}", self.inner.addr, api_path.trim_start_matches('/'));
        let mut req = self.inner.http.request(method, &url).header("X-Vault-Request", "true");
        let token = self.inner.token.expose_secret();
        if !token.is_empty() {
            req = req.header("X-Vault-Token", token);
        }
        if let Some(ns) = &self.inner.namespace {
            req = req.header("X-Vault-Namespace", ns);
        }
        Ok(req)
    }

    /// Sends a request and returns its status and body (in a zeroizing buffer, at most
    /// [`Vault::max_reply`] bytes).
    ///
    /// A read (GET, LIST, SCAN) is sent once more after a lost connection or a 5xx other than "sealed"; a
    /// write never is, and when its answer does not come back it is [`VaultError::MaybeWritten`].
    async fn send(&self, req: reqwest::RequestBuilder) -> Result<(u16, Zeroizing<Vec<u8>>), VaultError> {
        let (method, path) = match req.try_clone().and_then(|r| r.build().ok()) {
            Some(r) => (r.method().clone(), r.url().path().trim_start_matches("/v1/").to_string()),
            None => (Method::POST, String::new()),
        };
        let read = matches!(method.as_str(), "GET" | "LIST" | "SCAN" | "HEAD");
        let retry = if read { req.try_clone() } else { None };
        let first = self.send_once(req, &path, !read).await;
        let again = match &first {
            Err(VaultError::Unreachable { .. }) => true,
            Ok((status, body)) if *status >= 500 => {
                *status != 503 || !String::from_utf8_lossy(body).to_ascii_lowercase().contains("sealed")
            }
            _ => false,
        };
        match retry {
            Some(req) if again => {
                tracing::debug!(path = %path, "read failed once; sending it again");
                self.send_once(req, &path, false).await
            }
            _ => first,
        }
    }

    async fn send_once(
        &self,
        req: reqwest::RequestBuilder,
        path: &str,
        write: bool,
    ) -> Result<(u16, Zeroizing<Vec<u8>>), VaultError> {
        let mut addr = self.inner.addr.clone();
        let mut request = req.build().map_err(|e| VaultError::from_reqwest_sent(&addr, &e, write))?;
        // The node that sent the request on to `addr`, if a redirect did.
        let mut via: Option<String> = None;
        let mut hops = 0;
        let mut resp = loop {
            let again = request.try_clone();
            let resp =
                self.inner.http.execute(request).await.map_err(|e| {
                    redirected(VaultError::from_reqwest_sent(&addr, &e, write), via.as_deref())
                })?;
            let status = resp.status().as_u16();
            let target = match (status, again) {
                (307 | 308, Some(next)) if hops < MAX_REDIRECTS => {
                    redirect_target(&resp).map(|url| (url, next))
                }
                _ => None,
            };
            match target {
                Some((url, mut next)) => {
                    tracing::debug!(from = %addr, to = %url, "following a redirect");
                    via = Some(addr.clone());
                    addr = url.origin().ascii_serialization();
                    *next.url_mut() = url;
                    request = next;
                    hops += 1;
                }
                None => break resp,
            }
        };
        let addr = &addr;
        let status = resp.status().as_u16();
        let limit = self.inner.max_reply;
        let too_large = || VaultError::TooLarge { path: path.to_string(), limit };
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut body = Zeroizing::new(Vec::new());
        while let Some(chunk) =
            resp.chunk().await.map_err(|e| VaultError::from_reqwest_sent(addr, &e, write))?
        {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            // Grow through a zeroizing buffer: a reallocation must not leave a copy of a secret behind.
            if body.capacity() < body.len() + chunk.len() {
                let mut bigger =
                    Zeroizing::new(Vec::with_capacity((body.len() + chunk.len()).max(body.len() * 2)));
                bigger.extend_from_slice(&body);
                body = bigger;
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, body))
    }

    /// The largest answer accepted, in bytes.
    pub fn max_reply(&self) -> usize {
        self.inner.max_reply
    }

    /// This connection with another cap on the size of answers (1 KiB at least). Takes effect on a
    /// connection not cloned yet; a shared one keeps its cap.
    pub fn with_max_reply(mut self, bytes: usize) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.max_reply = bytes.max(1024);
        }
        self
    }

    /// Turns a non-2xx answer into an error built from Vault's `errors` list only.
    pub fn check(status: u16, api_path: &str, bytes: &[u8]) -> Result<(), VaultError> {
        if (200..300).contains(&status) { Ok(()) } else { Err(status_error(status, api_path, bytes)) }
    }

    /// Like [`Vault::raw`] but turns a non-2xx status into an error.
    pub async fn call(
        &self,
        method: &str,
        api_path: &str,
        body: Option<&Value>,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let (status, bytes) = self.raw(method, api_path, body).await?;
        Self::check(status, api_path, &bytes)?;
        Ok(bytes)
    }

    /// Calls and parses a JSON answer that carries no secret data (metadata, listings, sys endpoints).
    pub async fn call_json(
        &self,
        method: &str,
        api_path: &str,
        body: Option<&Value>,
    ) -> Result<Value, VaultError> {
        let bytes = self.call(method, api_path, body).await?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| VaultError::BadResponse { path: api_path.to_string(), detail: e.to_string() })
    }

    /// `sys/seal-status`: true when sealed. Works without a token.
    pub async fn is_sealed(&self) -> Result<bool, VaultError> {
        let v = self.call_json("GET", "sys/seal-status", None).await?;
        Ok(v.get("sealed").and_then(Value::as_bool).unwrap_or(false))
    }

    /// Who this token is, from `auth/token/lookup-self`.
    pub async fn identity(&self) -> Result<Identity, VaultError> {
        let v = self.call_json("GET", "auth/token/lookup-self", None).await?;
        let d = v.get("data").cloned().unwrap_or(Value::Null);
        let policies = d
            .get("policies")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        Ok(Identity {
            display_name: d.get("display_name").and_then(Value::as_str).unwrap_or("").to_string(),
            policies,
            ttl: d.get("ttl").and_then(Value::as_u64).unwrap_or(0),
        })
    }

    /// Discovers the KV mounts this token can see: `sys/internal/ui/mounts`, then `sys/mounts`.
    ///
    /// An empty list with `Ok` means the server answered but showed no KV mount.
    pub async fn mounts(&self) -> Result<Vec<Mount>, VaultError> {
        let first = self
            .call_json("GET", "sys/internal/ui/mounts", None)
            .await
            .map(|v| parse_mounts(v.get("data").and_then(|d| d.get("secret")).unwrap_or(&Value::Null)));
        match first {
            Ok(m) if !m.is_empty() => Ok(m),
            Ok(_)
            | Err(VaultError::Forbidden { .. } | VaultError::NotFound { .. } | VaultError::Api { .. }) => {
                match self.call_json("GET", "sys/mounts", None).await {
                    Ok(v) => {
                        let table = v.get("data").filter(|d| d.is_object()).unwrap_or(&v);
                        Ok(parse_mounts(table))
                    }
                    Err(e @ (VaultError::Forbidden { .. } | VaultError::NotFound { .. })) => match first {
                        Ok(m) => Ok(m),
                        Err(_) => Err(e),
                    },
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Finds the mount holding `path` and its KV version (`sys/internal/ui/mounts/<path>`), as the official
    /// CLI does. Falls back to probing `<mount>/config` (KV v2 only) when that endpoint is refused.
    pub async fn mount_of(&self, path: &str) -> Result<Mount, VaultError> {
        let path = path.trim_matches('/');
        let api = format!("sys/internal/ui/mounts/{}", encode_path(path));
        match self.call_json("GET", &api, None).await {
            Ok(v) => {
                let d = v.get("data").cloned().unwrap_or(Value::Null);
                let mount_path = d.get("path").and_then(Value::as_str).unwrap_or("").trim_end_matches('/');
                let kind = d.get("type").and_then(Value::as_str).unwrap_or("");
                if mount_path.is_empty() {
                    return Err(VaultError::NotFound { path: path.to_string() });
                }
                if kind != "kv" && kind != "generic" {
                    return Err(VaultError::Invalid(format!(
                        "{mount_path}/ is a {kind} mount, not a KV secrets engine"
                    )));
                }
                Ok(Mount {
                    path: mount_path.to_string(),
                    version: version_of(&d),
                    description: d.get("description").and_then(Value::as_str).unwrap_or("").to_string(),
                })
            }
            Err(VaultError::Forbidden { .. } | VaultError::Api { .. }) => {
                let first = path.split('/').next().unwrap_or("").to_string();
                let config = format!("{}/config", encode_path(&first));
                let version = match self.raw("GET", &config, None).await {
                    Ok((200, _)) => KvVersion::V2,
                    Ok((403, _)) => {
                        // A v2 mount answers 403 for config without rights; v1 treats "config" as a secret name
                        // and also says 403 or 404. Try the v2 metadata LIST as the tie-breaker.
                        match self.raw("LIST", &format!("{}/metadata/", encode_path(&first)), None).await {
                            Ok((s, _)) if s == 200 || s == 404 => KvVersion::V2,
                            _ => KvVersion::V1,
                        }
                    }
                    Ok(_) => KvVersion::V1,
                    Err(e) => return Err(e),
                };
                Ok(Mount { path: first, version, description: String::new() })
            }
            Err(e) => Err(e),
        }
    }

    /// The mounts to browse: discovered ones plus those given with `--mount` (which may be paths inside a
    /// mount; a token without rights on the mount listings can still start there).
    pub async fn discover(&self, given: &[String]) -> Result<Vec<Mount>, VaultError> {
        let found = self.mounts().await;
        let mut out = found.clone().unwrap_or_default();
        let mut last_err = None;
        for g in given {
            match self.mount_of(g).await {
                Ok(m) => {
                    if !out.iter().any(|x| x.path == m.path) {
                        out.push(m);
                    }
                }
                Err(e) => last_err = Some(e),
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        match (found, last_err) {
            (_, Some(e)) if out.is_empty() => Err(e),
            (Err(e), None) if out.is_empty() => Err(e),
            _ => Ok(out),
        }
    }

    /// Lists a folder (`""` for the mount's root). A missing or empty folder is an empty list.
    pub async fn list(&self, mount: &Mount, folder: &str) -> Result<Vec<Entry>, VaultError> {
        let folder = folder.trim_matches('/');
        let api = list_api_path(mount, folder);
        match self.call_json("LIST", &api, None).await {
            Ok(v) => Ok(parse_keys(&v)),
            Err(VaultError::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// Reads the latest version of a secret (or `version` on KV v2).
    pub async fn read(
        &self,
        mount: &Mount,
        path: &str,
        version: Option<u64>,
    ) -> Result<SecretRead, VaultError> {
        let path = path.trim_matches('/');
        match mount.version {
            KvVersion::V1 => {
                let api = format!("{}/{}", encode_path(&mount.path), encode_path(path));
                let bytes = self.call("GET", &api, None).await.map_err(|e| with_path(e, mount, path))?;
                let data = parse_envelope_data(&bytes, &api, false)?;
                Ok(SecretRead { data, version: None })
            }
            KvVersion::V2 => {
                let mut api = format!("{}/data/{}", encode_path(&mount.path), encode_path(path));
                if let Some(v) = version {
                    api.push_str(&format!("?version={v}"));
                }
                let (status, bytes) = self.raw("GET", &api, None).await?;
                if status == 404 {
                    // A deleted or destroyed version answers 404 with its metadata and `data: null`.
                    if let Ok(v) = serde_json::from_slice::<Value>(&bytes)
                        && let Some(meta) =
                            v.get("data").and_then(|d| d.get("metadata")).filter(|m| m.is_object())
                    {
                        return Ok(SecretRead { data: None, version: Some(version_info(meta)) });
                    }
                    return Err(VaultError::NotFound { path: format!("{}/{}", mount.path, path) });
                }
                if !(200..300).contains(&status) {
                    return Err(with_path(status_error(status, &api, &bytes), mount, path));
                }
                let data = parse_envelope_data(&bytes, &api, true)?;
                let meta = extract_metadata(&bytes);
                Ok(SecretRead { data, version: meta.as_ref().map(version_info) })
            }
        }
    }
}

/// The API path that LISTs a folder of a mount.
pub fn list_api_path(mount: &Mount, folder: &str) -> String {
    let folder = folder.trim_matches('/');
    let mut api = match mount.version {
        KvVersion::V1 => format!("{}/", encode_path(&mount.path)),
        KvVersion::V2 => format!("{}/metadata/", encode_path(&mount.path)),
    };
    if !folder.is_empty() {
        api.push_str(&encode_path(folder));
        api.push('/');
    }
    api
}

fn with_path(e: VaultError, mount: &Mount, path: &str) -> VaultError {
    let full = format!("{}/{}", mount.path, path);
    match e {
        VaultError::NotFound { .. } => VaultError::NotFound { path: full },
        VaultError::Forbidden { detail, .. } => VaultError::Forbidden { path: full, detail },
        other => other,
    }
}

/// Builds the error of a non-2xx answer from Vault's `errors` list only.
fn status_error(status: u16, api_path: &str, bytes: &[u8]) -> VaultError {
    let errors = serde_json::from_slice::<ErrorBody>(bytes).map(|b| b.errors).unwrap_or_default();
    let path = api_path.split('?').next().unwrap_or(api_path);
    VaultError::from_status(status, path, errors)
}

fn version_of(d: &Value) -> KvVersion {
    let v = d.get("options").and_then(|o| o.get("version")).and_then(Value::as_str).unwrap_or("1");
    if v == "2" { KvVersion::V2 } else { KvVersion::V1 }
}

fn parse_mounts(table: &Value) -> Vec<Mount> {
    let mut out: Vec<Mount> = table
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, d)| matches!(d.get("type").and_then(Value::as_str), Some("kv" | "generic")))
                .map(|(p, d)| Mount {
                    path: p.trim_end_matches('/').to_string(),
                    version: version_of(d),
                    description: d.get("description").and_then(Value::as_str).unwrap_or("").to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn parse_keys(v: &Value) -> Vec<Entry> {
    let mut out: Vec<Entry> = v
        .get("data")
        .and_then(|d| d.get("keys"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(Entry::from_key).collect())
        .unwrap_or_default();
    sort_entries(&mut out);
    out
}

fn version_info(meta: &Value) -> VersionInfo {
    let deleted = meta.get("deletion_time").and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    let destroyed = meta.get("destroyed").and_then(Value::as_bool).unwrap_or(false);
    VersionInfo {
        version: meta.get("version").and_then(Value::as_u64).unwrap_or(0),
        created_time: meta.get("created_time").and_then(Value::as_str).unwrap_or("").to_string(),
        state: if destroyed {
            VersionState::Destroyed
        } else if deleted {
            VersionState::Deleted
        } else {
            VersionState::Live
        },
    }
}

/// The `data` object of an answer (KV v2: `data.data`), parsed without an intermediate `Value`.
fn parse_envelope_data(bytes: &[u8], api: &str, v2: bool) -> Result<Option<SecretData>, VaultError> {
    #[derive(Deserialize)]
    struct Outer<'a> {
        #[serde(borrow)]
        data: Option<&'a serde_json::value::RawValue>,
    }
    let bad = |e: serde_json::Error| VaultError::BadResponse { path: api.to_string(), detail: e.to_string() };
    let text = std::str::from_utf8(bytes)
        .map_err(|_| VaultError::BadResponse { path: api.to_string(), detail: "not UTF-8".into() })?;
    let outer: Outer = serde_json::from_str(text).map_err(bad)?;
    let Some(mut raw) = outer.data else { return Ok(None) };
    if v2 {
        let inner: Outer = serde_json::from_str(raw.get()).map_err(bad)?;
        match inner.data {
            Some(r) => raw = r,
            None => return Ok(None),
        }
    }
    if raw.get() == "null" {
        return Ok(None);
    }
    SecretData::from_json_object(raw.get()).map(Some).map_err(bad)
}

fn extract_metadata(bytes: &[u8]) -> Option<Value> {
    #[derive(Deserialize)]
    struct Outer<'a> {
        #[serde(borrow)]
        data: Option<&'a serde_json::value::RawValue>,
    }
    #[derive(Deserialize)]
    struct Inner {
        metadata: Option<Value>,
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let outer: Outer = serde_json::from_str(text).ok()?;
    let inner: Inner = serde_json::from_str(outer.data?.get()).ok()?;
    inner.metadata
}

/// Redirects followed for one request (a standby to the active node is one).
const MAX_REDIRECTS: usize = 3;

/// Where a 307/308 answer sends the request: an http(s) URL (relative ones resolved against the request's).
fn redirect_target(resp: &reqwest::Response) -> Option<reqwest::Url> {
    let location = resp.headers().get(reqwest::header::LOCATION)?.to_str().ok()?;
    let url = resp.url().join(location).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// An error met at the end of a redirect says which node sent the request there: the node the user chose
/// answered; the one it pointed to did not.
fn redirected(err: VaultError, via: Option<&str>) -> VaultError {
    let Some(via) = via else { return err };
    let note = format!(
        " (the server at {via} sent the request on to it: the cluster's active node is down or unreachable)"
    );
    match err {
        VaultError::Unreachable { addr, detail } => VaultError::Unreachable { addr, detail: detail + &note },
        VaultError::MaybeWritten { addr, detail } => {
            VaultError::MaybeWritten { addr, detail: detail + &note }
        }
        VaultError::Tls { addr, detail } => VaultError::Tls { addr, detail: detail + &note },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    mod decoders {
        //! Every decoder of a server answer, on arbitrary bytes and arbitrary JSON: never a panic; an
        //! answer that is not what was asked for is an error or an empty result, never made-up data.
        use proptest::prelude::*;

        use super::*;

        fn any_json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<f64>().prop_map(Value::from),
                any::<String>().prop_map(Value::String),
            ];
            leaf.prop_recursive(4, 64, 8, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                    proptest::collection::btree_map(
                        prop_oneof![
                            any::<String>(),
                            Just("data".to_string()),
                            Just("keys".to_string()),
                            Just("metadata".to_string()),
                            Just("version".to_string())
                        ],
                        inner,
                        0..8
                    )
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #[test]
            fn answers_of_any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), status in 100u16..600) {
                let _ = parse_envelope_data(&bytes, "secret/data/x", true);
                let _ = parse_envelope_data(&bytes, "secret/x", false);
                let _ = extract_metadata(&bytes);
                let e = status_error(status, "secret/data/x", &bytes);
                prop_assert!(!e.to_string().is_empty());
                let _ = crate::vault::walk::parse_scan_for_tests(&bytes, "f");
            }

            #[test]
            fn answers_of_any_json_never_panic(v in any_json()) {
                let text = v.to_string();
                let _ = parse_envelope_data(text.as_bytes(), "secret/data/x", true);
                let _ = parse_envelope_data(text.as_bytes(), "secret/x", false);
                let _ = extract_metadata(text.as_bytes());
                let _ = parse_keys(&v);
                let _ = parse_mounts(&v);
                let _ = version_info(&v);
                let _ = version_of(&v);
                let _ = crate::vault::walk::parse_scan_for_tests(text.as_bytes(), "");
            }

            #[test]
            fn a_listing_gives_exactly_its_string_keys(keys in proptest::collection::vec("[a-z]{1,8}/?", 0..20)) {
                let v = serde_json::json!({ "data": { "keys": keys } });
                let mut names: Vec<String> = parse_keys(&v).iter()
                    .map(|e| format!("{}{}", e.name, if e.is_folder { "/" } else { "" }))
                    .collect();
                let mut keys = keys;
                names.sort();
                keys.sort();
                prop_assert_eq!(names, keys);
            }
        }
    }

    #[test]
    fn encodes_odd_segments() {
        assert_eq!(encode_path("a b/ü%#?/c"), "a%20b/%C3%BC%25%23%3F/c");
    }

    #[test]
    fn folders_sort_first() {
        let mut v =
            vec![Entry::from_key("b"), Entry::from_key("a/"), Entry::from_key("a"), Entry::from_key("z/")];
        sort_entries(&mut v);
        let names: Vec<_> = v.iter().map(|e| (e.name.as_str(), e.is_folder)).collect();
        assert_eq!(names, [("a", true), ("z", true), ("a", false), ("b", false)]);
    }

    #[test]
    fn v2_envelope_is_parsed() {
        let body = br#"{"data":{"data":{"K":"v","N":1},"metadata":{"version":3,"created_time":"t","deletion_time":"","destroyed":false}}}"#;
        let d = parse_envelope_data(body, "x", true).unwrap().unwrap();
        assert_eq!(d.keys().collect::<Vec<_>>(), ["K", "N"]);
        let m = extract_metadata(body).unwrap();
        assert_eq!(
            version_info(&m),
            VersionInfo { version: 3, created_time: "t".into(), state: VersionState::Live }
        );
    }
}
