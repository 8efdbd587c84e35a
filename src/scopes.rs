//! Private and project scopes, enforced by the server: a personal folder per user and a folder per project,
//! with the ACL policies and identity groups that make them so.
//!
//! `[scopes]` in the config file names them:
//!
//! ```toml
//! [scopes]
//! personal = "secret/users/{{username}}/"   # {{username}}: the login name on `auth_mount`
//! projects = "secret/projects/"             # each folder below is a project
//! auth_mount = "userpass"                   # the auth method whose login names the personal folders
//! ```
//!
//! The personal folder may name the user by `{{identity.entity.name}}` instead: the name of the token's
//! identity entity, the same whatever auth method the user logged in with.
//!
//! The personal policy is one templated ACL policy (`sesame-personal`): `{{username}}` becomes Vault's
//! `{{identity.entity.aliases.<accessor>.name}}` (`{{identity.entity.name}}` stays as it is), so each user
//! gets full rights on their own folder only, users created later included. With the entity name, the
//! policy also lets each user read their own entity, which is how sesame learns the name. Each project
//! gets a policy (`sesame-project-NAME`) on its folder, attached to an identity group of the same name whose
//! members are the users' entities. Both leave the admin modes
//! policy (`sesame-modes`) in force: it only denies, and a deny wins.

use serde_json::{Value, json};

use crate::vault::VaultError;
use crate::vault::kv::{KvVersion, Mount, Vault};

/// The name of the personal policy.
pub const PERSONAL_POLICY: &str = "sesame-personal";

/// The prefix of project policies and groups.
pub const PROJECT_PREFIX: &str = "sesame-project-";

/// `[scopes]` settings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScopeSettings {
    /// The personal folder, with `{{username}}` or `{{identity.entity.name}}`.
    pub personal: String,
    /// The folder whose children are projects.
    pub projects: String,
    /// The auth mount whose login names fill `{{username}}`.
    pub auth_mount: String,
}

impl Default for ScopeSettings {
    fn default() -> Self {
        Self {
            personal: "secret/users/{{username}}/".to_string(),
            projects: "secret/projects/".to_string(),
            auth_mount: "userpass".to_string(),
        }
    }
}

/// The placeholder of the login name on `auth_mount`.
pub const USERNAME: &str = "{{username}}";

/// The placeholder of the token's identity entity name.
pub const ENTITY_NAME: &str = "{{identity.entity.name}}";

impl ScopeSettings {
    /// The placeholder the personal folder names the user by, if any.
    pub fn placeholder(&self) -> Option<&'static str> {
        [ENTITY_NAME, USERNAME].into_iter().find(|p| self.personal.contains(p))
    }

    /// The personal folder of `user` (the value of the placeholder: login name or entity name).
    pub fn personal_for(&self, user: &str) -> String {
        self.personal.replace(USERNAME, user).replace(ENTITY_NAME, user)
    }
}

/// A project's name: letters, digits, `-`, `_`, `.`.
pub fn check_name(name: &str) -> Result<(), VaultError> {
    if name.is_empty()
        || name.len() > 64
        || name.starts_with('.')
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(VaultError::Invalid(format!(
            "{} is not a project name: letters, digits, - _ . (at most 64)",
            crate::sanitize::terminal(name)
        )));
    }
    Ok(())
}

/// The ACL paths granting full rights below `folder` (`path/in/mount`, no slashes at the ends) of `mount`.
fn folder_rules(mount: &Mount, folder: &str) -> String {
    let m = &mount.path;
    match mount.version {
        KvVersion::V2 => format!(
            "path \"{m}/data/{folder}/*\" {{\n  capabilities = [\"create\", \"read\", \"update\", \"delete\", \"patch\"]\n}}\n\
             path \"{m}/metadata/{folder}/*\" {{\n  capabilities = [\"read\", \"list\", \"update\", \"delete\", \"patch\"]\n}}\n\
             path \"{m}/subkeys/{folder}/*\" {{\n  capabilities = [\"read\"]\n}}\n\
             path \"{m}/delete/{folder}/*\" {{\n  capabilities = [\"update\"]\n}}\n\
             path \"{m}/undelete/{folder}/*\" {{\n  capabilities = [\"update\"]\n}}\n\
             path \"{m}/destroy/{folder}/*\" {{\n  capabilities = [\"update\"]\n}}\n"
        ),
        KvVersion::V1 => format!(
            "path \"{m}/{folder}/*\" {{\n  capabilities = [\"create\", \"read\", \"update\", \"delete\", \"list\"]\n}}\n"
        ),
    }
}

