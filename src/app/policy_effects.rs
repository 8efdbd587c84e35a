//! The work of [`super::policy`]: generating the `sesame-modes` policy with its diff against the server's,
//! and applying it.

use super::Msg;
use super::policy::{PolicyEffect, PolicyMsg, PolicyPreview};

/// Does the work of one policy effect.
pub async fn run(
    vault: &crate::vault::Vault,
    cmd: PolicyEffect,
    tx: &tokio::sync::mpsc::UnboundedSender<Msg>,
) {
    use crate::vault::annotations::AnnotationStore;
    use crate::vault::audit::{AuditOptions, collect_entries};
    use crate::vault::policy;
    match cmd {
        PolicyEffect::Preview { req, scopes, name } => {
            let result = async {
                let store = AnnotationStore::new(vault.clone());
                let (entries, scans) = collect_entries(&store, &scopes, &AuditOptions::default(), None)
                    .await
                    .map_err(|e| e.to_string())?;
                let incomplete = scans.iter().map(|s| s.denied.len() + s.unreadable.len()).sum();
                let generated = policy::generate(&name, &entries);
                let current = policy::read_policy(vault, &name).await.map_err(|e| e.to_string())?;
                let diff = policy::diff(&name, current.as_deref(), &generated.hcl);
                Ok(PolicyPreview {
                    hcl: generated.hcl,
                    diff,
                    secrets: generated.secrets,
                    skipped: generated.skipped,
                    incomplete,
                    missing_on_server: current.is_none(),
                })
            }
            .await;
            let _ = tx.send(Msg::Policy(PolicyMsg::Preview { req, result }));
        }
        PolicyEffect::Apply { req, name, hcl } => {
            let result = policy::apply_policy(vault, &name, &hcl).await.map_err(|e| e.to_string());
            let _ = tx.send(Msg::Policy(PolicyMsg::Applied { req, result }));
        }
    }
}
