//! SSH private keys: the `kubernetes.io/ssh-auth` secret type.
//!
//! [`prepare_private_key`] validates a pasted or loaded key with real parsers (the `ssh-key` crate for the
//! OpenSSH format; `rsa`, `p256`/`p384`/`p521` and `ed25519-dalek` for PEM: PKCS#1 `RSA PRIVATE KEY`, SEC1
//! `EC PRIVATE KEY` and PKCS#8 `PRIVATE KEY`), checks that the public half matches the private one, and derives
//! what may be shown: the OpenSSH public key line and the `SHA256:` fingerprint, exactly as `ssh-keygen -y` and
//! `ssh-keygen -l` print them.
//!
//! Decisions:
//! - **Encrypted keys are refused** (OpenSSH `aes256-ctr`/bcrypt keys, legacy PEM with `Proc-Type: 4,ENCRYPTED`,
//!   PKCS#8 `ENCRYPTED PRIVATE KEY`): the services that read an ssh-auth secret cannot type a passphrase. The
//!   error still carries the fingerprint when the format shows it (OpenSSH stores the public key in clear).
//! - Keys are stored as given (line endings normalised to `\n`, one final newline), except Ed25519 keys in PKCS#8,
//!   which OpenSSH cannot read: they are converted to the OpenSSH format, and [`PreparedKey::note`] says so.
//! - RSA keys shorter than 1024 bits, DSA keys and security-key handles (`sk-…`) are refused: current OpenSSH
//!   refuses them too.
//! - Once stored, the private key is never shown again: the UI and `sesame get` show only [`SshKeyInfo`].
//!
//! No error message quotes key material.

use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use ssh_key::private::{EcdsaKeypair, Ed25519Keypair, KeypairData, RsaKeypair};
use ssh_key::{HashAlg, LineEnding, PrivateKey};
use zeroize::Zeroizing;

use super::types::SSH_PRIVATE_KEY;
use super::{SecretData, SecretValue};

/// Largest key file read from disk (an RSA 16384-bit key is about 12 KiB).
pub const MAX_KEY_FILE: u64 = 64 * 1024;

/// The encoding a key was given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// `-----BEGIN OPENSSH PRIVATE KEY-----`.
    OpenSsh,
    /// `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1).
    Pkcs1,
    /// `-----BEGIN EC PRIVATE KEY-----` (SEC1).
    Sec1,
    /// `-----BEGIN PRIVATE KEY-----` (PKCS#8).
    Pkcs8,
}

impl KeyFormat {
    /// A label for the UI.
    pub fn label(self) -> &'static str {
        match self {
            Self::OpenSsh => "OpenSSH",
            Self::Pkcs1 => "PEM (PKCS#1)",
            Self::Sec1 => "PEM (SEC1)",
            Self::Pkcs8 => "PEM (PKCS#8)",
        }
    }
}

/// The key algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSA.
    Rsa,
    /// ECDSA on NIST P-256.
    EcdsaP256,
    /// ECDSA on NIST P-384.
    EcdsaP384,
    /// ECDSA on NIST P-521.
    EcdsaP521,
    /// Ed25519.
    Ed25519,
}

impl KeyAlgorithm {
    /// The name `ssh-keygen -l` prints in parentheses: `RSA`, `ECDSA`, `ED25519`.
    pub fn keygen_name(self) -> &'static str {
        match self {
            Self::Rsa => "RSA",
            Self::EcdsaP256 | Self::EcdsaP384 | Self::EcdsaP521 => "ECDSA",
            Self::Ed25519 => "ED25519",
        }
    }
}

/// What may be shown of a private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshKeyInfo {
    /// The algorithm.
    pub algorithm: KeyAlgorithm,
    /// Key size in bits (256 for Ed25519).
    pub bits: u32,
    /// The encoding it was given in.
    pub format: KeyFormat,
    /// The OpenSSH public key line, `ssh-ed25519 AAAA… comment`, as `ssh-keygen -y` prints it.
    pub public_key: String,
    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// The key's comment (OpenSSH format only), possibly empty.
    pub comment: String,
}

impl SshKeyInfo {
    /// The public key without its comment: `type base64`.
    pub fn public_key_bare(&self) -> &str {
        let mut it = self.public_key.splitn(3, ' ');
        match (it.next(), it.next()) {
            (Some(a), Some(b)) => &self.public_key[..a.len() + 1 + b.len()],
            _ => &self.public_key,
        }
    }

