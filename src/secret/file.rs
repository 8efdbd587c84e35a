//! Values loaded from files: UTF-8 text as is, anything else base64-encoded with the encoding recorded.
//!
//! # Where the encoding is recorded
//! As the annotation `encoding.<KEY>` = `base64` ([`crate::vault::annotations`]): on KV v2 in the secret's
//! `custom_metadata` under `sesame.encoding.<KEY>` (metadata is not secret, holds strings, and travels with
//! the secret when sesame copies or moves it); on KV v1, which has no metadata, in the mount's annotation
//! registry secret. A key whose value is replaced by plain text drops its record.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use zeroize::Zeroizing;

use super::SecretValue;

/// The largest file sesame loads into one value (before base64). Secrets live in one storage entry each,
/// and storage backends cap entries near 512 KiB to 1 MiB.
pub const MAX_FILE_BYTES: u64 = 512 * 1024;

use super::annotation;
/// Prefix of the annotation names recording a value's encoding (`encoding.KEY`, see
/// [`crate::secret::annotation`]: stored as `sesame.encoding.KEY` in KV v2 custom_metadata, in the mount's
/// registry on KV v1).
pub use super::annotation::ENCODING_PREFIX as ENCODING_ANNOTATION_PREFIX;

/// Longest custom_metadata key Vault accepts.
const MAX_METADATA_KEY: usize = 128;

/// How a value's bytes are stored in its JSON string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// The bytes are the UTF-8 text itself.
    Text,
    /// The bytes are base64 (standard alphabet, padded).
    Base64,
}

impl Encoding {
    /// The encoding an encoding record names (`base64`; anything else is text).
    pub fn from_record(value: &str) -> Self {
        if value == annotation::BASE64 { Self::Base64 } else { Self::Text }
    }

    /// The custom_metadata value for this encoding (`None` for text: nothing is recorded).
    pub fn metadata_value(self) -> Option<&'static str> {
        match self {
            Self::Text => None,
            Self::Base64 => Some(annotation::BASE64),
        }
    }
}

/// A value read from a file.
#[derive(Debug, Clone)]
pub struct FileValue {
    /// The value to store (a JSON string).
    pub value: SecretValue,
    /// How the file's bytes were put into it.
    pub encoding: Encoding,
    /// The file's size in bytes.
    pub size: u64,
}

/// Why a file could not become a value. Never holds the file's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileValueError {
    /// Larger than [`MAX_FILE_BYTES`].
    #[error(
        "{} is {}: a value loaded from a file may be at most {} (Vault stores each secret in one storage entry)",
        .path.display(), human_size(*.size), human_size(*.limit)
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size (or a lower bound when it grew while read).
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Missing, unreadable or not a regular file.
    #[error("cannot read {}: {detail}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        detail: String,
    },
}

/// Reads a file into a value: UTF-8 text without NUL bytes as is, anything else base64-encoded.
pub fn load_file_value(path: &Path) -> Result<FileValue, FileValueError> {
    load_file_value_limited(path, MAX_FILE_BYTES)
}

/// [`load_file_value`] with another size limit.
pub fn load_file_value_limited(path: &Path, limit: u64) -> Result<FileValue, FileValueError> {
    let io = |e: std::io::Error| FileValueError::Io { path: path.to_path_buf(), detail: e.to_string() };
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(FileValueError::Io { path: path.to_path_buf(), detail: "it is a directory".into() });
    }
    if meta.len() > limit {
        return Err(FileValueError::TooLarge { path: path.to_path_buf(), size: meta.len(), limit });
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0)));
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    let size = bytes.len() as u64;
    if size > limit {
        return Err(FileValueError::TooLarge { path: path.to_path_buf(), size, limit });
    }
    Ok(value_from_bytes(&bytes))
}

/// Turns bytes into a value: UTF-8 text without NUL bytes as is, anything else base64-encoded.
pub fn value_from_bytes(bytes: &[u8]) -> FileValue {
    let size = bytes.len() as u64;
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => {
            FileValue { value: SecretValue::from_string(text), encoding: Encoding::Text, size }
        }
        _ => {
            let mut b64 = Zeroizing::new(String::new());
            base64::engine::general_purpose::STANDARD.encode_string(bytes, &mut b64);
            FileValue { value: SecretValue::from_string(&b64), encoding: Encoding::Base64, size }
        }
    }
}

