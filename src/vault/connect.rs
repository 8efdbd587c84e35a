//! Connection settings that follow the conventions of the official Vault and OpenBao CLIs.
//!
//! [`ConnectArgs`] holds the command-line flags; [`ConnectSettings::resolve`] merges them with
//! the environment and the user's home directory; [`ConnectSettings::build_client`] and
//! [`ConnectSettings::http_client`] turn the result into HTTP clients.
//!
//! # Where each setting comes from
//!
//! For every setting the first source that is set wins: the command-line flag, then the
//! `BAO_*` variable, then the `VAULT_*` variable, then the default. An environment variable
//! that is set to the empty string counts as unset (as in the Vault CLI); a flag always counts
//! once given, so `--namespace ''` selects the root namespace even when `VAULT_NAMESPACE` is set.
//!
//! | flag                | variables                                     | default                  |
//! |---------------------|-----------------------------------------------|--------------------------|
//! | `--address`         | `BAO_ADDR`, `VAULT_ADDR`                      | `https://127.0.0.1:8200` |
//! | `--namespace`       | `BAO_NAMESPACE`, `VAULT_NAMESPACE`            | root namespace           |
//! | `--ca-cert`         | `BAO_CACERT`, `VAULT_CACERT`                  | system roots             |
//! | `--ca-path`         | `BAO_CAPATH`, `VAULT_CAPATH`                  | system roots             |
//! | `--client-cert`     | `BAO_CLIENT_CERT`, `VAULT_CLIENT_CERT`        | none                     |
//! | `--client-key`      | `BAO_CLIENT_KEY`, `VAULT_CLIENT_KEY`          | none                     |
//! | `--tls-skip-verify` | `BAO_SKIP_VERIFY`, `VAULT_SKIP_VERIFY`        | verify                   |
//! | `--tls-server-name` | `BAO_TLS_SERVER_NAME`, `VAULT_TLS_SERVER_NAME`| the address's host       |
//! | `--timeout`         | `BAO_CLIENT_TIMEOUT`, `VAULT_CLIENT_TIMEOUT`  | 60 s                     |
//!
//! The token comes from the first of:
//! 1. `--token-file FILE` (there is deliberately no flag taking the token itself: it would end
//!    up in the shell history and in `ps`);
//! 2. `BAO_TOKEN`, then `VAULT_TOKEN`;
//! 3. the `token_helper` named in the CLI configuration file, run as `HELPER get`;
//! 4. `~/.vault-token` (OpenBao uses this same file; there is no `~/.bao-token`).
//!
//! As in both official CLIs, a configured token helper *replaces* `~/.vault-token`: when a
//! helper is configured the file is not read, even if the helper prints nothing.
//!
//! The CLI configuration file is the first of `BAO_CONFIG_PATH`, `VAULT_CONFIG_PATH`, `~/.bao`,
//! `~/.vault` that is set (for the variables) or exists (for the files). Only its
//! `token_helper = "/path/to/helper"` setting is read (HCL or JSON syntax).
//!
//! # Differences from the official CLIs, on purpose
//!
//! * The token helper is executed directly (no shell), with `VAULT_ADDR` and `BAO_ADDR` set
//!   to the address sesame is about to use, so per-server helpers pick the right token even
//!   when the address came from `--address` (openbao/openbao#314, hashicorp/vault#22257).
//! * `--ca-cert` and `--ca-path` may be combined: the union of their certificates is trusted.
//!   As in the official CLI, configuring either replaces the system roots.
//! * `SKIP_VERIFY` accepts `1/t/true/y/yes/on` and `0/f/false/n/no/off` (any case); any other
//!   non-empty value is an error rather than a guess. vaultrs would treat even `""` as "skip".
//! * The timeout also bounds connecting: the connect timeout is the smaller of the timeout and
//!   10 s. A timeout of `0` disables the overall timeout (as in Go's `http.Client`).
//! * An address with a path (`https://host/vault/`), query or credentials is refused:
//!   vaultrs puts its `/v1` in front of such a path, so it could not work.
//!
//! # Blocking
//!
//! [`ConnectSettings::resolve`] may run a token helper and [`ConnectSettings::build_client`]
//! may resolve a host name; both block. Call them before the async runtime starts or from
//! `tokio::task::spawn_blocking`.

use std::fmt;
use std::fs;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use url::{Host, Url};
use zeroize::{Zeroize, Zeroizing};

/// Address used when neither `--address`, `BAO_ADDR` nor `VAULT_ADDR` is set (the official CLI's).
pub const DEFAULT_ADDRESS: &str = "https://127.0.0.1:8200";

/// Timeout used when neither `--timeout`, `BAO_CLIENT_TIMEOUT` nor `VAULT_CLIENT_TIMEOUT` is set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Upper bound of the time allowed to establish a TCP + TLS connection.
pub const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest helper stderr quoted in an error message, in bytes.
const MAX_STDERR_IN_ERROR: usize = 2048;

/// Command-line flags for reaching the server; `#[command(flatten)]` this into the CLI.
///
/// Every flag overrides the environment variables named in its help.
#[derive(clap::Args, Debug, Clone, Default)]
#[command(next_help_heading = "Connection")]
pub struct ConnectArgs {
    /// Server address [overrides BAO_ADDR, VAULT_ADDR] [default: https://127.0.0.1:8200]
    #[arg(long, value_name = "URL")]
    pub address: Option<String>,

    /// Namespace sent as X-Vault-Namespace; '' for the root namespace [overrides BAO_NAMESPACE,
    /// VAULT_NAMESPACE]
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,

    /// PEM file of CA certificates to trust instead of the system roots [overrides BAO_CACERT,
    /// VAULT_CACERT]
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Directory of PEM CA certificates to trust instead of the system roots [overrides
    /// BAO_CAPATH, VAULT_CAPATH]
    #[arg(long, value_name = "DIR")]
    pub ca_path: Option<PathBuf>,

    /// PEM client certificate for TLS client authentication [overrides BAO_CLIENT_CERT,
    /// VAULT_CLIENT_CERT]
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,

    /// PEM private key of --client-cert [overrides BAO_CLIENT_KEY, VAULT_CLIENT_KEY]
    #[arg(long, value_name = "FILE")]
    pub client_key: Option<PathBuf>,

    /// Do not verify the server's TLS certificate (insecure); --tls-skip-verify=false forces
    /// verification [overrides BAO_SKIP_VERIFY, VAULT_SKIP_VERIFY]
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new(),
    )]
    pub tls_skip_verify: Option<bool>,

    /// Name used for SNI and to verify the server certificate [overrides BAO_TLS_SERVER_NAME,
    /// VAULT_TLS_SERVER_NAME]
    #[arg(long, value_name = "NAME")]
    pub tls_server_name: Option<String>,

    /// Request timeout: 60s, 1m30s, or whole seconds; 0 disables it [overrides
    /// BAO_CLIENT_TIMEOUT, VAULT_CLIENT_TIMEOUT] [default: 60s]
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,

    /// Read the token from this file instead of BAO_TOKEN, VAULT_TOKEN, the token helper or
    /// ~/.vault-token
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// A [[profile]] of the config file: its server, namespace, TLS settings and token file, under these
    /// flags and over the environment
    #[arg(long, value_name = "NAME", env = "SESAME_PROFILE")]
    pub profile: Option<String>,
}

