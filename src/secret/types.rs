//! The type of a secret, after Kubernetes' secret types: `Opaque` key/value pairs (the default),
//! `kubernetes.io/dockerconfigjson` registry credentials and `kubernetes.io/ssh-auth` SSH keys.
//!
//! A secret's type is read from its `type` annotation (see [`crate::vault::annotations`]) or, failing that,
//! recognised from its keys, so secrets written by other tools (External Secrets, `kubectl`, scripts) are typed
//! too: [`detect`].

use std::fmt;

/// The annotation that records a secret's type ([`crate::secret::annotation::TYPE`]).
pub use super::annotation::TYPE as TYPE_ANNOTATION;

/// The key of a `kubernetes.io/dockerconfigjson` secret.
pub const DOCKER_CONFIG_KEY: &str = ".dockerconfigjson";

/// The key of a `kubernetes.io/ssh-auth` secret.
pub const SSH_PRIVATE_KEY: &str = "ssh-privatekey";

/// What kind of secret this is, which decides the form that edits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum SecretType {
    /// Free key/value pairs.
    #[default]
    Opaque,
    /// Container registry credentials: one key, `.dockerconfigjson`.
    DockerConfigJson,
    /// An SSH private key under `ssh-privatekey`; masked and immutable once stored.
    SshAuth,
}

impl SecretType {
    /// Every type, in the order a "new secret" menu offers them.
    pub const ALL: [SecretType; 3] = [Self::Opaque, Self::DockerConfigJson, Self::SshAuth];

    /// The Kubernetes name, which is also the value stored in the `type` annotation.
    pub fn k8s_name(self) -> &'static str {
        match self {
            Self::Opaque => "Opaque",
            Self::DockerConfigJson => "kubernetes.io/dockerconfigjson",
            Self::SshAuth => "kubernetes.io/ssh-auth",
        }
    }

    /// The short name used on the command line (`--type`): `opaque`, `dockerconfigjson`, `ssh-auth`.
    pub fn cli_name(self) -> &'static str {
        match self {
            Self::Opaque => "opaque",
            Self::DockerConfigJson => "dockerconfigjson",
            Self::SshAuth => "ssh-auth",
        }
    }

    /// A human label for menus and titles.
    pub fn label(self) -> &'static str {
        match self {
            Self::Opaque => "Key/value (Opaque)",
            Self::DockerConfigJson => "Docker registry credentials",
            Self::SshAuth => "SSH private key",
        }
    }

    /// A tag readable without colour for listings: `[docker]`, `[ssh]`; `None` for Opaque, the default, so
    /// plain key/value secrets stay uncluttered.
    pub fn tag(self) -> Option<&'static str> {
        match self {
            Self::Opaque => None,
            Self::DockerConfigJson => Some("[docker]"),
            Self::SshAuth => Some("[ssh]"),
        }
    }

    /// Parses a type name: the Kubernetes name (case-insensitive), the CLI name, or the short `docker` /
    /// `ssh`.
    pub fn from_name(name: &str) -> Option<Self> {
        let n = name.trim().to_ascii_lowercase();
        match n.as_str() {
            "opaque" | "kv" => Some(Self::Opaque),
            "kubernetes.io/dockerconfigjson" | "dockerconfigjson" | "docker" | "docker-registry" => {
                Some(Self::DockerConfigJson)
            }
            "kubernetes.io/ssh-auth" | "ssh-auth" | "ssh" => Some(Self::SshAuth),
            _ => None,
        }
    }

    /// Recognises a type from a secret's keys alone: `.dockerconfigjson` or `ssh-privatekey`.
    pub fn from_keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> Self {
        let mut found = Self::Opaque;
        for k in keys {
            if k == DOCKER_CONFIG_KEY {
                return Self::DockerConfigJson;
            }
            if k == SSH_PRIVATE_KEY {
                found = Self::SshAuth;
            }
        }
        found
    }

    /// The key that holds this type's payload, if the type has one.
    pub fn payload_key(self) -> Option<&'static str> {
        match self {
            Self::Opaque => None,
            Self::DockerConfigJson => Some(DOCKER_CONFIG_KEY),
            Self::SshAuth => Some(SSH_PRIVATE_KEY),
        }
    }
}

impl fmt::Display for SecretType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.k8s_name())
    }
}

/// Where a detected type came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeSource {
    /// The `type` annotation sesame (or a user) recorded.
    Annotation,
    /// Recognised from the secret's keys (no usable annotation).
    Keys,
    /// Neither: Opaque by default.
    Default,
}

/// A secret's type and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// The type.
    pub ty: SecretType,
    /// Where it came from.
    pub source: TypeSource,
    /// An annotation value sesame does not know (e.g. `kubernetes.io/tls`), ignored in favour of the keys.
    pub unknown_annotation: Option<String>,
}

/// Detects a secret's type: the `type` annotation first, else its keys, else Opaque.
///
/// `annotation` is the value of the `type` annotation if there is one.
pub fn detect<'a>(annotation: Option<&str>, keys: impl IntoIterator<Item = &'a str>) -> Detected {
    let mut unknown_annotation = None;
    if let Some(a) = annotation.filter(|a| !a.trim().is_empty()) {
        match SecretType::from_name(a) {
            Some(ty) => return Detected { ty, source: TypeSource::Annotation, unknown_annotation: None },
            None => unknown_annotation = Some(a.to_string()),
        }
    }
    let ty = SecretType::from_keys(keys);
    let source = if ty == SecretType::Opaque { TypeSource::Default } else { TypeSource::Keys };
    Detected { ty, source, unknown_annotation }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in SecretType::ALL {
            assert_eq!(SecretType::from_name(t.k8s_name()), Some(t));
            assert_eq!(SecretType::from_name(t.cli_name()), Some(t));
            assert_eq!(t.to_string(), t.k8s_name());
        }
        assert_eq!(SecretType::from_name("Kubernetes.io/SSH-Auth"), Some(SecretType::SshAuth));
        assert_eq!(SecretType::from_name("kubernetes.io/tls"), None);
    }

    #[test]
    fn tags_are_plain_text() {
        assert_eq!(SecretType::DockerConfigJson.tag(), Some("[docker]"));
        assert_eq!(SecretType::SshAuth.tag(), Some("[ssh]"));
        assert_eq!(SecretType::Opaque.tag(), None);
    }

    #[test]
    fn annotation_wins_over_keys() {
        let d = detect(Some("Opaque"), [".dockerconfigjson"]);
        assert_eq!((d.ty, d.source), (SecretType::Opaque, TypeSource::Annotation));
        let d = detect(Some("kubernetes.io/ssh-auth"), ["other"]);
        assert_eq!((d.ty, d.source), (SecretType::SshAuth, TypeSource::Annotation));
    }

    #[test]
    fn keys_are_recognised() {
        let d = detect(None, ["a", ".dockerconfigjson"]);
        assert_eq!((d.ty, d.source), (SecretType::DockerConfigJson, TypeSource::Keys));
        let d = detect(None, ["ssh-privatekey", "ssh-publickey"]);
        assert_eq!((d.ty, d.source), (SecretType::SshAuth, TypeSource::Keys));
        let d = detect(Some("kubernetes.io/tls"), ["tls.crt"]);
        assert_eq!((d.ty, d.source), (SecretType::Opaque, TypeSource::Default));
        assert_eq!(d.unknown_annotation.as_deref(), Some("kubernetes.io/tls"));
        assert_eq!(detect(Some(""), ["ssh-privatekey"]).ty, SecretType::SshAuth);
    }
}
