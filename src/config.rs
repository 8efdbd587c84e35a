//! User configuration from the platform's config directory (`~/.config/sesame/` on Linux).

use std::path::PathBuf;

/// The config directory, if the platform has one.
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "sesame").map(|d| d.config_dir().to_path_buf())
}

/// The bookmarks file (one `mount/path/` per line).
pub fn bookmarks_path() -> Option<PathBuf> {
    config_dir().map(|d| d.join("bookmarks"))
}

/// The bookmarks kept in [`bookmarks_path`] (none when the file is missing or unreadable).
pub fn load_bookmarks() -> Vec<String> {
    bookmarks_path()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|t| t.lines().map(str::trim).filter(|l| !l.is_empty()).take(1000).map(str::to_string).collect())
        .unwrap_or_default()
}

/// The user's keymap override file.
pub fn keymap_path() -> Option<PathBuf> {
    std::env::var_os("SESAME_KEYMAP")
        .map(PathBuf::from)
        .or_else(|| config_dir().map(|d| d.join("keymap.toml")))
}

/// True when colours are off: `--no-color` or a non-empty `NO_COLOR` (<https://no-color.org>).
pub fn no_color(flag: bool) -> bool {
    flag || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The config file: `$SESAME_CONFIG`, else `config.toml` in the config directory.
pub fn config_path() -> Option<PathBuf> {
    std::env::var_os("SESAME_CONFIG")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| config_dir().map(|d| d.join("config.toml")))
}

/// Settings from the config file ([`config_path`]), shared by the TUI and the CLI. Every section and key is
/// optional; a missing file means the defaults.
///
/// ```toml
/// [clipboard]
/// method = "auto"      # auto | system | osc52 | tmux | off
/// clear_after = 30     # seconds before a copied secret value is cleared; 0 = never
///
/// [service]
/// top_folder = "onyxia-kv/user-alice"   # "relative" paths are relative to this folder
///
/// [editor]
/// uppercase_keys = true   # upper-case keys as they are typed (the convention); `u` toggles it in the editor
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct Config {
    /// `[clipboard]`.
    pub clipboard: crate::clipboard::ClipboardSettings,
    /// `[service]`.
    pub service: crate::snippet::ServiceSettings,
    /// `[editor]`.
    pub editor: EditorSettings,
    /// `[[profile]]`: servers, namespaces and logins to pick with `--profile NAME`.
    pub profile: Vec<Profile>,
    /// `[scopes]`: the personal and project folders.
    pub scopes: crate::scopes::ScopeSettings,
}

/// How a profile logs in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LoginMethod {
    /// A token from the usual places (`VAULT_TOKEN`, the token helper, `~/.vault-token`, `token_file`).
    #[default]
    Token,
    /// Username and password (`auth/<mount>/login/<username>`).
    Userpass,
    /// AppRole: a role id and a secret id (`auth/<mount>/login`).
    Approle,
    /// A JWT signed by a key the server trusts, for a role (`auth/<mount>/login`, the jwt method).
    Jwt,
    /// Single sign-on in a browser (the oidc method): the URL is printed, the callback received locally.
    Oidc,
    /// A TLS client certificate (the cert method; the profile's client_cert and client_key).
    Cert,
}

impl LoginMethod {
    /// The auth mount used when the profile names none.
    pub fn default_mount(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Userpass => "userpass",
            Self::Approle => "approle",
            Self::Jwt => "jwt",
            Self::Oidc => "oidc",
            Self::Cert => "cert",
        }
    }

    /// The name as written in the config file.
    pub fn name(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Userpass => "userpass",
            Self::Approle => "approle",
            Self::Jwt => "jwt",
            Self::Oidc => "oidc",
            Self::Cert => "cert",
        }
    }
}

/// One `[[profile]]`: a server (and namespace, TLS settings) and how to log in. Flags override it; it
/// overrides the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Profile {
    /// Its name, for `--profile` and `SESAME_PROFILE`.
    pub name: String,
    /// The server address.
    pub address: Option<String>,
    /// The namespace.
    pub namespace: Option<String>,
    /// PEM file of CA certificates to trust.
    pub ca_cert: Option<std::path::PathBuf>,
    /// Client certificate and key (TLS).
    pub client_cert: Option<std::path::PathBuf>,
    /// The client certificate's key.
    pub client_key: Option<std::path::PathBuf>,
    /// Name for SNI and certificate checks.
    pub tls_server_name: Option<String>,
    /// How to log in.
    pub login: LoginMethod,
    /// The auth mount (default: the method's name).
    pub auth_mount: Option<String>,
    /// Userpass: the username.
    pub username: Option<String>,
    /// AppRole: the role id.
    pub role_id: Option<String>,
    /// AppRole: a file holding the secret id.
    pub secret_id_file: Option<std::path::PathBuf>,
    /// JWT: the role to log in as.
    pub role: Option<String>,
    /// JWT: a file holding the token (e.g. a CI job's or a workload's).
    pub jwt_file: Option<std::path::PathBuf>,
    /// OIDC: where the browser's callback is received (default `localhost:8250`, as the official CLI).
    pub callback: Option<String>,
    /// Where this profile's token is kept (0600): `sesame login` writes it there, every command reads it.
    /// Without it, the token is written where the official CLI keeps it only with `save_token`.
    pub token_file: Option<std::path::PathBuf>,
    /// After `sesame login`, write the token where the official CLI would (`~/.vault-token`).
    pub save_token: bool,
}

impl Config {
    /// The profile called `name`, or an error listing the profiles there are.
    pub fn find_profile(&self, name: &str) -> anyhow::Result<&Profile> {
        self.profile.iter().find(|p| p.name == name).ok_or_else(|| {
            let names: Vec<String> =
                self.profile.iter().map(|p| crate::sanitize::terminal(&p.name).into_owned()).collect();
            anyhow::anyhow!(
                "no profile {} in the config file{}",
                crate::sanitize::terminal(name),
                if names.is_empty() {
                    String::from(" (it has no [[profile]])")
                } else {
                    format!(": {}", names.join(", "))
                }
            )
        })
    }
}

/// `[editor]` settings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EditorSettings {
    /// Upper-case keys as they are typed (UPPERCASE is the convention; existing keys are never changed).
    pub uppercase_keys: bool,
}

impl Default for EditorSettings {
    fn default() -> Self {
        Self { uppercase_keys: true }
    }
}

impl Config {
    /// Loads [`config_path`]; a missing file gives the defaults.
    pub fn load() -> anyhow::Result<Self> {
        match config_path() {
            Some(path) => Self::load_from(&path),
            None => Ok(Self::default()),
        }
    }

    /// Loads one file; a missing file gives the defaults.
    pub fn load_from(path: &std::path::Path) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        match std::fs::read_to_string(path) {
            Ok(text) => {
                toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read the config file {}", path.display())),
        }
    }
}

#[cfg(test)]
mod editor_tests {
    use super::*;

    #[test]
    fn uppercase_keys_is_on_unless_the_file_says_otherwise() {
        assert!(Config::default().editor.uppercase_keys);
        let c: Config = toml::from_str("[editor]\nuppercase_keys = false\n").unwrap();
        assert!(!c.editor.uppercase_keys);
        assert!(toml::from_str::<Config>("[editor]\nupper = 1\n").is_err(), "unknown keys are reported");
    }
}