/// The accessor of an auth mount (`auth_userpass_…`), for templated policies and entity aliases.
pub async fn accessor(vault: &Vault, auth_mount: &str) -> Result<String, VaultError> {
    let v = vault.call_json("GET", "sys/auth", None).await?;
    let key = format!("{}/", auth_mount.trim_matches('/'));
    v.get("data")
        .unwrap_or(&v)
        .get(&key)
        .and_then(|m| m.get("accessor"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| VaultError::Invalid(format!("no auth method mounted at {key}")))
}

/// The templated personal policy, and the personal folder's mount and template (`users/{{username}}`).
pub async fn personal_policy(vault: &Vault, s: &ScopeSettings) -> Result<String, VaultError> {
    let (mount, folder) = vault.locate(&s.personal).await?;
    let (templated, own_entity) = match s.placeholder() {
        Some(ENTITY_NAME) if !folder.contains(USERNAME) => (
            folder.trim_matches('/').to_string(),
            "path \"identity/entity/id/{{identity.entity.id}}\" {\n  capabilities = [\"read\"]\n}\n",
        ),
        Some(USERNAME) if !folder.contains(ENTITY_NAME) => {
            let acc = accessor(vault, &s.auth_mount).await?;
            (
                folder
                    .trim_matches('/')
                    .replace(USERNAME, &format!("{{{{identity.entity.aliases.{acc}.name}}}}")),
                "",
            )
        }
        _ => {
            return Err(VaultError::Invalid(format!(
                "[scopes] personal must contain one of {USERNAME} or {ENTITY_NAME}"
            )));
        }
    };
    Ok(format!(
        "# sesame: every user's own folder ({}), full rights, nobody else's. Generated; apply with\n\
         # `sesame scopes policy apply`.\n{}{own_entity}",
        s.personal,
        folder_rules(&mount, &templated)
    ))
}

/// A project's policy: full rights on its folder, and listing the projects folder (to find it).
pub async fn project_policy(vault: &Vault, s: &ScopeSettings, name: &str) -> Result<String, VaultError> {
    check_name(name)?;
    let (mount, root) = vault.locate(&s.projects).await?;
    let root = root.trim_matches('/');
    let folder = if root.is_empty() { name.to_string() } else { format!("{root}/{name}") };
    let list_root = match mount.version {
        KvVersion::V2 => {
            format!("path \"{}/metadata/{root}/\" {{\n  capabilities = [\"list\"]\n}}\n", mount.path)
        }
        KvVersion::V1 => format!("path \"{}/{root}/\" {{\n  capabilities = [\"list\"]\n}}\n", mount.path),
    };
    Ok(format!(
        "# sesame: the members of project {name} ({folder}/). Generated.\n{}{list_root}",
        folder_rules(&mount, &folder)
    ))
}

/// The projects the server has policies for (`sesame-project-NAME`).
pub async fn projects_on_server(vault: &Vault) -> Result<Vec<String>, VaultError> {
    let v = vault.call_json("LIST", "sys/policies/acl", None).await?;
    let mut names: Vec<String> = v
        .pointer("/data/keys")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter_map(|k| k.strip_prefix(PROJECT_PREFIX))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    Ok(names)
}

/// Every policy the scopes need, generated: the personal policy, then one per project the server has.
pub async fn generated_policies(
    vault: &Vault,
    s: &ScopeSettings,
) -> Result<Vec<(String, String)>, VaultError> {
    let mut out = vec![(PERSONAL_POLICY.to_string(), personal_policy(vault, s).await?)];
    for p in projects_on_server(vault).await? {
        out.push((format!("{PROJECT_PREFIX}{p}"), project_policy(vault, s, &p).await?));
    }
    Ok(out)
}

/// Writes an ACL policy.
pub async fn put_policy(vault: &Vault, name: &str, hcl: &str) -> Result<(), VaultError> {
    vault.call("PUT", &format!("sys/policies/acl/{name}"), Some(&json!({ "policy": hcl }))).await.map(|_| ())
}

/// The entity of the user `username` on `auth_mount`, created (named after the user, with its alias) when
/// missing; returns its id.
pub async fn entity_of(vault: &Vault, auth_mount: &str, username: &str) -> Result<String, VaultError> {
    let acc = accessor(vault, auth_mount).await?;
    let found = vault
        .call_json(
            "POST",
            "identity/lookup/entity",
            Some(&json!({"alias_name": username, "alias_mount_accessor": acc})),
        )
        .await;
    if let Ok(v) = &found
        && let Some(id) = v.pointer("/data/id").and_then(Value::as_str)
    {
        return Ok(id.to_string());
    }
    let created = vault.call_json("POST", "identity/entity", Some(&json!({"name": username}))).await?;
    let id = match created.pointer("/data/id").and_then(Value::as_str) {
        Some(id) => id.to_string(),
        // An entity of that name exists without the alias: find it by name.
        None => vault
            .call_json("GET", &format!("identity/entity/name/{username}"), None)
            .await?
            .pointer("/data/id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| VaultError::BadResponse {
                path: "identity/entity".into(),
                detail: "no entity id".into(),
            })?,
    };
    vault
        .call(
            "POST",
            "identity/entity-alias",
            Some(&json!({"name": username, "canonical_id": id, "mount_accessor": acc})),
        )
        .await?;
    Ok(id)
}

