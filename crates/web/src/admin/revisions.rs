//! Revisions of a story: every save is kept; any two can be compared field by field with a
//! line diff of the body, and any one restored (as a new revision, so nothing is lost).

use super::{Editor, done_redirect, load_story, render};
use crate::error::WebError;
use crate::input::Form;
use crate::state::AppState;
use crate::theme::to_value;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use dateline_core::Action;
use dateline_core::StoryDraft;
use dateline_newsroom::stories;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Default)]
pub struct CompareQuery {
    a: Option<i64>,
    b: Option<i64>,
}

#[derive(Serialize)]
struct RevisionLine {
    number: i64,
    created: String,
    created_iso: String,
    headline: String,
    is_current: bool,
}

#[derive(Serialize)]
struct FieldRow {
    field: &'static str,
    before: String,
    after: String,
    changed: bool,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: &'static str,
    pub text: String,
}

/// Line diff of `a` into `b` by longest common subsequence. Bodies longer than a few
/// thousand lines are compared as wholes.
pub fn diff_lines(a: &str, b: &str) -> Vec<DiffLine> {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    if a.len() * b.len() > 4_000_000 {
        let mut out: Vec<DiffLine> =
            a.iter().map(|l| DiffLine { kind: "removed", text: (*l).to_owned() }).collect();
        out.extend(b.iter().map(|l| DiffLine { kind: "added", text: (*l).to_owned() }));
        return out;
    }
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push(DiffLine { kind: "same", text: a[i].to_owned() });
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(DiffLine { kind: "added", text: b[j].to_owned() });
            j += 1;
        } else {
            out.push(DiffLine { kind: "removed", text: a[i].to_owned() });
            i += 1;
        }
    }
    out
}

fn field_rows(a: &StoryDraft, b: &StoryDraft) -> Vec<FieldRow> {
    let text = |d: &StoryDraft| -> Vec<(&'static str, String)> {
        vec![
            ("Headline", d.headline.clone()),
            ("Standfirst", d.standfirst.clone()),
            ("Dateline", d.dateline_place.clone()),
            ("Credit", d.credit.clone()),
            ("Language", d.language.clone()),
            ("Slug", d.slug.as_ref().map(ToString::to_string).unwrap_or_default()),
            ("Section", d.section.to_string()),
            ("Tags", d.tags.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
            ("Authors", d.authors.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
            ("Image", d.image.as_ref().map(|i| i.url.clone()).unwrap_or_default()),
        ]
    };
    text(a)
        .into_iter()
        .zip(text(b))
        .map(|((field, before), (_, after))| FieldRow { field, changed: before != after, before, after })
        .collect()
}

pub async fn list(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Query(q): Query<CompareQuery>,
) -> Result<Response, WebError> {
    let story = load_story(&state, id).await?;
    editor.require(Action::ViewRevisions, editor.target(&story))?;
    let settings = state.store.settings().await?;
    let revisions = state.store.revisions(story.id).await?;
    let last = revisions.last().map(|r| r.number);
    let lines: Vec<RevisionLine> = revisions
        .iter()
        .rev()
        .map(|r| RevisionLine {
            number: r.number,
            created: settings.house_style.byline_moment(r.created_at, &settings.time_zone()),
            created_iso: r.created_at.to_string(),
            headline: r.draft.headline.clone(),
            is_current: Some(r.number) == last,
        })
        .collect();
    let find = |n: Option<i64>| n.and_then(|n| revisions.iter().find(|r| r.number == n));
    let (compare, diff) = match (find(q.a), find(q.b)) {
        (Some(a), Some(b)) => (
            Some(
                minijinja::context! { a => a.number, b => b.number, rows => to_value(field_rows(&a.draft, &b.draft)) },
            ),
            Some(diff_lines(&a.draft.body, &b.draft.body)),
        ),
        _ if q.a.is_some() || q.b.is_some() => {
            return Err(WebError::BadRequest("Choose two revisions that exist.".into()));
        }
        _ => (None, None),
    };
    let context = minijinja::context! {
        story => minijinja::context! { id => story.id.0, headline => story.headline.clone(), edit_url => format!("/admin/stories/{id}") },
        revisions => to_value(lines),
        compare => compare,
        diff_lines => to_value(diff),
    };
    let path = format!("/admin/stories/{id}/revisions");
    render(&state, Some(&editor.0), StatusCode::OK, "revisions.html", &path, None, context).await
}

#[derive(Deserialize)]
pub struct RestoreForm {
    #[serde(default)]
    csrf: String,
}

pub async fn restore(
    State(state): State<AppState>,
    editor: Editor,
    Path((id, number)): Path<(i64, i64)>,
    Form(form): Form<RestoreForm>,
) -> Result<Response, WebError> {
    editor.check_csrf(&form.csrf)?;
    let story = load_story(&state, id).await?;
    let (store, now) = (state.store.as_ref(), state.clock.now());
    stories::restore(store, &editor.actor(), story.id, number, story.version, now).await?;
    Ok(done_redirect(&format!("/admin/stories/{id}"), "restored"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_diff_marks_added_and_removed() {
        let got = diff_lines("a\nb\nc", "a\nc\nd");
        let kinds: Vec<_> = got.iter().map(|l| (l.kind, l.text.as_str())).collect();
        assert_eq!(kinds, [("same", "a"), ("removed", "b"), ("same", "c"), ("added", "d")]);
    }
}
