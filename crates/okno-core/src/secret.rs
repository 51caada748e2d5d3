//! Where the session token lives: the OS secret store (Secret Service on Linux, Keychain,
//! Credential Manager) when there is one, otherwise a file only the user can read.

use crate::error::{CoreError, CoreResult};
use std::path::{Path, PathBuf};

const SERVICE: &str = "okno";

/// Token storage with a fallback: the OS store first, then the file.
pub struct TokenStore {
    file: PathBuf,
    /// The OS store's entry name; `None` to use the file only.
    account: Option<String>,
}

impl TokenStore {
    /// `use_os_store: false` keeps the token in the file only (tests, portable installs).
    pub fn new(data_dir: &Path, use_os_store: bool, account: &str) -> Self {
        Self {
            file: data_dir.join("session-token"),
            account: use_os_store.then(|| account.to_owned()),
        }
    }

    fn entry(&self) -> Option<keyring::Entry> {
        let account = self.account.as_ref()?;
        keyring::Entry::new(SERVICE, account).ok()
    }

    /// Saves the token; says where it went ("os" or "file").
    pub fn save(&self, token: &str) -> CoreResult<&'static str> {
        if let Some(entry) = self.entry() {
            match entry.set_password(token) {
                Ok(()) => {
                    // A stale file copy must not outlive a newer token.
                    let _ = std::fs::remove_file(&self.file);
                    return Ok("os");
                }
                Err(e) => {
                    tracing::info!(error = %e, "no OS secret store; keeping the token in a private file")
                }
            }
        }
        write_private(&self.file, token.as_bytes())?;
        Ok("file")
    }

    pub fn load(&self) -> CoreResult<Option<String>> {
        if let Some(entry) = self.entry() {
            if let Ok(t) = entry.get_password() {
                return Ok(Some(t));
            }
        }
        match std::fs::read_to_string(&self.file) {
            Ok(t) if !t.trim().is_empty() => Ok(Some(t.trim().to_owned())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CoreError::Io(e.to_string())),
        }
    }

    pub fn clear(&self) -> CoreResult<()> {
        if let Some(entry) = self.entry() {
            let _ = entry.delete_credential();
        }
        match std::fs::remove_file(&self.file) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(CoreError::Io(e.to_string())),
        }
    }
}

/// Writes a file readable and writable by its owner only (0600), atomically.
pub fn write_private(path: &Path, bytes: &[u8]) -> CoreResult<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_an_os_store_the_token_is_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path(), false, "user@test");
        assert_eq!(store.load().unwrap(), None);
        assert_eq!(store.save("secret-token").unwrap(), "file");
        assert_eq!(store.load().unwrap().as_deref(), Some("secret-token"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("session-token"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "only the user can read the token");
        }
        store.clear().unwrap();
        assert_eq!(store.load().unwrap(), None);
    }

    #[test]
    fn with_no_session_bus_the_os_store_falls_back_to_the_file() {
        // No D-Bus session here (or a bogus one): the Secret Service is unreachable.
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path(), true, "user@test");
        let saved = store.save("t2").unwrap();
        assert_eq!(store.load().unwrap().as_deref(), Some("t2"));
        if saved == "file" {
            assert!(dir.path().join("session-token").exists());
        }
        store.clear().unwrap();
        assert_eq!(store.load().unwrap(), None);
    }
}
