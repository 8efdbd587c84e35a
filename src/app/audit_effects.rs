//! The work of [`super::audit`]: the crawl (stopped when the view is closed or restarted) and the export
//! to a file, each answered with one [`AuditMsg`].

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::AsyncWriteExt as _;
use tokio::sync::mpsc::UnboundedSender;

use super::Msg;
use super::audit::{AuditEffect, AuditHandle, AuditMsg, ExportFormat, ExportResult};
use crate::vault::Vault;
use crate::vault::annotations::AnnotationStore;
use crate::vault::audit::{self, AuditOptions, AuditReport};

/// How often a running crawl looks at its stop flag.
const STOP_POLL: Duration = Duration::from_millis(100);

/// Does the work of one audit effect and sends its answer (a closed channel: the UI is gone).
pub async fn run(vault: &Vault, cmd: AuditEffect, tx: &UnboundedSender<Msg>) {
    match cmd {
        AuditEffect::Run { req, scopes, policy, handle } => {
            let store = AnnotationStore::new(vault.clone());
            let opts = AuditOptions { policy_name: policy, ..AuditOptions::default() };
            let work = audit::audit(&store, &scopes, &opts, Some(&handle.progress));
            // Dropping the crawl drops its requests in flight: nothing more is asked of the server.
            tokio::select! {
                result = work => {
                    if !handle.stopped() {
                        let _ = tx.send(Msg::Audit(AuditMsg::Done { req, result }));
                    }
                }
                () = stopped(&handle, tx) => {}
            }
        }
        AuditEffect::Export { req, path, format, report, overwrite } => {
            let result = export(&path, format, &report, overwrite).await;
            let _ = tx.send(Msg::Audit(AuditMsg::Exported { req, result }));
        }
    }
}

/// Resolves when the view stopped the crawl or the UI is gone.
async fn stopped(handle: &AuditHandle, tx: &UnboundedSender<Msg>) {
    while !handle.stopped() && !tx.is_closed() {
        tokio::time::sleep(STOP_POLL).await;
    }
}

/// `path` with `~` expanded, made absolute against the current directory.
pub fn resolve_path(path: &str) -> PathBuf {
    let p = super::editor::expand_tilde(path.trim());
    std::path::absolute(&p).unwrap_or(p)
}

/// Writes the report to `path` as JSON or CSV; an existing file is replaced only with `overwrite`.
pub async fn export(path: &str, format: ExportFormat, report: &AuditReport, overwrite: bool) -> ExportResult {
    let abs = resolve_path(path);
    let shown = abs.display().to_string();
    if abs.is_dir() {
        return ExportResult::Failed(format!("{shown} is a folder: type a file name"));
    }
    let mut opts = tokio::fs::OpenOptions::new();
    opts.write(true).mode(crate::fsutil::FILE_MODE);
    if overwrite {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    let mut file = match opts.open(&abs).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return ExportResult::Exists(shown),
        Err(e) => return ExportResult::Failed(format!("cannot write {shown}: {e}")),
    };
    let text = format.render(report);
    let written = async {
        file.write_all(text.as_bytes()).await?;
        file.flush().await?;
        file.sync_all().await
    }
    .await;
    match written {
        Ok(()) => ExportResult::Written(shown),
        Err(e) => ExportResult::Failed(format!("cannot write {shown}: {e}")),
    }
}
