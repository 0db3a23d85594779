//! Input hygiene for what people type: every form field and every string of an API JSON body
//! goes through `dateline_core::text::clean` once, here, before a handler sees it (NUL and
//! other control characters removed, line ends made `\n`), the same as agency copy in the
//! ingest. Identifiers (slugs, e-mail addresses) and passwords are left exactly as sent:
//! their own parsing refuses a control character with a field error, rather than quietly
//! making them something the sender did not type.
//!
//! [`Form`] stands in for `axum::Form` in every handler; the API's `ApiJson` calls
//! [`clean_json`].

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, RawForm, Request};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use dateline_core::text::clean;
use serde::de::DeserializeOwned;

/// Whether a field named `name` is left as sent: identifiers, refused by their own parsing
/// when they hold a control character, and passwords, never changed.
fn kept_as_sent(name: &str) -> bool {
    ["slug", "email", "password"].iter().any(|kind| name.ends_with(kind))
}

/// A form body, cleaned, then read as `axum::Form` reads it (its rejections, as responses).
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // A form sent by GET is a query string; no handler takes one, so it is read as is.
        if req.method() == Method::GET || req.method() == Method::HEAD {
            let axum::Form(value) =
                axum::Form::<T>::from_request(req, state).await.map_err(|e| e.into_response())?;
            return Ok(Self(value));
        }
        let (mut head, body) = req.into_parts();
        let raw = RawForm::from_request(Request::from_parts(head.clone(), body), state).await;
        let RawForm(bytes) = raw.map_err(|e| e.into_response())?;
        head.headers.remove(header::CONTENT_LENGTH);
        let cleaned = Request::from_parts(head, Body::from(clean_form(&bytes)));
        let axum::Form(value) =
            axum::Form::<T>::from_request(cleaned, state).await.map_err(|e| e.into_response())?;
        Ok(Self(value))
    }
}

/// The form `bytes` again, every value cleaned but those [`kept_as_sent`].
fn clean_form(bytes: &Bytes) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in url::form_urlencoded::parse(bytes) {
        let value = if kept_as_sent(&name) { value } else { clean(&value).into_owned().into() };
        out.append_pair(&clean(&name), &value);
    }
    out.finish()
}

/// Cleans every string in a JSON value, object keys included, but the values of keys
/// [`kept_as_sent`].
pub fn clean_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => dateline_core::text::clean_in_place(s),
        Value::Array(items) => items.iter_mut().for_each(clean_json),
        Value::Object(map) => {
            let dirty = map.keys().any(|k| matches!(clean(k), std::borrow::Cow::Owned(_)));
            if dirty {
                *map = std::mem::take(map).into_iter().map(|(k, v)| (clean(&k).into_owned(), v)).collect();
            }
            for (key, v) in map.iter_mut() {
                if !kept_as_sent(key) {
                    clean_json(v);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_cleaned_but_identifiers_and_passwords_kept() {
        let body =
            Bytes::from_static(b"headline=Budget%00+passed%0D%0Anow&slug=a%00b&new_password=p%01w&x=%C2%85");
        let cleaned: Vec<(String, String)> =
            url::form_urlencoded::parse(clean_form(&body).as_bytes()).into_owned().collect();
        assert_eq!(
            cleaned,
            [
                ("headline".into(), "Budget passed\nnow".into()),
                ("slug".into(), "a\0b".into()),
                ("new_password".into(), "p\u{1}w".into()),
                ("x".into(), String::new()),
            ]
        );
    }

    #[test]
    fn json_strings_are_cleaned_at_any_depth() {
        let mut v = serde_json::json!({
            "headline": "A\u{0}B", "tags": ["x\u{7}y"], "deep": {"body": "l1\r\nl2"},
            "email": "a\u{0}@b.c", "count": 3, "k\u{0}": "v"
        });
        clean_json(&mut v);
        assert_eq!(
            v,
            serde_json::json!({
                "headline": "AB", "tags": ["xy"], "deep": {"body": "l1\nl2"},
                "email": "a\u{0}@b.c", "count": 3, "k": "v"
            })
        );
    }
}
