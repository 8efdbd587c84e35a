//! One error type for every Vault call, classified so the UI can say plainly what went wrong.
//!
//! Messages are built only from the status code and Vault's `errors` list, never from a response body,
//! so a secret value can never leak into an error message.

use std::fmt;

/// What went wrong talking to Vault, in the terms a user acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultError {
    /// 403: the token lacks a policy for this path, or the token itself is invalid.
    Forbidden { path: String, detail: String },
    /// 404 on a path that had to exist.
    NotFound { path: String },
    /// 503 with "Vault is sealed".
    Sealed,
    /// 503 for another reason (standby, maintenance).
    Unavailable { detail: String },
    /// 400 "check-and-set parameter did not match the current version".
    CasMismatch { path: String },
    /// Connection refused, DNS failure, reset.
    Unreachable { addr: String, detail: String },
    /// No answer within the client timeout.
    Timeout { addr: String },
    /// Certificate or handshake failure.
    Tls { addr: String, detail: String },
    /// Any other status with Vault's error list.
    Api { code: u16, path: String, errors: Vec<String> },
    /// The answer did not have the expected shape.
    BadResponse { path: String, detail: String },
    /// Input rejected before anything was sent (invalid path, name…).
    Invalid(String),
    /// A write was sent and no answer came (a time-out or a connection lost after sending): the server may
    /// have carried it out. Never reported as a failure; the next save re-reads and says which it was.
    MaybeWritten { addr: String, detail: String },
    /// An answer larger than the configured cap: reading stopped there.
    TooLarge { path: String, limit: usize },
    /// A walk stopped at one of its bounds (depth, number of folders, a folder that repeats itself): what
    /// was found is not presented as the whole listing.
    WalkLimit(String),
}

impl VaultError {
    /// True for failures of the transport or server state rather than of one path.
    pub fn is_connection(&self) -> bool {
        matches!(
            self,
            Self::Sealed
                | Self::Unavailable { .. }
                | Self::Unreachable { .. }
                | Self::Timeout { .. }
                | Self::Tls { .. }
        )
    }

    /// The HTTP status when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Forbidden { .. } => Some(403),
            Self::NotFound { .. } => Some(404),
            Self::Sealed | Self::Unavailable { .. } => Some(503),
            Self::CasMismatch { .. } => Some(400),
            Self::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// True when the outcome of a write is unknown (see [`VaultError::MaybeWritten`]).
    pub fn may_have_written(&self) -> bool {
        matches!(self, Self::MaybeWritten { .. })
    }

    /// Classifies a non-success answer from its status and Vault's `errors` list.
    pub fn from_status(code: u16, path: &str, errors: Vec<String>) -> Self {
        let joined =
            errors.iter().map(|e| clean_error(e)).filter(|e| !e.is_empty()).collect::<Vec<_>>().join("; ");
        match code {
            403 => Self::Forbidden { path: path.to_string(), detail: joined },
            404 => Self::NotFound { path: path.to_string() },
            503 if joined.to_ascii_lowercase().contains("sealed") => Self::Sealed,
            503 => Self::Unavailable { detail: joined },
            400 if joined.contains("check-and-set") => Self::CasMismatch { path: path.to_string() },
            _ => Self::Api {
                code,
                path: path.to_string(),
                errors: errors.iter().map(|e| clean_error(e)).collect(),
            },
        }
    }

    /// Classifies a transport error from reqwest.
    pub fn from_reqwest(addr: &str, err: &reqwest::Error) -> Self {
        Self::from_reqwest_sent(addr, err, false)
    }

    /// Like [`VaultError::from_reqwest`], for a request that changes the server (`write`): once it may have
    /// left (the connection was made), a time-out or a lost connection is [`VaultError::MaybeWritten`].
    pub fn from_reqwest_sent(addr: &str, err: &reqwest::Error, write: bool) -> Self {
        let chain = error_chain(err);
        if write && !err.is_connect() && !err.is_builder() {
            return Self::MaybeWritten { addr: addr.to_string(), detail: chain };
        }
        let lower = chain.to_ascii_lowercase();
        if err.is_timeout() {
            Self::Timeout { addr: addr.to_string() }
        } else if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
            || lower.contains("invalidcertificate")
        {
            Self::Tls { addr: addr.to_string(), detail: chain }
        } else {
            Self::Unreachable { addr: addr.to_string(), detail: chain }
        }
    }
}

