//! The saved session: the `sessionid` and newest `csrftoken` cookies in
//! `<config dir>/chat-tui/session.json` (or `$CHAT_TUI_CONFIG_DIR/session.json`), readable by
//! the user only, so the next start goes straight in.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// What is kept between runs. This is the client's own file, not part of the protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSession {
    /// The server these cookies belong to; a session for another server is ignored.
    pub server: String,
    pub nickname: String,
    pub sessionid: String,
    #[serde(default)]
    pub csrftoken: Option<String>,
}

/// Where the session file lives: `$CHAT_TUI_CONFIG_DIR` if set (tests use it), else the
/// platform's config dir (`~/.config/chat-tui` on Linux).
pub fn config_dir() -> Option<PathBuf> {
    match std::env::var_os("CHAT_TUI_CONFIG_DIR") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => dirs::config_dir().map(|d| d.join("chat-tui")),
    }
}

#[derive(Debug, Clone)]
pub struct SessionFile {
    path: PathBuf,
}

impl SessionFile {
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            path: dir.join("session.json"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved session, if the file exists and parses.
    pub fn load(&self) -> Option<SavedSession> {
        let text = fs::read_to_string(&self.path).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Writes the file with mode 0600: the cookie is as good as the password until logout.
    pub fn save(&self, session: &SavedSession) -> io::Result<()> {
        let text = serde_json::to_string_pretty(session).map_err(io::Error::other)?;
        write_private(&self.path, text.as_bytes())
    }

    pub fn delete(&self) -> io::Result<()> {
        match fs::remove_file(&self.path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// The JSON file at `path` as `T`, or `T::default()` if it is missing or unreadable (the
/// client's own files: a broken one is started afresh, never an error).
pub(crate) fn read_json_or_default<T: DeserializeOwned + Default>(path: &Path) -> T {
    fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Writes `bytes` to `path` readable by the user only, creating the folder: a fresh file
/// renamed over the old one, so a crash never leaves half a file and the mode is 0600 from
/// the first byte.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let _ = fs::remove_file(&tmp);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> SavedSession {
        SavedSession {
            server: "http://127.0.0.1:8000".into(),
            nickname: "민수".into(),
            sessionid: "abc".into(),
            csrftoken: Some("tok".into()),
        }
    }

    #[test]
    fn a_saved_session_loads_back_and_is_private() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = SessionFile::in_dir(&dir.path().join("nested"));
        file.save(&session()).expect("save");
        assert_eq!(file.load(), Some(session()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(file.path())
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        file.save(&session())
            .expect("saving twice replaces the file");
        file.delete().expect("delete");
        assert_eq!(file.load(), None);
        file.delete().expect("deleting a missing file is fine");
    }

    #[test]
    fn a_broken_file_reads_as_no_session() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = SessionFile::in_dir(dir.path());
        fs::write(file.path(), "{not json").expect("write");
        assert_eq!(file.load(), None);
    }
}
