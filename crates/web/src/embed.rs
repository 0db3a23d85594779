//! Embed cards on the story page: a provider link on its own line (`dateline_core::embed`)
//! becomes a card that is a plain link without JavaScript, and that `site.js` turns into
//! the provider's player only when the reader clicks Play, so that nothing is asked of the
//! provider before then. The card shows what the provider said about the link when the
//! story was saved (`dateline_newsroom::embeds`): its title, author and a thumbnail kept in
//! our media library. Feeds and ninjs keep the stored body, and so the plain link.

use dateline_core::Media;
use dateline_core::embed::{self, Embed, Facts};
use dateline_store::{Store, StoreError};

/// `html` (a sanitised story body) with each provider link on its own line as a card, with
/// the title, author and thumbnail kept for it.
pub async fn cards(store: &dyn Store, html: &str) -> Result<String, StoreError> {
    let found = embed::standalone(html);
    if found.is_empty() {
        return Ok(html.to_owned());
    }
    let links: Vec<String> = found.iter().map(|(_, e)| e.link.clone()).collect();
    let facts = store.embed_facts(&links).await?;
    let mut out = String::with_capacity(html.len() + found.len() * 512);
    let mut copied = 0;
    for (range, embed) in found {
        let known = facts.iter().find(|f| f.link == embed.link && f.found);
        let thumbnail = match known.and_then(|f| f.thumbnail) {
            Some(id) => store.media(id).await?,
            None => None,
        };
        out.push_str(&html[copied..range.start]);
        out.push_str(&card(&embed, known, thumbnail.as_ref()));
        copied = range.end;
    }
    out.push_str(&html[copied..]);
    Ok(out)
}

fn card(embed: &Embed, facts: Option<&Facts>, thumbnail: Option<&Media>) -> String {
    let name = embed.provider.name();
    let key = embed.provider.key();
    let link = escape(&embed.link);
    let player = escape(&embed.player);
    let title = facts.map(|f| escape(&f.title)).unwrap_or_default();
    let author = facts.map(|f| escape(&f.author)).unwrap_or_default();
    // The thumbnail is ours (the media library): decorative, the title says what it is.
    let image = thumbnail.map_or(String::new(), |m| {
        format!("<img src=\"{}\" alt=\"\" width=\"{}\" height=\"{}\">", m.url(), m.width, m.height)
    });
    let title_line =
        if title.is_empty() { String::new() } else { format!(" <span class=\"embed-title\">{title}</span>") };
    let author_line = if author.is_empty() {
        String::new()
    } else {
        format!(" <span class=\"embed-author\">{author}</span>")
    };
    let frame_title = if title.is_empty() { name.to_owned() } else { format!("{title} ({name})") };
    format!(
        "<figure class=\"embed embed-{key}\" data-embed-src=\"{player}\" data-embed-title=\"{frame_title}\">\
         <a class=\"embed-link\" href=\"{link}\" rel=\"noopener noreferrer\">{image}\
         <span class=\"embed-provider\">{name}</span>{title_line}{author_line} <span class=\"embed-url\">{link}</span></a>\
         <button type=\"button\" class=\"embed-play\" hidden>Play on {name}</button></figure>"
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use dateline_core::embed::{Facts, recognise};

    #[test]
    fn a_card_shows_the_kept_title_author_and_thumbnail_escaped() {
        let embed = recognise("https://youtu.be/dQw4w9WgXcQ?si=a&t=3").unwrap_or_else(|| unreachable!());
        let plain = super::card(&embed, None, None);
        assert!(plain.starts_with("<figure class=\"embed embed-youtube\""), "{plain}");
        assert!(plain.contains("data-embed-src=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ\""));
        assert!(plain.contains("href=\"https://youtu.be/dQw4w9WgXcQ?si=a&amp;t=3\""), "{plain}");
        assert!(!plain.contains("class=\"embed-title\"") && !plain.contains("<img"), "{plain}");
        let facts = Facts {
            link: embed.link.clone(),
            title: "Floods <b>\"live\"</b>".into(),
            author: "Valley & Co".into(),
            thumbnail: None,
            found: true,
            fetched_at: jiff::Timestamp::UNIX_EPOCH,
        };
        let titled = super::card(&embed, Some(&facts), None);
        assert!(
            titled.contains("<span class=\"embed-title\">Floods &lt;b&gt;&quot;live&quot;&lt;/b&gt;</span>"),
            "{titled}"
        );
        assert!(titled.contains("<span class=\"embed-author\">Valley &amp; Co</span>"), "{titled}");
        assert!(titled.contains("data-embed-title=\"Floods &lt;b&gt;&quot;live&quot;&lt;/b&gt; (YouTube)\""));
    }
}
