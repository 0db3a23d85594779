//! The CDN purge log (`/admin/cdn`, administrators): what the purge hook
//! (`dateline_newsroom::cdn`) sent to the CDN in front of the site, newest first, with each
//! purge's keys, state, attempts and last error.

use super::Editor;
use super::manage::{Item, ListPage, check, show};
use crate::error::WebError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use dateline_core::{Action, ChangeKey};

/// Purges the page lists.
const SHOWN: u32 = 200;

pub async fn purges(State(state): State<AppState>, editor: Editor) -> Result<Response, WebError> {
    check(&editor, Action::ViewCdnPurges, None)?;
    let settings = state.store.settings().await?;
    let moment = |t: jiff::Timestamp| settings.house_style.byline_moment(t, &settings.time_zone());
    let items = state
        .store
        .recent_cdn_purges(SHOWN)
        .await?
        .into_iter()
        .map(|p| Item {
            cells: vec![
                p.id.to_string(),
                moment(p.created_at),
                if p.everything() { "everything".to_owned() } else { ChangeKey::join(&p.keys) },
                if p.first_change == p.last_change {
                    format!("#{}", p.first_change)
                } else {
                    format!("{} (#{} to #{})", p.changes, p.first_change, p.last_change)
                },
                p.status.as_str().to_owned(),
                p.attempts.to_string(),
                p.last_status_code.map(|c| c.to_string()).unwrap_or_default(),
                p.last_error.unwrap_or_default(),
                p.purged_at.map(moment).unwrap_or_default(),
            ],
            actions: vec![],
        })
        .collect();
    let hook = match &state.cdn {
        Some(purger) => {
            format!("Purges go to {} at {}.", purger.settings().provider.name(), purger.settings().endpoint)
        }
        None => {
            "No purge hook is configured: purges are sent once [cdn] in dateline.toml names one.".to_owned()
        }
    };
    let page = ListPage {
        path: "/admin/cdn",
        heading: "CDN purges".into(),
        intro: format!(
            "{hook} Each batch of changes purges exactly the keys it touched (pages carry them as \
             Surrogate-Key and Cache-Tag); a change to the whole site purges everything. The last \
             {SHOWN}, newest first; failures are tried again with growing waits, and the last error \
             stays after a later success."
        ),
        columns: vec![
            "#",
            "Queued",
            "Keys",
            "Changes",
            "State",
            "Attempts",
            "Last answer",
            "Last error",
            "Purged",
        ],
        items,
        fields: vec![],
        submit: "",
        form_action: None,
    };
    show(&state, &editor, page, StatusCode::OK, None, vec![], None).await
}
