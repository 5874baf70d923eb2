//! The operator's view of accounts (`chat-server admin`): listing them, and the changes only
//! the operator makes: passwords, disabling, the admin role.

use sqlx::{Any, Row, Transaction};

use super::sql::{lookup_key, SqlStore};
use super::{now_ms, StoreError};

/// One account as `chat-server admin users` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub id: i64,
    pub email: String,
    pub nickname: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub is_admin: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("no account has the email or nickname {0:?}; `chat-server admin users` lists them")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

const ACCOUNT_SELECT: &str =
    "SELECT id, email, nickname, created_at, disabled_at, is_admin FROM users";

fn account_from_row(row: &sqlx::any::AnyRow) -> Result<AccountRow, sqlx::Error> {
    Ok(AccountRow {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        nickname: row.try_get("nickname")?,
        created_at: row.try_get("created_at")?,
        disabled_at: row.try_get("disabled_at")?,
        is_admin: row.try_get::<i64, _>("is_admin")? != 0,
    })
}

impl SqlStore {
    /// Every account, oldest first.
    pub async fn accounts(&self) -> Result<Vec<AccountRow>, StoreError> {
        let rows = sqlx::query(&format!("{ACCOUNT_SELECT} ORDER BY id"))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(account_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// The account with this email or nickname (either, case-insensitively).
    pub async fn account(&self, email_or_nickname: &str) -> Result<AccountRow, AccountError> {
        let not_found = || AccountError::NotFound(email_or_nickname.to_owned());
        let key = lookup_key(email_or_nickname.trim()).ok_or_else(not_found)?;
        let row = sqlx::query(&format!(
            "{ACCOUNT_SELECT} WHERE email_lower = $1 OR nickname_lower = $1"
        ))
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::from)?
        .ok_or_else(not_found)?;
        Ok(account_from_row(&row).map_err(StoreError::from)?)
    }

    /// Replaces the password and ends every session of the account, so whoever knew the old
    /// one is logged out everywhere.
    pub async fn set_password_hash(&self, user_id: i64, hash: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        end_sessions(&mut tx, user_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables the account (its sessions go in the same transaction) or enables it again.
    pub async fn set_disabled(&self, user_id: i64, disabled: bool) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
            .bind(disabled.then(now_ms))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if disabled {
            end_sessions(&mut tx, user_id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_admin(&self, user_id: i64, is_admin: bool) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET is_admin = $1 WHERE id = $2")
            .bind(i64::from(is_admin))
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Deletes every session of the account, in the caller's transaction, so the change that
/// calls for it and the logout everywhere happen together.
async fn end_sessions(tx: &mut Transaction<'_, Any>, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