/// A connection through a profile of the config file on its own: the base flags' TLS and timeout settings,
/// the profile's address, namespace and token file (the base's address, namespace and token file describe
/// another connection).
pub fn vault_for_profile(base: &ConnectArgs, p: &crate::config::Profile) -> Result<crate::vault::Vault> {
    let mut args = base.clone();
    args.profile = None;
    args.address = None;
    args.namespace = None;
    args.token_file = None;
    let settings = ConnectSettings::from_env(&args.over_profile(p))?;
    Ok(crate::vault::Vault::new(settings.build_client()?))
}

impl ConnectArgs {
    /// These flags over a profile: what a flag gives wins; the profile fills the rest.
    pub fn over_profile(&self, p: &crate::config::Profile) -> Self {
        let mut a = self.clone();
        a.address = a.address.or_else(|| p.address.clone());
        a.namespace = a.namespace.or_else(|| p.namespace.clone());
        a.ca_cert = a.ca_cert.or_else(|| p.ca_cert.clone());
        a.client_cert = a.client_cert.or_else(|| p.client_cert.clone());
        a.client_key = a.client_key.or_else(|| p.client_key.clone());
        a.tls_server_name = a.tls_server_name.or_else(|| p.tls_server_name.clone());
        a.token_file =
            a.token_file.or_else(|| p.token_file.as_ref().map(|f| crate::vault::login::expand_home(f)));
        a
    }
}

/// Where the token of a [`ConnectSettings`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// The file given with `--token-file`.
    Flag(PathBuf),
    /// An environment variable, by name (`BAO_TOKEN` or `VAULT_TOKEN`).
    Env(String),
    /// The standard output of this token helper.
    TokenHelper(PathBuf),
    /// The CLI's token file, `~/.vault-token`.
    TokenFile(PathBuf),
    /// No token was found; requests go out unauthenticated.
    None,
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(path) => write!(f, "--token-file {}", path.display()),
            Self::Env(name) => write!(f, "${name}"),
            Self::TokenHelper(path) => write!(f, "token helper {}", path.display()),
            Self::TokenFile(path) => write!(f, "{}", path.display()),
            Self::None => f.write_str("no token"),
        }
    }
}

/// Fully resolved connection settings. `Debug` never shows the token.
#[derive(Clone)]
pub struct ConnectSettings {
    /// Server address: `http` or `https`, a host, no path.
    pub address: Url,
    /// The token, if any was found.
    pub token: Option<SecretString>,
    /// Where [`Self::token`] came from; [`TokenSource::None`] exactly when it is `None`.
    pub token_source: TokenSource,
    /// Namespace sent as `X-Vault-Namespace`; `None` for the root namespace.
    pub namespace: Option<String>,
    /// PEM file of CA certificates to trust instead of the system roots.
    pub ca_cert: Option<PathBuf>,
    /// Directory whose PEM files hold CA certificates to trust instead of the system roots.
    pub ca_path: Option<PathBuf>,
    /// PEM client certificate (needs [`Self::client_key`]).
    pub client_cert: Option<PathBuf>,
    /// PEM private key of [`Self::client_cert`].
    pub client_key: Option<PathBuf>,
    /// Accept any server certificate (insecure).
    pub skip_verify: bool,
    /// Name for SNI and certificate verification, when it differs from the address's host.
    pub tls_server_name: Option<String>,
    /// Overall request timeout; zero disables it.
    pub timeout: Duration,
}

impl fmt::Debug for ConnectSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectSettings")
            .field("address", &self.address.as_str())
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("token_source", &self.token_source)
            .field("namespace", &self.namespace)
            .field("ca_cert", &self.ca_cert)
            .field("ca_path", &self.ca_path)
            .field("client_cert", &self.client_cert)
            .field("client_key", &self.client_key)
            .field("skip_verify", &self.skip_verify)
            .field("tls_server_name", &self.tls_server_name)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Where a value came from, for error messages.
#[derive(Debug, Clone, Copy)]
enum Origin {
    Flag(&'static str),
    Env(&'static str),
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(name) => f.write_str(name),
            Self::Env(name) => f.write_str(name),
            Self::Default => f.write_str("the default"),
        }
    }
}

