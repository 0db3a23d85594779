//! The site's lists, one page each, with their create forms and edit pages: sections, tags,
//! authors, sources, users (also disabled, re-enabled, given a new password or role), API
//! tokens, webhooks and their delivery log; all share the `simple_list.html` template. The
//! site settings have their own page (`settings.html`).

use super::{Editor, render};
use crate::error::WebError;
use crate::input::Form;
use crate::state::AppState;
use crate::theme::to_value;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dateline_core::Action;
use dateline_core::Actor;
use dateline_core::account::{Role, UserId};
use dateline_core::{
    FieldError, MenuItem, NewAuthor, NewSection, NewSource, NewTag, SiteSettings, Slug, TagKind,
    TextDirection,
};
use dateline_newsroom::AdminError;
use dateline_newsroom::accounts::{self, AccountError, AccountFields};
use dateline_newsroom::site;
use dateline_newsroom::taxonomy;
use dateline_newsroom::webhooks;
use dateline_store::StoreError;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub(super) type Fields = HashMap<String, String>;

#[derive(Serialize, Clone)]
pub(super) struct Opt {
    pub(super) value: String,
    pub(super) label: String,
}

#[derive(Serialize, Clone)]
pub(super) struct Field {
    pub(super) name: &'static str,
    pub(super) label: &'static str,
    pub(super) kind: &'static str,
    pub(super) value: String,
    pub(super) options: Vec<Opt>,
    pub(super) hint: Option<&'static str>,
    pub(super) required: bool,
}

pub(super) fn field(name: &'static str, label: &'static str, kind: &'static str, required: bool) -> Field {
    Field { name, label, kind, value: String::new(), options: Vec::new(), hint: None, required }
}

#[derive(Serialize)]
pub(super) struct ItemAction {
    pub(super) label: &'static str,
    pub(super) url: String,
    pub(super) method: &'static str,
    pub(super) danger: bool,
}

#[derive(Serialize)]
pub(super) struct Item {
    pub(super) cells: Vec<String>,
    pub(super) actions: Vec<ItemAction>,
}

#[derive(Serialize)]
pub(super) struct Secret {
    pub(super) label: String,
    pub(super) value: String,
}

/// One management page: what it lists and how to add to it.
pub(super) struct ListPage {
    pub(super) path: &'static str,
    pub(super) heading: String,
    pub(super) intro: String,
    pub(super) columns: Vec<&'static str>,
    pub(super) items: Vec<Item>,
    pub(super) fields: Vec<Field>,
    pub(super) submit: &'static str,
    /// Where the form posts; the page's own path when `None`.
    pub(super) form_action: Option<String>,
}

pub(super) async fn show(
    state: &AppState,
    editor: &Editor,
    page: ListPage,
    status: StatusCode,
    typed: Option<&Fields>,
    errors: Vec<FieldError>,
    secret: Option<Secret>,
) -> Result<Response, WebError> {
    let fields: Vec<Field> = page
        .fields
        .into_iter()
        .map(|mut f| {
            if let Some(v) = typed.and_then(|t| t.get(f.name)) {
                f.value.clone_from(v);
            }
            f
        })
        .collect();
    let errors: BTreeMap<String, String> =
        errors.into_iter().map(|e| (e.field.to_owned(), e.message)).collect();
    let context = minijinja::context! {
        heading => page.heading,
        intro => page.intro,
        columns => to_value(page.columns),
        items => to_value(page.items),
        create => (!fields.is_empty()).then(|| minijinja::context! { action => page.form_action.clone().unwrap_or_else(|| page.path.to_owned()), submit => page.submit, fields => to_value(&fields) }),
        errors => to_value(errors),
        secret => to_value(secret),
    };
    render(state, Some(&editor.0), status, "simple_list.html", page.path, None, context).await
}

pub(super) fn get(fields: &Fields, name: &str) -> String {
    fields.get(name).map(|v| v.trim().to_owned()).unwrap_or_default()
}

fn slug_field(fields: &Fields, from: &str) -> Result<Slug, FieldError> {
    let typed = get(fields, "slug");
    if typed.is_empty() {
        Slug::from_title(&get(fields, from)).ok_or_else(|| FieldError::new("slug", "give a slug"))
    } else {
        Slug::parse(&typed).map_err(|e| FieldError::new("slug", e.to_string()))
    }
}

fn required(fields: &Fields, name: &'static str, label: &str) -> Result<String, FieldError> {
    let v = get(fields, name);
    if v.is_empty() { Err(FieldError::new(name, format!("{label} is required"))) } else { Ok(v) }
}