/// Vault wraps multi-errors as "1 error occurred:\n\t* permission denied\n\n": keep the useful part.
fn clean_error(e: &str) -> String {
    let lines: Vec<&str> = e
        .lines()
        .map(|l| l.trim().trim_start_matches("* ").trim())
        .filter(|l| !l.is_empty() && !l.ends_with("error occurred:") && !l.ends_with("errors occurred:"))
        .collect();
    lines.join(", ")
}

/// `Display` of an error and all its sources, without the backtraces that `Debug` carries.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = e.source();
    }
    out
}

impl fmt::Display for VaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Forbidden { path, detail } => {
                write!(f, "permission denied on {path}")?;
                if !detail.is_empty() && detail != "permission denied" {
                    write!(f, " ({detail})")?;
                }
                write!(f, ": the token's policies do not allow this, or the token is invalid or expired")
            }
            Self::NotFound { path } => write!(f, "{path} not found"),
            Self::Sealed => write!(f, "the server is sealed: unseal it (bao operator unseal) and refresh"),
            Self::Unavailable { detail } => write!(f, "the server is unavailable (503): {detail}"),
            Self::CasMismatch { path } => {
                write!(f, "{path} was changed by someone else since it was loaded (check-and-set mismatch)")
            }
            Self::Unreachable { addr, detail } => write!(f, "cannot reach the server at {addr}: {detail}"),
            Self::Timeout { addr } => write!(f, "the server at {addr} did not answer in time"),
            Self::Tls { addr, detail } => write!(f, "TLS failure talking to {addr}: {detail}"),
            Self::Api { code, path, errors } => {
                write!(f, "the server answered {code} on {path}")?;
                if !errors.is_empty() {
                    write!(f, ": {}", errors.join("; "))?;
                }
                Ok(())
            }
            Self::BadResponse { path, detail } => write!(f, "unexpected answer on {path}: {detail}"),
            Self::Invalid(msg) => write!(f, "{msg}"),
            Self::MaybeWritten { addr, detail } => write!(
                f,
                "the server at {addr} received the write but its answer never came ({detail}): it may have \
                 been written; check before writing again"
            ),
            Self::TooLarge { path, limit } => write!(
                f,
                "the answer on {path} is larger than {} MiB, sesame's limit: reading stopped (set \
                 SESAME_MAX_REPLY_MB to raise it)",
                limit / (1024 * 1024)
            ),
            Self::WalkLimit(msg) => write!(f, "{msg}"),
        }
    }
}

impl std::error::Error for VaultError {}

impl From<vaultrs::error::ClientError> for VaultError {
    fn from(err: vaultrs::error::ClientError) -> Self {
        use vaultrs::error::ClientError as C;
        match err {
            C::APIError { code, errors } => Self::from_status(code, "", errors),
            C::RestClientError { source } => match source {
                rustify::errors::ClientError::ServerResponseError { code, .. } => {
                    // The content may hold secret data (a soft-deleted read answers its envelope): never shown.
                    Self::from_status(code, "", Vec::new())
                }
                rustify::errors::ClientError::RequestError { source, url, .. } => {
                    let detail = format!("{source:#}");
                    let lower = detail.to_ascii_lowercase();
                    if lower.contains("timed out") || lower.contains("timeout") {
                        Self::Timeout { addr: url }
                    } else if lower.contains("certificate") || lower.contains("tls") {
                        Self::Tls { addr: url, detail }
                    } else {
                        Self::Unreachable { addr: url, detail }
                    }
                }
                other => Self::BadResponse { path: String::new(), detail: other.to_string() },
            },
            other => Self::BadResponse { path: String::new(), detail: other.to_string() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_multi_error_is_cleaned() {
        let e = VaultError::from_status(
            403,
            "secret/data/x",
            vec!["1 error occurred:\n\t* permission denied\n\n".into()],
        );
        assert_eq!(e.to_string().matches("permission denied").count(), 1, "{e}");
        assert!(e.to_string().contains("secret/data/x"));
    }

    #[test]
    fn sealed_and_cas_are_recognised() {
        assert_eq!(VaultError::from_status(503, "p", vec!["Vault is sealed".into()]), VaultError::Sealed);
        assert!(matches!(
            VaultError::from_status(
                400,
                "p",
                vec!["check-and-set parameter did not match the current version".into()]
            ),
            VaultError::CasMismatch { .. }
        ));
        assert!(matches!(
            VaultError::from_status(500, "p", vec!["boom".into()]),
            VaultError::Api { code: 500, .. }
        ));
    }
}