/// The first non-empty variable among `names`.
fn first_env(env: &dyn Fn(&str) -> Option<String>, names: &[&'static str]) -> Option<(String, &'static str)> {
    names.iter().find_map(|name| env(name).filter(|v| !v.is_empty()).map(|v| (v, *name)))
}

/// The flag if given, else the first non-empty variable among `names`.
fn pick(
    flag: Option<&str>,
    flag_name: &'static str,
    env: &dyn Fn(&str) -> Option<String>,
    names: &[&'static str],
) -> Option<(String, Origin)> {
    match flag {
        Some(value) => Some((value.to_owned(), Origin::Flag(flag_name))),
        None => first_env(env, names).map(|(value, name)| (value, Origin::Env(name))),
    }
}

/// Like [`pick`] for paths; an empty flag counts as unset.
fn pick_path(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
    names: &[&'static str],
) -> Option<PathBuf> {
    match flag {
        Some(path) if !path.as_os_str().is_empty() => Some(path.to_owned()),
        _ => first_env(env, names).map(|(value, _)| PathBuf::from(value)),
    }
}

impl ConnectSettings {
    /// Resolves the settings from the flags, the environment and the home directory.
    ///
    /// `env` looks a variable up (return `None` when unset); `home` is the user's home
    /// directory, where `.bao`, `.vault` and `.vault-token` are looked for. This may run the
    /// configured token helper, which blocks.
    pub fn resolve(
        args: &ConnectArgs,
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<Self> {
        let (raw_address, address_origin) =
            pick(args.address.as_deref(), "--address", env, &["BAO_ADDR", "VAULT_ADDR"])
                .unwrap_or_else(|| (DEFAULT_ADDRESS.to_owned(), Origin::Default));
        let raw_address = raw_address.trim().to_owned();
        let address = parse_address(&raw_address, address_origin)?;

        let namespace =
            pick(args.namespace.as_deref(), "--namespace", env, &["BAO_NAMESPACE", "VAULT_NAMESPACE"])
                .map(|(ns, origin)| (ns.trim().to_owned(), origin))
                .filter(|(ns, _)| !ns.is_empty());
        if let Some((ns, origin)) = &namespace
            && HeaderValue::from_str(ns).is_err()
        {
            bail!("invalid namespace {ns:?} from {origin}: it contains control characters");
        }
        let namespace = namespace.map(|(ns, _)| ns);

        let skip_verify = match args.tls_skip_verify {
            Some(skip) => skip,
            None => match first_env(env, &["BAO_SKIP_VERIFY", "VAULT_SKIP_VERIFY"]) {
                None => false,
                Some((value, name)) => parse_bool(&value).ok_or_else(|| {
                    anyhow!(
                        "invalid {name} value {value:?}: expected true/false, 1/0, t/f, yes/no \
                         or on/off"
                    )
                })?,
            },
        };

        let tls_server_name = pick(
            args.tls_server_name.as_deref(),
            "--tls-server-name",
            env,
            &["BAO_TLS_SERVER_NAME", "VAULT_TLS_SERVER_NAME"],
        )
        .map(|(name, origin)| (name.trim().to_owned(), origin))
        .filter(|(name, _)| !name.is_empty());
        if let Some((name, origin)) = &tls_server_name {
            check_server_name(&address, name)
                .with_context(|| format!("invalid TLS server name {name:?} from {origin}"))?;
        }
        let tls_server_name = tls_server_name.map(|(name, _)| name);

        let timeout = match pick(
            args.timeout.as_deref(),
            "--timeout",
            env,
            &["BAO_CLIENT_TIMEOUT", "VAULT_CLIENT_TIMEOUT"],
        ) {
            None => DEFAULT_TIMEOUT,
            Some((value, origin)) => parse_duration(&value)
                .map_err(|why| anyhow!("invalid timeout {value:?} from {origin}: {why}"))?,
        };

        let ca_cert = pick_path(args.ca_cert.as_deref(), env, &["BAO_CACERT", "VAULT_CACERT"]);
        let ca_path = pick_path(args.ca_path.as_deref(), env, &["BAO_CAPATH", "VAULT_CAPATH"]);
        let client_cert =
            pick_path(args.client_cert.as_deref(), env, &["BAO_CLIENT_CERT", "VAULT_CLIENT_CERT"]);
        let client_key = pick_path(args.client_key.as_deref(), env, &["BAO_CLIENT_KEY", "VAULT_CLIENT_KEY"]);
        if client_cert.is_some() != client_key.is_some() {
            bail!(
                "a client certificate needs both --client-cert (BAO_CLIENT_CERT, \
                 VAULT_CLIENT_CERT) and --client-key (BAO_CLIENT_KEY, VAULT_CLIENT_KEY)"
            );
        }

        let (token, token_source) = resolve_token(args, env, home, &raw_address)?;
        if let Some(token) = &token
            && HeaderValue::from_str(token.expose_secret()).is_err()
        {
            bail!("the token from {token_source} contains characters not allowed in an HTTP header");
        }

        Ok(Self {
            address,
            token,
            token_source,
            namespace,
            ca_cert,
            ca_path,
            client_cert,
            client_key,
            skip_verify,
            tls_server_name,
            timeout,
        })
    }

    /// [`Self::resolve`] with the process environment and the user's home directory.
    pub fn from_env(args: &ConnectArgs) -> Result<Self> {
        let home = directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf());
        Self::resolve(args, &|name| std::env::var(name).ok(), home.as_deref())
    }

    /// The URL requests go to: [`Self::address`], with the host replaced by
    /// [`Self::tls_server_name`] for `https` addresses (see [`Self::http_client`]).
    pub fn base_url(&self) -> Result<Url> {
        let mut url = self.address.clone();
        if let Some(name) = self.effective_server_name()? {
            url.set_host(Some(name)).with_context(|| format!("invalid TLS server name {name:?}"))?;
        }
        Ok(url)
    }

    /// Headers a raw request on [`Self::http_client`] needs: `X-Vault-Token` (marked
    /// sensitive), `X-Vault-Namespace` and `X-Vault-Request`, as vaultrs sends them.
    pub fn auth_headers(&self) -> Result<HeaderMap> {
        let mut headers = HeaderMap::new();
        headers.insert("X-Vault-Request", HeaderValue::from_static("true"));
        if let Some(token) = &self.token {
            let mut value = HeaderValue::from_str(token.expose_secret())
                .map_err(|_| anyhow!("the token contains characters not allowed in an HTTP header"))?;
            value.set_sensitive(true);
            headers.insert("X-Vault-Token", value);
        }
        if let Some(ns) = &self.namespace {
            let value = HeaderValue::from_str(ns)
                .map_err(|_| anyhow!("invalid namespace {ns:?}: it contains control characters"))?;
            headers.insert("X-Vault-Namespace", value);
        }
        Ok(headers)
    }

    /// The HTTP client vaultrs uses, for raw requests: send them to [`Self::base_url`] with
    /// [`Self::auth_headers`].
    ///
    /// It uses rustls, the timeout, the CA certificates (which replace the system roots when
    /// given), the client identity and skip-verify. For [`Self::tls_server_name`] the address's
    /// host is resolved once, now, and the client is told that the server name lives at those
    /// addresses, while [`Self::base_url`] puts the server name in the URL: SNI and certificate
    /// verification then use the server name, and the connection goes to the real host. (The
    /// `Host` header carries the server name too; Vault ignores it. An HTTP proxy from
    /// `HTTPS_PROXY` would resolve the server name itself and defeat this.)
    pub fn http_client(&self) -> Result<reqwest::Client> {
        self.http_client_parts().map(|(client, _, _)| client)
    }

    /// The client, the identity and the CA files it uses.
    fn http_client_parts(&self) -> Result<(reqwest::Client, Option<reqwest::Identity>, Vec<String>)> {
        let mut builder = reqwest::ClientBuilder::new()
            // Redirects (a standby sending a request on to the active node) are followed by `Vault::send`,
            // which knows where a request went and can name the node that failed.
            .redirect(reqwest::redirect::Policy::none())
            .tls_backend_rustls()
            .user_agent(concat!("sesame/", env!("CARGO_PKG_VERSION")));
        let connect_timeout = if self.timeout.is_zero() {
            MAX_CONNECT_TIMEOUT
        } else {
            builder = builder.timeout(self.timeout);
            self.timeout.min(MAX_CONNECT_TIMEOUT)
        };
        builder = builder.connect_timeout(connect_timeout);

        let mut identity = None;
        let mut ca_files = Vec::new();
        if self.address.scheme() == "http" {
            // As vaultrs does: without any TLS roots reqwest does not set up the platform
            // verifier, which fails on machines without a CA store
            // (https://github.com/seanmonstar/reqwest/issues/2988). No TLS setting applies.
            builder = builder.tls_certs_only(Vec::new());
        } else {
            let (roots, files) = self.load_ca_roots()?;
            ca_files = files;
            if !roots.is_empty() {
                builder = builder.tls_certs_only(roots);
            }
            if self.skip_verify {
                builder = builder.tls_danger_accept_invalid_certs(true);
            }
            if let Some(id) = self.load_identity()? {
                builder = builder.identity(id.clone());
                identity = Some(id);
            }
            if let Some(name) = self.effective_server_name()? {
                let addrs = self.resolve_host()?;
                builder = builder.resolve_to_addrs(name, &addrs);
            }
        }
        let client = builder.build().context("could not build the HTTP client")?;
        Ok((client, identity, ca_files))
    }

    /// A vaultrs client on [`Self::http_client`], sending the token and the namespace.
    pub fn build_client(&self) -> Result<vaultrs::client::VaultClient> {
        let (http, identity, ca_certs) = self.http_client_parts()?;
        let base = self.base_url()?;
        let token = self.token.as_ref().map(|t| t.expose_secret().to_owned()).unwrap_or_default();
        let middle = vaultrs::api::EndpointMiddleware {
            token: token.clone(),
            version: "v1".to_owned(),
            wrap: None,
            namespace: self.namespace.clone(),
        };
        let settings = vaultrs::client::VaultClientSettings {
            address: base.clone(),
            ca_certs,
            identity,
            timeout: (!self.timeout.is_zero()).then_some(self.timeout),
            token,
            verify: !self.skip_verify,
            version: 1,
            wrapping: false,
            namespace: self.namespace.clone(),
            proxy: None,
        };
        Ok(vaultrs::client::VaultClient {
            http: rustify::clients::reqwest::Client::new(base.as_str(), http),
            middle,
            settings,
        })
    }

    /// The server name to put in the URL, if it differs from the address's host and TLS is used.
    fn effective_server_name(&self) -> Result<Option<&str>> {
        match &self.tls_server_name {
            Some(name) if self.address.scheme() == "https" => {
                check_server_name(&self.address, name)?;
                let same = self.address.host_str().is_some_and(|host| host.eq_ignore_ascii_case(name));
                Ok((!same).then_some(name.as_str()))
            }
            _ => Ok(None),
        }
    }

    /// The socket addresses of the address's host and port.
    fn resolve_host(&self) -> Result<Vec<SocketAddr>> {
        let port = self
            .address
            .port_or_known_default()
            .ok_or_else(|| anyhow!("the address {} has no port", self.address))?;
        let addrs: Vec<SocketAddr> = match self.address.host() {
            Some(Host::Ipv4(ip)) => vec![SocketAddr::from((ip, port))],
            Some(Host::Ipv6(ip)) => vec![SocketAddr::from((ip, port))],
            Some(Host::Domain(host)) => {
                (host, port).to_socket_addrs().with_context(|| format!("could not resolve {host}"))?.collect()
            }
            None => bail!("the address {} has no host", self.address),
        };
        if addrs.is_empty() {
            bail!("{} resolves to no address", self.address);
        }
        Ok(addrs)
    }

    /// The CA certificates of `ca_cert` and of every PEM file in `ca_path`, and those files.
    fn load_ca_roots(&self) -> Result<(Vec<reqwest::Certificate>, Vec<String>)> {
        let mut roots = Vec::new();
        let mut files = Vec::new();
        if let Some(file) = &self.ca_cert {
            let pem = fs::read(file)
                .with_context(|| format!("could not read CA certificate {}", file.display()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .with_context(|| format!("invalid PEM in CA certificate {}", file.display()))?;
            if certs.is_empty() {
                bail!("no PEM certificate in CA certificate file {}", file.display());
            }
            roots.extend(certs);
            files.push(file.display().to_string());
        }
        if let Some(dir) = &self.ca_path {
            let mut entries = fs::read_dir(dir)
                .with_context(|| format!("could not read CA directory {}", dir.display()))?
                .map(|entry| entry.map(|e| e.path()))
                .collect::<io::Result<Vec<_>>>()
                .with_context(|| format!("could not read CA directory {}", dir.display()))?;
            entries.sort();
            let before = roots.len();
            for path in entries {
                let hidden = path.file_name().is_some_and(|name| name.to_string_lossy().starts_with('.'));
                // `fs::metadata` follows symlinks, as c_rehash directories are made of them.
                if hidden || !fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                    continue;
                }
                let pem = fs::read(&path)
                    .with_context(|| format!("could not read CA certificate {}", path.display()))?;
                let certs = reqwest::Certificate::from_pem_bundle(&pem)
                    .with_context(|| format!("invalid PEM in CA certificate {}", path.display()))?;
                if !certs.is_empty() {
                    roots.extend(certs);
                    files.push(path.display().to_string());
                }
            }
            if roots.len() == before {
                bail!("no PEM certificate in CA directory {}", dir.display());
            }
        }
        Ok((roots, files))
    }

    /// The client identity from `client_cert` and `client_key`, if both are set.
    fn load_identity(&self) -> Result<Option<reqwest::Identity>> {
        let (Some(cert), Some(key)) = (&self.client_cert, &self.client_key) else {
            if self.client_cert.is_some() || self.client_key.is_some() {
                bail!("a client certificate needs both a certificate and a key file");
            }
            return Ok(None);
        };
        let mut pem = Zeroizing::new(
            fs::read(cert)
                .with_context(|| format!("could not read client certificate {}", cert.display()))?,
        );
        let key_pem = Zeroizing::new(
            fs::read(key).with_context(|| format!("could not read client key {}", key.display()))?,
        );
        // A certificate file without a final newline would glue its END line to the key's BEGIN.
        pem.push(b'\n');
        pem.extend_from_slice(&key_pem);
        let identity = reqwest::Identity::from_pem(&pem).with_context(|| {
            format!("invalid client certificate {} or key {}", cert.display(), key.display())
        })?;
        Ok(Some(identity))
    }
}

/// Parses and checks a server address; errors name where it came from.
fn parse_address(raw: &str, origin: Origin) -> Result<Url> {
    let url = Url::parse(raw).map_err(|e| anyhow!("invalid server address {raw:?} from {origin}: {e}"))?;
    if url.password().is_some() || !url.username().is_empty() {
        bail!("invalid server address from {origin}: it must not contain a user name or password");
    }
    if !matches!(url.scheme(), "http" | "https") {
        bail!(
            "invalid server address {raw:?} from {origin}: the scheme must be http or https, \
             not {}",
            url.scheme()
        );
    }
    if url.host_str().is_none_or(str::is_empty) {
        bail!("invalid server address {raw:?} from {origin}: it has no host");
    }
    if url.path() != "/" && !url.path().is_empty() {
        bail!(
            "invalid server address {raw:?} from {origin}: it must not have a path (the API \
             lives under /v1 of the server root)"
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!("invalid server address {raw:?} from {origin}: it must not have a query or fragment");
    }
    Ok(url)
}

/// A TLS server name must be a DNS name (an IP address cannot be reached by the resolve
/// trick), unless it is the address's own host.
fn check_server_name(address: &Url, name: &str) -> Result<()> {
    if address.host_str().is_some_and(|host| host.eq_ignore_ascii_case(name)) {
        return Ok(());
    }
    match Host::parse(name) {
        Ok(Host::Domain(_)) => Ok(()),
        Ok(Host::Ipv4(_) | Host::Ipv6(_)) => {
            bail!("it must be a DNS name, not an IP address")
        }
        Err(e) => bail!("{e}"),
    }
}

/// Parses a boolean the way `strconv.ParseBool` does, plus yes/no and on/off; any case.
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "t" | "true" | "y" | "yes" | "on" => Some(true),
        "0" | "f" | "false" | "n" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Parses a duration as the official CLI parses `VAULT_CLIENT_TIMEOUT`: a whole number of
/// seconds (`90`), or a Go duration (`60s`, `1m30s`, `1.5h`, `250ms`; units `ns`, `us`, `µs`,
/// `ms`, `s`, `m`, `h`, and `d` for days). Negative durations are refused.
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    const NANOS: &[(&str, u128)] = &[
        ("ns", 1),
        ("us", 1_000),
        ("µs", 1_000),
        ("μs", 1_000),
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
        ("m", 60 * 1_000_000_000),
        ("h", 3_600 * 1_000_000_000),
        ("d", 86_400 * 1_000_000_000),
    ];
    let expected = "expected a duration such as 60s, 1m30s or 500ms, or a whole number of seconds";
    let value = value.trim();
    if value.is_empty() {
        return Err(expected.to_owned());
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().map(Duration::from_secs).map_err(|_| "too large".to_owned());
    }
    if value.starts_with('-') {
        return Err("it must not be negative".to_owned());
    }
    let mut rest = value.strip_prefix('+').unwrap_or(value);
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int, after) = rest.split_at(int_len);
        let (frac, after) = match after.strip_prefix('.') {
            Some(after) => {
                let len = after.bytes().take_while(u8::is_ascii_digit).count();
                after.split_at(len)
            }
            None => ("", after),
        };
        if int.is_empty() && frac.is_empty() {
            return Err(expected.to_owned());
        }
        let unit_len = after
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(after.len(), |(i, _)| i);
        let (unit, after) = after.split_at(unit_len);
        let Some(&(_, scale)) = NANOS.iter().find(|(name, _)| *name == unit) else {
            return Err(if unit.is_empty() {
                format!("missing unit after {int}{}; {expected}", dotted(frac))
            } else {
                format!("unknown unit {unit:?}; {expected}")
            });
        };
        let whole: u128 = if int.is_empty() { 0 } else { int.parse().map_err(|_| "too large".to_owned())? };
        // Nanoseconds cannot use more than 18 fractional digits of a day.
        let frac = &frac[..frac.len().min(18)];
        let frac_nanos = if frac.is_empty() {
            0
        } else {
            let digits: u128 = frac.parse().map_err(|_| "too large".to_owned())?;
            digits * scale / 10u128.pow(frac.len() as u32)
        };
        total = whole
            .checked_mul(scale)
            .and_then(|n| n.checked_add(frac_nanos))
            .and_then(|n| total.checked_add(n))
            .ok_or_else(|| "too large".to_owned())?;
        rest = after;
    }
    let secs = u64::try_from(total / 1_000_000_000).map_err(|_| "too large".to_owned())?;
    // The remainder is below 10⁹, so it fits.
    let nanos = (total % 1_000_000_000) as u32;
    Ok(Duration::new(secs, nanos))
}

/// `.frac` or nothing, for error messages.
fn dotted(frac: &str) -> String {
    if frac.is_empty() { String::new() } else { format!(".{frac}") }
}

/// The token and where it came from; see the module documentation for the order.
fn resolve_token(
    args: &ConnectArgs,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
    address: &str,
) -> Result<(Option<SecretString>, TokenSource)> {
    if let Some(path) = &args.token_file {
        let token = read_token_file(path)
            .with_context(|| format!("could not read the token file {}", path.display()))?
            .ok_or_else(|| anyhow!("the token file {} is empty", path.display()))?;
        return Ok((Some(token), TokenSource::Flag(path.clone())));
    }
    if let Some((value, name)) = first_env(env, &["BAO_TOKEN", "VAULT_TOKEN"]) {
        let value = Zeroizing::new(value);
        let trimmed = value.trim();
        if !trimmed.is_empty() {
            return Ok((Some(SecretString::from(trimmed.to_owned())), TokenSource::Env(name.to_owned())));
        }
    }
    if let Some(config) = cli_config_path(env, home)
        && let Some(helper) = read_token_helper(&config)?
    {
        let helper = std::path::absolute(&helper).unwrap_or(helper);
        let token = run_token_helper(&helper, address).with_context(|| {
            format!("token helper {} (configured in {})", helper.display(), config.display())
        })?;
        return Ok(match token {
            Some(token) => (Some(token), TokenSource::TokenHelper(helper)),
            None => (None, TokenSource::None),
        });
    }
    if let Some(home) = home {
        let path = home.join(".vault-token");
        match read_token_file(&path) {
            Ok(Some(token)) => return Ok((Some(token), TokenSource::TokenFile(path))),
            Ok(None) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("could not read {}", path.display()));
            }
        }
    }
    Ok((None, TokenSource::None))
}

