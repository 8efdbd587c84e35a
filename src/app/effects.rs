//! Runs the app's [`Command`]s as tokio tasks and sends the answers back as [`Msg`]s.
//!
//! Nothing here touches the terminal; the UI task only ever waits on a channel.

use tokio::sync::mpsc::UnboundedSender;

use super::{Command, Msg, PreviewData, StartTarget};
use crate::secret::SecretData;
use crate::vault::kv::{KvVersion, Mount, SecretRead};
use crate::vault::write::Expected;
use crate::vault::{Vault, VaultError};

/// Entries sent per message, so the first rows of a huge folder show before the rest is laid out.
pub const LIST_CHUNK: usize = 2_000;

/// Spawns the work of one command; the answer arrives on `tx`.
pub fn spawn(vault: &Vault, given_mounts: &[String], cmd: Command, tx: &UnboundedSender<Msg>) {
    let vault = vault.clone();
    let tx = tx.clone();
    let given = given_mounts.to_vec();
    tokio::spawn(async move {
        run(&vault, &given, cmd, &tx).await;
    });
}

/// Does the work of one command, sending one or more messages.
pub async fn run(vault: &Vault, given_mounts: &[String], cmd: Command, tx: &UnboundedSender<Msg>) {
    // A closed channel means the UI is gone: nothing to do with the answer.
    match cmd {
        Command::LoadMounts => {
            let _ = tx.send(Msg::Mounts(vault.discover(given_mounts).await));
        }
        Command::LoadIdentity => {
            let _ = tx.send(Msg::Identity(vault.identity().await));
        }
        Command::List { req, mount, folder } => match vault.list(&mount, &folder).await {
            Ok(entries) => {
                if entries.len() <= LIST_CHUNK {
                    let _ = tx.send(Msg::Listed { req, result: Ok(entries), done: true });
                } else {
                    let total = entries.len();
                    let mut sent = 0;
                    let mut it = entries.into_iter();
                    while sent < total {
                        let chunk: Vec<_> = it.by_ref().take(LIST_CHUNK).collect();
                        sent += chunk.len();
                        if tx.send(Msg::Listed { req, result: Ok(chunk), done: sent >= total }).is_err() {
                            return;
                        }
                        tokio::task::yield_now().await;
                    }
                }
            }
            Err(e) => {
                let _ = tx.send(Msg::Listed { req, result: Err(e), done: true });
            }
        },
        Command::Read { req, mount, path, version } => {
            let _ = tx.send(Msg::Secret { req, result: vault.read(&mount, &path, version).await });
        }
        Command::LoadHistory { req, mount, path } => {
            let result = vault.metadata(&mount, &path).await.map(|m| {
                let mut versions = m.versions;
                versions.reverse();
                (versions, m.current_version)
            });
            let _ = tx.send(Msg::History { req, result });
        }
        Command::DiffVersions { req, mount, path, a, b } => {
            let result = async {
                let old = vault.read(&mount, &path, Some(a)).await?.data.unwrap_or_default();
                let new = vault.read(&mount, &path, Some(b)).await?.data.unwrap_or_default();
                Ok(crate::secret::diff::masked_diff(&old, &new))
            }
            .await;
            let _ = tx.send(Msg::Diff { req, a, b, result });
        }
        Command::VersionOp { req, mount, path, op, current } => {
            use super::history::VersionOp;
            let result = match op {
                VersionOp::Rollback(v) => vault
                    .rollback(&mount, &path, v, Some(current))
                    .await
                    .map(|new| format!("rolled back to version {v}: the current version is now {new}")),
                VersionOp::Undelete(v) => {
                    vault.undelete(&mount, &path, &[v]).await.map(|()| format!("version {v} undeleted"))
                }
                VersionOp::Delete(v) => vault
                    .delete_secret(&mount, &path, &crate::vault::write::DeleteMode::Versions(vec![v]))
                    .await
                    .map(|()| format!("version {v} deleted (u undeletes it)")),
                VersionOp::Destroy(v) => {
                    vault.destroy(&mount, &path, &[v]).await.map(|()| format!("version {v} destroyed"))
                }
            };
            let _ = tx.send(Msg::VersionDone { req, result });
        }
        Command::Preview { req, mount, path, is_folder } => {
            let result = if is_folder {
                vault.list(&mount, &path).await.map(PreviewData::Folder)
            } else {
                // Only the key names leave this task; the values are dropped (and zeroized) here.
                vault.read(&mount, &path, None).await.map(|r: SecretRead| PreviewData::Keys {
                    keys: r.data.map(|d| d.keys().map(str::to_string).collect()).unwrap_or_default(),
                    version: r.version,
                })
            };
            let _ = tx.send(Msg::Preview { req, result });
        }
        Command::Resolve { path } => {
            let _ = tx.send(Msg::Resolved(resolve(vault, &path).await));
        }
        Command::Copy(_) => {
            // The terminal side copies: it owns the clipboard and the terminal writer.
        }
        Command::LoadAnnotations { req, mount, path } => {
            let store = crate::vault::annotations::AnnotationStore::new(vault.clone());
            let _ = tx.send(Msg::Annotations { req, result: store.get(&mount, &path).await });
        }
        Command::ToggleInject { req, mount, path } => {
            let store = crate::vault::annotations::AnnotationStore::new(vault.clone());
            let result = async {
                let current = store.get(&mount, &path).await?;
                let on = !crate::snippet::is_injected(&current);
                let mut changes = crate::vault::annotations::Changes::new();
                changes.insert(crate::snippet::INJECT_ANNOTATION.to_string(), on.then(|| "true".to_string()));
                store.set(&mount, &path, &changes).await?;
                Ok(on)
            }
            .await;
            let _ = tx.send(Msg::InjectSet { req, path: format!("{}/{path}", mount.path), result });
        }
        Command::Write { req, mount, path, data, base, force, encodings } => {
            let result = write(vault, &mount, &path, &data, base.as_ref(), force, &encodings).await;
            let _ = tx.send(Msg::Written { req, result });
        }
        Command::ReadTheirs { req, mount, path } => {
            let _ = tx.send(Msg::Theirs { req, result: vault.read(&mount, &path, None).await });
        }
        Command::MakeFolder { req, mount, path } => {
            let keep =
                SecretData::from_json_object(r#"{"placeholder":"kept by sesame"}"#).unwrap_or_default();
            let result = write(vault, &mount, &crate::app::join(&path, ".keep"), &keep, None, false, &[])
                .await
                .map(|_| format!("{}/{path}", mount.path));
            let _ = tx.send(Msg::FolderMade { req, result });
        }
    }
}

/// Resolves a start path to a mount and a folder or secret.
pub async fn resolve(vault: &Vault, path: &str) -> Result<StartTarget, VaultError> {
    let wants_folder = path.ends_with('/');
    let trimmed = path.trim_matches('/');
    let mount = vault.mount_of(trimmed).await?;
    let rest = trimmed.strip_prefix(mount.path.as_str()).unwrap_or("").trim_matches('/').to_string();
    if rest.is_empty() {
        return Ok(StartTarget { mount, path: rest, is_secret: false });
    }
    if !wants_folder {
        match vault.read(&mount, &rest, None).await {
            Ok(_) => return Ok(StartTarget { mount, path: rest, is_secret: true }),
            Err(VaultError::NotFound { .. }) => {}
            Err(e @ VaultError::Forbidden { .. }) => {
                // Maybe a folder we may list but not read as a secret.
                if vault.list(&mount, &rest).await.map(|l| l.is_empty()).unwrap_or(true) {
                    return Err(e);
                }
                return Ok(StartTarget { mount, path: rest, is_secret: false });
            }
            Err(e) => return Err(e),
        }
    }
    let entries = vault.list(&mount, &rest).await?;
    if entries.is_empty() {
        return Err(VaultError::NotFound { path: format!("{}/{}", mount.path, rest) });
    }
    Ok(StartTarget { mount, path: rest, is_secret: false })
}

/// Writes a secret with check-and-set against `base` (`None`: create only) unless `force`, then records the
/// encodings of values loaded from binary files (KV v2 custom_metadata `sesame.encoding.KEY`).
pub async fn write(
    vault: &Vault,
    mount: &Mount,
    path: &str,
    data: &SecretData,
    base: Option<&SecretRead>,
    force: bool,
    encodings: &[(String, String)],
) -> Result<Option<u64>, VaultError> {
    let expected = match (force, base) {
        (true, _) => Expected::Anything,
        (false, None) => Expected::Absent,
        (false, Some(read)) => Expected::from_read(read),
    };
    let written = vault.write(mount, path, data, &expected).await?;
    if mount.version == KvVersion::V2 && !encodings.is_empty() {
        let changes: Vec<(String, Option<String>)> = encodings
            .iter()
            .filter_map(|(k, e)| {
                crate::secret::file::encoding_metadata_key(k).map(|mk| (mk, Some(e.clone())))
            })
            .collect();
        vault.patch_custom_metadata(mount, path, &changes).await?;
    }
    Ok(written.version)
}