/// Answers a create form: back to the list when it worked, otherwise the page again with
/// the problems and what was typed. A taken slug or invalid input is a field error.
async fn answer(
    state: &AppState,
    editor: &Editor,
    typed: &Fields,
    result: Result<(), AdminError>,
    list_path: &str,
    page: impl AsyncFnOnce(&AppState) -> Result<ListPage, WebError>,
) -> Result<Response, WebError> {
    let errors = match result {
        Ok(()) => return Ok(Redirect::to(list_path).into_response()),
        Err(AdminError::Store(StoreError::Duplicate(what))) => {
            vec![FieldError::new("slug", format!("that {what} is already taken"))]
        }
        Err(AdminError::Invalid(errors)) => errors,
        Err(e) => return Err(e.into()),
    };
    show(state, editor, page(state).await?, StatusCode::UNPROCESSABLE_ENTITY, Some(typed), errors, None).await
}

pub(super) fn check(editor: &Editor, action: Action, fields: Option<&Fields>) -> Result<(), WebError> {
    editor.require(action, dateline_core::Target::Site)?;
    if let Some(f) = fields {
        editor.check_csrf(f.get("csrf").map(String::as_str).unwrap_or(""))?;
    }
    Ok(())
}

// ---- sections ----

async fn sections_page(state: &AppState) -> Result<ListPage, WebError> {
    let items = state
        .store
        .sections()
        .await?
        .into_iter()
        .map(|s| Item {
            cells: vec![s.name, s.slug.to_string(), s.language.unwrap_or_default(), s.position.to_string()],
            actions: vec![
                ItemAction {
                    label: "View",
                    url: format!("/section/{}", s.slug),
                    method: "get",
                    danger: false,
                },
                ItemAction {
                    label: "Edit",
                    url: format!("/admin/sections/{}/edit", s.id),
                    method: "get",
                    danger: false,
                },
            ],
        })
        .collect();
    let mut language = field("language", "Language", "text", false);
    language.hint = Some("only if it differs from the site's, e.g. ur");
    Ok(ListPage {
        path: "/admin/sections",
        heading: "Sections".into(),
        intro: "Sections make the menu and the section fronts, in this order.".into(),
        columns: vec!["Name", "Slug", "Language", "Position"],
        items,
        fields: vec![
            field("name", "Name", "text", true),
            field("slug", "Slug", "text", false),
            field("description", "Description", "textarea", false),
            language,
            field("position", "Position", "text", false),
        ],
        submit: "Add section",
        form_action: None,
    })
}

pub async fn sections(State(state): State<AppState>, editor: Editor) -> Result<Response, WebError> {
    check(&editor, Action::ManageTaxonomy, None)?;
    show(&state, &editor, sections_page(&state).await?, StatusCode::OK, None, vec![], None).await
}

fn parse_section(f: &Fields) -> Result<NewSection, FieldError> {
    let language = Some(get(f, "language")).filter(|l| !l.is_empty());
    if language.as_deref().is_some_and(|l| !dateline_core::language::is_language_tag(l)) {
        return Err(FieldError::new("language", "use a language tag such as ur"));
    }
    let position = match get(f, "position").as_str() {
        "" => 0,
        p => p.parse().map_err(|_| FieldError::new("position", "a whole number"))?,
    };
    Ok(NewSection {
        name: required(f, "name", "the name")?,
        slug: slug_field(f, "name")?,
        description: get(f, "description"),
        language,
        position,
    })
}

pub async fn create_section(
    State(state): State<AppState>,
    editor: Editor,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    check(&editor, Action::ManageTaxonomy, Some(&f))?;
    let parsed = parse_section(&f);
    let result = match parsed {
        Ok(new) => taxonomy::create_section(state.store.as_ref(), &editor.actor(), &new).await.map(|_| ()),
        Err(e) => Err(AdminError::Invalid(vec![e])),
    };
    state.site_cache.clear();
    answer(&state, &editor, &f, result, "/admin/sections", sections_page).await
}

// ---- tags ----