    /// The line `ssh-keygen -l` prints: `256 SHA256:… comment (ED25519)`.
    pub fn keygen_line(&self) -> String {
        let comment = if self.comment.is_empty() { "no comment" } else { &self.comment };
        format!("{} {} {comment} ({})", self.bits, self.fingerprint, self.algorithm.keygen_name())
    }
}

/// A validated key, ready to store.
pub struct PreparedKey {
    /// The text to store under `ssh-privatekey`.
    pub text: Zeroizing<String>,
    /// What may be shown.
    pub info: SshKeyInfo,
    /// A remark for the user (e.g. the key was converted to the OpenSSH format).
    pub note: Option<String>,
}

impl fmt::Debug for PreparedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedKey")
            .field("info", &self.info)
            .field("note", &self.note)
            .finish_non_exhaustive()
    }
}

impl PreparedKey {
    /// The secret to write: `ssh-privatekey` = the key text.
    pub fn to_secret_data(&self) -> SecretData {
        SecretData { pairs: vec![(SSH_PRIVATE_KEY.to_string(), SecretValue::from_string(&self.text))] }
    }
}

/// Why a key cannot be stored. Never carries key material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshKeyError {
    /// Nothing was given.
    Empty,
    /// A public key was given instead of a private one.
    PublicKey,
    /// The key is protected by a passphrase.
    Encrypted {
        /// The key's fingerprint when the format shows it without the passphrase.
        fingerprint: Option<String>,
    },
    /// A key type or format sesame does not store.
    Unsupported(String),
    /// Not a valid key.
    Invalid(String),
    /// The key file could not be read.
    File {
        /// The path as expanded.
        path: PathBuf,
        /// Why, in plain words.
        reason: String,
    },
}

impl fmt::Display for SshKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("no key given"),
            Self::PublicKey => f.write_str("this is a public key: give the private key"),
            Self::Encrypted { fingerprint } => {
                f.write_str("the key is protected by a passphrase, and the services that read it from Vault cannot type one: store an unencrypted key (remove the passphrase on a copy with `ssh-keygen -p -N '' -f COPY`)")?;
                if let Some(fp) = fingerprint {
                    write!(f, " [{fp}]")?;
                }
                Ok(())
            }
            Self::Unsupported(m) => write!(f, "unsupported key: {m}"),
            Self::Invalid(m) => write!(f, "not a valid private key: {m}"),
            Self::File { path, reason } => write!(f, "cannot read {}: {reason}", path.display()),
        }
    }
}

impl std::error::Error for SshKeyError {}

/// Validates a private key and derives its public key and fingerprint, without preparing it for storage.
pub fn inspect_private_key(text: &str) -> Result<SshKeyInfo, SshKeyError> {
    prepare_private_key(text).map(|p| p.info)
}

