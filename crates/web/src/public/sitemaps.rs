//! Sitemaps for search engines: an index (`/sitemap.xml`) naming a sitemap of the site's
//! fronts, one sitemap per month of stories (split into files of at most [`PER_FILE`]
//! URLs, which also keeps each file far under 50 MB), and a Google News sitemap of the
//! last 48 hours; `robots.txt` names the index. Months are calendar months in UTC.

use super::SiteContext;
use super::feeds::xml;
use crate::error::WebError;
use crate::page_cache::{self, PageDeps};
use crate::state::AppState;
use crate::views::{absolute_uri, section_url, story_url};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::Response;
use dateline_core::{ChangeKey, PageRequest, SitemapEntry};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan, tz::TimeZone};
use std::fmt::Write;

/// URLs in one sitemap file. The protocol allows 50,000, but with their image entries
/// 50,000 stories made a 15 MB file that took 2 s to render; 10,000 make about 3 MB.
pub const PER_FILE: u32 = 10_000;
/// The news sitemap covers this many hours and at most [`NEWS_MAX`] stories.
pub const NEWS_HOURS: i64 = 48;
pub const NEWS_MAX: u32 = 1_000;

const XML_TYPE: &str = "application/xml; charset=utf-8";

/// Sitemaps change with every publication.
fn xml_response(body: String) -> Response {
    PageDeps::new(page_cache::SITEMAP, [ChangeKey::Front]).attach(([(header::CONTENT_TYPE, XML_TYPE)], body))
}

pub async fn robots(State(state): State<AppState>) -> Result<Response, WebError> {
    let ctx = SiteContext::load(&state).await?;
    let base = crate::views::to_uri(&ctx.settings.base_url);
    let body = format!(
        "User-agent: *\nDisallow: /admin\nDisallow: /api/\n\nSitemap: {base}/sitemap.xml\nSitemap: {base}/sitemaps/news.xml\n"
    );
    Ok(PageDeps::new(page_cache::SITEMAP, [])
        .attach(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body)))
}

