//! `chat-server admin`: the operator's account commands, on the configured database.

use anyhow::{bail, Context};
use clap::Subcommand;

use super::password_input::read_new_password;
use crate::auth::password::{check_password, hash_password};
use crate::http::accounts::{validate_registration, RegisterForm};
use crate::i18n::EN;
use crate::store::{rfc3339, CreateUserError, NewUser, SqlStore, Store};

#[derive(Debug, Clone, Subcommand)]
pub enum AdminCommand {
    /// List every account: id, email, nickname, created, and whether disabled or admin.
    Users,
    /// Create an account, with the rules registration applies; the password is asked on the
    /// terminal (or read as one line of standard input).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        nickname: String,
    },
    /// Set an account's password (asked as for create-user); its sessions end.
    SetPassword {
        /// The account's email or nickname.
        user: String,
    },
    /// Disable an account: it cannot log in, its sessions end and its sockets close at once,
    /// on every instance.
    Disable { user: String },
    /// Let a disabled account log in again.
    Enable { user: String },
    /// Make the account a server admin, who may remove any room.
    GrantAdmin { user: String },
    /// Take the server admin role away.
    RevokeAdmin { user: String },
}

pub async fn run(command: AdminCommand, database_url: &str) -> anyhow::Result<()> {
    let store = SqlStore::connect_existing(database_url).await?;
    match command {
        AdminCommand::Users => list(&store).await,
        AdminCommand::CreateUser { email, nickname } => create(&store, email, nickname).await,
        AdminCommand::SetPassword { user } => {
            let account = store.account(&user).await?;
            let password = read_new_password()?;
            let problems = check_password(&password, &account.email, &account.nickname);
            if let Some(problem) = problems.first() {
                bail!("{} Nothing was changed.", EN.password_problem(*problem));
            }
            let hash = hash_password(password).await?;
            store.set_password_hash(account.id, &hash).await?;
            println!(
                "set the password of {}; their sessions ended",
                account.nickname
            );
            Ok(())
        }
        AdminCommand::Disable { user } => {
            let account = store.account(&user).await?;
            store.set_disabled(account.id, true).await?;
            println!(
                "disabled {}: their sessions ended, and running servers close their sockets within seconds",
                account.nickname
            );
            Ok(())
        }
        AdminCommand::Enable { user } => {
            let account = store.account(&user).await?;
            store.set_disabled(account.id, false).await?;
            println!("enabled {}: they can log in again", account.nickname);
            Ok(())
        }
        AdminCommand::GrantAdmin { user } => {
            let account = store.account(&user).await?;
            store.set_admin(account.id, true).await?;
            println!("{} is a server admin", account.nickname);
            Ok(())
        }
        AdminCommand::RevokeAdmin { user } => {
            let account = store.account(&user).await?;
            store.set_admin(account.id, false).await?;
            println!("{} is no longer a server admin", account.nickname);
            Ok(())
        }
    }
}

async fn list(store: &SqlStore) -> anyhow::Result<()> {
    let accounts = store.accounts().await?;
    println!(
        "{:>6}  {:<32}  {:<20}  {:<20}  state",
        "id", "email", "nickname", "created"
    );
    for a in &accounts {
        let mut state = Vec::new();
        if a.disabled_at.is_some() {
            state.push("disabled");
        }
        if a.is_admin {
            state.push("admin");
        }
        let created = rfc3339(a.created_at);
        println!(
            "{:>6}  {:<32}  {:<20}  {:<20}  {}",
            a.id,
            a.email,
            a.nickname,
            &created[..created.len().min(19)],
            if state.is_empty() {
                "active".to_owned()
            } else {
                state.join(", ")
            }
        );
    }
    println!("{} accounts", accounts.len());
    Ok(())
}

async fn create(store: &SqlStore, email: String, nickname: String) -> anyhow::Result<()> {
    let password = read_new_password()?;
    let form = RegisterForm {
        email,
        nickname,
        password1: password.clone(),
        password2: password,
    };
    let errors = validate_registration(&form, &EN);
    if !errors.is_empty() {
        let lines: Vec<String> = errors
            .errors
            .iter()
            .flat_map(|(field, messages)| messages.iter().map(move |m| format!("{field}: {m}")))
            .collect();
        bail!("{}\nNothing was created.", lines.join("\n"));
    }
    let password_hash = hash_password(form.password1).await?;
    let new = NewUser {
        email: form.email.trim().to_owned(),
        nickname: form.nickname.trim().to_owned(),
        password_hash,
    };
    match store.create_user(new).await {
        Ok(user) => {
            println!("created {} (id {})", user.nickname, user.id);
            Ok(())
        }
        Err(CreateUserError::EmailTaken) => {
            bail!("email: {} Nothing was created.", EN.err_email_taken)
        }
        Err(CreateUserError::NicknameTaken) => {
            bail!("nickname: {} Nothing was created.", EN.err_nickname_taken)
        }
        Err(CreateUserError::Store(e)) => Err(e).context("could not create the account"),
    }
}