/// Validates a private key (pasted or read from a file) and prepares the text to store.
pub fn prepare_private_key(text: &str) -> Result<PreparedKey, SshKeyError> {
    let text = normalize(text);
    if text.trim().is_empty() {
        return Err(SshKeyError::Empty);
    }
    let Some(label) = pem_label(&text) else {
        return Err(classify_non_pem(&text));
    };
    match label.as_str() {
        "OPENSSH PRIVATE KEY" => {
            // ssh-key 0.6 refuses ECDSA scalars OpenSSH wrote shorter than the curve size (about half of all
            // P-521 keys): parse a copy with the scalar padded, and store the text as given.
            let key = match PrivateKey::from_openssh(text.as_bytes()) {
                Ok(k) => k,
                Err(e) => match pad_openssh_ecdsa_scalar(&text) {
                    Some(fixed) => PrivateKey::from_openssh(fixed.as_bytes()),
                    None => Err(e),
                }
                .map_err(|e| SshKeyError::Invalid(format!("OpenSSH format: {e}")))?,
            };
            if key.is_encrypted() {
                return Err(SshKeyError::Encrypted {
                    fingerprint: Some(key.public_key().fingerprint(HashAlg::Sha256).to_string()),
                });
            }
            let (algorithm, bits) = check_keypair(key.key_data())?;
            let info = info_of(&key, algorithm, bits, KeyFormat::OpenSsh)?;
            Ok(PreparedKey { text, info, note: None })
        }
        "RSA PRIVATE KEY" | "EC PRIVATE KEY" if text.contains("Proc-Type: 4,ENCRYPTED") => {
            Err(SshKeyError::Encrypted { fingerprint: None })
        }
        "ENCRYPTED PRIVATE KEY" => Err(SshKeyError::Encrypted { fingerprint: None }),
        "RSA PRIVATE KEY" => {
            use rsa::pkcs1::DecodeRsaPrivateKey as _;
            let rsa = rsa::RsaPrivateKey::from_pkcs1_pem(&text)
                .map_err(|e| SshKeyError::Invalid(format!("PKCS#1 RSA key: {e}")))?;
            let key = from_rsa(&rsa)?;
            let (algorithm, bits) = check_keypair(key.key_data())?;
            let info = info_of(&key, algorithm, bits, KeyFormat::Pkcs1)?;
            Ok(PreparedKey { text, info, note: None })
        }
        "EC PRIVATE KEY" => {
            let data = ec_from_sec1(&text)?;
            let key = PrivateKey::new(data, "").map_err(|e| SshKeyError::Invalid(e.to_string()))?;
            let (algorithm, bits) = check_keypair(key.key_data())?;
            let info = info_of(&key, algorithm, bits, KeyFormat::Sec1)?;
            Ok(PreparedKey { text, info, note: None })
        }
        "PRIVATE KEY" => {
            let (key, ed25519) = from_pkcs8(&text)?;
            let (algorithm, bits) = check_keypair(key.key_data())?;
            let info = info_of(&key, algorithm, bits, KeyFormat::Pkcs8)?;
            if ed25519 {
                // OpenSSH cannot read Ed25519 keys in PKCS#8: store the OpenSSH encoding of the same key.
                let text = key
                    .to_openssh(LineEnding::LF)
                    .map_err(|e| SshKeyError::Invalid(format!("cannot re-encode the key: {e}")))?;
                let note =
                    Some("Ed25519 key in PKCS#8 converted to the OpenSSH format, which OpenSSH reads".into());
                return Ok(PreparedKey { text, info, note });
            }
            Ok(PreparedKey { text, info, note: None })
        }
        "DSA PRIVATE KEY" => {
            Err(SshKeyError::Unsupported("DSA keys are obsolete and refused by OpenSSH".into()))
        }
        "PUBLIC KEY" | "RSA PUBLIC KEY" | "SSH2 PUBLIC KEY" => Err(SshKeyError::PublicKey),
        "CERTIFICATE" => Err(SshKeyError::Unsupported("this is a certificate, not a private key".into())),
        other => Err(SshKeyError::Unsupported(format!("a PEM block labelled {other:?}"))),
    }
}

/// A copy of an unencrypted OpenSSH ECDSA key whose private scalar is left-padded with zeros to the curve
/// size, or `None` when the key is not one that needs it (or cannot be read at all).
fn pad_openssh_ecdsa_scalar(text: &str) -> Option<Zeroizing<String>> {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    let mut body = Zeroizing::new(String::with_capacity(text.len()));
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("-----")) {
        body.push_str(line);
    }
    let blob = Zeroizing::new(engine.decode(body.as_bytes()).ok()?);
    let mut r = SshReader(&blob);
    let magic = b"openssh-key-v1\0";
    if r.take(magic.len())? != magic {
        return None;
    }
    if r.string()? != b"none" {
        return None;
    }
    let (kdf, kdf_options, nkeys, public) = (r.string()?, r.string()?, r.u32()?, r.string()?);
    if nkeys != 1 {
        return None;
    }
    let mut p = SshReader(r.string()?);
    let (check1, check2, algorithm) = (p.u32()?, p.u32()?, p.string()?);
    let size = match algorithm {
        b"ecdsa-sha2-nistp256" => 32,
        b"ecdsa-sha2-nistp384" => 48,
        b"ecdsa-sha2-nistp521" => 66,
        _ => return None,
    };
    let (curve, point, scalar, comment) = (p.string()?, p.string()?, p.string()?, p.string()?);
    if scalar.is_empty() || scalar.len() >= size {
        return None;
    }
    let mut private = Zeroizing::new(Vec::with_capacity(256));
    private.extend_from_slice(&check1.to_be_bytes());
    private.extend_from_slice(&check2.to_be_bytes());
    for field in [algorithm, curve, point] {
        put_string(&mut private, field);
    }
    private.extend_from_slice(&(size as u32).to_be_bytes());
    private.extend(std::iter::repeat_n(0u8, size - scalar.len()));
    private.extend_from_slice(scalar);
    put_string(&mut private, comment);
    let mut pad = 1u8;
    while private.len() % 8 != 0 {
        private.push(pad);
        pad += 1;
    }
    let mut out = Zeroizing::new(Vec::with_capacity(blob.len() + 128));
    out.extend_from_slice(magic);
    for field in [&b"none"[..], kdf, kdf_options] {
        put_string(&mut out, field);
    }
    out.extend_from_slice(&nkeys.to_be_bytes());
    put_string(&mut out, public);
    put_string(&mut out, &private);
    let mut encoded = Zeroizing::new(String::with_capacity(out.len() * 4 / 3 + 4));
    engine.encode_string(out.as_slice(), &mut encoded);
    let mut pem = Zeroizing::new(String::with_capacity(encoded.len() + 128));
    pem.push_str("-----BEGIN OPENSSH PRIVATE KEY-----\n");
    for chunk in encoded.as_bytes().chunks(70) {
        pem.push_str(std::str::from_utf8(chunk).ok()?);
        pem.push('\n');
    }
    pem.push_str("-----END OPENSSH PRIVATE KEY-----\n");
    Some(pem)
}

