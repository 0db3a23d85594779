//! The breaking-news banner from the dashboard: put up (words, a link, an optional end in
//! site time) and taken down in one click, through `dateline_newsroom::site`.

use super::Editor;
use crate::error::WebError;
use crate::input::Form;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dateline_core::{Action, Banner, Target};
use dateline_newsroom::AdminError;
use dateline_newsroom::site;
use std::collections::BTreeMap;

type Fields = BTreeMap<String, String>;

fn field(f: &Fields, name: &str) -> String {
    f.get(name).cloned().unwrap_or_default()
}

pub async fn set(
    axum::extract::State(state): axum::extract::State<AppState>,
    editor: Editor,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    editor.require(Action::SetBanner, Target::Site)?;
    editor.check_csrf(&field(&f, "csrf"))?;
    let settings = state.store.settings().await?;
    let ends_at = match field(&f, "ends_at").trim() {
        "" => None,
        text => match text
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|c| c.to_zoned_datetime(settings.time_zone()).ok())
        {
            Some(z) => Some(z.timestamp()),
            None => {
                let errors =
                    BTreeMap::from([("ends_at".to_owned(), "use the form YYYY-MM-DDTHH:MM".to_owned())]);
                return super::dashboard::page(
                    &state,
                    &editor,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(f),
                    errors,
                )
                .await;
            }
        },
    };
    let banner = Banner { text: field(&f, "text"), link: field(&f, "link"), ends_at };
    match site::set_banner(state.store.as_ref(), &editor.actor(), &banner, state.clock.now()).await {
        Ok(()) => {
            state.site_cache.clear();
            Ok(Redirect::to("/admin").into_response())
        }
        Err(AdminError::Invalid(errors)) => {
            let errors = errors.into_iter().map(|e| (e.field.to_owned(), e.message)).collect();
            super::dashboard::page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, Some(f), errors).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn clear(
    axum::extract::State(state): axum::extract::State<AppState>,
    editor: Editor,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    editor.require(Action::SetBanner, Target::Site)?;
    editor.check_csrf(&field(&f, "csrf"))?;
    site::clear_banner(state.store.as_ref(), &editor.actor()).await?;
    state.site_cache.clear();
    Ok(Redirect::to("/admin").into_response())
}
