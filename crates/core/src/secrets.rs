//! Passwords and tokens. Passwords are hashed with Argon2id (PHC string, salt inside);
//! session and API tokens are random, given to the client once, and stored only as their
//! SHA-256, so a stolen database does not let anyone sign in.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

/// Shortest password we accept.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Why a secret could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("the password could not be hashed: {0}")]
    Hash(String),
    #[error("the system random generator failed: {0}")]
    Random(String),
}

/// Hashes `password` with Argon2id and a random salt.
///
/// # Errors
/// [`SecretError::PasswordTooShort`] below [`MIN_PASSWORD_CHARS`], or a hashing failure.
pub fn hash_password(password: &str) -> Result<String, SecretError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(SecretError::PasswordTooShort);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| SecretError::Hash(e.to_string()))
}

/// Whether `password` matches the stored `hash`. A malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// `bytes` random bytes from the operating system, as lowercase hex.
///
/// # Errors
/// [`SecretError::Random`] when the OS generator fails.
pub fn random_hex(bytes: usize) -> Result<String, SecretError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| SecretError::Random(e.to_string()))?;
    Ok(hex::encode(buf))
}

/// A new random token (256 bits) with a readable prefix, e.g. `dl_admin_3f9a…`.
///
/// # Errors
/// [`SecretError::Random`] when the OS generator fails.
pub fn new_token(prefix: &str) -> Result<String, SecretError> {
    Ok(format!("{prefix}{}", random_hex(32)?))
}

/// A generated password for a new account: 20 characters from an unambiguous alphabet.
///
/// # Errors
/// [`SecretError::Random`] when the OS generator fails.
pub fn new_password() -> Result<String, SecretError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 20];
    getrandom::fill(&mut buf).map_err(|e| SecretError::Random(e.to_string()))?;
    Ok(buf.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect())
}

/// The SHA-256 of a token, as hex: what the database keeps.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two strings in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert!(matches!(hash_password("short"), Err(SecretError::PasswordTooShort)));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token("dl_").unwrap();
        let b = new_token("dl_").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(new_password().unwrap().len(), 20);
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