/// Reads SSH wire encoding (RFC 4251): big-endian `uint32` and length-prefixed strings.
struct SshReader<'a>(&'a [u8]);

impl<'a> SshReader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s);
}

/// What may be shown of a stored ssh-auth secret's key (`ssh-privatekey`): its public key and fingerprint, or
/// why there are none (no such key, not a string, not a valid or an encrypted key).
pub fn stored_key_info(data: &SecretData) -> Result<SshKeyInfo, String> {
    let Some(v) = data.get(SSH_PRIVATE_KEY) else { return Err(format!("no {SSH_PRIVATE_KEY} key")) };
    if !v.is_string() {
        return Err(format!("{SSH_PRIVATE_KEY} is a {}, not a key", v.kind()));
    }
    inspect_private_key(&v.reveal()).map_err(|e| e.to_string())
}

/// Expands a leading `~` or `~/` to the home directory.
pub fn expand_tilde(path: &str) -> PathBuf {
    let home = || std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
    if path == "~" {
        if let Some(h) = home() {
            return h;
        }
    } else if let Some(rest) = path.strip_prefix("~/")
        && let Some(h) = home()
    {
        return h.join(rest);
    }
    PathBuf::from(path)
}

/// Reads a key file (`~` expanded), reporting plainly why it cannot be read. The content is not validated:
/// pass it to [`prepare_private_key`].
pub fn read_key_file(path: &str) -> Result<Zeroizing<String>, SshKeyError> {
    let p = expand_tilde(path.trim());
    read_path(&p)
}

fn read_path(p: &Path) -> Result<Zeroizing<String>, SshKeyError> {
    let fail = |reason: String| SshKeyError::File { path: p.to_path_buf(), reason };
    let io = |e: std::io::Error| {
        fail(match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".into(),
            std::io::ErrorKind::PermissionDenied => "permission denied".into(),
            _ => e.to_string(),
        })
    };
    let meta = std::fs::metadata(p).map_err(io)?;
    if meta.is_dir() {
        return Err(fail("it is a folder, not a key file".into()));
    }
    if meta.len() > MAX_KEY_FILE {
        return Err(fail(format!(
            "{} bytes is too large for a key file (at most {MAX_KEY_FILE})",
            meta.len()
        )));
    }
    let mut file = std::fs::File::open(p).map_err(io)?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(meta.len() as usize + 1));
    file.by_ref().take(MAX_KEY_FILE + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_KEY_FILE {
        return Err(fail(format!("too large for a key file (at most {MAX_KEY_FILE} bytes)")));
    }
    let text =
        std::str::from_utf8(&bytes).map_err(|_| fail("not a text file (a key file is text)".into()))?;
    Ok(Zeroizing::new(text.to_string()))
}

/// CRLF to LF, surrounding whitespace trimmed, one final newline.
fn normalize(text: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len() + 1));
    for line in text.trim().lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The label of the first `-----BEGIN X-----` line, if any.
fn pem_label(text: &str) -> Option<String> {
    let t = text.trim_start();
    if let Some(rest) = t.strip_prefix("---- BEGIN SSH2 PUBLIC KEY ----") {
        let _ = rest;
        return Some("SSH2 PUBLIC KEY".into());
    }
    let rest = t.strip_prefix("-----BEGIN ")?;
    let end = rest.find("-----")?;
    Some(rest[..end].to_string())
}

/// Names what a non-PEM text is.
fn classify_non_pem(text: &str) -> SshKeyError {
    let first = text.trim_start();
    let word = first.split_whitespace().next().unwrap_or("");
    if word.starts_with("ssh-") || word.starts_with("ecdsa-sha2-") || word.starts_with("sk-") {
        SshKeyError::PublicKey
    } else if first.starts_with("PuTTY-User-Key-File-") {
        SshKeyError::Unsupported(
            "a PuTTY key: export it in OpenSSH format first (puttygen KEY -O private-openssh -o FILE)".into(),
        )
    } else {
        SshKeyError::Invalid("no -----BEGIN … PRIVATE KEY----- line".into())
    }
}

