//! Passwords for `chat-server admin`, never from the command line (it shows in `ps` and shell
//! history): asked twice on a terminal without echo, or one line of standard input when it is
//! piped (scripts).

use std::io::{BufRead, IsTerminal};

use anyhow::{bail, Context};

pub fn read_new_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ")?;
        let again = rpassword::prompt_password("The same password again: ")?;
        if first != again {
            bail!("the two passwords differ; nothing was changed");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("could not read the password from standard input")?;
        let password = line.strip_suffix('\n').unwrap_or(&line);
        Ok(password.strip_suffix('\r').unwrap_or(password).to_owned())
    }
}
