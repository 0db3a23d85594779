//! Sign-in under attack and the user's own account: throttling by account and by address
//! (the rule in `dateline_newsroom::sign_in`), the password permits, trusted proxies and
//! HSTS, changing one's password and ending one's sessions.

use crate::support::{Client, Page, Site, csrf_of, text};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use dateline_core::Role;
use dateline_newsroom::passwords::Passwords;
use dateline_web::client::TrustedProxies;
use std::net::SocketAddr;

const OWNER: &str = "desk@news.example";

/// One sign-in attempt from `address`, as a browser there would make it: the form first
/// (for its CSRF cookie and field), then the post.
async fn attempt(site: &Site, address: &str, email: &str, password: &str) -> Page {
    let peer: SocketAddr = format!("{address}:40000").parse().unwrap();
    let form = site.get("/admin/login").await;
    let csrf = csrf_of(&form.body);
    let cookie = form.header("set-cookie").split(';').next().unwrap().to_owned();
    let body = format!(
        "email={}&password={}&csrf={csrf}&next=%2Fadmin",
        crate::support::urlencode(email),
        crate::support::urlencode(password)
    );
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/admin/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(Body::from(body))
        .unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    site.send(request).await
}

fn form_body(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{k}={}", crate::support::urlencode(v))).collect::<Vec<_>>().join("&")
}

fn retry_after(page: &Page) -> i64 {
    page.header("retry-after").parse().unwrap_or_else(|_| panic!("no Retry-After: {:?}", page.headers))
}

/// Serves `site` on a loopback port; answers its base URL.
async fn serve(site: &Site) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = site.state.clone();
    tokio::spawn(async move { dateline_web::serve(listener, state, std::future::pending()).await.unwrap() });
    url
}