/// Checks that the keypair is one sesame stores and that its public half matches the private one; returns the
/// algorithm and the size in bits.
fn check_keypair(data: &KeypairData) -> Result<(KeyAlgorithm, u32), SshKeyError> {
    let mismatch = || SshKeyError::Invalid("the public part does not match the private key".into());
    match data {
        // Decoding already checked that the public key is derived from the private one.
        KeypairData::Ed25519(_) => Ok((KeyAlgorithm::Ed25519, 256)),
        KeypairData::Rsa(kp) => {
            use rsa::traits::PublicKeyParts as _;
            let rsa = to_rsa(kp)?;
            rsa.validate().map_err(|_| mismatch())?;
            let bits = rsa.n().bits() as u32;
            if bits < 1024 {
                return Err(SshKeyError::Unsupported(format!(
                    "a {bits}-bit RSA key is too short: OpenSSH refuses RSA keys under 1024 bits"
                )));
            }
            Ok((KeyAlgorithm::Rsa, bits))
        }
        KeypairData::Ecdsa(kp) => {
            let bad_scalar = |_| SshKeyError::Invalid("the ECDSA private scalar is out of range".into());
            match kp {
                EcdsaKeypair::NistP256 { public, private } => {
                    let sk = p256::SecretKey::from_slice(private.as_slice()).map_err(bad_scalar)?;
                    if sk.public_key().to_encoded_point(false).as_bytes() != public.as_bytes() {
                        return Err(mismatch());
                    }
                    Ok((KeyAlgorithm::EcdsaP256, 256))
                }
                EcdsaKeypair::NistP384 { public, private } => {
                    let sk = p384::SecretKey::from_slice(private.as_slice()).map_err(bad_scalar)?;
                    if sk.public_key().to_encoded_point(false).as_bytes() != public.as_bytes() {
                        return Err(mismatch());
                    }
                    Ok((KeyAlgorithm::EcdsaP384, 384))
                }
                EcdsaKeypair::NistP521 { public, private } => {
                    let sk = p521::SecretKey::from_slice(private.as_slice()).map_err(bad_scalar)?;
                    if sk.public_key().to_encoded_point(false).as_bytes() != public.as_bytes() {
                        return Err(mismatch());
                    }
                    Ok((KeyAlgorithm::EcdsaP521, 521))
                }
            }
        }
        KeypairData::Dsa(_) => {
            Err(SshKeyError::Unsupported("DSA keys are obsolete and refused by OpenSSH".into()))
        }
        KeypairData::SkEcdsaSha2NistP256(_) | KeypairData::SkEd25519(_) => Err(SshKeyError::Unsupported(
            "a hardware security key handle (sk-…) is useless without its device".into(),
        )),
        KeypairData::Encrypted(_) => Err(SshKeyError::Encrypted { fingerprint: None }),
        _ => Err(SshKeyError::Unsupported("an unknown key algorithm".into())),
    }
}

/// The `rsa` crate's key from an OpenSSH RSA keypair (both primes, so that `validate` checks p·q = n).
fn to_rsa(kp: &RsaKeypair) -> Result<rsa::RsaPrivateKey, SshKeyError> {
    let int = |m: &ssh_key::Mpint| {
        m.as_positive_bytes()
            .map(rsa::BigUint::from_bytes_be)
            .ok_or_else(|| SshKeyError::Invalid("a negative RSA component".into()))
    };
    let primes = vec![int(&kp.private.p)?, int(&kp.private.q)?];
    rsa::RsaPrivateKey::from_components(int(&kp.public.n)?, int(&kp.public.e)?, int(&kp.private.d)?, primes)
        .map_err(|e| SshKeyError::Invalid(format!("RSA key: {e}")))
}

fn from_rsa(rsa: &rsa::RsaPrivateKey) -> Result<PrivateKey, SshKeyError> {
    rsa.validate().map_err(|e| SshKeyError::Invalid(format!("RSA key: {e}")))?;
    let kp = RsaKeypair::try_from(rsa)
        .map_err(|_| SshKeyError::Unsupported("multi-prime or too short RSA key".into()))?;
    PrivateKey::new(KeypairData::Rsa(kp), "").map_err(|e| SshKeyError::Invalid(e.to_string()))
}