/// The trimmed content of a token file; `None` when it is blank.
fn read_token_file(path: &Path) -> io::Result<Option<SecretString>> {
    let bytes = Zeroizing::new(fs::read(path)?);
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "the token is not UTF-8"))?;
    let trimmed = text.trim();
    Ok((!trimmed.is_empty()).then(|| SecretString::from(trimmed.to_owned())))
}

/// The CLI configuration file to read, if any.
fn cli_config_path(env: &dyn Fn(&str) -> Option<String>, home: Option<&Path>) -> Option<PathBuf> {
    if let Some((path, _)) = first_env(env, &["BAO_CONFIG_PATH", "VAULT_CONFIG_PATH"]) {
        return Some(expand_home(&path, home));
    }
    let home = home?;
    [".bao", ".vault"].iter().map(|name| home.join(name)).find(|path| path.exists())
}

/// Expands a leading `~` or `~/`, as the official CLI does for `VAULT_CONFIG_PATH`.
fn expand_home(path: &str, home: Option<&Path>) -> PathBuf {
    match (path, home) {
        ("~", Some(home)) => home.to_owned(),
        (p, Some(home)) if p.starts_with("~/") => home.join(&p[2..]),
        (p, _) => PathBuf::from(p),
    }
}

/// The `token_helper` of a CLI configuration file; a missing file has none.
fn read_token_helper(config: &Path) -> Result<Option<PathBuf>> {
    let text = match fs::read_to_string(config) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(e).with_context(|| format!("could not read {}", config.display()));
        }
    };
    parse_token_helper(&text)
        .map(|helper| helper.map(PathBuf::from))
        .map_err(|why| anyhow!("{}: {why}", config.display()))
}

