//! What a lenient reader takes in (issue 15): every character of a plain-text field, every
//! RSS and Atom variant, links resolved against `xml:base` and the document's address, and
//! the Dublin Core, RDF, iTunes, Media RSS and JSON Feed fallbacks.

use super::{fixture, parsed};
use dateline_ingest::{Format, IngestError, WireItem, parse};
use proptest::prelude::*;

fn item<'a>(feed: &'a dateline_ingest::ParsedFeed, guid: &str) -> &'a WireItem {
    feed.items.iter().find(|i| i.guid == guid).unwrap_or_else(|| panic!("no item {guid}"))
}

fn urls(item: &WireItem) -> Vec<&str> {
    item.media.iter().map(|m| m.url.as_str()).collect()
}

#[test]
fn plain_text_fields_keep_every_character() {
    let rss = parsed("rss2_text_fields.xml");
    assert_eq!(rss.feed.title.as_deref(), Some("Markets < noon"));
    let first = item(&rss, "tf-0001");
    assert_eq!(first.title, "Inflation 1 < 2 as prices & rents fall");
    assert_eq!(first.categories, ["Prices < wages"]);
    assert_eq!(first.authors, ["Ayesha & Bilal Rana"]);
    assert_eq!(
        first.body_html.as_deref(),
        Some("<p>Prices &amp; rents fell in <b>January</b>.</p>"),
        "HTML fields stay HTML"
    );
    assert_eq!(item(&rss, "tf-0002").title, "Example Atom and RSS feeds", "markup in a title: its words");
    assert_eq!(item(&rss, "tf-0003").title, r#"Rupee at 280 <> dollar: "A & B" 'quotes' kept"#);

    let atom = parsed("atom10_text_constructs.xml");
    assert_eq!(atom.feed.title.as_deref(), Some("Tags <&> text"));
    let text = item(&atom, "tag:wire.example.com,2025:c-1");
    assert_eq!(text.title, "History of the <blink> tag");
    assert_eq!(text.authors, ["Desk <Night>"], "the feed's author, every character");
    assert_eq!(
        text.body_html.as_deref(),
        Some("<p>Line one &lt;b&gt; is not bold.</p><p>Second paragraph &amp; more.</p>"),
        "a text content is escaped, never read as HTML"
    );
    let html = item(&atom, "tag:wire.example.com,2025:c-2");
    assert_eq!(html.title, "Bold claims: 1 < 2 < 3", "an html title is what a browser shows");
    assert_eq!(html.body_html.as_deref(), Some("<p>Summary with <em>emphasis</em>.</p>"));
    assert_eq!(item(&atom, "https://wire.example.com/2025/02/relative-id").title, "Example Atom title");

    let json = parsed("jsonfeed_attachments.json");
    assert_eq!(
        json.feed.title.as_deref(),
        Some("JSON Feed 1.0 &lt;odd&gt; <b>title</b>"),
        "JSON text is literal"
    );
    assert_eq!(json.items[0].title, "Inflation 1 < 2 & falling");
    assert_eq!(json.items[0].summary.as_deref(), Some("A summary with <angle brackets> kept."));

    let ninjs = br#"{"uri": "urn:x:1", "headline": "Rates 1 < 2 &amp; <b>up</b>", "located": "Lahore <PK>"}"#;
    let ninjs = parse(ninjs, Some(Format::Ninjs), None).unwrap();
    assert_eq!(ninjs.items[0].title, "Rates 1 < 2 &amp; <b>up</b>");
    assert_eq!(ninjs.items[0].place.as_deref(), Some("Lahore <PK>"));
    let newsml = br#"<newsItem guid="n1" xmlns="http://iptc.org/std/nar/2006-10-01/"><contentMeta><headline>Gold 1 &lt; 2 &amp; <b>up</b></headline></contentMeta></newsItem>"#;
    assert_eq!(parse(newsml, None, None).unwrap().items[0].title, "Gold 1 < 2 & up");
}

#[test]
fn odd_but_well_formed_feeds_are_read() {
    let empty = parse(&fixture("empty_rss2_channel.xml"), None, None).unwrap();
    assert_eq!((empty.feed.title, empty.items.len()), (None, 0), "an empty channel is an empty feed");
    let bare = parse(b"<rss version=\"2.0\"/>", None, None).unwrap();
    assert!(bare.items.is_empty(), "even without a channel");
    assert!(parse(&fixture("empty_atom10_feed.xml"), None, None).unwrap().items.is_empty());
    let untitled = parsed("rss2_no_title.xml");
    assert_eq!((untitled.feed.title, untitled.items.len()), (None, 1));

    let rss090 = parsed("rss090.xml");
    assert_eq!(rss090.feed.title.as_deref(), Some("Dateline Test Wire 0.90"));
    assert_eq!(rss090.items.len(), 2);
    assert_eq!(rss090.items[1].link.as_deref(), Some("https://wire.example.com/legacy/quetta-rail"));

    let rss092 = parsed("rss092.xml");
    assert_eq!(rss092.items.len(), 2);
    assert_eq!(rss092.items[0].title, "A title-less 0.92 item: its first words stand in.");
    assert_eq!(urls(&rss092.items[0]), ["https://wire.example.com/092/audio/briefing-0225.mp3"]);
    assert_eq!(rss092.items[1].categories, ["Infrastructure"]);

    let variants = parsed("rss094_namespaces.xml");
    let first = &variants.items[0];
    assert_eq!(first.title, "Default namespace, undeclared dc prefix");
    assert_eq!(first.authors, ["Undeclared Prefix"]);
    assert_eq!(first.published.as_deref(), Some("2025-02-25T07:00:00Z"));
    assert_eq!(urls(first), ["https://img.wire.example.com/ns-1.jpg"]);

    let modes = parsed("atom03_content_modes.xml");
    assert_eq!(modes.feed.title.as_deref(), Some("Atom 0.3 <modes>"));
    assert_eq!(
        modes.items[0].body_html.as_deref(),
        Some("<p>Engineers said <b>10 gates</b> are done.</p>"),
        "mode=base64"
    );
    assert_eq!(modes.items[0].published.as_deref(), Some("2025-02-25T04:00:00Z"), "issued");
    assert_eq!(modes.items[0].authors, ["Wire Desk"]);
    assert_eq!(modes.items[1].title, "Escaped title", "mode=escaped");
    assert_eq!(modes.items[1].body_html.as_deref(), Some("<p>Inline <em>XML</em> content.</p>"), "mode=xml");
    assert_eq!(modes.items[1].summary.as_deref(), Some("Escaped summary."));
    assert_eq!(modes.items[1].published.as_deref(), Some("2025-02-25T05:00:00Z"), "created");
    assert_eq!(modes.items[1].link.as_deref(), Some("https://wire.example.com/atom03/escaped"));

    let podcast = parsed("rss2_podcast.xml");
    let episode = &podcast.items[0];
    assert_eq!(episode.title, "Episode 41: Floods & relief");
    assert_eq!(
        episode.body_html.as_deref(),
        Some("<p>Relief camps in Sindh, and what the rain means for the wheat crop &lt;in brief&gt;.</p>"),
        "itunes:summary, plain text"
    );
    assert_eq!(episode.authors, ["Sana Memon"]);
    assert_eq!(
        urls(episode),
        ["https://audio.wire.example.com/ep41.mp3", "https://audio.wire.example.com/briefing/ep41.jpg"]
    );
    assert_eq!(episode.incoming().picture.unwrap().url, "https://audio.wire.example.com/briefing/ep41.jpg");
    assert_eq!(podcast.feed.link.as_deref(), Some("https://audio.wire.example.com/briefing/"));
}

#[test]
fn what_cannot_be_read_is_refused_with_a_reason() {
    let cases: [(&[u8], &str); 4] = [
        (b"<opml version=\"2.0\"><body/></opml>", "XML with root element <opml>"),
        (b"<!DOCTYPE html><html><body>Not a feed</body></html>", "an HTML page"),
        (b"{\"hello\": \"world\"}", "neither JSON Feed nor ninjs"),
        (b"<rss><channel><item><title>cut", "malformed"),
    ];
    for (bytes, reason) in cases {
        let err: IngestError = parse(bytes, None, None).expect_err("refused");
        assert!(err.to_string().to_lowercase().contains(&reason.to_lowercase()), "{err} should say {reason}");
    }
}

#[test]
fn links_are_resolved_against_xml_base_then_the_address() {
    let feed = parsed("rss2_xml_base.xml");
    assert_eq!(feed.feed.link.as_deref(), Some("https://www.wire.example.com/sindh/index.html"));
    let first = item(&feed, "base-0001");
    assert_eq!(first.link.as_deref(), Some("https://www.wire.example.com/2025/02/hyderabad-water.html"));
    let body = first.body_html.as_deref().unwrap();
    assert!(body.contains(r#"href="https://www.wire.example.com/maps/sindh.html""#), "{body}");
    assert!(body.contains(r#"src="https://www.wire.example.com/2025/02/pics/canal.jpg""#), "{body}");
    assert_eq!(
        urls(first),
        [
            "https://www.wire.example.com/media/canal.mp4",
            "https://www.wire.example.com/2025/02/pics/canal-large.jpg"
        ]
    );
    let permalink = &feed.items[1];
    assert_eq!(permalink.guid, "https://www.wire.example.com/sindh/stories/larkana-schools");
    assert_eq!(permalink.link.as_deref(), Some("https://www.wire.example.com/sindh/stories/larkana-schools"));
    assert_eq!(feed.items[2].link.as_deref(), Some("https://www.wire.example.com/sindh/stories/badin-port"));

    // Without xml:base, the document's own address comes before the channel's link.
    let relative = fixture("rss2_relative_links.xml");
    let at = parse(&relative, None, Some("https://feeds.example.net/sindh/rss.xml")).unwrap();
    assert_eq!(at.items[0].link.as_deref(), Some("https://feeds.example.net/world/story-1"));
    assert!(
        at.items[0]
            .body_html
            .as_deref()
            .unwrap()
            .contains("src=\"https://feeds.example.net/img/summit.jpg\"")
    );
    let atom = parse(&fixture("atom10_text_constructs.xml"), None, Some("https://mirror.example.net/a/feed"))
        .unwrap();
    let out_of_line = &atom.items[2];
    assert_eq!(out_of_line.guid, "https://mirror.example.net/2025/02/relative-id", "an id written as a path");
    assert_eq!(
        out_of_line.link.as_deref(),
        Some("https://mirror.example.net/2025/02/out-of-line.html"),
        "content src"
    );
    let json = parse(&fixture("jsonfeed_attachments.json"), None, None).unwrap();
    assert_eq!(
        json.items[0].link.as_deref(),
        Some("https://wire.example.com/json10/stories/att-1"),
        "feed_url"
    );
}

#[test]
fn missing_fields_fall_back_to_the_extensions() {
    let dc = parsed("rss2_dublin_core.xml");
    assert_eq!(
        (dc.feed.title.as_deref(), dc.feed.language.as_deref()),
        (Some("Dublin Core only"), Some("ur"))
    );
    let first = &dc.items[0];
    assert_eq!(first.title, "Title from dc:title");
    assert_eq!(first.body_html.as_deref(), Some("<p>Description from dc:description.</p>"));
    assert_eq!(first.authors, ["Zainab Qureshi", "Hamid Khan"]);
    assert_eq!(first.published.as_deref(), Some("2025-02-25T06:00:00Z"));
    assert_eq!(first.updated.as_deref(), Some("2025-02-25T08:00:00Z"));
    assert_eq!(first.categories, ["Education"]);
    assert_eq!(first.language.as_deref(), Some("en"));
    assert_eq!(dc.items[1].title, "Core title wins over dc:title");
    assert_eq!(dc.items[1].published.as_deref(), Some("2025-02-25T09:00:00Z"));
    assert_eq!(dc.items[1].language.as_deref(), Some("ur"), "the channel's dc:language");

    let rdf = parsed("rss1_rdf.xml");
    assert_eq!(rdf.items[0].guid, "https://wire.example.com/rdf/hyderabad-cotton", "rdf:about");
    assert_eq!(rdf.items[0].categories, ["Agriculture"]);

    let groups = parsed("rss2_media_group.xml");
    let grouped = item(&groups, "mg-0001");
    assert_eq!(
        urls(grouped),
        [
            "https://img.wire.example.com/g1-small.jpg",
            "https://img.wire.example.com/g1-large.jpg",
            "https://img.wire.example.com/g1-thumb.jpg"
        ]
    );
    assert_eq!(grouped.media[1].caption.as_deref(), Some("Boats at Keti Bandar at dawn."));
    assert_eq!(grouped.media[1].credit.as_deref(), Some("Photo: Imran Ali"));
    let thumb = item(&groups, "mg-0002");
    assert_eq!(thumb.incoming().picture.unwrap().url, "https://wire.example.com/media/thumbs/g2.jpg");

    let json = parsed("jsonfeed_attachments.json");
    let attached = &json.items[0];
    assert_eq!(
        urls(attached),
        [
            "https://wire.example.com/json10/img/lead.jpg",
            "https://files.wire.example.com/att-1.pdf",
            "https://wire.example.com/json10/img/att-1-hi.jpg"
        ]
    );
    assert_eq!(attached.media[1].kind.as_deref(), Some("application/pdf"));
    assert_eq!(attached.authors, ["Desk Author"], "JSON Feed 1.0 author, from the feed");
    assert_eq!(attached.incoming().picture.unwrap().url, "https://wire.example.com/json10/img/lead.jpg");
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn normalised(text: &str) -> String {
    dateline_core::html::collapse_whitespace(&dateline_core::text::clean(text))
}

proptest! {
    /// Any plain text, XML-escaped into an RSS or Atom title, parses back to itself (spaces
    /// normalised).
    #[test]
    fn any_plain_text_title_comes_back_whole(
        text in "[a-zA-Z0-9 <>&;#'\"/=!?.,:\\-_\\[\\]{}()\u{a0}\u{e9}\u{6a9}\u{2014}\u{1f4f0}]{1,80}"
    ) {
        let expected = normalised(&text);
        prop_assume!(!expected.is_empty());
        let rss = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{t}</title><item><guid>g</guid><title>{t}</title></item></channel></rss>",
            t = escape_xml(&text)
        );
        let feed = parse(rss.as_bytes(), None, None).unwrap();
        prop_assert_eq!(&feed.items[0].title, &expected);
        prop_assert_eq!(feed.feed.title.as_deref(), Some(expected.as_str()));
        let atom = format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>{t}</title><entry><id>e</id><title type=\"text\">{t}</title></entry></feed>",
            t = escape_xml(&text)
        );
        let feed = parse(atom.as_bytes(), None, None).unwrap();
        prop_assert_eq!(&feed.items[0].title, &expected);
        let cdata = format!(
            "<rss version=\"2.0\"><channel><item><guid>g</guid><title><![CDATA[{}]]></title></item></channel></rss>",
            text.replace("]]>", "]]]]><![CDATA[>")
        );
        prop_assert_eq!(&parse(cdata.as_bytes(), None, None).unwrap().items[0].title, &expected);
    }
}