fn ec_from_sec1(text: &str) -> Result<KeypairData, SshKeyError> {
    use p256::elliptic_curve::SecretKey;
    if let Ok(sk) = SecretKey::<p256::NistP256>::from_sec1_pem(text) {
        return Ok(KeypairData::Ecdsa(EcdsaKeypair::NistP256 {
            public: sk.public_key().to_encoded_point(false),
            private: sk.into(),
        }));
    }
    if let Ok(sk) = p384::SecretKey::from_sec1_pem(text) {
        return Ok(KeypairData::Ecdsa(EcdsaKeypair::NistP384 {
            public: sk.public_key().to_encoded_point(false),
            private: sk.into(),
        }));
    }
    match p521::SecretKey::from_sec1_pem(text) {
        Ok(sk) => Ok(KeypairData::Ecdsa(EcdsaKeypair::NistP521 {
            public: sk.public_key().to_encoded_point(false),
            private: sk.into(),
        })),
        Err(_) => {
            Err(SshKeyError::Invalid("not an EC key on P-256, P-384 or P-521 (the curves SSH uses)".into()))
        }
    }
}

/// Parses a PKCS#8 key; the flag is true for Ed25519.
fn from_pkcs8(text: &str) -> Result<(PrivateKey, bool), SshKeyError> {
    use ed25519_dalek::pkcs8::DecodePrivateKey as _;
    let new = |data: KeypairData| PrivateKey::new(data, "").map_err(|e| SshKeyError::Invalid(e.to_string()));
    if let Ok(rsa) = rsa::RsaPrivateKey::from_pkcs8_pem(text) {
        return Ok((from_rsa(&rsa)?, false));
    }
    if let Ok(sk) = p256::SecretKey::from_pkcs8_pem(text) {
        let kp =
            EcdsaKeypair::NistP256 { public: sk.public_key().to_encoded_point(false), private: sk.into() };
        return Ok((new(KeypairData::Ecdsa(kp))?, false));
    }
    if let Ok(sk) = p384::SecretKey::from_pkcs8_pem(text) {
        let kp =
            EcdsaKeypair::NistP384 { public: sk.public_key().to_encoded_point(false), private: sk.into() };
        return Ok((new(KeypairData::Ecdsa(kp))?, false));
    }
    if let Ok(sk) = p521::SecretKey::from_pkcs8_pem(text) {
        let kp =
            EcdsaKeypair::NistP521 { public: sk.public_key().to_encoded_point(false), private: sk.into() };
        return Ok((new(KeypairData::Ecdsa(kp))?, false));
    }
    if let Ok(sk) = ed25519_dalek::SigningKey::from_pkcs8_pem(text) {
        return Ok((new(KeypairData::Ed25519(Ed25519Keypair::from(sk)))?, true));
    }
    // Say which algorithm it was, when the structure parses at all.
    let algorithm = rsa::pkcs8::der::pem::decode_vec(text.as_bytes()).ok().and_then(|(_, der)| {
        let der = Zeroizing::new(der);
        rsa::pkcs8::PrivateKeyInfo::try_from(der.as_slice()).ok().map(|i| i.algorithm.oid.to_string())
    });
    Err(match algorithm {
        Some(oid) => SshKeyError::Unsupported(format!(
            "PKCS#8 key of algorithm {oid} (sesame stores RSA, ECDSA P-256/P-384/P-521 and Ed25519 keys)"
        )),
        None => SshKeyError::Invalid("PKCS#8 structure could not be read".into()),
    })
}