#[tokio::test]
async fn the_delay_grows_and_the_owner_signs_in_after_it() {
    let site = Site::new().await;
    let password = site.account(OWNER, Role::Editor, false).await;
    for _ in 0..5 {
        assert_eq!(
            attempt(&site, "192.0.2.1", OWNER, "a wrong guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let mut waits = Vec::new();
    for _ in 0..4 {
        let early = attempt(&site, "192.0.2.1", OWNER, &password).await;
        assert_eq!(early.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
        assert!(text(&early.body).contains("Try again in"), "{}", text(&early.body));
        let wait = retry_after(&early);
        waits.push(wait);
        site.advance(wait);
        assert_eq!(
            attempt(&site, "192.0.2.1", OWNER, "a wrong guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(waits, [1, 2, 4, 8], "doubling after the fifth failure");
    assert_eq!(attempt(&site, "192.0.2.1", OWNER, &password).await.status, StatusCode::TOO_MANY_REQUESTS);
    site.advance(16);
    let signed_in = attempt(&site, "192.0.2.1", OWNER, &password).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
    assert!(signed_in.header("set-cookie").starts_with("dateline_session="));
    // Signing in cleared the account's failures: a typo now is just a typo.
    assert_eq!(attempt(&site, "192.0.2.1", OWNER, "a typo").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_stranger_elsewhere_delays_the_owner_by_at_most_a_minute() {
    let site = Site::new().await;
    let password = site.account(OWNER, Role::Administrator, false).await;
    let stranger = "203.0.113.9";
    let mut failures = 0;
    while failures < 18 {
        let page = attempt(&site, stranger, OWNER, "a guess").await;
        match page.status {
            StatusCode::UNAUTHORIZED => failures += 1,
            StatusCode::TOO_MANY_REQUESTS => site.advance(retry_after(&page)),
            other => panic!("{other}"),
        }
    }
    let owner = "198.51.100.20";
    let delayed = attempt(&site, owner, OWNER, &password).await;
    assert_eq!(delayed.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&delayed) <= 60, "the account's wait is capped at a minute");
    site.advance(60);
    let signed_in = attempt(&site, owner, OWNER, &password).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "the owner is not locked out");
    // The stranger's own address is still slowed down, far past the account's minute.
    let refused = attempt(&site, stranger, OWNER, &password).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "even with the right password, not from there");
    assert!(retry_after(&refused) > 60, "{}", retry_after(&refused));
}

#[tokio::test]
async fn thirty_parallel_wrong_passwords_check_only_the_free_five() {
    let mut site = Site::new().await;
    // Permits enough for all thirty, so that only the throttle decides.
    site.state.parts_mut().passwords = Passwords::new(64);
    site.account(OWNER, Role::Editor, false).await;
    let url = serve(&site).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = http.get(format!("{url}/admin/login")).send().await.unwrap();
    let cookie = form.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let csrf = csrf_of(&form.text().await.unwrap());
    let mut running = tokio::task::JoinSet::new();
    for i in 0..30 {
        let (http, url, cookie) = (http.clone(), url.clone(), cookie.clone());
        let body = format!("email={}&password=guess-{i}&csrf={csrf}", crate::support::urlencode(OWNER));
        running.spawn(async move {
            let answer = http
                .post(format!("{url}/admin/login"))
                .header("cookie", cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            (answer.status().as_u16(), answer.headers().contains_key("retry-after"))
        });
    }
    let mut answers = std::collections::BTreeMap::new();
    while let Some(done) = running.join_next().await {
        let (status, retry) = done.unwrap();
        assert!(status == 401 || (status == 429 && retry), "{status} (Retry-After: {retry})");
        *answers.entry(status).or_insert(0) += 1;
    }
    assert_eq!(answers, [(401, 5), (429, 25)].into_iter().collect());
}

#[tokio::test]
async fn password_work_beyond_the_permits_is_answered_429_at_once() {
    let mut site = Site::new().await;
    site.state.parts_mut().passwords = Passwords::new(1);
    let password = site.account(OWNER, Role::Editor, false).await;
    let mut admin = site.signed_in(Role::Administrator).await;
    admin.get("/admin/users").await;
    let held = site.state.passwords.permit().unwrap();

    let busy = attempt(&site, "192.0.2.1", OWNER, &password).await;
    assert_eq!(busy.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&busy), 1);
    let create = admin
        .post(
            "/admin/users",
            &[("email", "new@news.example"), ("name", "New"), ("role", "author"), ("author", "")],
        )
        .await;
    assert_eq!(create.status, StatusCode::TOO_MANY_REQUESTS, "creating an account hashes too");
    assert_eq!(retry_after(&create), 1);
    assert!(site.store.user_for_login("new@news.example").await.unwrap().is_none());

    drop(held);
    // Nothing was counted against the owner while busy.
    let signed_in = attempt(&site, "192.0.2.1", OWNER, &password).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn forwarded_headers_are_believed_only_from_a_trusted_proxy() {
    let mut site = Site::new().await;
    site.store
        .save_settings(&dateline_core::SiteSettings {
            base_url: "http://news.example.com".into(),
            ..site.store.settings().await.unwrap()
        })
        .await
        .unwrap();
    let password = site.account(OWNER, Role::Editor, false).await;
    let untrusted = serve(&site).await;
    site.state.parts_mut().trusted_proxies = TrustedProxies::parse(&["127.0.0.1"]).unwrap();
    let behind_proxy = serve(&site).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let sign_in = |url: String, forwarded_for: &'static str, password: String| {
        let http = http.clone();
        async move {
            let form = http.get(format!("{url}/admin/login")).send().await.unwrap();
            let cookie = form.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
            let csrf = csrf_of(&form.text().await.unwrap());
            http.post(format!("{url}/admin/login"))
                .header("cookie", cookie)
                .header("x-forwarded-for", forwarded_for)
                .header("x-forwarded-proto", "https")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form_body(&[("email", OWNER), ("password", &password), ("csrf", &csrf)]))
                .send()
                .await
                .unwrap()
        }
    };
    // From an untrusted peer, a forged X-Forwarded-For does not make a fresh address: ten
    // failures "from ten addresses" are ten from 127.0.0.1, whose allowance is then spent.
    for i in 0..10 {
        let forged = ["10.9.9.1", "10.9.9.2", "10.9.9.3", "10.9.9.4", "10.9.9.5"][i % 5];
        let who = format!("nobody{i}@news.example");
        let answer = http_attempt(&http, &untrusted, forged, &who).await;
        assert_eq!(answer, 401);
    }
    let answer = http_attempt(&http, &untrusted, "10.9.9.6", "nobody-else@news.example").await;
    assert_eq!(answer, 429, "the real peer's address is throttled, whatever the header says");
    // Behind the trusted proxy, the forwarded address is the client's: another address is fresh.
    let owner = sign_in(behind_proxy.clone(), "198.51.100.20", password.clone()).await;
    assert_eq!(owner.status(), 303);
    let cookie = owner.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Secure"), "X-Forwarded-Proto from the proxy is believed: {cookie}");
    assert_eq!(owner.headers()["strict-transport-security"], "max-age=31536000");
    site.advance(3600);
    let direct = sign_in(untrusted.clone(), "198.51.100.20", password.clone()).await;
    assert_eq!(direct.status(), 303);
    let cookie = direct.headers()["set-cookie"].to_str().unwrap();
    assert!(!cookie.contains("Secure"), "X-Forwarded-Proto from anyone else is not: {cookie}");
    assert!(!direct.headers().contains_key("strict-transport-security"), "plain HTTP gets no HSTS");
}

/// A wrong sign-in through the proxy's port, claiming `forwarded_for`; answers the status.
async fn http_attempt(http: &reqwest::Client, url: &str, forwarded_for: &str, email: &str) -> u16 {
    let form = http.get(format!("{url}/admin/login")).send().await.unwrap();
    let cookie = form.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let csrf = csrf_of(&form.text().await.unwrap());
    http.post(format!("{url}/admin/login"))
        .header("cookie", cookie)
        .header("x-forwarded-for", forwarded_for)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[("email", email), ("password", "a wrong guess"), ("csrf", &csrf)]))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn hsts_is_sent_only_over_https() {
    let site = Site::new().await;
    // The test site's base URL is https: every answer says so.
    assert_eq!(site.get("/").await.header("strict-transport-security"), "max-age=31536000");
    site.store
        .save_settings(&dateline_core::SiteSettings {
            base_url: "http://news.example.com".into(),
            ..site.store.settings().await.unwrap()
        })
        .await
        .unwrap();
    site.state.site_cache.clear();
    let plain = site.get("/").await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.header("strict-transport-security"), "");
    let forged =
        Request::builder().uri("/").header("x-forwarded-proto", "https").body(Body::empty()).unwrap();
    assert_eq!(site.send(forged).await.header("strict-transport-security"), "", "no trusted proxy said so");
}

#[tokio::test]
async fn changing_your_password_needs_the_current_one_and_ends_your_other_sessions() {
    let site = Site::new().await;
    let password = site.account(OWNER, Role::Contributor, false).await;
    let mut here = Client::new(&site);
    assert_eq!(here.sign_in(OWNER, &password).await.status, StatusCode::SEE_OTHER);
    let mut there = Client::new(&site);
    assert_eq!(there.sign_in(OWNER, &password).await.status, StatusCode::SEE_OTHER);
    let page = here.get("/admin/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches("End this session").count(), 1, "the other one; this one is marked");
    assert!(text(&page.body).contains("This session"));

    let wrong = here
        .post("/admin/account/password", &[("current", "not it at all"), ("new", "a brand new password")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&wrong.body).contains("that is not your current password"), "{}", text(&wrong.body));
    let short = here.post("/admin/account/password", &[("current", &password), ("new", "short")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&short.body).contains("use at least 10 characters"));
    let forged = here
        .post(
            "/admin/account/password",
            &[("current", &password), ("new", "a brand new password"), ("csrf", "x")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(there.get("/admin").await.status, StatusCode::OK, "nothing changed yet");

    let changed = here
        .post("/admin/account/password", &[("current", &password), ("new", "a brand new password")])
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    let location = changed.header("location").to_owned();
    let after = here.get(&location).await;
    assert!(text(&after.body).contains("Password changed"), "{location}: {}", text(&after.body));
    assert_eq!(after.body.matches("End this session").count(), 0);
    assert_eq!(there.get("/admin").await.status, StatusCode::SEE_OTHER, "the other browser is signed out");
    let mut again = Client::new(&site);
    assert_eq!(again.sign_in(OWNER, &password).await.status, StatusCode::UNAUTHORIZED, "the old password");
    assert_eq!(again.sign_in(OWNER, "a brand new password").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn ending_a_session_signs_that_browser_out() {
    let site = Site::new().await;
    let password = site.account(OWNER, Role::Author, false).await;
    let other_password = site.account("other@news.example", Role::Author, false).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        let mut client = Client::new(&site);
        assert_eq!(client.sign_in(OWNER, &password).await.status, StatusCode::SEE_OTHER);
        clients.push(client);
    }
    let mut other = Client::new(&site);
    other.sign_in("other@news.example", &other_password).await;
    let page = clients[0].get("/admin/account").await;
    let ids: Vec<String> = page
        .body
        .split("name=\"session\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .filter(|id| id != "others")
        .collect();
    assert_eq!(ids.len(), 2, "the two other sessions");
    let other_session = dateline_core::secrets::token_hash(&other.cookies["dateline_session"]);
    let theirs = clients[0].post("/admin/account/sessions", &[("session", &other_session)]).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "someone else's session is not yours to end");
    assert_eq!(other.get("/admin").await.status, StatusCode::OK);

    let ended = clients[0].post("/admin/account/sessions", &[("session", &ids[0])]).await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    let signed_out: Vec<StatusCode> = {
        let mut statuses = Vec::new();
        for client in &mut clients[1..] {
            statuses.push(client.get("/admin").await.status);
        }
        statuses
    };
    assert_eq!(signed_out.iter().filter(|s| **s == StatusCode::SEE_OTHER).count(), 1, "{signed_out:?}");
    clients[0].get("/admin/account").await;
    let all = clients[0].post("/admin/account/sessions", &[("session", "others")]).await;
    assert_eq!(all.status, StatusCode::SEE_OTHER);
    for client in &mut clients[1..] {
        assert_eq!(client.get("/admin").await.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(clients[0].get("/admin").await.status, StatusCode::OK, "this session stays");
}
