//! `sesame login` and `sesame profiles`.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use secrecy::ExposeSecret as _;
use zeroize::Zeroizing;

use crate::config::{Config, LoginMethod, Profile};
use crate::vault::Vault;
use crate::vault::connect::ConnectArgs;
use crate::vault::login::{self, Credentials};

/// What `sesame login` prints.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFormat {
    /// A line for people: who, which policies, how long; never the token.
    Text,
    /// The token alone, for a pipe (refused on a terminal).
    Token,
}

/// `sesame login`.
#[derive(Args, Debug)]
pub struct LoginArgs {
    /// The method (default: the profile's, else userpass).
    #[arg(long, value_enum)]
    pub method: Option<LoginMethod>,
    /// The auth mount (default: the profile's, else the method's name).
    #[arg(long, value_name = "PATH")]
    pub mount: Option<String>,
    /// Userpass: the username (default: the profile's).
    #[arg(long)]
    pub username: Option<String>,
    /// Userpass: read the password from this file (else SESAME_PASSWORD, else a prompt with echo off).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// AppRole: the role id (default: the profile's).
    #[arg(long, value_name = "ID")]
    pub role_id: Option<String>,
    /// AppRole: read the secret id from this file (default: the profile's; else SESAME_SECRET_ID).
    #[arg(long, value_name = "FILE")]
    pub secret_id_file: Option<PathBuf>,
    /// JWT: the role (default: the profile's).
    #[arg(long)]
    pub role: Option<String>,
    /// JWT: read the token from this file (default: the profile's jwt_file; else SESAME_JWT).
    #[arg(long, value_name = "FILE")]
    pub jwt_file: Option<PathBuf>,
    /// OIDC: where the browser's callback is received (default: the profile's, else localhost:8250).
    #[arg(long, value_name = "HOST:PORT")]
    pub callback: Option<String>,
    /// Keep the token where the official CLI keeps it (~/.vault-token), as a profile's save_token does.
    #[arg(long)]
    pub save: bool,
    /// Output.
    #[arg(long, value_enum, default_value_t = LoginFormat::Text)]
    pub format: LoginFormat,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// `sesame profiles`.
#[derive(Args, Debug)]
pub struct ProfilesArgs {}

fn read_secret_file(path: &std::path::Path) -> anyhow::Result<Zeroizing<String>> {
    login::read_secret_file(path).map_err(anyhow::Error::msg)
}

/// A password typed with echo off (the terminal's raw mode; Esc or Ctrl-C cancels).
fn prompt_password(prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    if !std::io::stdin().is_terminal() {
        bail!("no password: give --password-file or SESAME_PASSWORD (stdin is not a terminal)");
    }
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    crossterm::terminal::enable_raw_mode()?;
    let mut out = Zeroizing::new(String::new());
    let result = loop {
        match read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Enter => break Ok(()),
                KeyCode::Esc => break Err(anyhow::anyhow!("cancelled")),
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    break Err(anyhow::anyhow!("cancelled"));
                }
                KeyCode::Backspace => {
                    out.pop();
                }
                KeyCode::Char(c) => out.push(c),
                _ => {}
            },
            Ok(_) => {}
            Err(e) => break Err(e.into()),
        }
    };
    let _ = crossterm::terminal::disable_raw_mode();
    eprintln!();
    result.map(|()| out)
}