fn info_of(
    key: &PrivateKey,
    algorithm: KeyAlgorithm,
    bits: u32,
    format: KeyFormat,
) -> Result<SshKeyInfo, SshKeyError> {
    let public_key = key
        .public_key()
        .to_openssh()
        .map_err(|e| SshKeyError::Invalid(format!("cannot encode the public key: {e}")))?;
    Ok(SshKeyInfo {
        algorithm,
        bits,
        format,
        public_key,
        fingerprint: key.fingerprint(HashAlg::Sha256).to_string(),
        comment: key.comment().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            ($name, include_str!(concat!("../../tests/fixtures/ssh/", $name)))
        };
    }

    const EXPECTED: &str = include_str!("../../tests/fixtures/ssh/expected.tsv");

    fn fixtures() -> Vec<(&'static str, &'static str)> {
        vec![
            fixture!("ed25519"),
            fixture!("rsa"),
            fixture!("rsa-pkcs1"),
            fixture!("rsa-pkcs8"),
            fixture!("ecdsa-p256"),
            fixture!("ecdsa-p384"),
            fixture!("ecdsa-p521"),
            fixture!("ecdsa-p256-sec1"),
            fixture!("ecdsa-p384-sec1"),
            fixture!("ecdsa-p521-sec1"),
            fixture!("ecdsa-p256-pkcs8"),
            fixture!("ecdsa-p521-pkcs8"),
            fixture!("ecdsa-p256-short-scalar"),
            fixture!("ecdsa-p521-short-scalar"),
        ]
    }

    #[test]
    fn every_format_matches_ssh_keygen() {
        let fx = fixtures();
        assert_eq!(fx.len(), EXPECTED.lines().count());
        for line in EXPECTED.lines() {
            let mut cols = line.split('\t');
            let (name, public, keygen) = (cols.next().unwrap(), cols.next().unwrap(), cols.next().unwrap());
            let text = fx.iter().find(|(n, _)| *n == name).unwrap().1;
            let p = prepare_private_key(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(p.info.public_key_bare(), public, "{name}");
            assert_eq!(p.info.keygen_line(), keygen, "{name}");
            assert_eq!(p.text.as_str(), text, "{name}: stored as given");
            assert!(p.note.is_none());
            let expected_format = if name.ends_with("pkcs8") {
                KeyFormat::Pkcs8
            } else if name.ends_with("sec1") {
                KeyFormat::Sec1
            } else if name.ends_with("pkcs1") {
                KeyFormat::Pkcs1
            } else {
                KeyFormat::OpenSsh
            };
            assert_eq!(p.info.format, expected_format, "{name}");
        }
    }

    #[test]
    fn openssh_comment_is_part_of_the_public_line() {
        let (_, text) = fixture!("ed25519");
        let i = inspect_private_key(text).unwrap();
        assert_eq!(i.comment, "sesame-test-ed25519");
        assert!(i.public_key.ends_with(" sesame-test-ed25519"));
        assert_eq!(i.algorithm, KeyAlgorithm::Ed25519);
    }

    #[test]
    fn crlf_and_whitespace_are_normalised() {
        let (_, text) = fixture!("ecdsa-p256");
        let messy = format!("\n  {}  \n\n", text.replace('\n', "\r\n"));
        let p = prepare_private_key(&messy).unwrap();
        assert_eq!(p.text.as_str(), text);
    }

    #[test]
    fn ed25519_pkcs8_is_converted_to_openssh() {
        let (_, text) = fixture!("ed25519-pkcs8");
        let p = prepare_private_key(text).unwrap();
        assert_eq!(p.info.format, KeyFormat::Pkcs8);
        assert!(p.note.is_some());
        assert!(p.text.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
        let again = prepare_private_key(&p.text).unwrap();
        assert_eq!(again.info.fingerprint, p.info.fingerprint);
        assert_eq!(again.info.public_key_bare(), p.info.public_key_bare());
    }

    #[test]
    fn encrypted_keys_are_refused_with_the_fingerprint_when_known() {
        let (_, text) = fixture!("ed25519-encrypted");
        match prepare_private_key(text).unwrap_err() {
            SshKeyError::Encrypted { fingerprint: Some(fp) } => assert!(fp.starts_with("SHA256:")),
            e => panic!("{e:?}"),
        }
        for (name, text) in [fixture!("rsa-pkcs1-encrypted"), fixture!("ecdsa-pkcs8-encrypted")] {
            assert_eq!(
                prepare_private_key(text).unwrap_err(),
                SshKeyError::Encrypted { fingerprint: None },
                "{name}"
            );
        }
        assert!(SshKeyError::Encrypted { fingerprint: None }.to_string().contains("passphrase"));
    }

    #[test]
    fn broken_inputs_are_named_without_quoting_them() {
        let (_, ed) = fixture!("ed25519");
        let (_, rsa) = fixture!("rsa-pkcs1");
        let (_, ec) = fixture!("ecdsa-p256-sec1");
        // Flip a character in the middle of the base64 body.
        let corrupt = |t: &str| {
            let mut b = t.as_bytes().to_vec();
            let i = b.len() / 2;
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            String::from_utf8(b).unwrap()
        };
        let truncated = |t: &str| format!("{}\n", &t[..t.len() / 2]);
        let cases = vec![
            ("", "no key"),
            ("   \n", "no key"),
            ("hello world", "BEGIN"),
            ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEyK comment", "public key"),
            ("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n", "public key"),
            ("-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n", "DSA"),
            ("PuTTY-User-Key-File-3: ssh-ed25519\n", "PuTTY"),
            ("-----BEGIN OPENSSH PRIVATE KEY-----\n!!!!\n-----END OPENSSH PRIVATE KEY-----\n", "OpenSSH"),
            ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "PKCS#8"),
            ("-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n", "FOO"),
        ];
        for (text, needle) in cases {
            let e = prepare_private_key(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text:?}: {e}");
        }
        for text in [corrupt(ed), truncated(ed), corrupt(rsa), truncated(rsa), corrupt(ec), truncated(ec)] {
            let e = prepare_private_key(&text).unwrap_err();
            let shown = format!("{e} {e:?}");
            for line in text.lines().filter(|l| l.len() > 20) {
                assert!(!shown.contains(line), "{shown}");
            }
        }
    }

    #[test]
    fn mismatched_openssh_ecdsa_halves_are_refused() {
        // Swap the public key of one P-256 OpenSSH key for another's.
        let a = PrivateKey::from_openssh(fixture!("ecdsa-p256").1).unwrap();
        let b = PrivateKey::from_openssh(
            prepare_private_key(fixture!("ecdsa-p256-sec1").1).unwrap().text.as_bytes(),
        );
        assert!(b.is_err(), "SEC1 text is not OpenSSH");
        let sec1 = ec_from_sec1(fixture!("ecdsa-p256-sec1").1).unwrap();
        let (KeypairData::Ecdsa(EcdsaKeypair::NistP256 { public: other, .. }), KeypairData::Ecdsa(mine)) =
            (sec1, a.key_data().clone())
        else {
            panic!("not P-256 keys");
        };
        let EcdsaKeypair::NistP256 { private, .. } = mine else { panic!() };
        let forged = KeypairData::Ecdsa(EcdsaKeypair::NistP256 { public: other, private });
        assert!(check_keypair(&forged).unwrap_err().to_string().contains("does not match"));
    }

    #[test]
    fn secret_data_and_debug() {
        let (_, text) = fixture!("ed25519");
        let p = prepare_private_key(text).unwrap();
        let d = p.to_secret_data();
        assert_eq!(d.keys().collect::<Vec<_>>(), [SSH_PRIVATE_KEY]);
        assert_eq!(d.get(SSH_PRIVATE_KEY).unwrap().reveal().as_str(), text);
        let dbg = format!("{p:?}");
        assert!(!dbg.contains("PRIVATE KEY"), "{dbg}");
    }

    #[test]
    fn key_files_are_read_and_errors_are_plain() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("id");
        std::fs::write(&f, fixture!("ed25519").1).unwrap();
        assert_eq!(read_key_file(f.to_str().unwrap()).unwrap().as_str(), fixture!("ed25519").1);
        let e = read_key_file(dir.path().join("nope").to_str().unwrap()).unwrap_err();
        assert!(e.to_string().ends_with("no such file"), "{e}");
        let e = read_key_file(dir.path().to_str().unwrap()).unwrap_err();
        assert!(e.to_string().contains("folder"), "{e}");
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; MAX_KEY_FILE as usize + 1]).unwrap();
        assert!(read_key_file(big.to_str().unwrap()).unwrap_err().to_string().contains("too large"));
        let bin = dir.path().join("bin");
        std::fs::write(&bin, [0xff, 0xfe, 0x00]).unwrap();
        assert!(read_key_file(bin.to_str().unwrap()).unwrap_err().to_string().contains("not a text file"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let locked = dir.path().join("locked");
            std::fs::write(&locked, "x").unwrap();
            std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
            // Root reads anything: only check the message when the file is really unreadable.
            if std::fs::read(&locked).is_err() {
                let e = read_key_file(locked.to_str().unwrap()).unwrap_err();
                assert!(e.to_string().ends_with("permission denied"), "{e}");
            }
        }
    }

    #[test]
    fn stored_key_info_of_broken_values() {
        let d = SecretData::from_json_object(r#"{"ssh-privatekey":42}"#).unwrap();
        assert!(stored_key_info(&d).unwrap_err().contains("number"));
        let d = SecretData::from_json_object(r#"{"ssh-privatekey":"garbage"}"#).unwrap();
        assert!(stored_key_info(&d).is_err());
        assert!(stored_key_info(&SecretData::default()).is_err());
        let good = prepare_private_key(fixture!("ed25519").1).unwrap().to_secret_data();
        assert_eq!(stored_key_info(&good).unwrap().algorithm, KeyAlgorithm::Ed25519);
    }

    #[test]
    fn tilde_is_expanded() {
        let home = std::env::var("HOME").unwrap_or_default();
        if home.is_empty() {
            return;
        }
        assert_eq!(expand_tilde("~/.ssh/id"), PathBuf::from(&home).join(".ssh/id"));
        assert_eq!(expand_tilde("~"), PathBuf::from(&home));
        assert_eq!(expand_tilde("/x/~/y"), PathBuf::from("/x/~/y"));
        assert_eq!(expand_tilde("~user/x"), PathBuf::from("~user/x"));
    }
}
