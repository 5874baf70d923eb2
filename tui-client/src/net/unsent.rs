//! Lines the server has not acknowledged yet, kept on disk next to the session file
//! (`unsent.json`, readable by the user only) so that quitting, or a crash, while the server
//! is unreachable loses nothing: the next run of the same user on the same server restores
//! them and sends them when their room connects. Each keeps its nonce, so a line the server
//! did store before the quit is not stored twice.
//!
//! The file holds the lines of every user and server that had some, each user's replaced as a
//! whole ([`UnsentFile::save`]). The app keeps it current while it runs, through a thread of
//! its own ([`UnsentKeeper`]) so that writing never holds up the screen, and a quit has at
//! most the last change left to write.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Sender};
use std::thread::JoinHandle;

use serde::{Deserialize, Serialize};

use super::session::{read_json_or_default, write_private};

/// One line waiting for the server, as the app keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsentLine {
    pub room_id: i64,
    pub nonce: String,
    pub body: String,
    /// An action line (`/me`); absent in files from before actions.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub action: bool,
}

/// A line in the file: whose it is and for which server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    server: String,
    nickname: String,
    #[serde(flatten)]
    line: UnsentLine,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Contents {
    lines: Vec<Entry>,
}

#[derive(Debug, Clone)]
pub struct UnsentFile {
    path: PathBuf,
}

impl UnsentFile {
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            path: dir.join("unsent.json"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lines kept for `nickname` on `server`, oldest first; none if the file is missing
    /// or unreadable.
    pub fn load(&self, server: &str, nickname: &str) -> Vec<UnsentLine> {
        self.read()
            .lines
            .into_iter()
            .filter(|e| e.server == server && e.nickname == nickname)
            .map(|e| e.line)
            .collect()
    }

    /// Replaces what is kept for `nickname` on `server` with `lines`; the file goes away when
    /// nobody has any left.
    pub fn save(&self, server: &str, nickname: &str, lines: &[UnsentLine]) -> io::Result<()> {
        let mut contents = self.read();
        contents
            .lines
            .retain(|e| e.server != server || e.nickname != nickname);
        contents.lines.extend(lines.iter().map(|line| Entry {
            server: server.to_owned(),
            nickname: nickname.to_owned(),
            line: line.clone(),
        }));
        if contents.lines.is_empty() {
            return match fs::remove_file(&self.path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let text = serde_json::to_string_pretty(&contents).map_err(io::Error::other)?;
        write_private(&self.path, text.as_bytes())
    }

    fn read(&self) -> Contents {
        read_json_or_default(&self.path)
    }
}

/// Work for the keeper's thread, done in the order asked, so a load sees every save before it.
enum Job {
    Save {
        server: String,
        nickname: String,
        lines: Vec<UnsentLine>,
    },
    Load {
        server: String,
        nickname: String,
        reply: Box<dyn FnOnce(Vec<UnsentLine>) + Send>,
    },
}

/// Reads and writes the file on a thread of its own. Saves that pile up while one is being
/// written are folded into the newest.
pub struct UnsentKeeper {
    jobs: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl UnsentKeeper {
    pub fn start(file: UnsentFile) -> Self {
        let (jobs, queue) = channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("unsent lines".into())
            .spawn(move || {
                while let Ok(first) = queue.recv() {
                    let mut batch = vec![first];
                    batch.extend(queue.try_iter());
                    run_batch(&file, batch);
                }
            })
            .ok();
        Self {
            jobs: thread.is_some().then_some(jobs),
            thread,
        }
    }

    pub fn save(&self, server: &str, nickname: &str, lines: Vec<UnsentLine>) {
        self.send(Job::Save {
            server: server.to_owned(),
            nickname: nickname.to_owned(),
            lines,
        });
    }

    /// Calls `reply` with the lines kept for `nickname` on `server`, on the keeper's thread.
    pub fn load(
        &self,
        server: &str,
        nickname: &str,
        reply: impl FnOnce(Vec<UnsentLine>) + Send + 'static,
    ) {
        self.send(Job::Load {
            server: server.to_owned(),
            nickname: nickname.to_owned(),
            reply: Box::new(reply),
        });
    }

    /// Waits for the writes asked so far (a quit must not cut the last one short).
    pub fn finish(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn send(&self, job: Job) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(job);
        }
    }
}

impl Drop for UnsentKeeper {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Runs queued jobs in order; of several saves for one user in a row only the last is
/// written.
fn run_batch(file: &UnsentFile, batch: Vec<Job>) {
    let mut batch = batch.into_iter().peekable();
    while let Some(job) = batch.next() {
        match job {
            Job::Save {
                server,
                nickname,
                lines,
            } => {
                let superseded = matches!(
                    batch.peek(),
                    Some(Job::Save { server: s, nickname: n, .. }) if *s == server && *n == nickname
                );
                if !superseded {
                    // Not being able to write only means these lines are lost on a quit,
                    // as they were before the file existed.
                    let _ = file.save(&server, &nickname, &lines);
                }
            }
            Job::Load {
                server,
                nickname,
                reply,
            } => reply(file.load(&server, &nickname)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(room_id: i64, nonce: &str) -> UnsentLine {
        UnsentLine {
            room_id,
            nonce: nonce.into(),
            body: format!("body of {nonce}\nsecond line"),
            action: false,
        }
    }

    #[test]
    fn each_user_gets_back_their_own_lines_in_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = UnsentFile::in_dir(dir.path());
        let server = "http://127.0.0.1:8000/";
        file.save(server, "bob", &[line(1, "b1"), line(2, "b2")])
            .expect("save bob");
        file.save(server, "ann", &[line(1, "a1")])
            .expect("save ann");
        file.save("http://elsewhere/", "bob", &[line(9, "x")])
            .expect("save bob elsewhere");

        assert_eq!(file.load(server, "bob"), [line(1, "b1"), line(2, "b2")]);
        assert_eq!(file.load(server, "ann"), [line(1, "a1")]);
        assert!(file.load(server, "carl").is_empty());

        file.save(server, "bob", &[line(2, "b2")]).expect("resave");
        assert_eq!(file.load(server, "bob"), [line(2, "b2")]);
        assert_eq!(file.load(server, "ann"), [line(1, "a1")], "ann's stay");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(file.path())
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "others' messages are private");
        }
    }

    #[test]
    fn the_keeper_writes_in_order_and_a_load_sees_the_saves_before_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = UnsentFile::in_dir(dir.path());
        let mut keeper = UnsentKeeper::start(file.clone());
        keeper.save("s", "bob", vec![line(1, "b1")]);
        keeper.save("s", "bob", vec![line(1, "b1"), line(1, "b2")]);
        let (tx, rx) = channel();
        keeper.load("s", "bob", move |lines| {
            let _ = tx.send(lines);
        });
        keeper.save("s", "bob", vec![line(1, "b2")]);
        assert_eq!(
            rx.recv().expect("an answer"),
            [line(1, "b1"), line(1, "b2")]
        );
        keeper.finish();
        assert_eq!(
            file.load("s", "bob"),
            [line(1, "b2")],
            "the last save stays"
        );
    }

    #[test]
    fn the_file_goes_away_when_nothing_is_left_and_a_broken_one_reads_as_empty() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = UnsentFile::in_dir(dir.path());
        file.save("s", "bob", &[line(1, "b1")]).expect("save");
        file.save("s", "bob", &[]).expect("forget");
        assert!(!file.path().exists());
        file.save("s", "bob", &[])
            .expect("forgetting twice is fine");
        fs::write(file.path(), "{not json").expect("write");
        assert!(file.load("s", "bob").is_empty());
    }
}