/// `sesame login [--profile NAME] [--method M] …`: logs in and keeps the token where the profile (or
/// `--save`) says; prints who logged in, never the token (`--format token` prints it to a pipe only).
pub async fn login(vault: &Vault, args: &LoginArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let profile: Option<&Profile> = match &args.connect.profile {
        Some(name) => Some(config.find_profile(name)?),
        None => None,
    };
    let method = args.method.or(profile.map(|p| p.login)).unwrap_or(LoginMethod::Userpass);
    if args.format == LoginFormat::Token && std::io::stdout().is_terminal() {
        bail!("refusing to print a token to the terminal: redirect or pipe the output");
    }
    let mount = args
        .mount
        .clone()
        .or_else(|| profile.and_then(|p| p.auth_mount.clone()))
        .unwrap_or_else(|| method.default_mount().to_string());
    if method == LoginMethod::Oidc {
        let role = args.role.clone().or_else(|| profile.and_then(|p| p.role.clone()));
        let listen = args
            .callback
            .clone()
            .or_else(|| profile.and_then(|p| p.callback.clone()))
            .unwrap_or_else(|| login::DEFAULT_OIDC_CALLBACK.to_string());
        let port = listen.rsplit(':').next().unwrap_or("8250").to_string();
        let wait = std::time::Duration::from_secs(300);
        let info = login::oidc_login(vault, &mount, role.as_deref(), &listen, wait, |url| {
            crate::errln!(
                "sesame: open this URL in a browser to sign in (over SSH: ssh -L {port}:localhost:{port} …):"
            );
            crate::errln!("{url}");
        })
        .await?;
        return finish(args, profile, &mount, &info);
    }
    let creds = match method {
        LoginMethod::Token => {
            bail!("the token method needs no login: set VAULT_TOKEN, or the profile's token_file")
        }
        LoginMethod::Oidc => bail!("oidc signs in through a browser (handled above)"),
        LoginMethod::Cert => Credentials::Cert {
            name: args.role.clone().or_else(|| profile.and_then(|p| p.role.clone())).unwrap_or_default(),
        },
        LoginMethod::Userpass => {
            let username = args
                .username
                .clone()
                .or_else(|| profile.and_then(|p| p.username.clone()))
                .context("give --username (or username in the profile)")?;
            let password = match (&args.password_file, std::env::var("SESAME_PASSWORD").ok()) {
                (Some(f), _) => read_secret_file(f)?,
                (None, Some(p)) => Zeroizing::new(p),
                (None, None) => {
                    tokio::task::spawn_blocking(move || prompt_password("Password (will not echo): "))
                        .await??
                }
            };
            Credentials::Userpass { username, password }
        }
        LoginMethod::Approle => {
            let role_id = args
                .role_id
                .clone()
                .or_else(|| profile.and_then(|p| p.role_id.clone()))
                .context("give --role-id (or role_id in the profile)")?;
            let file = args.secret_id_file.clone().or_else(|| profile.and_then(|p| p.secret_id_file.clone()));
            let secret_id = login::machine_secret(LoginMethod::Approle, file.as_deref()).map_err(|e| {
                anyhow::anyhow!(
                    "{e}: give --secret-id-file (or secret_id_file in the profile, or SESAME_SECRET_ID)"
                )
            })?;
            Credentials::Approle { role_id, secret_id }
        }
        LoginMethod::Jwt => {
            let role = args
                .role
                .clone()
                .or_else(|| profile.and_then(|p| p.role.clone()))
                .context("give --role (or role in the profile)")?;
            let file = args.jwt_file.clone().or_else(|| profile.and_then(|p| p.jwt_file.clone()));
            let jwt = login::machine_secret(LoginMethod::Jwt, file.as_deref()).map_err(|e| {
                anyhow::anyhow!("{e}: give --jwt-file (or jwt_file in the profile, or SESAME_JWT)")
            })?;
            Credentials::Jwt { role, jwt }
        }
    };
    let info = login::login(vault, &mount, &creds).await?;
    finish(args, profile, &mount, &info)
}

/// Keeps the token where asked and says who logged in (or prints the token to a pipe).
fn finish(
    args: &LoginArgs,
    profile: Option<&Profile>,
    mount: &str,
    info: &login::LoginInfo,
) -> anyhow::Result<ExitCode> {
    let mut kept = Vec::new();
    if let Some(f) = profile.and_then(|p| p.token_file.as_ref()) {
        let path = login::expand_home(f);
        login::save_token(&path, &info.token).with_context(|| format!("cannot write {}", path.display()))?;
        kept.push(path.display().to_string());
    }
    if args.save || profile.is_some_and(|p| p.save_token) {
        let path = login::cli_token_path().context("no home directory for ~/.vault-token")?;
        login::save_token(&path, &info.token).with_context(|| format!("cannot write {}", path.display()))?;
        kept.push(path.display().to_string());
    }
    match args.format {
        LoginFormat::Token => {
            let mut o = std::io::stdout().lock();
            writeln!(o, "{}", info.token.expose_secret()).context("cannot write the token")?;
        }
        LoginFormat::Text => {
            let ttl = if info.ttl == 0 { "no expiry".to_string() } else { crate::ui::format_ttl(info.ttl) };
            crate::errln!(
                "sesame: logged in with {} at auth/{mount}/ · policies {} · {ttl}{} · {}",
                info.method.name(),
                info.policies.join(","),
                if info.renewable { " (renewable)" } else { "" },
                if kept.is_empty() {
                    "the token was not kept (no token_file in the profile, no --save)".to_string()
                } else {
                    format!("token kept in {}", kept.join(" and "))
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `sesame profiles`: the profiles of the config file.
pub fn profiles(config: &Config) -> ExitCode {
    if config.profile.is_empty() {
        crate::errln!("sesame: no [[profile]] in the config file (see the README's Profiles section)");
        return ExitCode::SUCCESS;
    }
    for p in &config.profile {
        crate::outln!(
            "{:<16} {:<40} {:<16} {}",
            p.name,
            p.address.as_deref().unwrap_or("(VAULT_ADDR)"),
            p.namespace.as_deref().unwrap_or("-"),
            p.login.name()
        );
    }
    ExitCode::SUCCESS
}