/// The first moment of the month `date` is in, UTC.
fn month_start(date: Date) -> Timestamp {
    date.first_of_month()
        .to_zoned_datetime(TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn next_month(date: Date) -> Date {
    date.first_of_month().checked_add(1.month()).unwrap_or(date)
}

/// `/sitemap.xml`: every other sitemap, with when it last changed.
pub async fn index(State(state): State<AppState>) -> Result<Response, WebError> {
    let ctx = SiteContext::load(&state).await?;
    let settings = &ctx.settings;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut entry = |path: &str, lastmod: Option<Timestamp>| {
        let _ = write!(out, "<sitemap><loc>{}</loc>", xml(&absolute_uri(settings, path)));
        if let Some(t) = lastmod {
            let _ = write!(out, "<lastmod>{t}</lastmod>");
        }
        out.push_str("</sitemap>\n");
    };
    let span = state.store.published_span().await?;
    entry("/sitemaps/pages.xml", span.map(|(_, last)| last));
    entry("/sitemaps/news.xml", span.map(|(_, last)| last));
    if let Some((first, last)) = span {
        let last_month = last.to_zoned_datetime(TimeZone::UTC).date().first_of_month();
        let mut month = first.to_zoned_datetime(TimeZone::UTC).date().first_of_month();
        while month <= last_month {
            let (from, to) = (month_start(month), month_start(next_month(month)));
            let (count, newest) = state.store.published_window(from, to).await?;
            for name in month_files(month, count) {
                entry(&name, newest);
            }
            month = next_month(month);
        }
    }
    out.push_str("</sitemapindex>\n");
    Ok(xml_response(out))
}

/// `/sitemaps/pages.xml`, `/sitemaps/news.xml` and `/sitemaps/stories-YYYY-MM[-N].xml`.
pub async fn sitemap(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, WebError> {
    let ctx = SiteContext::load(&state).await?;
    match file.as_str() {
        "pages.xml" => Ok(xml_response(pages(&ctx))),
        "news.xml" => news(&state, &ctx).await,
        name => {
            let (month, page) = parse_month_file(name).ok_or(WebError::NotFound)?;
            stories(&state, &ctx, month, page).await
        }
    }
}

/// The sitemap files of a month with `count` stories.
fn month_files(month: Date, count: u64) -> Vec<String> {
    let ym = month.strftime("%Y-%m");
    (1..=count.div_ceil(u64::from(PER_FILE)))
        .map(|n| {
            if n == 1 {
                format!("/sitemaps/stories-{ym}.xml")
            } else {
                format!("/sitemaps/stories-{ym}-{n}.xml")
            }
        })
        .collect()
}

/// `stories-2025-02.xml` is page 1 of February 2025, `stories-2025-02-2.xml` page 2.
fn parse_month_file(name: &str) -> Option<(Date, u32)> {
    let rest = name.strip_prefix("stories-")?.strip_suffix(".xml")?;
    let (year, rest) = rest.split_once('-')?;
    let (month, page) = match rest.split_once('-') {
        Some((m, p)) => (m, p.parse::<u32>().ok().filter(|p| *p >= 2)?),
        None => (rest, 1),
    };
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    let date = Date::new(year.parse().ok()?, month.parse().ok()?, 1).ok()?;
    Some((date, page))
}

fn urlset_open(news: bool) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\"{}>\n",
        if news { " xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\"" } else { "" }
    )
}

fn pages(ctx: &SiteContext) -> String {
    let settings = &ctx.settings;
    let mut out = urlset_open(false);
    let paths = ["/".to_owned(), "/latest".to_owned()]
        .into_iter()
        .chain(ctx.sections.iter().map(|s| section_url(s.slug.as_str())));
    for path in paths {
        let _ = writeln!(out, "<url><loc>{}</loc></url>", xml(&absolute_uri(settings, &path)));
    }
    out.push_str("</urlset>\n");
    out
}

fn image_tag(out: &mut String, settings: &dateline_core::SiteSettings, entry: &SitemapEntry) {
    if let Some(url) = &entry.image_url {
        let _ = write!(
            out,
            "<image:image><image:loc>{}</image:loc></image:image>",
            xml(&absolute_uri(settings, url))
        );
    }
}

async fn stories(state: &AppState, ctx: &SiteContext, month: Date, page: u32) -> Result<Response, WebError> {
    let settings = &ctx.settings;
    let window = PageRequest { offset: u64::from(page - 1) * u64::from(PER_FILE), limit: PER_FILE };
    let entries =
        state.store.sitemap_entries(month_start(month), month_start(next_month(month)), window).await?;
    if entries.is_empty() {
        return Err(WebError::NotFound);
    }
    let mut out = urlset_open(false);
    for entry in &entries {
        let _ = write!(
            out,
            "<url><loc>{}</loc><lastmod>{}</lastmod>",
            xml(&absolute_uri(settings, &story_url(entry.slug.as_str()))),
            entry.modified_at
        );
        image_tag(&mut out, settings, entry);
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    Ok(xml_response(out))
}

/// The language code Google News wants: ISO 639 (zh-cn and zh-tw keep their region).
fn news_language(tag: &str) -> String {
    let lower = tag.to_ascii_lowercase();
    if lower == "zh-cn" || lower == "zh-tw" {
        return lower;
    }
    lower.split(['-', '_']).next().unwrap_or("en").to_owned()
}

async fn news(state: &AppState, ctx: &SiteContext) -> Result<Response, WebError> {
    let settings = &ctx.settings;
    let now = state.clock.now();
    let from = now - jiff::SignedDuration::from_hours(NEWS_HOURS);
    let to = now + jiff::SignedDuration::from_secs(1);
    let entries = state.store.sitemap_entries(from, to, PageRequest { offset: 0, limit: NEWS_MAX }).await?;
    let mut out = urlset_open(true);
    for entry in &entries {
        let _ = write!(
            out,
            "<url><loc>{}</loc><news:news><news:publication><news:name>{}</news:name><news:language>{}</news:language>\
             </news:publication><news:publication_date>{}</news:publication_date><news:title>{}</news:title></news:news>",
            xml(&absolute_uri(settings, &story_url(entry.slug.as_str()))),
            xml(&settings.name),
            xml(&news_language(&entry.language)),
            entry.published_at,
            xml(&entry.headline),
        );
        image_tag(&mut out, settings, entry);
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    Ok(xml_response(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_file_names() {
        assert_eq!(parse_month_file("stories-2025-02.xml"), Some((jiff::civil::date(2025, 2, 1), 1)));
        assert_eq!(parse_month_file("stories-2025-02-3.xml"), Some((jiff::civil::date(2025, 2, 1), 3)));
        for bad in [
            "stories-2025-13.xml",
            "stories-2025-02-1.xml",
            "stories-25-02.xml",
            "stories-2025-02-x.xml",
            "x.xml",
        ] {
            assert_eq!(parse_month_file(bad), None, "{bad}");
        }
        let feb = jiff::civil::date(2025, 2, 1);
        assert!(month_files(feb, 0).is_empty());
        assert_eq!(month_files(feb, 10_000), ["/sitemaps/stories-2025-02.xml"]);
        assert_eq!(
            month_files(feb, 20_001),
            [
                "/sitemaps/stories-2025-02.xml",
                "/sitemaps/stories-2025-02-2.xml",
                "/sitemaps/stories-2025-02-3.xml"
            ]
        );
        assert_eq!(news_language("ur-PK"), "ur");
        assert_eq!(news_language("zh-TW"), "zh-tw");
    }
}