/// Finds `token_helper = "…"` (HCL) or `"token_helper": "…"` (JSON); the last one wins.
fn parse_token_helper(text: &str) -> Result<Option<String>, String> {
    let mut found = None;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_start_matches(|c: char| c.is_whitespace() || c == '{' || c == ',');
        let rest = if let Some(rest) = line.strip_prefix("token_helper") {
            rest
        } else if let Some(rest) = line.strip_prefix("\"token_helper\"") {
            rest
        } else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(rest) = rest.strip_prefix(['=', ':']) else {
            // Another key that merely starts with "token_helper".
            continue;
        };
        let value = parse_quoted(rest.trim_start())
            .ok_or_else(|| format!("line {}: expected token_helper = \"/path/to/helper\"", number + 1))?;
        found = (!value.is_empty()).then_some(value);
    }
    Ok(found)
}

/// The content of the double-quoted string at the start of `text`.
fn parse_quoted(text: &str) -> Option<String> {
    let mut chars = text.strip_prefix('"')?.chars();
    let mut out = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
}

/// Runs `helper get`; its trimmed stdout is the token (`None` when blank).
fn run_token_helper(helper: &Path, address: &str) -> Result<Option<SecretString>> {
    if !helper.exists() {
        bail!("it does not exist");
    }
    let output = Command::new(helper)
        .arg("get")
        .env("VAULT_ADDR", address)
        .env("BAO_ADDR", address)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .context("could not run it")?;
    let stdout = Zeroizing::new(output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let mut stderr = stderr.trim().to_owned();
        if stderr.len() > MAX_STDERR_IN_ERROR {
            let mut end = MAX_STDERR_IN_ERROR;
            while !stderr.is_char_boundary(end) {
                end -= 1;
            }
            stderr.truncate(end);
            stderr.push('…');
        }
        if stderr.is_empty() {
            bail!("`get` failed ({}) with nothing on stderr", output.status);
        }
        bail!("`get` failed ({}): {stderr}", output.status);
    }
    let text = std::str::from_utf8(&stdout).map_err(|_| anyhow!("it printed a non-UTF-8 token"))?;
    let trimmed = text.trim();
    let mut owned = trimmed.to_owned();
    let token = (!owned.is_empty()).then(|| SecretString::from(owned.clone()));
    owned.zeroize();
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::os::unix::fs::PermissionsExt;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| map.get(name).cloned()
    }

    fn resolve(args: &ConnectArgs, pairs: &[(&str, &str)], home: &Path) -> Result<ConnectSettings> {
        ConnectSettings::resolve(args, &env_of(pairs), Some(home))
    }

    fn token(settings: &ConnectSettings) -> Option<&str> {
        settings.token.as_ref().map(|t| t.expose_secret())
    }

    /// Writing a script while another test thread forks can leave a write descriptor open in
    /// the child until its exec, and running the script then fails with ETXTBSY ("text file
    /// busy"). Tests that write or run helpers hold this lock.
    static PROCESSES: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn lock() -> std::sync::MutexGuard<'static, ()> {
        PROCESSES.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn write_helper(dir: &Path, body: &str) -> PathBuf {
        let path = dir.join("helper.sh");
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn defaults() {
        let home = tempfile::tempdir().unwrap();
        let s = resolve(&ConnectArgs::default(), &[], home.path()).unwrap();
        assert_eq!(s.address.as_str(), "https://127.0.0.1:8200/");
        assert_eq!(s.timeout, Duration::from_secs(60));
        assert!(!s.skip_verify);
        assert!(s.token.is_none());
        assert_eq!(s.token_source, TokenSource::None);
        assert_eq!(s.namespace, None);
    }

    #[test]
    fn token_precedence() {
        let _lock = lock();
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        fs::write(h.join(".vault-token"), "from-file\n").unwrap();
        let helper = write_helper(h, "[ \"$1\" = get ] && echo from-helper");
        fs::write(h.join(".vault"), format!("token_helper = \"{}\"\n", helper.display())).unwrap();
        let flag_file = h.join("flag-token");
        fs::write(&flag_file, "  from-flag \n").unwrap();
        let all = [("BAO_TOKEN", "from-bao"), ("VAULT_TOKEN", "from-vault")];
        let with_flag = ConnectArgs { token_file: Some(flag_file.clone()), ..Default::default() };

        let s = resolve(&with_flag, &all, h).unwrap();
        assert_eq!(token(&s), Some("from-flag"));
        assert_eq!(s.token_source, TokenSource::Flag(flag_file));

        let none = ConnectArgs::default();
        let s = resolve(&none, &all, h).unwrap();
        assert_eq!(token(&s), Some("from-bao"));
        assert_eq!(s.token_source, TokenSource::Env("BAO_TOKEN".into()));

        // An empty BAO_TOKEN counts as unset.
        let s = resolve(&none, &[("BAO_TOKEN", ""), ("VAULT_TOKEN", "from-vault")], h).unwrap();
        assert_eq!(token(&s), Some("from-vault"));
        assert_eq!(s.token_source, TokenSource::Env("VAULT_TOKEN".into()));

        let s = resolve(&none, &[], h).unwrap();
        assert_eq!(token(&s), Some("from-helper"));
        assert_eq!(s.token_source, TokenSource::TokenHelper(helper));

        fs::remove_file(h.join(".vault")).unwrap();
        let s = resolve(&none, &[], h).unwrap();
        assert_eq!(token(&s), Some("from-file"));
        assert_eq!(s.token_source, TokenSource::TokenFile(h.join(".vault-token")));

        fs::remove_file(h.join(".vault-token")).unwrap();
        let s = resolve(&none, &[], h).unwrap();
        assert_eq!(token(&s), None);
        assert_eq!(s.token_source, TokenSource::None);
    }

    #[test]
    fn helper_replaces_token_file_and_sees_the_address() {
        let _lock = lock();
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        fs::write(h.join(".vault-token"), "from-file").unwrap();
        let helper = write_helper(h, "printf '%s|%s' \"$VAULT_ADDR\" \"$BAO_ADDR\"");
        let config = h.join("elsewhere.hcl");
        fs::write(&config, format!("# comment\ntoken_helper = \"{}\"\n", helper.display())).unwrap();
        let args = ConnectArgs { address: Some("http://vault.example:8200".into()), ..Default::default() };
        let env = [("VAULT_CONFIG_PATH", config.to_str().unwrap())];
        let s = resolve(&args, &env, h).unwrap();
        assert_eq!(token(&s), Some("http://vault.example:8200|http://vault.example:8200"));

        // A helper that prints nothing: no token, and ~/.vault-token is not consulted.
        let helper = write_helper(h, "exit 0");
        fs::write(&config, format!("token_helper = \"{}\"", helper.display())).unwrap();
        let s = resolve(&args, &env, h).unwrap();
        assert_eq!(s.token_source, TokenSource::None);
        assert!(s.token.is_none());
    }

    #[test]
    fn bao_config_path_and_file_win_over_vault_ones() {
        let _lock = lock();
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let bao = write_helper(h, "echo bao");
        let vault_helper = h.join("vault-helper.sh");
        fs::write(&vault_helper, "#!/bin/sh\necho vault\n").unwrap();
        fs::set_permissions(&vault_helper, fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(h.join(".bao"), format!("{{\"token_helper\": \"{}\"}}", bao.display())).unwrap();
        fs::write(h.join(".vault"), format!("token_helper = \"{}\"", vault_helper.display())).unwrap();
        let none = ConnectArgs::default();
        assert_eq!(token(&resolve(&none, &[], h).unwrap()), Some("bao"));
        let env = [("VAULT_CONFIG_PATH", "~/.vault")];
        assert_eq!(token(&resolve(&none, &env, h).unwrap()), Some("vault"));
        let env = [("VAULT_CONFIG_PATH", "~/.vault"), ("BAO_CONFIG_PATH", "~/.bao")];
        assert_eq!(token(&resolve(&none, &env, h).unwrap()), Some("bao"));
    }

    #[test]
    fn failing_helper_reports_status_and_stderr_but_not_stdout() {
        let _lock = lock();
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let helper = write_helper(h, "echo s3cr3t-stdout; echo 'keychain locked' >&2; exit 3");
        fs::write(h.join(".vault"), format!("token_helper = \"{}\"", helper.display())).unwrap();
        let err = resolve(&ConnectArgs::default(), &[], h).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("keychain locked"), "{msg}");
        assert!(msg.contains("exit status: 3"), "{msg}");
        assert!(msg.contains(&helper.display().to_string()), "{msg}");
        assert!(!msg.contains("s3cr3t-stdout"), "{msg}");
    }

    #[test]
    fn missing_helper_and_bad_config_are_errors() {
        let _lock = lock();
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        fs::write(h.join(".vault"), "token_helper = \"/nonexistent/helper\"").unwrap();
        let msg = format!("{:#}", resolve(&ConnectArgs::default(), &[], h).unwrap_err());
        assert!(msg.contains("/nonexistent/helper") && msg.contains("does not exist"), "{msg}");

        fs::write(h.join(".vault"), "token_helper = /unquoted").unwrap();
        let msg = format!("{:#}", resolve(&ConnectArgs::default(), &[], h).unwrap_err());
        assert!(msg.contains(".vault") && msg.contains("line 1"), "{msg}");
    }

    #[test]
    fn token_file_errors() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let args = ConnectArgs { token_file: Some(h.join("absent")), ..Default::default() };
        let msg = format!("{:#}", resolve(&args, &[], h).unwrap_err());
        assert!(msg.contains("could not read the token file") && msg.contains("absent"), "{msg}");

        fs::write(h.join("blank"), "\n").unwrap();
        let args = ConnectArgs { token_file: Some(h.join("blank")), ..Default::default() };
        let msg = format!("{:#}", resolve(&args, &[], h).unwrap_err());
        assert!(msg.contains("is empty"), "{msg}");

        // A token that cannot go in a header is refused, without printing it.
        let msg = format!(
            "{:#}",
            resolve(&ConnectArgs::default(), &[("VAULT_TOKEN", "ab\u{7}cd")], h).unwrap_err()
        );
        assert!(msg.contains("$VAULT_TOKEN") && !msg.contains("ab\u{7}cd"), "{msg}");
    }

    #[test]
    fn flag_beats_bao_beats_vault() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let env = [
            ("BAO_ADDR", "http://bao:1"),
            ("VAULT_ADDR", "http://vault:2"),
            ("BAO_NAMESPACE", "bao-ns"),
            ("VAULT_NAMESPACE", "vault-ns"),
            ("VAULT_CACERT", "/vault/ca.pem"),
            ("VAULT_CAPATH", "/vault/certs"),
            ("BAO_CAPATH", "/bao/certs"),
            ("VAULT_CLIENT_CERT", "/vault/c.pem"),
            ("VAULT_CLIENT_KEY", "/vault/k.pem"),
            ("VAULT_TLS_SERVER_NAME", "vault.example"),
            ("BAO_CLIENT_TIMEOUT", "5"),
            ("VAULT_CLIENT_TIMEOUT", "7"),
        ];
        let s = resolve(&ConnectArgs::default(), &env, h).unwrap();
        assert_eq!(s.address.as_str(), "http://bao:1/");
        assert_eq!(s.namespace.as_deref(), Some("bao-ns"));
        assert_eq!(s.ca_cert, Some(PathBuf::from("/vault/ca.pem")));
        assert_eq!(s.ca_path, Some(PathBuf::from("/bao/certs")));
        assert_eq!(s.client_cert, Some(PathBuf::from("/vault/c.pem")));
        assert_eq!(s.tls_server_name.as_deref(), Some("vault.example"));
        assert_eq!(s.timeout, Duration::from_secs(5));

        let args = ConnectArgs {
            address: Some("https://flag:3".into()),
            namespace: Some(String::new()),
            ca_cert: Some("/flag/ca.pem".into()),
            tls_server_name: Some("flag.example".into()),
            timeout: Some("1m".into()),
            ..Default::default()
        };
        let s = resolve(&args, &env, h).unwrap();
        assert_eq!(s.address.as_str(), "https://flag:3/");
        assert_eq!(s.namespace, None, "--namespace '' selects the root namespace");
        assert_eq!(s.ca_cert, Some(PathBuf::from("/flag/ca.pem")));
        assert_eq!(s.tls_server_name.as_deref(), Some("flag.example"));
        assert_eq!(s.timeout, Duration::from_secs(60));
    }

    #[test]
    fn client_cert_needs_key() {
        let home = tempfile::tempdir().unwrap();
        let msg = format!(
            "{:#}",
            resolve(&ConnectArgs::default(), &[("VAULT_CLIENT_CERT", "/c.pem")], home.path()).unwrap_err()
        );
        assert!(msg.contains("--client-key"), "{msg}");
    }

    #[test]
    fn timeout_parsing() {
        let ok = |s: &str| parse_duration(s).unwrap();
        assert_eq!(ok("60s"), Duration::from_secs(60));
        assert_eq!(ok("90"), Duration::from_secs(90));
        assert_eq!(ok("0"), Duration::ZERO);
        assert_eq!(ok("1m30s"), Duration::from_secs(90));
        assert_eq!(ok("1.5h"), Duration::from_secs(5400));
        assert_eq!(ok("250ms"), Duration::from_millis(250));
        assert_eq!(ok("2h45m10.5s"), Duration::from_millis(9_910_500));
        assert_eq!(ok("1us"), Duration::from_micros(1));
        assert_eq!(ok("1µs"), Duration::from_micros(1));
        assert_eq!(ok(".5s"), Duration::from_millis(500));
        assert_eq!(ok("1d"), Duration::from_secs(86_400));
        for bad in ["", "abc", "10x", "1.5", "-5s", "s", "5 s", "1m30", "99999999999999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be refused");
        }

        let home = tempfile::tempdir().unwrap();
        let msg = format!(
            "{:#}",
            resolve(&ConnectArgs::default(), &[("VAULT_CLIENT_TIMEOUT", "soon")], home.path()).unwrap_err()
        );
        assert!(msg.contains("VAULT_CLIENT_TIMEOUT") && msg.contains("\"soon\""), "{msg}");
    }

    #[test]
    fn skip_verify_parsing() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let skip =
            |pairs: &[(&str, &str)], args: &ConnectArgs| resolve(args, pairs, h).map(|s| s.skip_verify);
        let none = ConnectArgs::default();
        for yes in ["1", "t", "TRUE", "true", "yes", "on"] {
            assert!(skip(&[("VAULT_SKIP_VERIFY", yes)], &none).unwrap(), "{yes}");
        }
        for no in ["", "0", "f", "False", "no", "off"] {
            assert!(!skip(&[("VAULT_SKIP_VERIFY", no)], &none).unwrap(), "{no:?}");
        }
        assert!(!skip(&[], &none).unwrap());
        // BAO_ first; the flag beats both, in either direction.
        assert!(!skip(&[("BAO_SKIP_VERIFY", "0"), ("VAULT_SKIP_VERIFY", "1")], &none).unwrap());
        let force_verify = ConnectArgs { tls_skip_verify: Some(false), ..Default::default() };
        assert!(!skip(&[("VAULT_SKIP_VERIFY", "1")], &force_verify).unwrap());
        let msg = format!("{:#}", skip(&[("VAULT_SKIP_VERIFY", "maybe")], &none).unwrap_err());
        assert!(msg.contains("VAULT_SKIP_VERIFY") && msg.contains("maybe"), "{msg}");
    }

    #[test]
    fn invalid_address_names_its_source() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let err = |pairs: &[(&str, &str)], args: &ConnectArgs| {
            format!("{:#}", resolve(args, pairs, h).unwrap_err())
        };
        let none = ConnectArgs::default();
        let msg = err(&[("VAULT_ADDR", "127.0.0.1:8200")], &none);
        assert!(msg.contains("VAULT_ADDR") && msg.contains("127.0.0.1:8200"), "{msg}");
        let msg = err(&[("BAO_ADDR", "ftp://vault")], &none);
        assert!(msg.contains("BAO_ADDR") && msg.contains("http or https"), "{msg}");
        let msg = err(&[("VAULT_ADDR", "not a url")], &none);
        assert!(msg.contains("VAULT_ADDR"), "{msg}");
        let args = ConnectArgs { address: Some("https://vault/prefix".into()), ..Default::default() };
        let msg = err(&[], &args);
        assert!(msg.contains("--address") && msg.contains("path"), "{msg}");
        let args = ConnectArgs { address: Some("https://user:hunter2@vault".into()), ..Default::default() };
        let msg = err(&[], &args);
        assert!(!msg.contains("hunter2"), "{msg}");
        // A trailing slash is fine.
        let s = resolve(&none, &[("VAULT_ADDR", "http://vault:8200/")], h).unwrap();
        assert_eq!(s.address.as_str(), "http://vault:8200/");
    }

    #[test]
    fn tls_server_name_rewrites_the_url() {
        let home = tempfile::tempdir().unwrap();
        let env = [("VAULT_ADDR", "https://127.0.0.1:8443"), ("VAULT_TLS_SERVER_NAME", "vault.example.com")];
        let s = resolve(&ConnectArgs::default(), &env, home.path()).unwrap();
        assert_eq!(s.base_url().unwrap().as_str(), "https://vault.example.com:8443/");
        s.http_client().unwrap();
        s.build_client().unwrap();

        // Plain HTTP has no TLS: the URL is untouched.
        let env = [("VAULT_ADDR", "http://127.0.0.1:8200"), ("VAULT_TLS_SERVER_NAME", "vault.example.com")];
        let s = resolve(&ConnectArgs::default(), &env, home.path()).unwrap();
        assert_eq!(s.base_url().unwrap().as_str(), "http://127.0.0.1:8200/");

        let env = [("VAULT_ADDR", "https://vault:8200"), ("VAULT_TLS_SERVER_NAME", "10.0.0.1")];
        let msg = format!("{:#}", resolve(&ConnectArgs::default(), &env, home.path()).unwrap_err());
        assert!(msg.contains("VAULT_TLS_SERVER_NAME") && msg.contains("IP"), "{msg}");
    }

    #[test]
    fn debug_hides_the_token() {
        let home = tempfile::tempdir().unwrap();
        let s = resolve(&ConnectArgs::default(), &[("VAULT_TOKEN", "hvs.supersecret")], home.path()).unwrap();
        let debug = format!("{s:?}");
        assert!(!debug.contains("supersecret"), "{debug}");
        assert!(debug.contains("<redacted>") && debug.contains("VAULT_TOKEN"), "{debug}");
        let headers = s.auth_headers().unwrap();
        assert!(!format!("{headers:?}").contains("supersecret"));
        assert_eq!(headers["X-Vault-Token"], "hvs.supersecret");
    }

    #[test]
    fn ca_files_and_namespace_reach_the_client() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let env = [
            ("VAULT_ADDR", "https://127.0.0.1:8200"),
            ("VAULT_CAPATH", h.to_str().unwrap()),
            ("VAULT_NAMESPACE", "team-a"),
        ];
        // A directory without any certificate is an error naming it.
        let s = resolve(&ConnectArgs::default(), &env, h).unwrap();
        let msg = format!("{:#}", s.http_client().unwrap_err());
        assert!(msg.contains("no PEM certificate in CA directory"), "{msg}");

        // A broken PEM file is an error naming the file.
        fs::write(h.join("bad.pem"), "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n")
            .unwrap();
        let msg = format!("{:#}", s.http_client().unwrap_err());
        assert!(msg.contains("bad.pem"), "{msg}");

        // Namespace goes to both the middleware and the settings.
        let env = [("VAULT_ADDR", "http://127.0.0.1:8200"), ("VAULT_NAMESPACE", "team-a")];
        let s = resolve(&ConnectArgs::default(), &env, h).unwrap();
        let client = s.build_client().unwrap();
        assert_eq!(client.middle.namespace.as_deref(), Some("team-a"));
        assert_eq!(client.settings.namespace.as_deref(), Some("team-a"));
        assert_eq!(client.middle.version, "v1");
        assert_eq!(s.auth_headers().unwrap()["X-Vault-Namespace"], "team-a");
    }

    #[test]
    fn parse_token_helper_forms() {
        assert_eq!(parse_token_helper("").unwrap(), None);
        assert_eq!(parse_token_helper("token_helper = \"/a b/c\"").unwrap().as_deref(), Some("/a b/c"));
        assert_eq!(parse_token_helper("{\n  \"token_helper\": \"/x\"\n}").unwrap().as_deref(), Some("/x"));
        assert_eq!(parse_token_helper("# token_helper = \"/no\"\ntoken_helper_x = 1").unwrap(), None);
        assert!(parse_token_helper("token_helper = '/x'").is_err());
    }
}
