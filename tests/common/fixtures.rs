//! Data the tests use: secret reads and an audit report to feed to `App::update`, private files for tools.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use sesame::secret::SecretData;
use sesame::vault::audit::{AuditReport, AuditRow, Drift};
use sesame::vault::kv::{SecretRead, VersionInfo, VersionState};
use sesame::vault::modes::Mode;

/// A read of a live secret holding `json` (a JSON object) at `version`, created at `created_time`.
pub fn live_read(json: &str, version: u64, created_time: &str) -> SecretRead {
    SecretRead {
        data: Some(SecretData::from_json_object(json).unwrap()),
        version: Some(VersionInfo { version, created_time: created_time.into(), state: VersionState::Live }),
    }
}

/// Metadata of version `v` (created on the 2`v`th of November 2026), deleted and/or destroyed.
pub fn version_meta(v: u64, deleted: bool, destroyed: bool) -> sesame::vault::write::VersionMeta {
    sesame::vault::write::VersionMeta {
        version: v,
        created_time: format!("2026-11-2{v}T10:00:00Z"),
        deletion_time: deleted.then(|| "2026-11-25T11:00:00Z".to_string()),
        destroyed,
    }
}

/// A row of the audit of `secret/`: `by`/`at` empty for none; a key-only row records two keys.
pub fn audit_row(path: &str, mode: Mode, by: &str, at: &str, drift: Vec<Drift>) -> AuditRow {
    AuditRow {
        mount: "secret".into(),
        path: path.into(),
        mode,
        set_by: (!by.is_empty()).then(|| by.to_string()),
        set_at: (!at.is_empty()).then(|| at.to_string()),
        keys: if mode == Mode::KeyOnly { vec!["API_KEY".into(), "API_SECRET".into()] } else { vec![] },
        drift,
    }
}

/// A report with a few rows, one of each kind of drift that matters.
pub fn audit_report() -> AuditReport {
    AuditReport {
        policy: "sesame-modes".into(),
        policy_found: true,
        rows: vec![
            audit_row(
                "apps/api-keys",
                Mode::KeyOnly,
                "alice",
                "2026-01-03T09:00:00Z",
                vec![Drift::KeysDiffer {
                    missing: vec!["API_SECRET".into()],
                    extra: vec!["API_TOKEN".into()],
                }],
            ),
            audit_row("apps/db", Mode::ReadOnly, "alice", "2026-01-02T10:00:00Z", vec![]),
            audit_row(
                "old/gone",
                Mode::None,
                "",
                "",
                vec![Drift::OrphanRules { rules: vec!["secret/data/old/gone".into()], secret_exists: false }],
            ),
            audit_row(
                "teams/ml/registry",
                Mode::ReadOnly,
                "bob",
                "2026-02-01T08:30:00Z",
                vec![Drift::MissingRules {
                    policy: "sesame-modes".into(),
                    rules: vec!["secret/data/teams/ml/registry".into()],
                }],
            ),
        ],
        denied: vec!["secret/private".into()],
        unreadable: vec!["secret/teams/hr/payroll".into()],
    }
}

/// Writes `text` to `dir/name`, readable by its owner only (as ssh-keygen and skopeo want), and returns the path.
pub fn write_private(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("writing a test file");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
    p
}