/// The custom_metadata key recording the encoding of `key`, or `None` when the key is too long for one.
pub fn encoding_metadata_key(key: &str) -> Option<String> {
    let k = annotation::metadata_key(&annotation::encoding(key));
    (k.chars().count() <= MAX_METADATA_KEY).then_some(k)
}

/// The annotation name recording the encoding of `key` (`encoding.KEY`).
pub fn encoding_annotation(key: &str) -> String {
    annotation::encoding(key)
}

/// The encoding recorded for `key` in a secret's custom_metadata (text when nothing is recorded).
pub fn recorded_encoding<'a, I>(custom_metadata: I, key: &str) -> Encoding
where
    I: IntoIterator<Item = (&'a String, &'a String)>,
{
    let wanted = encoding_metadata_key(key);
    custom_metadata
        .into_iter()
        .find(|(k, _)| Some(k.as_str()) == wanted.as_deref())
        .map_or(Encoding::Text, |(_, v)| Encoding::from_record(v))
}

/// The bytes a value stands for, given its encoding (for exporting a value back to a file). `None` when
/// the value is not a string or not valid base64.
pub fn decode_value(value: &SecretValue, encoding: Encoding) -> Option<Zeroizing<Vec<u8>>> {
    if !value.is_string() {
        return None;
    }
    let text = value.reveal();
    match encoding {
        Encoding::Text => Some(Zeroizing::new(text.as_bytes().to_vec())),
        Encoding::Base64 => {
            base64::engine::general_purpose::STANDARD.decode(text.as_bytes()).ok().map(Zeroizing::new)
        }
    }
}

/// `512 KiB`, `1.5 MiB`, `12 B`.
fn human_size(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if n >= MIB {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    } else if n >= KIB {
        if n.is_multiple_of(KIB) {
            format!("{} KiB", n / KIB)
        } else {
            format!("{:.1} KiB", n as f64 / KIB as f64)
        }
    } else {
        format!("{n} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn text_is_kept_and_binary_is_base64() {
        let t = value_from_bytes("line 1\nlïne 2\n".as_bytes());
        assert_eq!(t.encoding, Encoding::Text);
        assert_eq!(&*t.value.reveal(), "line 1\nlïne 2\n");
        let bin: Vec<u8> = vec![0, 159, 146, 150, 255];
        let b = value_from_bytes(&bin);
        assert_eq!(b.encoding, Encoding::Base64);
        assert_eq!(decode_value(&b.value, Encoding::Base64).unwrap().as_slice(), bin.as_slice());
        assert_eq!(value_from_bytes(b"a\0b").encoding, Encoding::Base64);
    }

    #[test]
    fn size_limit_is_clear() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        std::fs::write(&p, vec![b'x'; 2048]).unwrap();
        let e = load_file_value_limited(&p, 1024).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{} is 2 KiB: a value loaded from a file may be at most 1 KiB (Vault stores each secret in one \
                 storage entry)",
                p.display()
            )
        );
        assert!(load_file_value_limited(&p, 2048).is_ok());
        assert!(matches!(load_file_value(dir.path()), Err(FileValueError::Io { .. })));
        assert!(matches!(load_file_value(&dir.path().join("nope")), Err(FileValueError::Io { .. })));
    }

    #[test]
    fn encoding_records() {
        let mut meta = BTreeMap::new();
        meta.insert("sesame.encoding.CERT".to_string(), "base64".to_string());
        assert_eq!(recorded_encoding(&meta, "CERT"), Encoding::Base64);
        assert_eq!(recorded_encoding(&meta, "OTHER"), Encoding::Text);
        assert_eq!(encoding_metadata_key("K").as_deref(), Some("sesame.encoding.K"));
        assert_eq!(encoding_metadata_key(&"K".repeat(200)), None);
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(3 * 1024 * 1024), "3.0 MiB");
    }
}