async fn tags_page(state: &AppState) -> Result<ListPage, WebError> {
    let items = state
        .store
        .tags()
        .await?
        .into_iter()
        .map(|t| Item {
            cells: vec![t.name, t.slug.to_string(), t.kind.as_str().to_owned()],
            actions: vec![
                ItemAction { label: "View", url: format!("/tag/{}", t.slug), method: "get", danger: false },
                ItemAction {
                    label: "Edit",
                    url: format!("/admin/tags/{}/edit", t.id),
                    method: "get",
                    danger: false,
                },
            ],
        })
        .collect();
    let mut kind = field("kind", "Kind", "select", true);
    kind.options =
        TagKind::ALL.iter().map(|k| Opt { value: k.as_str().into(), label: k.as_str().into() }).collect();
    Ok(ListPage {
        path: "/admin/tags",
        heading: "Tags".into(),
        intro: "People, places, organisations and topics stories are tagged with.".into(),
        columns: vec!["Name", "Slug", "Kind"],
        items,
        fields: vec![field("name", "Name", "text", true), field("slug", "Slug", "text", false), kind],
        submit: "Add tag",
        form_action: None,
    })
}

pub async fn tags(State(state): State<AppState>, editor: Editor) -> Result<Response, WebError> {
    check(&editor, Action::ManageTaxonomy, None)?;
    show(&state, &editor, tags_page(&state).await?, StatusCode::OK, None, vec![], None).await
}

fn parse_tag(f: &Fields) -> Result<NewTag, FieldError> {
    Ok(NewTag {
        name: required(f, "name", "the name")?,
        slug: slug_field(f, "name")?,
        kind: TagKind::parse(&get(f, "kind")).ok_or_else(|| FieldError::new("kind", "choose a kind"))?,
    })
}

pub async fn create_tag(
    State(state): State<AppState>,
    editor: Editor,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    check(&editor, Action::ManageTaxonomy, Some(&f))?;
    let parsed = parse_tag(&f);
    let result = match parsed {
        Ok(new) => taxonomy::create_tag(state.store.as_ref(), &editor.actor(), &new).await.map(|_| ()),
        Err(e) => Err(AdminError::Invalid(vec![e])),
    };
    answer(&state, &editor, &f, result, "/admin/tags", tags_page).await
}

// ---- authors ----

async fn authors_page(state: &AppState) -> Result<ListPage, WebError> {
    let items = state
        .store
        .authors()
        .await?
        .into_iter()
        .map(|a| Item {
            cells: vec![a.name, a.slug.to_string()],
            actions: vec![
                ItemAction {
                    label: "View",
                    url: format!("/author/{}", a.slug),
                    method: "get",
                    danger: false,
                },
                ItemAction {
                    label: "Edit",
                    url: format!("/admin/authors/{}/edit", a.id),
                    method: "get",
                    danger: false,
                },
            ],
        })
        .collect();
    Ok(ListPage {
        path: "/admin/authors",
        heading: "Authors".into(),
        intro: "The names stories are bylined to.".into(),
        columns: vec!["Name", "Slug"],
        items,
        fields: vec![
            field("name", "Name", "text", true),
            field("slug", "Slug", "text", false),
            field("bio", "Biography", "textarea", false),
        ],
        submit: "Add author",
        form_action: None,
    })
}

pub async fn authors(State(state): State<AppState>, editor: Editor) -> Result<Response, WebError> {
    check(&editor, Action::ManageTaxonomy, None)?;
    show(&state, &editor, authors_page(&state).await?, StatusCode::OK, None, vec![], None).await
}

fn parse_author(f: &Fields) -> Result<NewAuthor, FieldError> {
    Ok(NewAuthor { name: required(f, "name", "the name")?, slug: slug_field(f, "name")?, bio: get(f, "bio") })
}

pub async fn create_author(
    State(state): State<AppState>,
    editor: Editor,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    check(&editor, Action::ManageTaxonomy, Some(&f))?;
    let parsed = parse_author(&f);
    let result = match parsed {
        Ok(new) => taxonomy::create_author(state.store.as_ref(), &editor.actor(), &new).await.map(|_| ()),
        Err(e) => Err(AdminError::Invalid(vec![e])),
    };
    answer(&state, &editor, &f, result, "/admin/authors", authors_page).await
}

// ---- sources ----

