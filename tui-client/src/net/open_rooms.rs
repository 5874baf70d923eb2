//! The rooms a user had open, kept on disk next to the session file (`rooms.json`, readable
//! by the user only) so the next start opens them again: their ids in tab order and the one
//! on screen, per server and nickname. This is the client's own file, not part of the protocol.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::session::{read_json_or_default, write_private};

/// One user's open tabs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRooms {
    /// Room ids in tab order.
    pub rooms: Vec<i64>,
    /// The room on screen; `None`: the lobby.
    #[serde(default)]
    pub shown: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    server: String,
    nickname: String,
    #[serde(flatten)]
    open: OpenRooms,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Contents {
    users: Vec<Entry>,
}

#[derive(Debug, Clone)]
pub struct OpenRoomsFile {
    path: PathBuf,
}

impl OpenRoomsFile {
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            path: dir.join("rooms.json"),
        }
    }

    /// The tabs kept for `nickname` on `server`; none if the file is missing or unreadable.
    pub fn load(&self, server: &str, nickname: &str) -> OpenRooms {
        self.read()
            .users
            .into_iter()
            .find(|e| e.server == server && e.nickname == nickname)
            .map(|e| e.open)
            .unwrap_or_default()
    }

    /// Replaces what is kept for `nickname` on `server`.
    pub fn save(&self, server: &str, nickname: &str, open: &OpenRooms) -> io::Result<()> {
        let mut contents = self.read();
        contents
            .users
            .retain(|e| e.server != server || e.nickname != nickname);
        if !open.rooms.is_empty() {
            contents.users.push(Entry {
                server: server.to_owned(),
                nickname: nickname.to_owned(),
                open: open.clone(),
            });
        }
        let text = serde_json::to_string_pretty(&contents).map_err(io::Error::other)?;
        write_private(&self.path, text.as_bytes())
    }

    fn read(&self) -> Contents {
        read_json_or_default(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn each_user_on_each_server_gets_their_own_tabs_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = OpenRoomsFile::in_dir(dir.path());
        let ana = OpenRooms {
            rooms: vec![3, 1],
            shown: Some(1),
        };
        file.save("http://a", "ana", &ana).expect("save");
        file.save(
            "http://b",
            "ana",
            &OpenRooms {
                rooms: vec![9],
                shown: None,
            },
        )
        .expect("save");
        assert_eq!(file.load("http://a", "ana"), ana);
        assert_eq!(file.load("http://b", "ana").rooms, [9]);
        assert_eq!(file.load("http://a", "bo"), OpenRooms::default());

        file.save("http://a", "ana", &OpenRooms::default())
            .expect("save");
        assert_eq!(file.load("http://a", "ana"), OpenRooms::default());
        assert_eq!(file.load("http://b", "ana").rooms, [9], "others kept");
    }

    #[test]
    fn a_broken_file_reads_as_no_tabs() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = OpenRoomsFile::in_dir(dir.path());
        fs::write(dir.path().join("rooms.json"), "{not json").expect("write");
        assert_eq!(file.load("http://a", "ana"), OpenRooms::default());
    }
}
