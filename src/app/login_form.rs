//! Logging in from inside the explorer: when the token is missing, expired or revoked (the server answers
//! 403 to the token's own lookup), or on `Ctrl-l`, a form for the profile's method (userpass: username and
//! password; AppRole: role id and a secret id file, or `SESAME_SECRET_ID`; JWT: role and a JWT file, or `SESAME_JWT`). The login runs as an effect;
//! the terminal side then swaps the connection's token ([`crate::tui::take_token_switch`]) and the explorer
//! reloads what failed. Open views (an editor's draft) stay as they are: save again once logged in.

use secrecy::SecretString;
use zeroize::Zeroizing;

use super::overlay::Popup;
use super::{App, Effect, Msg};
use crate::config::LoginMethod;

/// A secret typed or read for a login; `Debug` never shows it, nor its length.
#[derive(Clone, PartialEq, Eq)]
pub struct Typed(pub Zeroizing<String>);

impl std::fmt::Debug for Typed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Typed(<redacted>)")
    }
}

/// A new token from a login; `Debug` never shows it.
#[derive(Clone)]
pub struct NewToken(pub SecretString);

impl std::fmt::Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewToken(<redacted>)")
    }
}

impl PartialEq for NewToken {
    fn eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret as _;
        self.0.expose_secret() == other.0.expose_secret()
    }
}

/// How the explorer logs in (from the profile; userpass on `userpass` without one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSettings {
    /// The method.
    pub method: LoginMethod,
    /// The auth mount.
    pub mount: String,
    /// The username (userpass), role id (AppRole) or role (JWT) to start from.
    pub name: Option<String>,
    /// AppRole: the secret id file; JWT: the JWT file.
    pub file: Option<String>,
    /// Where the new token is kept (0600), as the profile says: its token file, `~/.vault-token` with
    /// `save_token`. Empty: in memory only.
    pub keep: Vec<std::path::PathBuf>,
}

impl LoginSettings {
    /// How a profile logs in.
    pub fn of_profile(p: &crate::config::Profile) -> Self {
        Self {
            method: p.login,
            mount: p.auth_mount.clone().unwrap_or_else(|| p.login.default_mount().to_string()),
            name: p.username.clone().or_else(|| p.role_id.clone()).or_else(|| p.role.clone()),
            file: p
                .secret_id_file
                .clone()
                .or_else(|| p.jwt_file.clone())
                .map(|f| f.display().to_string())
                .or_else(|| p.callback.clone()),
            keep: p
                .token_file
                .iter()
                .map(|f| crate::vault::login::expand_home(f))
                .chain(if p.save_token { crate::vault::login::cli_token_path() } else { None })
                .collect(),
        }
    }
}

impl Default for LoginSettings {
    fn default() -> Self {
        Self {
            method: LoginMethod::Userpass,
            mount: "userpass".into(),
            name: None,
            file: None,
            keep: Vec::new(),
        }
    }
}

/// The login form.
#[derive(Debug, Clone)]
pub struct LoginForm {
    /// The method and mount.
    pub settings: LoginSettings,
    /// Username, role id or role.
    pub name: String,
    /// Password (userpass), or the path of the secret id or JWT file.
    pub secret: Typed,
    /// The field with the cursor: 0 name, 1 secret.
    pub focus: usize,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// True while logging in.
    pub busy: bool,
    /// OIDC: the provider's sign-on URL, to open in a browser (copyable).
    pub url: Option<String>,
    /// Why the form opened.
    pub reason: String,
}

impl LoginForm {
    /// The second field's label.
    pub fn secret_label(&self) -> &'static str {
        match self.settings.method {
            LoginMethod::Approle => "secret id file (empty: $SESAME_SECRET_ID)",
            LoginMethod::Jwt => "JWT file (empty: $SESAME_JWT)",
            LoginMethod::Oidc => "callback",
            LoginMethod::Cert => "(certificate)",
            _ => "password",
        }
    }

    /// The first field's label.
    pub fn name_label(&self) -> &'static str {
        match self.settings.method {
            LoginMethod::Approle => "role id",
            LoginMethod::Jwt | LoginMethod::Oidc | LoginMethod::Cert => "role",
            _ => "username",
        }
    }

    /// True when the second field is typed blind (a password, not a file path).
    pub fn secret_hidden(&self) -> bool {
        matches!(self.settings.method, LoginMethod::Userpass | LoginMethod::Token)
    }
}

