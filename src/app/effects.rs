//! Runs the app's [`Command`]s as tokio tasks and sends the answers back as [`Msg`]s.
//!
//! Nothing here touches the terminal; the UI task only ever waits on a channel.

use tokio::sync::mpsc::UnboundedSender;

use super::{Command, Msg, PreviewData, StartTarget};
use crate::vault::kv::SecretRead;
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
        Command::Read { req, mount, path } => {
            let _ = tx.send(Msg::Secret { req, result: vault.read(&mount, &path, None).await });
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
