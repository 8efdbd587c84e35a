//! Files and folders sesame writes: created owner-only from the start (folders 0700, files 0600), never
//! created open and narrowed afterwards, so there is no moment when another user could read them.
//!
//! Used for `sesame.log`, the audit exports, the OSC 52 owner file and everything in the cache and
//! runtime directories. A file or folder that already existed with wider permissions (from an older
//! sesame) is narrowed when sesame opens it for writing.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;

/// Mode of the folders sesame creates.
pub const DIR_MODE: u32 = 0o700;

/// Mode of the files sesame creates.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and its missing parents as 0700. An existing folder is left as it is: it may be the
/// user's (`--log-file /tmp/x.log`).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)
}

/// Creates `dir` (and parents) as 0700, and narrows it to 0700 if it already existed wider: for the
/// folders that belong to sesame alone (its cache and runtime directories).
pub fn own_private_dir(dir: &Path) -> io::Result<()> {
    create_private_dir(dir)?;
    let meta = fs::metadata(dir)?;
    if meta.permissions().mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE))?;
    }
    Ok(())
}

/// Open options that create a file as 0600 (write access; the caller adds append/truncate/create_new).
pub fn private_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.write(true).mode(FILE_MODE);
    o
}

/// Narrows an open regular file that existed before with wider permissions to 0600 (never a device such
/// as `/dev/null`).
pub fn narrow(file: &File) -> io::Result<()> {
    let meta = file.metadata()?;
    if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
        file.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
    }
    Ok(())
}

/// Opens `path` for appending, creating it as 0600 (a file that existed wider is narrowed).
pub fn open_private_append(path: &Path) -> io::Result<File> {
    let file = private_options().create(true).append(true).open(path)?;
    narrow(&file)?;
    Ok(file)
}

/// Replaces the content of `path` with `bytes`, creating it as 0600 (a file that existed wider is narrowed).
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    let mut file = private_options().create(true).truncate(true).open(path)?;
    narrow(&file)?;
    file.write_all(bytes)
}

/// The mode bits (`0o777`) of `path`, for messages and tests.
pub fn mode_of(path: &Path) -> io::Result<u32> {
    Ok(fs::metadata(path)?.permissions().mode() & 0o777)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_folders_are_owner_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        create_private_dir(&dir).unwrap();
        assert_eq!(mode_of(&dir).unwrap(), 0o700);
        assert_eq!(mode_of(&tmp.path().join("a")).unwrap(), 0o700);
        let f = dir.join("f");
        write_private(&f, b"x").unwrap();
        assert_eq!(mode_of(&f).unwrap(), 0o600);
        let g = dir.join("g");
        drop(open_private_append(&g).unwrap());
        assert_eq!(mode_of(&g).unwrap(), 0o600);
    }

    #[test]
    fn older_wider_files_and_own_folders_are_narrowed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cache");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        create_private_dir(&dir).unwrap();
        assert_eq!(mode_of(&dir).unwrap(), 0o755, "a folder that may be the user's is left alone");
        own_private_dir(&dir).unwrap();
        assert_eq!(mode_of(&dir).unwrap(), 0o700);
        let f = dir.join("log");
        fs::write(&f, "old").unwrap();
        fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).unwrap();
        drop(open_private_append(&f).unwrap());
        assert_eq!(mode_of(&f).unwrap(), 0o600);
        assert_eq!(fs::read_to_string(&f).unwrap(), "old");
    }
}