/// Creates or updates project `name`: its policy, and its identity group with these members (user names on
/// the auth mount). Returns the members' entity ids.
pub async fn set_project(
    vault: &Vault,
    s: &ScopeSettings,
    name: &str,
    members: &[String],
) -> Result<Vec<String>, VaultError> {
    let hcl = project_policy(vault, s, name).await?;
    let policy = format!("{PROJECT_PREFIX}{name}");
    put_policy(vault, &policy, &hcl).await?;
    let mut ids = Vec::new();
    for m in members {
        ids.push(entity_of(vault, &s.auth_mount, m).await?);
    }
    vault
        .call(
            "POST",
            &format!("identity/group/name/{policy}"),
            Some(&json!({"policies": [policy], "member_entity_ids": ids, "type": "internal"})),
        )
        .await?;
    Ok(ids)
}

/// Removes project `name`'s group and policy (its secrets stay).
pub async fn remove_project(vault: &Vault, name: &str) -> Result<(), VaultError> {
    check_name(name)?;
    let policy = format!("{PROJECT_PREFIX}{name}");
    let _ = vault.call("DELETE", &format!("identity/group/name/{policy}"), None).await;
    vault.call("DELETE", &format!("sys/policies/acl/{policy}"), None).await.map(|_| ())
}

/// The name that fills the personal folder's placeholder for this token: its login name (userpass tokens
/// carry it in their metadata) for `{{username}}`; for `{{identity.entity.name}}`, the name of its entity,
/// read from `identity/entity/id/…` (the personal policy allows that), else the login name (sesame names
/// the entities it creates after their users).
pub async fn username(vault: &Vault, s: &ScopeSettings) -> Result<Option<String>, VaultError> {
    let v = vault.call_json("GET", "auth/token/lookup-self", None).await?;
    let login = v
        .pointer("/data/meta/username")
        .and_then(Value::as_str)
        .or_else(|| v.pointer("/data/meta/role_name").and_then(Value::as_str))
        .map(str::to_string);
    if s.placeholder() != Some(ENTITY_NAME) {
        return Ok(login);
    }
    let Some(id) = v.pointer("/data/entity_id").and_then(Value::as_str).filter(|id| !id.is_empty()) else {
        return Ok(login);
    };
    match vault
        .call_json("GET", &format!("identity/entity/id/{}", crate::vault::kv::encode_path(id)), None)
        .await
    {
        Ok(e) => Ok(e.pointer("/data/name").and_then(Value::as_str).map(str::to_string).or(login)),
        Err(VaultError::Forbidden { .. } | VaultError::NotFound { .. }) => Ok(login),
        Err(e) => Err(e),
    }
}

