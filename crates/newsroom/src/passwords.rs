//! Argon2 on a request, bounded. Hashing and checking a password is slow and takes memory on
//! purpose, so it runs on the blocking pool, and at most as many at once as the machine has
//! cores: a request that finds every permit taken is refused at once
//! ([`PasswordError::Busy`], answered 429 by the surfaces) instead of queueing without
//! bound. Sign-in ([`crate::sign_in`]), a new or changed password ([`crate::accounts`]) all
//! go through one [`Passwords`], kept in the web state.

use dateline_core::secrets;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Every permit is taken: try again in a moment.
    #[error("too many passwords are being checked at once")]
    Busy,
    /// Too short, or the hasher failed.
    #[error(transparent)]
    Secret(#[from] secrets::SecretError),
    #[error("password hashing stopped: {0}")]
    Stopped(String),
}

/// The permits for password work, shared by every request.
#[derive(Clone, Debug)]
pub struct Passwords(Arc<Semaphore>);

impl Passwords {
    /// At most `permits` hashes or checks at once (zero refuses every one).
    pub fn new(permits: usize) -> Self {
        Self(Arc::new(Semaphore::new(permits)))
    }

    /// As many permits as the machine has cores.
    pub fn for_this_machine() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
    }

    /// A permit to hash or check one password, or [`PasswordError::Busy`] at once.
    ///
    /// # Errors
    /// [`PasswordError::Busy`] when every permit is taken.
    pub fn permit(&self) -> Result<Permit, PasswordError> {
        self.0.clone().try_acquire_owned().map(Permit).map_err(|_| PasswordError::Busy)
    }
}

impl Default for Passwords {
    fn default() -> Self {
        Self::for_this_machine()
    }
}

/// The right to run Argon2 once; used up by [`Permit::hash`] or [`Permit::verify`].
#[derive(Debug)]
pub struct Permit(OwnedSemaphorePermit);

impl Permit {
    /// Hashes `password` (refused below [`secrets::MIN_PASSWORD_CHARS`]).
    ///
    /// # Errors
    /// [`PasswordError::Secret`] for a short password or a hasher failure.
    pub async fn hash(self, password: String) -> Result<String, PasswordError> {
        let Self(permit) = self;
        tokio::task::spawn_blocking(move || {
            let hashed = secrets::hash_password(&password);
            drop(permit);
            hashed
        })
        .await
        .map_err(|e| PasswordError::Stopped(e.to_string()))?
        .map_err(PasswordError::from)
    }

    /// Whether `password` matches `hash`.
    ///
    /// # Errors
    /// [`PasswordError::Stopped`] when the blocking task was cut off.
    pub async fn verify(self, password: String, hash: String) -> Result<bool, PasswordError> {
        let Self(permit) = self;
        tokio::task::spawn_blocking(move || {
            let matches = secrets::verify_password(&password, &hash);
            drop(permit);
            matches
        })
        .await
        .map_err(|e| PasswordError::Stopped(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_permit_is_refused_while_all_are_taken_and_free_again_after() {
        let passwords = Passwords::new(1);
        let held = passwords.permit().unwrap();
        assert!(matches!(passwords.permit(), Err(PasswordError::Busy)));
        assert!(!held.verify("a password of ours".into(), "not a hash".into()).await.unwrap());
        let hash = passwords.permit().unwrap().hash("a password of ours".into()).await.unwrap();
        assert!(passwords.permit().unwrap().verify("a password of ours".into(), hash).await.unwrap());
        assert!(matches!(Passwords::new(0).permit(), Err(PasswordError::Busy)));
    }
}
