//! The network side of [`super::ops`]: counting, destination checks, deletes, transfers and permission
//! questions, each answered with one [`OpsMsg`].

use tokio::sync::mpsc::UnboundedSender;

use super::Msg;
use super::ops::{DestCheck, OpsEffect, OpsMsg, Target};
use super::perms::ANY_NAME;
use crate::vault::annotations::{AnnotationStore, REGISTRY_PATH};
use crate::vault::capabilities::{Action as Cap, Permission};
use crate::vault::kv::KvVersion;
use crate::vault::transfer::{Location, TransferOptions};
use crate::vault::walk::WalkOptions;
use crate::vault::write::{PLACEHOLDER, join};
use crate::vault::{Vault, VaultError};

/// Does the work of one operations effect and sends its answer (a closed channel: the UI is gone).
pub async fn run(vault: &Vault, cmd: OpsEffect, tx: &UnboundedSender<Msg>) {
    let msg = match cmd {
        OpsEffect::Count { req, target } => {
            let v = vault.clone();
            let result = off_thread(move || async move {
                v.count_secrets(&target.location(), &WalkOptions::default()).await
            })
            .await;
            OpsMsg::Counted { req, result }
        }
        OpsEffect::CheckDestination { req, source, text, rename } => {
            OpsMsg::Checked { req, result: check_destination(vault, &source, &text, rename).await }
        }
        OpsEffect::DeleteSecret { req, target, mode } => {
            let result = match vault.delete_secret(&target.mount, &target.path, &mode).await {
                Ok(()) if target.mount.version == KvVersion::V1 => {
                    // KV v1 keeps sesame's annotations in the mount's registry: forget this secret's.
                    match AnnotationStore::new(vault.clone()).remove(&target.mount, &target.path).await {
                        Ok(()) => Ok(None),
                        Err(e) => Ok(Some(format!("its annotations stay in {REGISTRY_PATH}: {e}"))),
                    }
                }
                Ok(()) => Ok(None),
                Err(e) => Err(e),
            };
            OpsMsg::Deleted { req, result }
        }
        OpsEffect::DeleteFolder { req, target, mode, progress } => {
            let v = vault.clone();
            let result = off_thread(move || async move {
                let walk = WalkOptions::default();
                v.delete_folder(&target.location(), &mode, &walk, Some(&progress.0)).await
            })
            .await;
            OpsMsg::Done { req, result }
        }
        OpsEffect::Transfer { req, source, dst, mode, overwrite, progress } => {
            let v = vault.clone();
            let result = off_thread(move || async move {
                let opts = TransferOptions { overwrite, ..TransferOptions::default() };
                let src = source.location();
                if source.is_folder {
                    v.transfer_folder(&src, &dst, mode, &opts, Some(&progress.0)).await
                } else {
                    v.transfer_secret(&src, &dst, mode, &opts, Some(&progress.0)).await
                }
            })
            .await;
            OpsMsg::Done { req, result }
        }
        OpsEffect::Permissions { scope, mount, queries } => {
            let answers = vault.permissions(&mount, &queries).await;
            OpsMsg::Permissions { scope, answers: queries.into_iter().zip(answers).collect() }
        }
    };
    let _ = tx.send(Msg::Ops(msg));
}

/// Builds and runs a batch future on a blocking thread of the runtime. The batch functions borrow across their
/// concurrent streams in a way the compiler cannot prove `Send` for a spawned task, so they are driven
/// there with `block_on` (the runtime's I/O keeps running on its workers).
async fn off_thread<T, F, Fut>(make: F) -> Result<T, VaultError>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, VaultError>>,
    T: Send + 'static,
{
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(make()))
        .await
        .unwrap_or_else(|e| Err(VaultError::Invalid(format!("the background task failed: {e}"))))
}

/// Refuses a mount the server has no engine at. (When the token may not look mounts up, the mount is
/// guessed from the path's first segment; a LIST there tells whether anything answers.)
async fn ensure_mounted(vault: &Vault, mount: &crate::vault::kv::Mount) -> Result<(), VaultError> {
    let api = crate::vault::kv::list_api_path(mount, "");
    match vault.raw("LIST", &api, None).await {
        Ok((404, body)) if String::from_utf8_lossy(&body).contains("no handler for route") => {
            Err(VaultError::Invalid(format!("there is no mount at {}/", mount.path)))
        }
        Ok(_) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Resolves `text` (`mount/path`; a trailing `/` puts the source inside that folder under its own name) and
/// says what is there and whether the token may write there.
pub async fn check_destination(
    vault: &Vault,
    source: &Target,
    text: &str,
    rename: bool,
) -> Result<DestCheck, VaultError> {
    // Where it goes: the library's rule, shared with `sesame mv`/`cp` (mv(1): inside an existing folder,
    // else under the new name); a rename is always the name typed.
    let dst = if rename {
        let (mount, path) = vault.locate(text).await?;
        Location::new(mount, &path)
    } else {
        vault.transfer_destination(&source.location(), source.is_folder, text).await?
    };
    ensure_mounted(vault, &dst.mount).await?;
    let (mount, path) = (dst.mount, dst.path);
    if let Some(reason) = crate::secret::rules::path_error(&path) {
        return Err(VaultError::Invalid(format!("invalid destination {path:?}: {reason}")));
    }
    let dst = Location::new(mount, &path);
    let same_mount = dst.mount.path == source.mount.path;
    if same_mount && dst.path == source.path {
        return Err(VaultError::Invalid(format!("{} is where it is already", dst.display())));
    }
    if source.is_folder && same_mount && dst.path.starts_with(&format!("{}/", source.path)) {
        return Err(VaultError::Invalid(format!("{} is inside the folder itself", dst.display())));
    }
    let (existing, query) = if source.is_folder {
        let entries = vault.list(&dst.mount, &dst.path).await?;
        let n = entries.iter().filter(|e| e.is_folder || e.name != PLACEHOLDER).count();
        let existing = (n > 0).then(|| {
            format!(
                "{}/ already holds {n} {}: secrets with the same names will be overwritten",
                dst.display(),
                if n == 1 { "entry" } else { "entries" }
            )
        });
        (existing, (join(&dst.path, ANY_NAME), Cap::Create))
    } else if vault.exists(&dst.mount, &dst.path).await? {
        (Some(format!("{} already exists", dst.display())), (dst.path.clone(), Cap::Update))
    } else {
        (None, (dst.path.clone(), Cap::Create))
    };
    let denied = vault.permissions(&dst.mount, &[query]).await.into_iter().find_map(|p| match p {
        Permission::Denied(reason) => Some(reason),
        _ => None,
    });
    Ok(DestCheck { dst, existing, denied })
}
