//! The dashboard: counts by status and of wire items waiting on the desk, drafts,
//! scheduled and recently published stories.

use super::{Editor, render};
use crate::error::WebError;
use crate::state::AppState;
use crate::theme::to_value;
use crate::views::story_url;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use dateline_core::{AdminStoryFilter, PageRequest, SiteSettings, StoryListItem, StoryStatus};
use serde::Serialize;
use std::collections::BTreeMap;

/// A story in an admin list.
#[derive(Serialize)]
pub struct Row {
    id: i64,
    headline: String,
    status: &'static str,
    section: String,
    authors: String,
    modified: String,
    modified_iso: String,
    published: Option<String>,
    scheduled: Option<String>,
    edit_url: String,
    public_url: Option<String>,
}

impl Row {
    pub fn new(item: &StoryListItem, settings: &SiteSettings) -> Self {
        let tz = settings.time_zone();
        let moment = |t: jiff::Timestamp| settings.house_style.byline_moment(t, &tz);
        Self {
            id: item.id.0,
            headline: item.headline.clone(),
            status: item.status.as_str(),
            section: item.section_name.clone(),
            authors: item.authors.clone(),
            modified: moment(item.modified_at),
            modified_iso: item.modified_at.to_string(),
            published: item.published_at.map(moment),
            scheduled: item.scheduled_at.map(moment),
            edit_url: format!("/admin/stories/{}", item.id),
            public_url: (item.status == StoryStatus::Published).then(|| story_url(item.slug.as_str())),
        }
    }
}

pub async fn dashboard(State(state): State<AppState>, editor: Editor) -> Result<Response, WebError> {
    page(&state, &editor, StatusCode::OK, None, BTreeMap::new()).await
}

/// The dashboard; `banner` is the banner form as typed when it was refused, with `errors`.
pub async fn page(
    state: &AppState,
    editor: &Editor,
    status: StatusCode,
    banner: Option<BTreeMap<String, String>>,
    errors: BTreeMap<String, String>,
) -> Result<Response, WebError> {
    let store = &state.store;
    let settings = store.settings().await?;
    let now = state.clock.now();
    let up = settings.banner.clone().filter(|b| b.is_showing(now));
    let banner_form = banner.unwrap_or_else(|| {
        let tz = settings.time_zone();
        BTreeMap::from([
            ("text".to_owned(), up.as_ref().map(|b| b.text.clone()).unwrap_or_default()),
            ("link".to_owned(), up.as_ref().map(|b| b.link.clone()).unwrap_or_default()),
            (
                "ends_at".to_owned(),
                up.as_ref()
                    .and_then(|b| b.ends_at)
                    .map(|t| t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%dT%H:%M").to_string())
                    .unwrap_or_default(),
            ),
        ])
    });
    let list = |status| {
        let store = store.clone();
        async move {
            let filter = AdminStoryFilter { status: Some(status), ..AdminStoryFilter::default() };
            store.admin_stories(&filter, PageRequest { offset: 0, limit: 10 }).await
        }
    };
    let (drafts, scheduled, published, counts, wire_waiting) = tokio::try_join!(
        list(StoryStatus::Draft),
        list(StoryStatus::Scheduled),
        list(StoryStatus::Published),
        store.status_counts(),
        store.wire_waiting(),
    )?;
    let rows = |items: Vec<StoryListItem>| items.iter().map(|i| Row::new(i, &settings)).collect::<Vec<_>>();
    let mut count_map: BTreeMap<&str, u64> = StoryStatus::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for (status, n) in counts {
        count_map.insert(status.as_str(), n);
    }
    let context = minijinja::context! {
        drafts => to_value(rows(drafts)),
        scheduled => to_value(rows(scheduled)),
        published => to_value(rows(published)),
        counts => to_value(count_map),
        wire_waiting => wire_waiting,
        banner_up => up.is_some(),
        banner => banner_form,
        banner_errors => errors,
        may_set_banner => editor.may(dateline_core::Action::SetBanner, dateline_core::Target::Site),
    };
    render(state, Some(&editor.0), status, "dashboard.html", "/admin", None, context).await
}
