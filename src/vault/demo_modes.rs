//! The admin-modes half of the demo (`sesame --dev`, `sesame dev`): a non-admin userpass user with a team
//! policy plus the modes policy, a few demo secrets made readonly and key-only through sesame's own API, and
//! the generated policy applied, so a newcomer sees both sides: `sesame --dev` browses as the root token (an
//! admin), `sesame --dev --as user` as [`DEMO_USER`].

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use super::annotations::AnnotationStore;
use super::kv::{KvVersion, Mount, Vault};
use super::modes::{Mode, Modes};
use super::policy::{self, DEFAULT_POLICY_NAME};

/// The demo's non-admin user.
pub const DEMO_USER: &str = "alice";
/// Its password (a fixed, public demo password on a throw-away local server).
pub const DEMO_PASSWORD: &str = "sesame-demo";
/// The demo user's team policy.
pub const TEAM_POLICY: &str = "demo-team";

/// The team policy: browse everything, read `secret/apps/`, read and write the team folders
/// `secret/teams/` (KV v2) and `legacy/ci/` (KV v1).
pub const TEAM_POLICY_HCL: &str = r#"# demo-team: what the demo's non-admin user may do without the modes.
path "secret/metadata/*" {
  capabilities = ["list", "read"]
}
path "secret/data/apps/*" {
  capabilities = ["read"]
}
path "secret/data/teams/*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list"]
}
path "secret/metadata/teams/*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list"]
}
path "secret/delete/teams/*" {
  capabilities = ["update"]
}
path "secret/undelete/teams/*" {
  capabilities = ["update"]
}
path "secret/destroy/teams/*" {
  capabilities = ["update"]
}
path "secret/subkeys/teams/*" {
  capabilities = ["read"]
}
path "legacy/*" {
  capabilities = ["list", "read"]
}
path "legacy/ci/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}
"#;

/// The demo's modes: (mount, KV version, path, mode).
pub const DEMO_MODES: &[(&str, KvVersion, &str, Mode)] = &[
    ("secret", KvVersion::V2, "teams/data-eng/warehouse", Mode::ReadOnly),
    ("secret", KvVersion::V2, "teams/ml/mlflow", Mode::ReadOnly),
    ("secret", KvVersion::V2, "teams/data-eng/s3-access", Mode::KeyOnly),
    ("secret", KvVersion::V2, "teams/ml/huggingface", Mode::KeyOnly),
    ("legacy", KvVersion::V1, "ci/jenkins", Mode::ReadOnly),
    ("legacy", KvVersion::V1, "ci/deploy/registry", Mode::KeyOnly),
];

/// The demo user, logged in.
pub struct DemoUser {
    /// The userpass name.
    pub name: String,
    /// Its (public demo) password.
    pub password: String,
    /// A token from a userpass login.
    pub token: String,
}

impl std::fmt::Debug for DemoUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoUser").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Sets up the modes demo on a server seeded with the demo data ([`super::devserver::seed_demo`]), as the
/// root token: userpass with [`DEMO_USER`], the [`TEAM_POLICY`], the [`DEMO_MODES`] and the generated
/// [`DEFAULT_POLICY_NAME`] policy. Returns the user logged in.
pub async fn seed_demo_modes(addr: &str, root_token: &str) -> anyhow::Result<DemoUser> {
    let vault = Vault::connect(addr, root_token)?;
    let (status, body) = vault.raw("POST", "sys/auth/userpass", Some(&json!({ "type": "userpass" }))).await?;
    if !(200..300).contains(&status) && !String::from_utf8_lossy(&body).contains("already in use") {
        bail!("enabling userpass: HTTP {status}: {}", String::from_utf8_lossy(&body).trim());
    }
    policy::apply_policy(&vault, TEAM_POLICY, TEAM_POLICY_HCL)
        .await
        .context("writing the demo team policy")?;
    vault
        .call(
            "POST",
            &format!("auth/userpass/users/{DEMO_USER}"),
            Some(&json!({
                "password": DEMO_PASSWORD,
                "token_policies": format!("{TEAM_POLICY},{DEFAULT_POLICY_NAME}"),
            })),
        )
        .await
        .context("creating the demo user")?;
    let modes = Modes::new(AnnotationStore::new(vault.clone()));
    let mut entries = Vec::new();
    for (mount, version, path, mode) in DEMO_MODES {
        let m = Mount { path: (*mount).to_string(), version: *version, description: String::new() };
        modes
            .set_mode(&m, path, *mode)
            .await
            .with_context(|| format!("setting the mode of {mount}/{path}"))?;
        entries.push(policy::entry(&m, path, *mode));
    }
    let generated = policy::generate(DEFAULT_POLICY_NAME, &entries);
    policy::apply_policy(&vault, DEFAULT_POLICY_NAME, &generated.hcl)
        .await
        .context("applying the modes policy")?;
    let token = login_userpass(&vault, DEMO_USER, DEMO_PASSWORD).await?;
    Ok(DemoUser { name: DEMO_USER.to_string(), password: DEMO_PASSWORD.to_string(), token })
}

/// Logs in with userpass and returns the client token.
pub async fn login_userpass(vault: &Vault, user: &str, password: &str) -> anyhow::Result<String> {
    let anonymous = vault.with_token("");
    let v = anonymous
        .call_json("POST", &format!("auth/userpass/login/{user}"), Some(&json!({ "password": password })))
        .await
        .with_context(|| format!("logging in as {user}"))?;
    v.get("auth")
        .and_then(|a| a.get("client_token"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .with_context(|| format!("the userpass login of {user} returned no token"))
}

/// The comment line `sesame dev` prints after the root token's export line.
pub fn user_line(u: &DemoUser) -> String {
    format!(
        "# user token: export VAULT_TOKEN='{}'  (userpass {} / {}: a non-admin with policies {TEAM_POLICY} and \
         {DEFAULT_POLICY_NAME}; the root token above is an admin)",
        u.token, u.name, u.password
    )
}
