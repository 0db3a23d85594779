//! Embed cards on the story page: a provider link on its own line (`dateline_core::embed`)
//! becomes a card that is a plain link without JavaScript, and that `site.js` turns into
//! the provider's player only when the reader clicks Play, so that nothing is asked of the
//! provider before then. Feeds and ninjs keep the stored body, and so the plain link.

use dateline_core::embed::{self, Embed};

/// `html` (a sanitised story body) with each provider link on its own line as a card.
pub fn cards(html: &str) -> String {
    let found = embed::standalone(html);
    if found.is_empty() {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len() + found.len() * 256);
    let mut copied = 0;
    for (range, embed) in found {
        out.push_str(&html[copied..range.start]);
        out.push_str(&card(&embed));
        copied = range.end;
    }
    out.push_str(&html[copied..]);
    out
}

fn card(embed: &Embed) -> String {
    let name = embed.provider.name();
    let key = embed.provider.key();
    let link = escape(&embed.link);
    let player = escape(&embed.player);
    format!(
        "<figure class=\"embed embed-{key}\" data-embed-src=\"{player}\" data-embed-title=\"{name}\">\
         <a class=\"embed-link\" href=\"{link}\" rel=\"noopener noreferrer\">\
         <span class=\"embed-provider\">{name}</span> <span class=\"embed-url\">{link}</span></a>\
         <button type=\"button\" class=\"embed-play\" hidden>Play on {name}</button></figure>"
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_lone_provider_link_becomes_a_card_and_the_rest_stays() {
        let html =
            "<p>Before.</p><p>https://youtu.be/dQw4w9WgXcQ?si=a&amp;t=3</p><p>After https://vimeo.com/1.</p>";
        let out = super::cards(html);
        assert!(out.starts_with("<p>Before.</p><figure class=\"embed embed-youtube\""), "{out}");
        assert!(out.contains("data-embed-src=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ\""));
        assert!(out.contains("href=\"https://youtu.be/dQw4w9WgXcQ?si=a&amp;t=3\""), "{out}");
        assert!(out.ends_with("</figure><p>After https://vimeo.com/1.</p>"));
        assert_eq!(super::cards("<p>Plain.</p>"), "<p>Plain.</p>");
    }
}
