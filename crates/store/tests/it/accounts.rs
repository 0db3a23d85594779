//! Accounts, sessions and sign-in throttling.

use dateline_core::account::{Email, NewUser, Role};
use dateline_core::secrets;
use dateline_store::{Store, StoreError};
use jiff::Timestamp;
use std::sync::Arc;

crate::on_both_backends!(
    accounts_round_trip,
    sessions_expire_and_end,
    failed_logins_are_counted,
    two_administrators_demoting_each_other_leave_one,
);

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn new_user(email: &str, role: Role) -> NewUser {
    NewUser {
        email: Email::parse(email).unwrap(),
        name: "Desk Editor".into(),
        role,
        // A real hash is slow in debug builds; the store only keeps the string.
        password_hash: format!("hash-of-{email}"),
        author: None,
    }
}

async fn accounts_round_trip(store: Arc<dyn Store>) {
    let user = store
        .create_user(&new_user("desk@news.example", Role::Editor), at("2025-02-27T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(user.role, Role::Editor);
    assert!(!user.disabled);
    let dup =
        store.create_user(&new_user("desk@news.example", Role::Author), at("2025-02-27T10:00:00Z")).await;
    assert!(matches!(dup, Err(StoreError::Duplicate("e-mail address"))), "{dup:?}");
    let (found, hash) = store.user_for_login("desk@news.example").await.unwrap().unwrap();
    assert_eq!((found.id, hash.as_str()), (user.id, "hash-of-desk@news.example"));
    assert!(store.user_for_login("nobody@news.example").await.unwrap().is_none());
    assert_eq!(store.users().await.unwrap(), vec![user.clone()]);
    assert_eq!(store.user(user.id).await.unwrap(), Some(user));
}

async fn sessions_expire_and_end(store: Arc<dyn Store>) {
    let user = store
        .create_user(&new_user("a@news.example", Role::Author), at("2025-02-27T10:00:00Z"))
        .await
        .unwrap();
    let token = secrets::new_token("s_").unwrap();
    let hash = secrets::token_hash(&token);
    store
        .create_session(user.id, &hash, "csrf-1", at("2025-02-27T10:00:00Z"), at("2025-02-27T22:00:00Z"))
        .await
        .unwrap();
    let session = store.session(&hash, at("2025-02-27T11:00:00Z")).await.unwrap().unwrap();
    assert_eq!((session.user.id, session.csrf.as_str()), (user.id, "csrf-1"));
    assert!(store.session(&hash, at("2025-02-27T22:00:01Z")).await.unwrap().is_none(), "expired");
    assert!(
        store.session(&secrets::token_hash("forged"), at("2025-02-27T11:00:00Z")).await.unwrap().is_none()
    );

    store.set_user_disabled(user.id, true).await.unwrap();
    assert!(
        store.session(&hash, at("2025-02-27T11:00:00Z")).await.unwrap().is_none(),
        "disabled users are signed out"
    );
    store.set_user_disabled(user.id, false).await.unwrap();

    store
        .create_session(user.id, &hash, "csrf-2", at("2025-02-27T10:00:00Z"), at("2025-02-27T22:00:00Z"))
        .await
        .unwrap();
    store.set_password(user.id, "new-hash").await.unwrap();
    assert!(
        store.session(&hash, at("2025-02-27T11:00:00Z")).await.unwrap().is_none(),
        "a new password ends sessions"
    );
    store
        .create_session(user.id, &hash, "csrf-3", at("2025-02-27T10:00:00Z"), at("2025-02-27T22:00:00Z"))
        .await
        .unwrap();
    store.delete_session(&hash).await.unwrap();
    assert!(store.session(&hash, at("2025-02-27T11:00:00Z")).await.unwrap().is_none(), "signed out");
}

async fn failed_logins_are_counted(store: Arc<dyn Store>) {
    for minute in 0..3 {
        let when = at("2025-02-27T10:00:00Z") + jiff::SignedDuration::from_mins(minute);
        store.record_login_failure(&["user:a@news.example", "ip:127.0.0.1"], when).await.unwrap();
    }
    assert_eq!(
        store.login_failures_since("user:a@news.example", at("2025-02-27T09:00:00Z")).await.unwrap(),
        3
    );
    assert_eq!(store.login_failures_since("ip:127.0.0.1", at("2025-02-27T10:00:30Z")).await.unwrap(), 2);
    store.clear_login_failures("user:a@news.example").await.unwrap();
    assert_eq!(
        store.login_failures_since("user:a@news.example", at("2025-02-27T09:00:00Z")).await.unwrap(),
        0
    );
    assert_eq!(store.login_failures_since("ip:127.0.0.1", at("2025-02-27T09:00:00Z")).await.unwrap(), 3);
}

/// Two administrators demote (or disable) each other at the same moment, many times: one
/// change is refused, so the site always keeps an enabled administrator.
async fn two_administrators_demoting_each_other_leave_one(store: Arc<dyn Store>) {
    let now = at("2025-02-27T10:00:00Z");
    let mut survivor = None;
    for round in 0..30 {
        let a =
            store.create_user(&new_user(&format!("a{round}@news.example"), Role::Administrator), now).await;
        let b =
            store.create_user(&new_user(&format!("b{round}@news.example"), Role::Administrator), now).await;
        let (a, b) = (a.unwrap().id, b.unwrap().id);
        // The last round's survivor steps down, so that exactly these two are left.
        if let Some(previous) = survivor {
            store.set_user_role(previous, Role::Editor).await.unwrap();
        }
        let (one, two) = (store.clone(), store.clone());
        let disable = round % 2 == 0;
        let first = tokio::spawn(async move {
            if disable {
                one.set_user_disabled(a, true).await
            } else {
                one.set_user_role(a, Role::Editor).await
            }
        });
        let second = tokio::spawn(async move { two.set_user_role(b, Role::Author).await });
        let results = [first.await.unwrap(), second.await.unwrap()];
        let refused = results.iter().filter(|r| matches!(r, Err(StoreError::LastAdministrator))).count();
        assert_eq!(refused, 1, "round {round}: {results:?}");
        let admins: Vec<_> = store
            .users()
            .await
            .unwrap()
            .into_iter()
            .filter(|u| u.role == Role::Administrator && !u.disabled)
            .map(|u| u.id)
            .collect();
        assert_eq!(admins.len(), 1, "round {round}");
        survivor = Some(admins[0]);
    }
}
