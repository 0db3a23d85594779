//! The rights matrix, generated from the one rights table: every actor (contributor,
//! author, editor, administrator, admin token, content token, signed out) x every
//! transition a person can ask for x every status x own story or not, on every surface the
//! actor can use (the HTML admin for accounts, the Admin API for tokens, both for a
//! signed-out request). What the surface does must be what `rights::may` and the lifecycle
//! say: allowed means done (the story in the status the lifecycle names), refused means
//! nothing changed. The command line has no story commands, so it has no row here.

use crate::support::{Client, Site, story_fields};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use dateline_core::account::{TokenScope, UserId};
use dateline_core::rights::{self, Actor, Target, UserActor};
use dateline_core::{Role, StatusChange, Story, StoryStatus, Transition};
use tower::ServiceExt;

/// What a person can ask for, as the surfaces offer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    /// Save new words (an update when the story is published).
    Save,
    /// The editor's "publish" (save, then publish) or the API's publish.
    Publish,
    /// The editor's "schedule" (save, then schedule) or the API's schedule.
    Schedule,
    Correct,
    Unpublish,
    Kill,
    Reinstate,
    Restore,
}

const ASKS: [Ask; 8] = [
    Ask::Save,
    Ask::Publish,
    Ask::Schedule,
    Ask::Correct,
    Ask::Unpublish,
    Ask::Kill,
    Ask::Reinstate,
    Ask::Restore,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Surface {
    Html,
    Api,
}

/// Whether a change is allowed from `status` for `actor`, and the status it leads to.
fn expected(
    actor: &Actor,
    own: bool,
    status: StoryStatus,
    ask: Ask,
    surface: Surface,
) -> Option<StoryStatus> {
    let target = Target::Story { own, status };
    let allowed = |t: Transition| {
        if rights::may(actor, t, target) { t.apply(status).ok() } else { None }
    };
    let save = Transition::save_for(status);
    match (ask, surface) {
        (Ask::Save, _) => allowed(save),
        // The editor saves the form first, then publishes (a published story is only updated).
        (Ask::Publish, Surface::Html) => {
            allowed(save)?;
            if status == StoryStatus::Published { Some(status) } else { allowed(Transition::Publish) }
        }
        (Ask::Schedule, Surface::Html) => {
            allowed(save)?;
            allowed(Transition::Schedule)
        }
        (Ask::Publish, Surface::Api) => allowed(Transition::Publish),
        (Ask::Schedule, Surface::Api) => allowed(Transition::Schedule),
        (Ask::Correct, _) => allowed(Transition::Correct),
        (Ask::Unpublish, _) => allowed(Transition::Unpublish),
        (Ask::Kill, _) => allowed(Transition::Kill),
        (Ask::Reinstate, _) => allowed(Transition::Reinstate),
        (Ask::Restore, _) => allowed(Transition::RestoreRevision),
    }
}

/// A story in `status`, created by `owner` (its only claim to being theirs: no byline).
async fn story_in(site: &Site, status: StoryStatus, owner: Option<UserId>, n: usize) -> Story {
    let now = crate::support::at(crate::support::NOW);
    let draft = dateline_core::StoryDraft { authors: vec![], ..site.draft(&format!("Matrix story {n}")) };
    let story = site.store.create_story(&draft, owner, now).await.unwrap();
    let system = Actor::System("matrix");
    let later: jiff::Timestamp = "2030-01-01T10:00:00Z".parse().unwrap();
    let steps: &[StatusChange] = match status {
        StoryStatus::Draft => &[],
        StoryStatus::Scheduled => &[StatusChange::Schedule(later)],
        StoryStatus::Published => &[StatusChange::Publish],
        StoryStatus::Unpublished => &[StatusChange::Publish, StatusChange::Unpublish],
        StoryStatus::Killed => &[StatusChange::Publish, StatusChange::Kill],
    };
    for step in steps {
        site.store.change_status(story.id, step, &system, now).await.unwrap();
    }
    site.store.story(story.id).await.unwrap().unwrap()
}

async fn through_html(client: &mut Client<'_>, story: &Story, ask: Ask) -> StatusCode {
    let id = story.id;
    let version = story.version.to_string();
    let form = |action: &'static str| {
        let mut fields = story_fields("Matrix words", action, &version);
        fields.push(("schedule_at", "2030-06-01T10:00"));
        fields.into_iter().map(|(k, v)| (k, v.to_owned())).collect::<Vec<(&str, String)>>()
    };
    let (uri, fields): (String, Vec<(&str, String)>) = match ask {
        Ask::Save => (format!("/admin/stories/{id}"), form("save")),
        Ask::Publish => (format!("/admin/stories/{id}"), form("publish")),
        Ask::Schedule => (format!("/admin/stories/{id}"), form("schedule")),
        Ask::Correct => {
            (format!("/admin/stories/{id}/correction"), vec![("note", "A name was misspelt.".into())])
        }
        Ask::Unpublish => (format!("/admin/stories/{id}/unpublish"), vec![]),
        Ask::Kill => (format!("/admin/stories/{id}/kill"), vec![]),
        Ask::Reinstate => {
            (format!("/admin/stories/{id}/reinstate"), vec![("note", "The court lifted it.".into())])
        }
        Ask::Restore => (format!("/admin/stories/{id}/revisions/1/restore"), vec![]),
    };
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    client.post(&uri, &fields).await.status
}