impl App {
    /// Opens the login form (once), saying why.
    pub fn open_login(&mut self, reason: impl Into<String>) {
        if self.popups.iter().any(|p| matches!(p, Popup::Login(_))) {
            return;
        }
        let s = self.login.clone();
        let form = LoginForm {
            name: s.name.clone().unwrap_or_default(),
            secret: Typed(Zeroizing::new(s.file.clone().unwrap_or_default())),
            focus: usize::from(s.name.is_some()),
            settings: s,
            error: None,
            busy: false,
            url: None,
            reason: reason.into(),
        };
        self.push_popup(Popup::Login(form));
    }

    /// A key for the login form (characters type; Tab moves; Enter logs in; Esc closes).
    pub(super) fn login_key(
        &mut self,
        mut f: LoginForm,
        key: crossterm::event::KeyEvent,
        out: &mut Vec<Effect>,
    ) -> Option<Popup> {
        use crossterm::event::{KeyCode, KeyModifiers};
        if f.busy {
            // Waiting for the browser (OIDC): the URL may be copied; Esc gives up waiting here.
            let k = crate::keymap::Key::from_event(&key);
            if self.keymap.lookup_in(crate::keymap::Context::Line, k)
                == Some(crate::action::Action::CopyValue)
                && let Some(url) = &f.url
            {
                out.push(Effect::Copy(super::chooser::CopyRequest {
                    text: super::chooser::CopyText(Zeroizing::new(url.clone())),
                    content: crate::clipboard::Content::Text,
                    what: "the sign-on URL".to_string(),
                }));
            } else if key.code == KeyCode::Esc {
                self.login_req = 0;
                return None;
            }
            return Some(Popup::Login(f));
        }
        match key.code {
            KeyCode::Esc => return None,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => f.focus = 1 - f.focus.min(1),
            KeyCode::Enter if f.focus == 0 => f.focus = 1,
            KeyCode::Enter => {
                if f.name.is_empty() {
                    f.error = Some(format!("type the {}", f.name_label()));
                    f.focus = 0;
                } else {
                    f.error = None;
                    f.busy = true;
                    let req = self.req();
                    self.login_req = req;
                    out.push(Effect::Login {
                        req,
                        settings: f.settings.clone(),
                        name: f.name.clone(),
                        secret: f.secret.clone(),
                    });
                }
            }
            KeyCode::Backspace => {
                if f.focus == 0 {
                    f.name.pop();
                } else {
                    f.secret.0.pop();
                }
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                if f.focus == 0 {
                    f.name.clear();
                } else {
                    f.secret.0.clear();
                }
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                if f.focus == 0 {
                    f.name.push(c);
                } else {
                    f.secret.0.push(c);
                }
            }
            _ => {}
        }
        Some(Popup::Login(f))
    }

    /// The login's answer: the form closes and the new token is handed to the terminal side, or the form
    /// says why.
    pub(super) fn on_logged_in(&mut self, msg: Msg, out: &mut Vec<Effect>) {
        if let Msg::LoginUrl { req, url } = &msg {
            if *req == self.login_req
                && let Some(Popup::Login(f)) =
                    self.popups.iter_mut().rev().find(|p| matches!(p, Popup::Login(_)))
            {
                f.url = Some(url.clone());
            }
            return;
        }
        let Msg::LoggedIn { req, result } = msg else { return };
        if req != self.login_req {
            return;
        }
        let Some(i) = self.popups.iter().rposition(|p| matches!(p, Popup::Login(_))) else { return };
        match result {
            Ok((token, summary)) => {
                self.popups.remove(i);
                self.info(format!("logged in: {summary}"));
                out.push(Effect::UseToken { token });
            }
            Err(e) => {
                if let Some(Popup::Login(f)) = self.popups.get_mut(i) {
                    f.busy = false;
                    f.error = Some(e);
                    // The password is typed again; a file path stays.
                    if f.secret_hidden() {
                        f.secret.0.clear();
                    }
                }
            }
        }
    }

    /// After the terminal side swapped the token: ask again what failed without one.
    pub fn token_swapped(&mut self) -> Vec<Effect> {
        let mut out = vec![Effect::LoadIdentity];
        if self.mounts.as_ref().is_none_or(Vec::is_empty) {
            // Nothing could be listed without a token: start again, where the user asked to start.
            if self.mount.is_none() {
                self.pending_start = self.first_start.clone();
            }
            out.push(Effect::LoadMounts);
        }
        out
    }
}
