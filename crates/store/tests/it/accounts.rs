//! Accounts, sessions and sign-in throttling.

use dateline_core::account::{Email, NewUser, Role};
use dateline_core::secrets;
use dateline_core::throttle::{self, Reservation};
use dateline_store::{SessionChoice, Store, StoreError};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;

crate::on_both_backends!(
    autosave_slots_are_one_a_person_and_story,
    accounts_round_trip,
    sessions_expire_and_end,
    sign_in_attempts_are_reserved_then_throttled_then_released,
    parallel_attempts_cannot_all_pass_the_throttle,
    own_sessions_are_listed_and_ended,
    pruning_deletes_exactly_the_expired,
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
    store.set_password(user.id, "new-hash", None).await.unwrap();
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

async fn sign_in_attempts_are_reserved_then_throttled_then_released(store: Arc<dyn Store>) {
    let t0 = at("2025-02-27T10:00:00Z");
    let account = ("user:a@news.example", throttle::ACCOUNT);
    let address = ("ip:192.0.2.1", throttle::ADDRESS);
    for _ in 0..5 {
        assert_eq!(
            store.reserve_login_attempt(&[account, address], t0).await.unwrap(),
            Reservation::Reserved
        );
    }
    // The sixth must wait a second after the fifth; nothing is recorded for it.
    let wait = store.reserve_login_attempt(&[account, address], t0).await.unwrap();
    assert_eq!(wait, Reservation::Wait(SignedDuration::from_secs(1)));
    let other_address = ("ip:192.0.2.2", throttle::ADDRESS);
    let elsewhere = store.reserve_login_attempt(&[account, other_address], t0).await.unwrap();
    assert_eq!(elsewhere, Reservation::Wait(SignedDuration::from_secs(1)), "the account waits everywhere");
    let t1 = t0 + SignedDuration::from_secs(1);
    assert_eq!(store.reserve_login_attempt(&[account, address], t1).await.unwrap(), Reservation::Reserved);
    assert_eq!(
        store.reserve_login_attempt(&[account, address], t1).await.unwrap(),
        Reservation::Wait(SignedDuration::from_secs(2)),
        "six failures: two seconds"
    );
    // A right password releases: the account's failures are cleared, and the one failure
    // reserved for the address at t1 is deleted (its five earlier ones stay).
    store.release_login_attempt(&[address.0], &[account.0], t1).await.unwrap();
    assert_eq!(store.reserve_login_attempt(&[account, address], t1).await.unwrap(), Reservation::Reserved);
    let (_, failures) = store.prune_sign_ins(t1, t1 + SignedDuration::from_secs(1)).await.unwrap();
    assert_eq!(failures, 1 + 6, "the account's one new failure and the address's 5 + 1");
}

/// Many attempts at once on one account: exactly the free allowance is reserved, the rest
/// are told to wait.
async fn parallel_attempts_cannot_all_pass_the_throttle(store: Arc<dyn Store>) {
    let now = at("2025-02-27T10:00:00Z");
    let mut running = tokio::task::JoinSet::new();
    for i in 0..30 {
        let store = store.clone();
        running.spawn(async move {
            let address = format!("ip:198.51.100.{i}");
            let subjects =
                [("user:b@news.example", throttle::ACCOUNT), (address.as_str(), throttle::ADDRESS)];
            store.reserve_login_attempt(&subjects, now).await.unwrap()
        });
    }
    let mut reserved = 0;
    while let Some(done) = running.join_next().await {
        if done.unwrap() == Reservation::Reserved {
            reserved += 1;
        }
    }
    assert_eq!(reserved, throttle::ACCOUNT.free);
}

fn hashes(sessions: Vec<dateline_core::account::SessionInfo>) -> Vec<String> {
    sessions.into_iter().map(|s| s.token_hash).collect()
}

async fn own_sessions_are_listed_and_ended(store: Arc<dyn Store>) {
    let t0 = at("2025-02-27T10:00:00Z");
    let a = store.create_user(&new_user("a@news.example", Role::Author), t0).await.unwrap();
    let b = store.create_user(&new_user("b@news.example", Role::Author), t0).await.unwrap();
    for (user, hash, minute) in [(a.id, "a1", 0), (a.id, "a2", 1), (a.id, "a3", 2), (b.id, "b1", 0)] {
        let created = t0 + SignedDuration::from_mins(minute);
        store
            .create_session(user, hash, "csrf", created, created + SignedDuration::from_hours(12))
            .await
            .unwrap();
    }
    assert_eq!(
        hashes(store.user_sessions(a.id, t0).await.unwrap()),
        ["a3", "a2", "a1"],
        "newest first, a's only"
    );
    assert_eq!(store.end_sessions(a.id, SessionChoice::Only("b1")).await.unwrap(), 0, "never another's");
    assert_eq!(store.end_sessions(a.id, SessionChoice::Only("a1")).await.unwrap(), 1);
    assert_eq!(store.end_sessions(a.id, SessionChoice::AllBut("a3")).await.unwrap(), 1);
    assert_eq!(hashes(store.user_sessions(a.id, t0).await.unwrap()), ["a3"]);
    assert!(store.session("b1", t0).await.unwrap().is_some());
    // A password changed from session a3 keeps a3 and ends the rest.
    store.create_session(a.id, "a4", "csrf", t0, t0 + SignedDuration::from_hours(12)).await.unwrap();
    store.set_password(a.id, "new-hash", Some("a3")).await.unwrap();
    assert_eq!(hashes(store.user_sessions(a.id, t0).await.unwrap()), ["a3"]);
    assert_eq!(store.user_for_login("a@news.example").await.unwrap().unwrap().1, "new-hash");
}

async fn pruning_deletes_exactly_the_expired(store: Arc<dyn Store>) {
    let t0 = at("2025-02-27T10:00:00Z");
    let user = store.create_user(&new_user("a@news.example", Role::Author), t0).await.unwrap();
    store.create_session(user.id, "gone", "c", t0, t0 + SignedDuration::from_hours(1)).await.unwrap();
    store.create_session(user.id, "live", "c", t0, t0 + SignedDuration::from_hours(3)).await.unwrap();
    let recent = t0 + SignedDuration::from_mins(90);
    store.reserve_login_attempt(&[("user:x", throttle::ACCOUNT)], t0).await.unwrap();
    store.reserve_login_attempt(&[("user:x", throttle::ACCOUNT)], recent).await.unwrap();
    let now = t0 + SignedDuration::from_hours(2);
    assert_eq!(store.prune_sign_ins(now, now - throttle::WINDOW).await.unwrap(), (1, 1));
    assert_eq!(hashes(store.user_sessions(user.id, t0).await.unwrap()), ["live"]);
    assert_eq!(store.prune_sign_ins(now, now - throttle::WINDOW).await.unwrap(), (0, 0), "nothing more");
    assert_eq!(store.prune_sign_ins(now, recent + SignedDuration::from_secs(1)).await.unwrap(), (0, 1));
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

async fn autosave_slots_are_one_a_person_and_story(store: Arc<dyn Store>) {
    use dateline_core::StoryId;
    use dateline_store::Autosave;
    let t0 = at("2025-02-27T10:00:00Z");
    let a = store.create_user(&new_user("a@news.example", Role::Editor), t0).await.unwrap();
    let b = store.create_user(&new_user("b@news.example", Role::Editor), t0).await.unwrap();
    let slot = |fields: &str, s: i64| Autosave {
        base_version: 3,
        fields: fields.into(),
        saved_at: t0 + SignedDuration::from_secs(s),
    };
    assert_eq!(store.autosave(a.id, None).await.unwrap(), None);
    store.put_autosave(a.id, None, &slot(r#"{"headline":"new"}"#, 1)).await.unwrap();
    store.put_autosave(a.id, Some(StoryId(7)), &slot(r#"{"headline":"first"}"#, 2)).await.unwrap();
    store.put_autosave(a.id, Some(StoryId(7)), &slot(r#"{"headline":"second"}"#, 5)).await.unwrap();
    store.put_autosave(b.id, Some(StoryId(7)), &slot(r#"{"headline":"theirs"}"#, 6)).await.unwrap();
    assert_eq!(
        store.autosave(a.id, Some(StoryId(7))).await.unwrap(),
        Some(slot(r#"{"headline":"second"}"#, 5)),
        "overwritten"
    );
    assert_eq!(store.autosave(a.id, None).await.unwrap(), Some(slot(r#"{"headline":"new"}"#, 1)));
    assert_eq!(
        store.autosave(b.id, Some(StoryId(7))).await.unwrap().unwrap().fields,
        r#"{"headline":"theirs"}"#
    );
    store.drop_autosave(a.id, Some(StoryId(7))).await.unwrap();
    assert_eq!(store.autosave(a.id, Some(StoryId(7))).await.unwrap(), None);
    assert!(store.autosave(b.id, Some(StoryId(7))).await.unwrap().is_some(), "another person's slot stays");
}