/// The members of project `name` (the names of its group's entities), as far as the token may read them.
pub async fn members(vault: &Vault, name: &str) -> Result<Vec<String>, VaultError> {
    let g = vault.call_json("GET", &format!("identity/group/name/{PROJECT_PREFIX}{name}"), None).await?;
    let ids: Vec<String> = g
        .pointer("/data/member_entity_ids")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    let mut names = Vec::new();
    for id in ids {
        let e = vault.call_json("GET", &format!("identity/entity/id/{id}"), None).await?;
        names.push(e.pointer("/data/name").and_then(Value::as_str).unwrap_or(&id).to_string());
    }
    names.sort();
    Ok(names)
}

/// Moves (or copies) a secret of the user's personal folder into a project's folder, keeping its path below
/// the personal folder, through the verified transfer (the copy is checked before the source goes).
/// Returns the destination `mount/path`.
pub async fn share(
    vault: &Vault,
    s: &ScopeSettings,
    user: &str,
    full: &str,
    project: &str,
    copy: bool,
) -> Result<String, VaultError> {
    check_name(project)?;
    let personal = s.personal_for(user);
    let rel = full
        .trim_matches('/')
        .strip_prefix(&format!("{}/", personal.trim_matches('/')))
        .ok_or_else(|| VaultError::Invalid(format!("{full} is not in your personal folder {personal}")))?
        .to_string();
    let dst = format!("{}/{project}/{rel}", s.projects.trim_end_matches('/'));
    carry(vault, full, &dst, copy).await?;
    Ok(dst)
}

/// Moves a secret of a project's folder back into the user's personal folder (make private).
pub async fn unshare(vault: &Vault, s: &ScopeSettings, user: &str, full: &str) -> Result<String, VaultError> {
    let root = s.projects.trim_matches('/');
    let rest = full
        .trim_matches('/')
        .strip_prefix(&format!("{root}/"))
        .ok_or_else(|| VaultError::Invalid(format!("{full} is not in a project folder ({root}/)")))?;
    let rel = rest.split_once('/').map(|(_, r)| r.to_string()).ok_or_else(|| {
        VaultError::Invalid(format!("{full} is a project folder itself: name a secret in it"))
    })?;
    let dst = format!("{}/{rel}", s.personal_for(user).trim_end_matches('/'));
    carry(vault, full, &dst, false).await?;
    Ok(dst)
}

async fn carry(vault: &Vault, from: &str, to: &str, copy: bool) -> Result<(), VaultError> {
    use crate::vault::transfer::{Location, TransferMode, TransferOptions};
    let (sm, sp) = vault.locate(from).await?;
    let (dm, dp) = vault.locate(to).await?;
    let mode = if copy { TransferMode::Copy } else { TransferMode::Move };
    let report = vault
        .transfer_secret(
            &Location::new(sm, &sp),
            &Location::new(dm, &dp),
            mode,
            &TransferOptions::default(),
            None,
        )
        .await?;
    if report.is_complete() {
        Ok(())
    } else {
        Err(VaultError::Invalid(format!(
            "not carried over completely: {}",
            report.summary(if copy { "copied" } else { "moved" })
        )))
    }
}

/// The demo's second user (the first is [`crate::vault::demo_modes::DEMO_USER`], alice).
pub const DEMO_SECOND_USER: &str = "bob";