async fn sources_page(state: &AppState) -> Result<ListPage, WebError> {
    let items = state
        .store
        .wire_sources()
        .await?
        .into_iter()
        .map(|w| {
            let status = match (&w.status.last_error, w.status.failures) {
                (Some(error), 1..) => format!("failing: {error}"),
                _ if w.status.last_success_at.is_some() => "ok".into(),
                _ => String::new(),
            };
            let s = w.source;
            Item {
                cells: vec![s.name, s.slug.to_string(), s.credit, w.config.kind, status],
                actions: vec![
                    ItemAction {
                        label: "View",
                        url: format!("/source/{}", s.slug),
                        method: "get",
                        danger: false,
                    },
                    ItemAction {
                        label: "Edit",
                        url: format!("/admin/sources/{}/edit", s.id),
                        method: "get",
                        danger: false,
                    },
                    ItemAction {
                        label: "Wire settings",
                        url: format!("/admin/sources/{}/wire", s.id),
                        method: "get",
                        danger: false,
                    },
                ],
            }
        })
        .collect();
    Ok(ListPage {
        path: "/admin/sources",
        heading: "Sources".into(),
        intro: "Agencies and other origins of copy, with the credit they are published under.".into(),
        columns: vec!["Name", "Slug", "Credit", "Kind", "Polling"],
        items,
        fields: vec![
            field("name", "Name", "text", true),
            field("slug", "Slug", "text", false),
            field("credit", "Credit", "text", false),
        ],
        submit: "Add source",
        form_action: None,
    })
}

pub async fn sources(State(state): State<AppState>, editor: Editor) -> Result<Response, WebError> {
    check(&editor, Action::ManageSources, None)?;
    show(&state, &editor, sources_page(&state).await?, StatusCode::OK, None, vec![], None).await
}

fn parse_source(f: &Fields) -> Result<NewSource, FieldError> {
    let name = required(f, "name", "the name")?;
    let credit = Some(get(f, "credit")).filter(|c| !c.is_empty()).unwrap_or_else(|| name.clone());
    Ok(NewSource { slug: slug_field(f, "name")?, name, credit })
}

pub async fn create_source(
    State(state): State<AppState>,
    editor: Editor,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    check(&editor, Action::ManageSources, Some(&f))?;
    let parsed = parse_source(&f);
    let result = match parsed {
        Ok(new) => taxonomy::create_source(state.store.as_ref(), &editor.actor(), &new).await.map(|_| ()),
        Err(e) => Err(AdminError::Invalid(vec![e])),
    };
    answer(&state, &editor, &f, result, "/admin/sources", sources_page).await
}

// ---- users ----

async fn users_page(state: &AppState) -> Result<ListPage, WebError> {
    let items = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| {
            let id = u.id;
            let role = u.role;
            let toggle = if u.disabled {
                ItemAction {
                    label: "Enable",
                    url: format!("/admin/users/{id}/enable"),
                    method: "post",
                    danger: false,
                }
            } else {
                ItemAction {
                    label: "Disable",
                    url: format!("/admin/users/{id}/disable"),
                    method: "post",
                    danger: true,
                }
            };
            Item {
                cells: vec![
                    u.email.to_string(),
                    u.name,
                    u.role.to_string(),
                    if u.disabled { "disabled" } else { "active" }.into(),
                ],
                actions: [
                    toggle,
                    ItemAction {
                        label: "New password",
                        url: format!("/admin/users/{id}/reset-password"),
                        method: "post",
                        danger: true,
                    },
                ]
                .into_iter()
                .chain(Role::ALL.into_iter().filter(|r| *r != role).map(|r| ItemAction {
                    label: match r {
                        Role::Administrator => "Make administrator",
                        Role::Editor => "Make editor",
                        Role::Author => "Make author",
                        Role::Contributor => "Make contributor",
                    },
                    url: format!("/admin/users/{id}/role-{}", r.as_str()),
                    method: "post",
                    danger: false,
                }))
                .collect(),
            }
        })
        .collect();
    let mut role = field("role", "Role", "select", true);
    role.options =
        Role::ALL.iter().map(|r| Opt { value: r.as_str().into(), label: r.as_str().into() }).collect();
    let mut author = field("author", "Byline (author slug)", "text", false);
    author.hint = Some("the author this account writes as; stories bylined to it are its own");
    Ok(ListPage {
        path: "/admin/users",
        heading: "Users".into(),
        intro: "Newsroom accounts. A new account gets a generated password, shown once.".into(),
        columns: vec!["E-mail", "Name", "Role", "State"],
        items,
        fields: vec![
            field("email", "E-mail", "email", true),
            field("name", "Name", "text", true),
            role,
            author,
        ],
        submit: "Add user",
        form_action: None,
    })
}

pub async fn users(State(state): State<AppState>, editor: Editor) -> Result<Response, WebError> {
    check(&editor, Action::ManageUsers, None)?;
    show(&state, &editor, users_page(&state).await?, StatusCode::OK, None, vec![], None).await
}

