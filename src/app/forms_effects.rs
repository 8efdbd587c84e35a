//! The network side of typed secrets in the TUI: the types of the secrets on screen, and recording the type
//! of a secret sesame wrote. Run by [`crate::app::effects`] as tokio tasks.

use futures::StreamExt as _;
use futures::stream;

use crate::app::join;
use crate::secret::types::{self, SecretType, TYPE_ANNOTATION};
use crate::vault::annotations::{AnnotationStore, Changes};
use crate::vault::kv::{KvVersion, Mount};
use crate::vault::{Vault, VaultError};

/// Secrets looked at at once.
const CONCURRENCY: usize = 8;

/// The types of some secrets of `folder`: each one's `type` annotation when it names a known type, else
/// recognised from its keys; `None` for a secret that cannot be read. Only key names leave this function.
pub async fn load_types(
    vault: &Vault,
    mount: &Mount,
    folder: &str,
    names: Vec<String>,
) -> Vec<(String, Option<SecretType>)> {
    load_types_and_marks(vault, mount, folder, names).await.into_iter().map(|(n, t, _)| (n, t)).collect()
}

/// The admin mode and the injection flag of a listed secret, from its annotations.
pub type Marks = (crate::vault::modes::Mode, bool);

/// Like [`load_types`], with each secret's [`Marks`] (`None` when its annotations could not be read).
pub async fn load_types_and_marks(
    vault: &Vault,
    mount: &Mount,
    folder: &str,
    names: Vec<String>,
) -> Vec<(String, Option<SecretType>, Option<Marks>)> {
    let store = AnnotationStore::new(vault.clone());
    if mount.version == KvVersion::V1
        && let Some(first) = names.first()
    {
        // KV v1 keeps a mount's annotations in one registry secret: read it once, before the lookups share it.
        let _ = store.get(mount, &join(folder, first)).await;
    }
    // Each lookup owns its handles (all cheap clones), so the futures borrow nothing and stay `Send`.
    let lookups: Vec<_> = names
        .into_iter()
        .map(|name| type_of_one(store.clone(), vault.clone(), mount.clone(), join(folder, &name), name))
        .collect();
    stream::iter(lookups).buffer_unordered(CONCURRENCY).collect().await
}

async fn type_of_one(
    store: AnnotationStore,
    vault: Vault,
    mount: Mount,
    path: String,
    name: String,
) -> (String, Option<SecretType>, Option<Marks>) {
    let annotations = store.get(&mount, &path).await.ok();
    let marks =
        annotations.as_ref().map(|a| (crate::vault::modes::mode_of(a), crate::snippet::is_injected(a)));
    let annotation = annotations.and_then(|mut a| a.remove(TYPE_ANNOTATION));
    if let Some(ty) = annotation.as_deref().and_then(SecretType::from_name) {
        return (name, Some(ty), marks);
    }
    // A key-only secret's values are never read: its type comes from its annotation or stays unknown.
    if marks.is_some_and(|(m, _)| m == crate::vault::modes::Mode::KeyOnly) {
        return (name, None, marks);
    }
    let ty = match vault.read(&mount, &path, None).await {
        Ok(read) => {
            let data = read.data.unwrap_or_default();
            Some(types::detect(annotation.as_deref(), data.keys()).ty)
        }
        Err(e) => {
            tracing::debug!(error = %e, "type of a listed secret unknown");
            None
        }
    };
    (name, ty, marks)
}

/// Records a secret's type in its `type` annotation (other annotations are kept).
pub async fn set_type(vault: &Vault, mount: &Mount, path: &str, ty: SecretType) -> Result<(), VaultError> {
    let mut changes = Changes::new();
    changes.insert(TYPE_ANNOTATION.to_string(), Some(ty.k8s_name().to_string()));
    AnnotationStore::new(vault.clone()).set(mount, path, &changes).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles only if the futures can be spawned (no borrow leaks into a non-`Send` state).
    #[allow(dead_code)]
    fn spawnable(vault: Vault, mount: Mount) {
        let (v2, m2) = (vault.clone(), mount.clone());
        tokio::spawn(async move { load_types(&vault, &mount, "f", vec!["a".into()]).await });
        tokio::spawn(async move { set_type(&v2, &m2, "f/a", SecretType::SshAuth).await });
    }
}
