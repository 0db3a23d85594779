//! What every importer does to a post's body once it is sanitised: the pictures in it
//! (`<img src>`) taken into the media library through the [`Taker`], the body rewritten to
//! point at them. One copy for WordPress and Ghost.

use super::pictures::Taker;
use super::{Note, Report};
use dateline_core::MediaText;

/// `body` with every picture in it (`<img src>`) taken into the library and pointing there;
/// a picture that cannot be had keeps its address and is reported.
pub(crate) async fn inline_pictures(
    body: &str,
    post: &str,
    taker: &mut Taker<'_>,
    report: &mut Report,
) -> String {
    let mut out = body.to_owned();
    for src in image_sources(body) {
        let url = src.replace("&amp;", "&");
        if !url.starts_with("http") {
            continue;
        }
        match taker.take(&url, &MediaText::default()).await {
            Ok(media) => {
                report.pictures_taken += 1;
                out = out.replace(&format!("src=\"{src}\""), &format!("src=\"{}\"", media.url()));
            }
            Err(reason) => report.pictures_missing.push(Note { id: post.to_owned(), title: url, reason }),
        }
    }
    out
}

/// The `src` of every `<img>` in sanitised HTML (double-quoted, as the sanitiser writes them).
fn image_sources(html: &str) -> Vec<String> {
    let mut sources = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("<img ") {
        let tag_end = rest[at..].find('>').map_or(rest.len(), |e| at + e);
        let tag = &rest[at..tag_end];
        if let Some(start) = tag.find(" src=\"") {
            let value = &tag[start + 6..];
            if let Some(end) = value.find('"') {
                let src = value[..end].to_owned();
                if !sources.contains(&src) {
                    sources.push(src);
                }
            }
        }
        rest = &rest[tag_end..];
    }
    sources
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picture_sources_are_found_once_each() {
        let html = r#"<p>a <img src="https://x.org/a.png" alt="A"> b</p><img alt="" src="https://x.org/b.png?w=1&amp;h=2"><img src="https://x.org/a.png"><img alt="no source">"#;
        assert_eq!(image_sources(html), ["https://x.org/a.png", "https://x.org/b.png?w=1&amp;h=2"]);
        assert!(image_sources("<p>no pictures</p>").is_empty());
    }
}
