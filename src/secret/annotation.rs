//! The names of every annotation sesame records, in one place.
//!
//! An annotation is a `name → value` string pair kept beside a secret ([`crate::vault::annotations`] stores
//! them: KV v2 `custom_metadata` under [`PREFIX`]`name`, a KV v1 mount's registry secret under `name`).
//! Names here are given without the prefix.

/// The prefix of sesame's keys in KV v2 `custom_metadata` (`sesame.type`, `sesame.encoding.KEY`…).
pub const PREFIX: &str = "sesame.";

/// The secret's Kubernetes type (`Opaque`, `kubernetes.io/dockerconfigjson`, `kubernetes.io/ssh-auth`).
pub const TYPE: &str = "type";

/// `true` flags a secret for `sesame run --folder` (EOxHub's "inject as environment variables").
pub const INJECT_ENV: &str = "inject.env";

/// Prefix of the names recording a value's encoding: `encoding.KEY` = `base64`.
pub const ENCODING_PREFIX: &str = "encoding.";

/// The value of an encoding record for a base64-encoded value.
pub const BASE64: &str = "base64";

/// The admin mode of a secret.
pub const MODE: &str = "mode";

/// Who set the mode (the token's display name).
pub const MODE_BY: &str = "mode.by";

/// When the mode was set (RFC 3339, UTC).
pub const MODE_AT: &str = "mode.at";

/// The key names of a key-only secret (JSON array), continued in `mode.keys.2`….
pub const MODE_KEYS: &str = "mode.keys";

/// The annotation recording the encoding of `key` (`encoding.KEY`).
pub fn encoding(key: &str) -> String {
    format!("{ENCODING_PREFIX}{key}")
}

/// The KV v2 `custom_metadata` key holding annotation `name` (`sesame.NAME`).
pub fn metadata_key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(encoding("CERT"), "encoding.CERT");
        assert_eq!(metadata_key(&encoding("CERT")), "sesame.encoding.CERT");
        assert_eq!(metadata_key(TYPE), "sesame.type");
    }
}