pub async fn create_user(
    State(state): State<AppState>,
    editor: Editor,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    check(&editor, Action::ManageUsers, Some(&f))?;
    let fields = AccountFields {
        email: get(&f, "email"),
        name: Some(get(&f, "name")),
        role: get(&f, "role"),
        author: Some(get(&f, "author")),
    };
    match accounts::create(
        state.store.as_ref(),
        &state.passwords,
        &editor.actor(),
        &fields,
        state.clock.now(),
    )
    .await
    {
        Ok((user, password)) => {
            let secret = Secret { label: format!("Password for {}", user.email), value: password };
            show(&state, &editor, users_page(&state).await?, StatusCode::CREATED, None, vec![], Some(secret))
                .await
        }
        Err(AccountError::Invalid(errors)) => {
            let page = users_page(&state).await?;
            show(&state, &editor, page, StatusCode::UNPROCESSABLE_ENTITY, Some(&f), errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn user_action(
    State(state): State<AppState>,
    editor: Editor,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    check(&editor, Action::ManageUsers, Some(&f))?;
    let (store, actor, id) = (state.store.as_ref(), editor.actor(), UserId(id));
    match action.as_str() {
        "disable" | "enable" => {
            accounts::set_disabled(store, &actor, id, action == "disable").await?;
        }
        role if role.starts_with("role-") => {
            let role = Role::parse(&role["role-".len()..]).ok_or(WebError::NotFound)?;
            accounts::set_role(store, &actor, id, role).await?;
        }
        "reset-password" => {
            let (user, password) = accounts::reset_password(store, &state.passwords, &actor, id).await?;
            let secret = Secret { label: format!("New password for {}", user.email), value: password };
            return show(
                &state,
                &editor,
                users_page(&state).await?,
                StatusCode::OK,
                None,
                vec![],
                Some(secret),
            )
            .await;
        }
        _ => return Err(WebError::NotFound),
    }
    Ok(Redirect::to("/admin/users").into_response())
}

// ---- settings ----

#[derive(Serialize)]
struct SettingsForm {
    name: String,
    base_url: String,
    language: String,
    direction: String,
    timezone: String,
    menu: String,
    logo_url: String,
}

impl SettingsForm {
    fn from_settings(s: &SiteSettings) -> Self {
        Self {
            name: s.name.clone(),
            base_url: s.base_url.clone(),
            language: s.language.clone(),
            direction: s.direction.as_str().into(),
            timezone: s.timezone.clone(),
            menu: s.menu.iter().map(|m| format!("{} | {}", m.label, m.url)).collect::<Vec<_>>().join("\n"),
            logo_url: s.logo_url.clone(),
        }
    }
}

const TIMEZONES: &[&str] = &[
    "Asia/Karachi",
    "UTC",
    "Europe/London",
    "Europe/Istanbul",
    "Asia/Dubai",
    "Asia/Riyadh",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Europe/Paris",
    "Europe/Moscow",
    "America/New_York",
    "Africa/Cairo",
];

async fn settings_page(
    state: &AppState,
    editor: &Editor,
    status: StatusCode,
    form: SettingsForm,
    errors: Vec<FieldError>,
) -> Result<Response, WebError> {
    let errors: BTreeMap<String, String> =
        errors.into_iter().map(|e| (e.field.to_owned(), e.message)).collect();
    let context = minijinja::context! { form => to_value(form), errors => to_value(errors), timezones => to_value(TIMEZONES) };
    render(state, Some(&editor.0), status, "settings.html", "/admin/settings", None, context).await
}

pub async fn settings(State(state): State<AppState>, editor: Editor) -> Result<Response, WebError> {
    check(&editor, Action::ManageSettings, None)?;
    let current = state.store.settings().await?;
    settings_page(&state, &editor, StatusCode::OK, SettingsForm::from_settings(&current), vec![]).await
}

pub async fn save_settings(
    State(state): State<AppState>,
    editor: Editor,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    check(&editor, Action::ManageSettings, Some(&f))?;
    let current = state.store.settings().await?;
    let typed = SettingsForm {
        name: get(&f, "name"),
        base_url: get(&f, "base_url").trim_end_matches('/').to_owned(),
        language: get(&f, "language"),
        direction: get(&f, "direction"),
        timezone: get(&f, "timezone"),
        menu: f.get("menu").cloned().unwrap_or_default(),
        logo_url: get(&f, "logo_url"),
    };
    let mut errors = Vec::new();
    let menu: Vec<MenuItem> = typed
        .menu
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|line| match line.split_once('|') {
            // What a link may be is the newsroom's rule (core), checked on save.
            Some((label, url)) => Some(MenuItem { label: label.trim().into(), url: url.trim().into() }),
            None => {
                errors
                    .push(FieldError::new("menu", format!("{line:?}: write one \"Label | /path\" per line")));
                None
            }
        })
        .collect();
    let direction = match typed.direction.as_str() {
        "rtl" => TextDirection::Rtl,
        "ltr" | "" => TextDirection::Ltr,
        _ => {
            errors.push(FieldError::new("direction", "ltr or rtl"));
            TextDirection::Ltr
        }
    };
    let new = SiteSettings {
        name: typed.name.clone(),
        base_url: typed.base_url.clone(),
        language: typed.language.clone(),
        direction,
        timezone: typed.timezone.clone(),
        menu,
        house_style: current.house_style,
        logo_url: typed.logo_url.clone(),
        banner: None,
    };
    if errors.is_empty() {
        match site::save_settings(state.store.as_ref(), &editor.actor(), &new).await {
            Ok(()) => {}
            Err(AdminError::Invalid(more)) => errors.extend(more),
            Err(e) => return Err(e.into()),
        }
    }
    if !errors.is_empty() {
        return settings_page(&state, &editor, StatusCode::UNPROCESSABLE_ENTITY, typed, errors).await;
    }
    state.site_cache.clear();
    Ok(Redirect::to("/admin/settings").into_response())
}

// ---- API tokens ----

async fn tokens_page(state: &AppState) -> Result<ListPage, WebError> {
    let settings = state.store.settings().await?;
    let moment = |t: jiff::Timestamp| settings.house_style.byline_moment(t, &settings.time_zone());
    let items = state
        .store
        .tokens()
        .await?
        .into_iter()
        .map(|t| Item {
            cells: vec![
                t.name,
                t.scope.as_str().into(),
                moment(t.created_at),
                t.last_used_at.map(moment).unwrap_or_else(|| "never".into()),
                if t.revoked { "revoked" } else { "active" }.into(),
            ],
            actions: if t.revoked {
                vec![]
            } else {
                vec![ItemAction {
                    label: "Revoke",
                    url: format!("/admin/tokens/{}/revoke", t.id),
                    method: "post",
                    danger: true,
                }]
            },
        })
        .collect();
    let mut scope = field("scope", "Scope", "select", true);
    scope.options = vec![
        Opt { value: "content".into(), label: "content (read-only Content API)".into() },
        Opt { value: "admin".into(), label: "admin (Admin API, full rights)".into() },
    ];
    Ok(ListPage {
        path: "/admin/tokens",
        heading: "API tokens".into(),
        intro: "Tokens for the Admin and Content APIs. A token is shown once; only its hash is kept.".into(),
        columns: vec!["Name", "Scope", "Created", "Last used", "State"],
        items,
        fields: vec![field("name", "Name", "text", true), scope],
        submit: "Create token",
        form_action: None,
    })
}

pub async fn tokens(State(state): State<AppState>, editor: Editor) -> Result<Response, WebError> {
    check(&editor, Action::ManageTokens, None)?;
    show(&state, &editor, tokens_page(&state).await?, StatusCode::OK, None, vec![], None).await
}

pub async fn create_token(
    State(state): State<AppState>,
    editor: Editor,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    check(&editor, Action::ManageTokens, Some(&f))?;
    let (name, scope) = (get(&f, "name"), get(&f, "scope"));
    match accounts::create_token(state.store.as_ref(), &editor.actor(), &name, &scope, state.clock.now())
        .await
    {
        Ok((token, value)) => {
            let secret = Secret { label: format!("Token {} ({})", token.name, token.scope.as_str()), value };
            show(&state, &editor, tokens_page(&state).await?, StatusCode::CREATED, None, vec![], Some(secret))
                .await
        }
        Err(AccountError::Invalid(errors)) => {
            let page = tokens_page(&state).await?;
            show(&state, &editor, page, StatusCode::UNPROCESSABLE_ENTITY, Some(&f), errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    check(&editor, Action::ManageTokens, Some(&f))?;
    accounts::revoke_token(state.store.as_ref(), &editor.actor(), id, state.clock.now()).await?;
    Ok(Redirect::to("/admin/tokens").into_response())
}

// ---- webhooks ----

async fn webhooks_page(state: &AppState) -> Result<ListPage, WebError> {
    let items = state
        .store
        .webhooks()
        .await?
        .into_iter()
        .map(|w| Item {
            cells: vec![
                w.url,
                w.events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", "),
                if w.active { "active" } else { "paused" }.into(),
            ],
            actions: vec![ItemAction {
                label: if w.active { "Pause" } else { "Resume" },
                url: format!("/admin/webhooks/{}/{}", w.id, if w.active { "pause" } else { "resume" }),
                method: "post",
                danger: false,
            }],
        })
        .collect();
    let mut events = field("events", "Events", "text", false);
    events.hint = Some("comma-separated: published, updated, unpublished, killed (empty: all)");
    Ok(ListPage {
        path: "/admin/webhooks",
        heading: "Webhooks".into(),
        intro: "Endpoints told about story events as signed JSON (X-Dateline-Signature: sha256=HMAC of the body). The delivery log is under /admin/webhooks/deliveries.".into(),
        columns: vec!["URL", "Events", "State"],
        items,
        fields: vec![field("url", "Endpoint URL", "text", true), events],
        submit: "Add webhook",
        form_action: None,
    })
}

pub async fn webhooks(State(state): State<AppState>, editor: Editor) -> Result<Response, WebError> {
    check(&editor, Action::ManageWebhooks, None)?;
    show(&state, &editor, webhooks_page(&state).await?, StatusCode::OK, None, vec![], None).await
}

pub async fn create_webhook(
    State(state): State<AppState>,
    editor: Editor,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    check(&editor, Action::ManageWebhooks, Some(&f))?;
    let events: Vec<String> = get(&f, "events").split(',').map(str::to_owned).collect();
    let (store, now) = (state.store.as_ref(), state.clock.now());
    match webhooks::create(store, &state.egress, &editor.actor(), &get(&f, "url"), &events, now).await {
        Ok((hook, secret)) => {
            let shown = Secret { label: format!("Signing secret for {}", hook.url), value: secret };
            let page = webhooks_page(&state).await?;
            show(&state, &editor, page, StatusCode::CREATED, None, vec![], Some(shown)).await
        }
        Err(AdminError::Invalid(errors)) => {
            let page = webhooks_page(&state).await?;
            show(&state, &editor, page, StatusCode::UNPROCESSABLE_ENTITY, Some(&f), errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn webhook_action(
    State(state): State<AppState>,
    editor: Editor,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    check(&editor, Action::ManageWebhooks, Some(&f))?;
    let active = match action.as_str() {
        "pause" => false,
        "resume" => true,
        _ => return Err(WebError::NotFound),
    };
    webhooks::set_active(state.store.as_ref(), &editor.actor(), id, active).await?;
    Ok(Redirect::to("/admin/webhooks").into_response())
}

pub async fn deliveries(State(state): State<AppState>, editor: Editor) -> Result<Response, WebError> {
    check(&editor, Action::ManageWebhooks, None)?;
    let settings = state.store.settings().await?;
    let moment = |t: jiff::Timestamp| settings.house_style.byline_moment(t, &settings.time_zone());
    let items = state
        .store
        .recent_deliveries(200)
        .await?
        .into_iter()
        .map(|d| Item {
            cells: vec![
                d.id.to_string(),
                moment(d.created_at),
                format!("story.{}", d.event),
                format!("story {}", d.story_id),
                d.url,
                format!("{:?}", d.status).to_lowercase(),
                d.attempts.to_string(),
                d.last_status_code.map(|c| c.to_string()).unwrap_or_default(),
                d.last_error.unwrap_or_default(),
            ],
            actions: vec![],
        })
        .collect();
    let page = ListPage {
        path: "/admin/webhooks/deliveries",
        heading: "Webhook deliveries".into(),
        intro: "The last 200 deliveries, newest first. Failures are retried with growing waits.".into(),
        columns: vec![
            "#",
            "Queued",
            "Event",
            "Story",
            "Endpoint",
            "State",
            "Attempts",
            "Last answer",
            "Last error",
        ],
        items,
        fields: vec![],
        submit: "",
        form_action: None,
    };
    show(&state, &editor, page, StatusCode::OK, None, vec![], None).await
}

// ---- editing sections, tags, authors and sources ----

/// The editable lists, as named in their URLs.
#[derive(Clone, Copy)]
enum Kind {
    Sections,
    Tags,
    Authors,
    Sources,
}

impl Kind {
    fn parse(s: &str) -> Result<Self, WebError> {
        match s {
            "sections" => Ok(Self::Sections),
            "tags" => Ok(Self::Tags),
            "authors" => Ok(Self::Authors),
            "sources" => Ok(Self::Sources),
            _ => Err(WebError::NotFound),
        }
    }

    fn right(self) -> Action {
        if matches!(self, Self::Sources) { Action::ManageSources } else { Action::ManageTaxonomy }
    }

    async fn page(self, state: &AppState) -> Result<ListPage, WebError> {
        match self {
            Self::Sections => sections_page(state).await,
            Self::Tags => tags_page(state).await,
            Self::Authors => authors_page(state).await,
            Self::Sources => sources_page(state).await,
        }
    }

    /// The current values of item `id`, as form fields.
    async fn values(self, state: &AppState, id: i64) -> Result<Fields, WebError> {
        let store = &state.store;
        let pairs: Vec<(&str, String)> = match self {
            Self::Sections => {
                let s =
                    store.sections().await?.into_iter().find(|s| s.id.0 == id).ok_or(WebError::NotFound)?;
                vec![
                    ("name", s.name),
                    ("slug", s.slug.to_string()),
                    ("description", s.description),
                    ("language", s.language.unwrap_or_default()),
                    ("position", s.position.to_string()),
                ]
            }
            Self::Tags => {
                let t = store.tags().await?.into_iter().find(|t| t.id.0 == id).ok_or(WebError::NotFound)?;
                vec![("name", t.name), ("slug", t.slug.to_string()), ("kind", t.kind.as_str().into())]
            }
            Self::Authors => {
                let a =
                    store.authors().await?.into_iter().find(|a| a.id.0 == id).ok_or(WebError::NotFound)?;
                vec![("name", a.name), ("slug", a.slug.to_string()), ("bio", a.bio)]
            }
            Self::Sources => {
                let s =
                    store.sources().await?.into_iter().find(|s| s.id.0 == id).ok_or(WebError::NotFound)?;
                vec![("name", s.name), ("slug", s.slug.to_string()), ("credit", s.credit)]
            }
        };
        Ok(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// Parses the form and saves it over item `id`.
    async fn save(self, state: &AppState, actor: &Actor, id: i64, f: &Fields) -> Result<(), AdminError> {
        let store = state.store.as_ref();
        let invalid = |e| AdminError::Invalid(vec![e]);
        match self {
            Self::Sections => {
                let new = parse_section(f).map_err(invalid)?;
                taxonomy::update_section(store, actor, dateline_core::SectionId(id), &new).await
            }
            Self::Tags => {
                let new = parse_tag(f).map_err(invalid)?;
                taxonomy::update_tag(store, actor, dateline_core::TagId(id), &new).await
            }
            Self::Authors => {
                let new = parse_author(f).map_err(invalid)?;
                taxonomy::update_author(store, actor, dateline_core::AuthorId(id), &new).await
            }
            Self::Sources => {
                let new = parse_source(f).map_err(invalid)?;
                taxonomy::update_source(store, actor, dateline_core::SourceId(id), &new).await
            }
        }
    }
}

/// The edit form of one item: the list page's form, filled in, posting to the item.
async fn edit_page(state: &AppState, kind: Kind, id: i64) -> Result<ListPage, WebError> {
    let mut page = kind.page(state).await?;
    page.heading = "Edit".into();
    page.intro = "Change the fields and save. A changed slug changes the item's public address.".into();
    page.items.clear();
    page.submit = "Save changes";
    page.form_action = Some(format!("{}/{id}", page.path));
    Ok(page)
}

pub async fn edit_item(
    State(state): State<AppState>,
    editor: Editor,
    Path((kind, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    let kind = Kind::parse(&kind)?;
    check(&editor, kind.right(), None)?;
    let values = kind.values(&state, id).await?;
    let page = edit_page(&state, kind, id).await?;
    show(&state, &editor, page, StatusCode::OK, Some(&values), vec![], None).await
}

pub async fn save_item(
    State(state): State<AppState>,
    editor: Editor,
    Path((kind, id)): Path<(String, i64)>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    let kind = Kind::parse(&kind)?;
    check(&editor, kind.right(), Some(&f))?;
    let result = kind.save(&state, &editor.actor(), id, &f).await;
    state.site_cache.clear();
    let list = kind.page(&state).await?.path;
    answer(&state, &editor, &f, result, list, async |s: &AppState| edit_page(s, kind, id).await).await
}
