//! Password hashing (argon2id with OWASP's parameters) and the registration password rules
//! the seed showed: length, not all digits, not a common password, not too like the email or
//! nickname.

use std::collections::HashSet;
use std::io::Read;
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chat_shared::limits::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};

/// Why a password was refused; the text for each lives in `i18n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    Common,
    AllDigits,
    LikeEmail,
    LikeNickname,
    /// Only white space: eight spaces are eight characters, but no secret.
    Blank,
}

/// Django's list of 20,000 common passwords (BSD licence), compressed into the binary.
static COMMON_GZ: &[u8] = include_bytes!("common-passwords.txt.gz");

fn common_passwords() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut text = String::new();
        flate2::read::GzDecoder::new(COMMON_GZ)
            .read_to_string(&mut text)
            .expect("the common password list is compiled into the binary and is valid gzip");
        text.lines().map(|l| l.trim().to_owned()).collect()
    })
}

/// Every rule the password breaks, in the order the form shows them.
pub fn check_password(password: &str, email: &str, nickname: &str) -> Vec<PasswordProblem> {
    let mut problems = Vec::new();
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        problems.push(PasswordProblem::TooShort);
    }
    if chars > PASSWORD_MAX_CHARS {
        problems.push(PasswordProblem::TooLong);
    }
    if too_similar(password, email) {
        problems.push(PasswordProblem::LikeEmail);
    } else if too_similar(password, nickname) {
        problems.push(PasswordProblem::LikeNickname);
    }
    if common_passwords().contains(&password.to_lowercase()) {
        problems.push(PasswordProblem::Common);
    }
    if !password.is_empty() && password.chars().all(|c| c.is_ascii_digit()) {
        problems.push(PasswordProblem::AllDigits);
    }
    if !password.is_empty() && password.chars().all(char::is_whitespace) {
        problems.push(PasswordProblem::Blank);
    }
    problems
}

/// Django's `UserAttributeSimilarityValidator`: the password is compared with the whole value
/// and with each of its word-like parts; a similarity of 0.7 or more is too similar.
fn too_similar(password: &str, attribute: &str) -> bool {
    const MAX_SIMILARITY: f64 = 0.7;
    let password = password.to_lowercase();
    let attribute = attribute.to_lowercase();
    if password.is_empty() || attribute.is_empty() {
        return false;
    }
    std::iter::once(attribute.as_str())
        .chain(attribute.split(|c: char| !c.is_alphanumeric()))
        .filter(|part| part.chars().count() >= 3)
        .any(|part| {
            password.contains(part)
                || strsim::normalized_levenshtein(&password, part) >= MAX_SIMILARITY
                || strsim::sorensen_dice(&password, part) >= MAX_SIMILARITY
        })
}

/// OWASP's recommended argon2id parameters: 19 MiB (the crate counts KiB), 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// At most one hash per core at a time: each takes 19 MiB and tens of milliseconds of CPU,
/// so a burst of logins queues here instead of needing 19 MiB × N at once.
async fn hashing_permit() -> tokio::sync::SemaphorePermit<'static> {
    static PERMITS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    PERMITS
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            tokio::sync::Semaphore::new(cores)
        })
        .acquire()
        .await
        .expect("the hashing semaphore is never closed")
}

/// Hashes on the blocking pool: argon2 takes tens of milliseconds of CPU on purpose.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    let _permit = hashing_permit().await;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("could not hash the password: {e}"))
    })
    .await?
}

/// A hash of a password nobody has, verified when the account does not exist so that a
/// failed login costs the same either way and does not reveal which emails are registered.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2()
            .hash_password(b"no account has this password", &salt)
            .expect("hashing a constant with valid parameters succeeds")
            .to_string()
    })
}

/// Checks `password` against `hash` (or against a dummy hash when `hash` is `None`).
pub async fn verify_password(password: String, hash: Option<String>) -> anyhow::Result<bool> {
    let _permit = hashing_permit().await;
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
        let parsed = PasswordHash::new(&hash)
            .map_err(|e| anyhow::anyhow!("stored password hash is malformed: {e}"))?;
        let ok = argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && ok)
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;
    use PasswordProblem::*;

    #[test]
    fn a_good_password_passes() {
        assert!(check_password("correct-horse-42", "kim@example.com", "kim").is_empty());
    }

    #[test]
    fn each_rule_is_reported() {
        assert_eq!(check_password("qz7!", "a@b.co", "zz"), vec![TooShort]);
        assert_eq!(
            check_password("12345678", "a@b.co", "zz"),
            vec![Common, AllDigits]
        );
        assert_eq!(check_password("83920174", "a@b.co", "zz"), vec![AllDigits]);
        assert_eq!(check_password("password", "a@b.co", "zz"), vec![Common]);
        assert_eq!(
            check_password("brothersoo1", "brothersoo@gmail.com", "zz"),
            vec![LikeEmail]
        );
        assert_eq!(
            check_password("moistybro!", "x@y.com", "moistybro"),
            vec![LikeNickname]
        );
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let hash = hash_password("correct-horse-42".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            verify_password("correct-horse-42".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong".into(), Some(hash)).await.unwrap());
        assert!(!verify_password("x".into(), None).await.unwrap());
    }
}
