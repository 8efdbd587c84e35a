//! Logging in (userpass, AppRole) through vaultrs's auth modules, and the token's lifecycle: looking it up,
//! renewing it, keeping it in a file only when asked (0600). Passwords and secret ids live in zeroizing
//! buffers and never reach an error message.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret as _, SecretString};
use zeroize::Zeroizing;

use super::VaultError;
use super::kv::Vault;
use crate::config::LoginMethod;

/// What a login needs besides the method and mount.
pub enum Credentials {
    /// Userpass.
    Userpass {
        /// The username.
        username: String,
        /// The password.
        password: Zeroizing<String>,
    },
    /// AppRole.
    Approle {
        /// The role id.
        role_id: String,
        /// The secret id.
        secret_id: Zeroizing<String>,
    },
    /// A TLS client certificate (the connection's); `name` is the cert role, or empty for any that matches.
    Cert {
        /// The cert role.
        name: String,
    },
    /// JWT.
    Jwt {
        /// The role.
        role: String,
        /// The signed token.
        jwt: Zeroizing<String>,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Userpass { username, .. } => write!(f, "Userpass({username})"),
            Self::Approle { role_id, .. } => write!(f, "Approle({role_id})"),
            Self::Jwt { role, .. } => write!(f, "Jwt({role})"),
            Self::Cert { name } => write!(f, "Cert({name})"),
        }
    }
}

/// A login's outcome. `Debug` never shows the token.
pub struct LoginInfo {
    /// The token.
    pub token: SecretString,
    /// Its policies.
    pub policies: Vec<String>,
    /// Seconds it lives (0: no expiry).
    pub ttl: u64,
    /// Whether `renew-self` can extend it.
    pub renewable: bool,
    /// The method used.
    pub method: LoginMethod,
}

impl std::fmt::Debug for LoginInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginInfo")
            .field("policies", &self.policies)
            .field("ttl", &self.ttl)
            .field("renewable", &self.renewable)
            .finish_non_exhaustive()
    }
}

/// Logs in at `auth/<mount>/…` with vaultrs's auth modules, without a token (a login needs none).
/// Errors carry the server's words (e.g. "invalid username or password"), never the credentials.
pub async fn login(vault: &Vault, mount: &str, creds: &Credentials) -> Result<LoginInfo, VaultError> {
    let anonymous = vault.with_token("");
    let client = anonymous.client();
    let (result, method) = match creds {
        Credentials::Userpass { username, password } => (
            vaultrs::auth::userpass::login(client, mount, username, password.as_str()).await,
            LoginMethod::Userpass,
        ),
        Credentials::Approle { role_id, secret_id } => (
            vaultrs::auth::approle::login(client, mount, role_id, secret_id.as_str()).await,
            LoginMethod::Approle,
        ),
        Credentials::Cert { name } => {
            (vaultrs::auth::cert::login(client, mount, name).await, LoginMethod::Cert)
        }
        Credentials::Jwt { role, jwt } => (
            vaultrs::auth::oidc::login(client, mount, jwt.as_str(), Some(role.clone())).await,
            LoginMethod::Jwt,
        ),
    };
    let auth = result.map_err(|e| login_error(vault.addr(), mount, &e))?;
    Ok(LoginInfo {
        token: SecretString::from(auth.client_token),
        policies: auth.policies,
        ttl: auth.lease_duration,
        renewable: auth.renewable,
        method,
    })
}

/// A vaultrs error as a [`VaultError`], with the server's own words when it answered.
fn login_error(addr: &str, mount: &str, e: &vaultrs::error::ClientError) -> VaultError {
    use vaultrs::error::ClientError as E;
    match e {
        E::APIError { code, errors } => VaultError::Api {
            code: *code,
            path: format!("auth/{mount}/login"),
            errors: errors.iter().map(|m| crate::sanitize::terminal(m).into_owned()).collect(),
        },
        E::RestClientError { .. } => {
            VaultError::Unreachable { addr: addr.to_string(), detail: "the login request failed".to_string() }
        }
        other => VaultError::BadResponse { path: format!("auth/{mount}/login"), detail: other.to_string() },
    }
}