async fn through_api(site: &Site, token: Option<&str>, story: &Story, ask: Ask) -> StatusCode {
    let base = format!("/api/admin/v1/stories/{}", story.id);
    let version = story.version;
    let (method, uri, body) = match ask {
        Ask::Save => (
            Method::PUT,
            base,
            serde_json::json!({"headline": "Matrix words", "section": "world", "version": version}),
        ),
        Ask::Publish => (Method::POST, format!("{base}/publish"), serde_json::json!({})),
        Ask::Schedule => {
            (Method::POST, format!("{base}/schedule"), serde_json::json!({"at": "2030-06-01T10:00:00Z"}))
        }
        Ask::Correct => {
            (Method::POST, format!("{base}/corrections"), serde_json::json!({"note": "A name was misspelt."}))
        }
        Ask::Unpublish => (Method::POST, format!("{base}/unpublish"), serde_json::json!({})),
        Ask::Kill => (Method::POST, format!("{base}/kill"), serde_json::json!({})),
        Ask::Reinstate => {
            (Method::POST, format!("{base}/reinstate"), serde_json::json!({"reason": "The court lifted it."}))
        }
        Ask::Restore => {
            (Method::POST, format!("{base}/revisions/1/restore"), serde_json::json!({"version": version}))
        }
    };
    let mut request = Request::builder().method(method).uri(uri).header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = request.body(Body::from(body.to_string())).unwrap();
    dateline_web::router(site.state.clone()).oneshot(request).await.unwrap().status()
}

/// Whether the surface did the change: a success answer and the story as the lifecycle
/// says; or refused it: a refusal and the story untouched. Anything else is a finding.
fn observed(
    before: &Story,
    after: &Story,
    answer: StatusCode,
    success: StatusCode,
) -> Result<Option<StoryStatus>, String> {
    let untouched = after.status == before.status
        && after.version == before.version
        && after.corrections.len() == before.corrections.len();
    let refusal = matches!(answer, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::CONFLICT);
    match (answer == success, refusal, untouched) {
        (true, _, false) => Ok(Some(after.status)),
        (_, true, true) => Ok(None),
        _ => Err(format!(
            "answer {answer}, story {:?} v{} -> {:?} v{}",
            before.status, before.version, after.status, after.version
        )),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_actor_transition_status_and_surface_agrees_with_the_rights_table() {
    let site = Site::new().await;
    let mut cases = 0;
    let mut findings = Vec::new();
    // (surface, allowed): how many cases of each, so the matrix cannot pass by refusing all.
    let mut outcomes = std::collections::BTreeMap::<(&str, bool), usize>::new();
    let mut n = 0;

    // The HTML admin: each role, and nobody signed in.
    let mut people: Vec<(Actor, Option<UserId>, Client<'_>)> = Vec::new();
    for role in Role::ALL {
        let client = site.signed_in(role).await;
        let user = site.store.users().await.unwrap().into_iter().find(|u| u.role == role).unwrap();
        let actor =
            Actor::User(UserActor { id: user.id, name: user.name.clone(), role, author: user.author });
        people.push((actor, Some(user.id), client));
    }
    people.push((Actor::SignedOut, None, Client::new(&site)));
    for (actor, id, client) in &mut people {
        for status in StoryStatus::ALL {
            for own in [true, false] {
                if own && id.is_none() {
                    continue;
                }
                for ask in ASKS {
                    n += 1;
                    let story = story_in(&site, status, if own { *id } else { None }, n).await;
                    let answer = through_html(client, &story, ask).await;
                    let after = site.store.story(story.id).await.unwrap().unwrap();
                    let want = expected(actor, own, status, ask, Surface::Html);
                    *outcomes.entry(("HTML", want.is_some())).or_default() += 1;
                    let got = observed(&story, &after, answer, StatusCode::SEE_OTHER);
                    cases += 1;
                    if got != Ok(want) {
                        findings.push(format!(
                            "HTML {actor} own={own} {status:?} {ask:?}: want {want:?}, got {got:?}"
                        ));
                    }
                }
            }
        }
    }

    // The Admin API: each kind of token, and none.
    let admin = crate::api::token(&site, TokenScope::Admin).await;
    let content = crate::api::token(&site, TokenScope::Content).await;
    let callers = [
        (Actor::AdminToken { id: 0, name: "admin".into() }, Some(admin.as_str())),
        (Actor::ContentToken { id: 0, name: "content".into() }, Some(content.as_str())),
        (Actor::SignedOut, None),
    ];
    for (actor, token) in &callers {
        for status in StoryStatus::ALL {
            for ask in ASKS {
                n += 1;
                let story = story_in(&site, status, None, n).await;
                let answer = through_api(&site, *token, &story, ask).await;
                let after = site.store.story(story.id).await.unwrap().unwrap();
                let want = expected(actor, false, status, ask, Surface::Api);
                *outcomes.entry(("API", want.is_some())).or_default() += 1;
                let got = observed(&story, &after, answer, StatusCode::OK);
                cases += 1;
                if got != Ok(want) {
                    findings.push(format!("API {actor} {status:?} {ask:?}: want {want:?}, got {got:?}"));
                }
            }
        }
    }
    eprintln!("rights matrix: {cases} cases {outcomes:?}, {} findings", findings.len());
    assert!(
        findings.is_empty(),
        "{} of {cases} cases disagree with the rights table:\n{}",
        findings.len(),
        findings.join("\n")
    );
    for key in [("HTML", true), ("HTML", false), ("API", true), ("API", false)] {
        assert!(outcomes.get(&key).is_some_and(|n| *n >= 20), "{key:?}: {outcomes:?}");
    }
}
