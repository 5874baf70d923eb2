//! Opening a link in the system's browser for `/open N`: the opener program (`--opener` or
//! `CHAT_TUI_OPENER`, else `open` on macOS and `xdg-open` elsewhere) is started directly, never
//! through a shell, with the URL as its one argument, detached from the terminal: no input,
//! its output thrown away (it would draw over the screen), its own process group (Ctrl+C in
//! chat-tui does not reach it), and reaped in the background.

use std::io;
use std::process::{Command, Stdio};

/// The program to open links with: `setting` when given, none when it is empty (links are
/// then only shown), else the platform's usual opener.
pub fn program(setting: Option<String>) -> Option<String> {
    match setting {
        Some(program) if program.trim().is_empty() => None,
        Some(program) => Some(program),
        None if cfg!(target_os = "macos") => Some("open".to_owned()),
        None => Some("xdg-open".to_owned()),
    }
}

/// Starts `program url` and returns once it has started.
pub fn open(program: &str, url: &str) -> io::Result<()> {
    let mut command = Command::new(program);
    command
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let mut child = command.spawn()?;
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_setting_means_no_opener() {
        assert_eq!(program(Some(String::new())), None);
        assert_eq!(program(Some("  ".into())), None);
        assert_eq!(program(Some("firefox".into())), Some("firefox".into()));
        assert!(program(None).is_some());
    }

    #[test]
    fn the_url_is_one_argument_and_no_shell_reads_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("args");
        let script = dir.path().join("record");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$1\" > {}\n",
                out.display()
            ),
        )
        .expect("script");
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("executable");
        let url = "https://example.com/a;touch${IFS}pwned&b=$(id) c";
        open(script.to_str().expect("utf-8 path"), url).expect("starts");
        let mut recorded = String::new();
        for _ in 0..100 {
            recorded = std::fs::read_to_string(&out).unwrap_or_default();
            if recorded.ends_with('\n') {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(recorded, format!("1\n{url}\n"));
        assert!(!dir.path().join("pwned").exists());
    }

    #[test]
    fn a_missing_program_is_an_error() {
        let err = open("/nonexistent/opener", "https://example.com").expect_err("no such program");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