/// Renews the connection's token (`auth/token/renew-self`) by `increment` seconds (the server's default
/// without one; never past the token's maximum) and returns its new TTL in seconds.
pub async fn renew_self(vault: &Vault, increment: Option<u64>) -> Result<u64, VaultError> {
    let body = match increment {
        Some(s) => serde_json::json!({ "increment": format!("{s}s") }),
        None => serde_json::json!({}),
    };
    let v = vault.call_json("POST", "auth/token/renew-self", Some(&body)).await?;
    Ok(v.pointer("/auth/lease_duration").and_then(serde_json::Value::as_u64).unwrap_or(0))
}

/// `~/…` expanded with the home directory.
pub fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), directories::BaseDirs::new()) {
        (Ok(rest), Some(dirs)) => dirs.home_dir().join(rest),
        _ => path.to_path_buf(),
    }
}

/// The environment variable a machine login's secret may come from when no file is named: the AppRole secret
/// id (`SESAME_SECRET_ID`) or the JWT (`SESAME_JWT`).
fn secret_env(method: LoginMethod) -> Option<&'static str> {
    match method {
        LoginMethod::Approle => Some("SESAME_SECRET_ID"),
        LoginMethod::Jwt => Some("SESAME_JWT"),
        _ => None,
    }
}

/// A secret kept in a file (a password, a secret id, a JWT): `~` expanded, the final line break dropped. The
/// message says which file, never what it holds.
pub fn read_secret_file(file: &Path) -> Result<Zeroizing<String>, String> {
    let path = expand_home(file);
    let text = Zeroizing::new(
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
    );
    Ok(Zeroizing::new(text.trim_end_matches(['\n', '\r']).to_string()))
}

/// The secret of an AppRole or JWT login: the file when one is named, else the method's environment
/// variable. The message says where it looked, never what it read.
pub fn machine_secret(method: LoginMethod, file: Option<&Path>) -> Result<Zeroizing<String>, String> {
    if let Some(file) = file.filter(|f| !f.as_os_str().is_empty()) {
        return read_secret_file(file);
    }
    let var = secret_env(method).ok_or_else(|| format!("{method:?} logins take no secret file"))?;
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(Zeroizing::new(v)),
        _ => Err(format!("no file named and {var} is not set")),
    }
}

/// Writes a token to `path`, owner-only (0600), as the official CLI keeps `~/.vault-token`.
pub fn save_token(path: &Path, token: &SecretString) -> std::io::Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    crate::fsutil::write_private(path, token.expose_secret().as_bytes())
}

/// Where the official CLI keeps its token: `~/.vault-token`.
pub fn cli_token_path() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.home_dir().join(".vault-token"))
}

/// What the token renewer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenEvent {
    /// Renewed: its TTL now, in seconds.
    Renewed {
        /// Seconds left.
        ttl: u64,
    },
    /// It cannot be renewed (or no further): it expires in this many seconds.
    Expiring {
        /// Seconds left.
        secs: u64,
    },
    /// Looking it up or renewing it failed (revoked, expired, unreachable).
    Failed(String),
}

/// Keeps the connection's token alive on a task of its own: looks it up, waits two thirds of its TTL,
/// renews it (`renew-self`) when it is renewable, and reports each step. A token without expiry needs
/// nothing; one that cannot be renewed is reported before it expires, once.
pub fn spawn_renewer(
    vault: Vault,
    report: impl Fn(TokenEvent) + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let v = match vault.call_json("GET", "auth/token/lookup-self", None).await {
                Ok(v) => v,
                Err(e) => return report(TokenEvent::Failed(e.to_string())),
            };
            let ttl = v.pointer("/data/ttl").and_then(serde_json::Value::as_u64).unwrap_or(0);
            let renewable =
                v.pointer("/data/renewable").and_then(serde_json::Value::as_bool).unwrap_or(false);
            if ttl == 0 {
                return;
            }
            let wait = (ttl * 2 / 3).max(1);
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            let left = ttl.saturating_sub(wait);
            if !renewable {
                return report(TokenEvent::Expiring { secs: left });
            }
            match renew_self(&vault, None).await {
                Ok(new) if new > left => report(TokenEvent::Renewed { ttl: new }),
                Ok(new) => return report(TokenEvent::Expiring { secs: new }),
                Err(e) => return report(TokenEvent::Failed(e.to_string())),
            }
        }
    })
}