/// Sets up the scopes on the demo server (`--dev`), with the default settings: the personal policy for
/// alice and a new user bob (same demo password), project `ml` with both as members, a personal secret for
/// each and a project secret. Returns alice's and bob's tokens.
pub async fn seed_demo(addr: &str, root_token: &str) -> anyhow::Result<(String, String)> {
    use crate::vault::demo_modes::{DEMO_PASSWORD, DEMO_USER, TEAM_POLICY, login_userpass};
    use crate::vault::policy::DEFAULT_POLICY_NAME;
    let vault = Vault::connect(addr, root_token)?;
    let s = ScopeSettings::default();
    put_policy(&vault, PERSONAL_POLICY, &personal_policy(&vault, &s).await?).await?;
    let policies = format!("{TEAM_POLICY},{DEFAULT_POLICY_NAME},{PERSONAL_POLICY}");
    vault
        .call(
            "POST",
            &format!("auth/userpass/users/{DEMO_USER}/policies"),
            Some(&json!({ "token_policies": policies })),
        )
        .await?;
    vault
        .call(
            "POST",
            &format!("auth/userpass/users/{DEMO_SECOND_USER}"),
            Some(&json!({ "password": DEMO_PASSWORD, "token_policies": policies })),
        )
        .await?;
    set_project(&vault, &s, "ml", &[DEMO_USER.to_string(), DEMO_SECOND_USER.to_string()]).await?;
    let secret = vault.mount_of("secret").await?;
    let write = |path: &'static str, json: &'static str| {
        let vault = vault.clone();
        let secret = secret.clone();
        async move {
            let data = crate::secret::SecretData::from_json_object(json)
                .map_err(|e| VaultError::Invalid(e.to_string()))?;
            vault.write(&secret, path, &data, &crate::vault::write::Expected::Anything).await.map(|_| ())
        }
    };
    write("users/alice/notebook", r#"{"JUPYTER_TOKEN":"demo-alice-nb-1"}"#).await?;
    write("users/bob/notebook", r#"{"JUPYTER_TOKEN":"demo-bob-nb-2"}"#).await?;
    write("projects/ml/wandb", r#"{"WANDB_API_KEY":"demo-wandb-3"}"#).await?;
    let alice = login_userpass(&vault, DEMO_USER, DEMO_PASSWORD).await?;
    let bob = login_userpass(&vault, DEMO_SECOND_USER, DEMO_PASSWORD).await?;
    Ok((alice, bob))
}

/// Where a path lies: the user's own folder, a project's, or elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The user's personal folder.
    Private,
    /// A project's folder.
    Project(String),
    /// Neither.
    Other,
}

/// Classifies `full` (`mount/path`) for the user `user`.
pub fn classify(s: &ScopeSettings, user: Option<&str>, full: &str) -> Scope {
    let full = full.trim_matches('/');
    if let Some(u) = user {
        let mine = s.personal_for(u);
        let mine = mine.trim_matches('/');
        if full == mine || full.starts_with(&format!("{mine}/")) {
            return Scope::Private;
        }
    }
    let projects = s.projects.trim_matches('/');
    if let Some(rest) = full.strip_prefix(&format!("{projects}/"))
        && let Some(name) = rest.split('/').next().filter(|n| !n.is_empty())
    {
        return Scope::Project(name.to_string());
    }
    Scope::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_classified() {
        let s = ScopeSettings::default();
        assert_eq!(classify(&s, Some("alice"), "secret/users/alice/db"), Scope::Private);
        assert_eq!(classify(&s, Some("alice"), "secret/users/alicex/db"), Scope::Other);
        assert_eq!(classify(&s, Some("bob"), "secret/users/alice/db"), Scope::Other);
        assert_eq!(classify(&s, None, "secret/projects/ml/wandb"), Scope::Project("ml".into()));
        assert_eq!(classify(&s, None, "secret/projects/"), Scope::Other);
    }

    #[test]
    fn project_names() {
        assert!(check_name("ml-team_2").is_ok());
        for bad in ["", "a/b", "..", ".hidden", "x y", "a\"b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