/// Where the official CLI receives the OIDC callback.
pub const DEFAULT_OIDC_CALLBACK: &str = "localhost:8250";

/// Single sign-on with the oidc method, as the official CLI does it: asks the server for the provider's URL
/// (`auth/<mount>/oidc/auth_url`) with `http://<listen>/oidc/callback` as the redirect, hands the URL to
/// `show` (a browser, or a person over SSH who forwards the port), waits up to `wait` for the browser to
/// come back to the local listener, and trades the code for a token (`auth/<mount>/oidc/callback`).
pub async fn oidc_login(
    vault: &Vault,
    mount: &str,
    role: Option<&str>,
    listen: &str,
    wait: std::time::Duration,
    show: impl FnOnce(&str),
) -> Result<LoginInfo, VaultError> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| VaultError::Invalid(format!("cannot listen on {listen} for the callback: {e}")))?;
    let redirect = format!("http://{listen}/oidc/callback");
    let anonymous = vault.with_token("");
    let mut body = serde_json::json!({ "redirect_uri": redirect });
    if let Some(r) = role {
        body["role"] = serde_json::json!(r);
    }
    let v = anonymous.call_json("POST", &format!("auth/{mount}/oidc/auth_url"), Some(&body)).await?;
    let url = v.pointer("/data/auth_url").and_then(serde_json::Value::as_str).unwrap_or("");
    if url.is_empty() {
        return Err(VaultError::Invalid(format!(
            "the server gave no sign-on URL: is {redirect} among the role's allowed_redirect_uris?"
        )));
    }
    show(url);
    let query = tokio::time::timeout(wait, async {
        loop {
            let (mut conn, _) = listener.accept().await?;
            let mut buf = vec![0u8; 8192];
            let n = conn.read(&mut buf).await?;
            let head = String::from_utf8_lossy(&buf[..n]).into_owned();
            let target = head.split_whitespace().nth(1).unwrap_or("").to_string();
            let Some(query) = target.strip_prefix("/oidc/callback?") else {
                let _ = conn.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
                continue;
            };
            let page = "Signed in: you can close this window and go back to sesame.";
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = conn.write_all(reply.as_bytes()).await;
            return Ok::<String, std::io::Error>(query.to_string());
        }
    })
    .await
    .map_err(|_| VaultError::Invalid(format!("no sign-on came back to {redirect} within {} s", wait.as_secs())))?
    .map_err(|e| VaultError::Invalid(format!("the callback listener failed: {e}")))?;
    // Only the code, the state and (when sent) the nonce go on to the server, as they came.
    let pick =
        |name: &str| query.split('&').find_map(|kv| kv.strip_prefix(&format!("{name}="))).map(str::to_string);
    if let Some(err) = pick("error") {
        return Err(VaultError::Invalid(format!(
            "the provider refused the sign-on: {}",
            crate::sanitize::terminal(&err)
        )));
    }
    let (Some(code), Some(state)) = (pick("code"), pick("state")) else {
        return Err(VaultError::Invalid("the callback carried no code".to_string()));
    };
    let mut path = format!("auth/{mount}/oidc/callback?state={state}&code={code}");
    if let Some(nonce) = pick("nonce") {
        path.push_str(&format!("&nonce={nonce}"));
    }
    let v = anonymous.call_json("GET", &path, None).await?;
    let auth = v.get("auth").cloned().unwrap_or_default();
    let token = auth.get("client_token").and_then(serde_json::Value::as_str).unwrap_or("");
    if token.is_empty() {
        return Err(VaultError::BadResponse {
            path: format!("auth/{mount}/oidc/callback"),
            detail: "no token".into(),
        });
    }
    Ok(LoginInfo {
        token: SecretString::from(token.to_string()),
        policies: auth
            .get("policies")
            .and_then(serde_json::Value::as_array)
            .map(|a| a.iter().filter_map(serde_json::Value::as_str).map(str::to_string).collect())
            .unwrap_or_default(),
        ttl: auth.get("lease_duration").and_then(serde_json::Value::as_u64).unwrap_or(0),
        renewable: auth.get("renewable").and_then(serde_json::Value::as_bool).unwrap_or(false),
        method: LoginMethod::Oidc,
    })
}
