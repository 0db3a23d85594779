//! The parsers against the fixture corpus (`tests/fixtures/wire/`, described in its
//! README): every valid file's normalised JSON is a snapshot; every hostile or broken file
//! is refused with the right error, quickly.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod lenient;

use dateline_ingest::{Format, IngestError, PubStatus, parse};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wire").join(name)).unwrap()
}

fn parsed(name: &str) -> dateline_ingest::ParsedFeed {
    parse(&fixture(name), None, None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every valid fixture, including the licensed IPTC specimens, as a JSON snapshot.
#[test]
fn every_valid_fixture_has_its_expected_normalised_json() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wire");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            p.is_file()
                && !name.starts_with("hostile_")
                && !name.starts_with("broken_")
                && !name.ends_with(".md")
        })
        .collect();
    for dir in ["iptc/ninjs", "iptc/newsml-g2"] {
        files.extend(
            std::fs::read_dir(root.join(dir))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "xml")),
        );
    }
    files.sort();
    assert!(files.len() >= 25, "{} fixtures", files.len());
    for path in files {
        let name = path.strip_prefix(&root).unwrap().to_string_lossy().replace('/', "__");
        let result =
            parse(&std::fs::read(&path).unwrap(), None, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            result.items.is_empty(),
            name.starts_with("empty_"),
            "{name}: items only where there are some"
        );
        insta::assert_json_snapshot!(name, result);
    }
}

#[test]
fn rss_fields_are_read() {
    let feed = parsed("rss2_basic.xml");
    assert!(feed.feed.title.is_some() && feed.feed.link.is_some());
    let first = &feed.items[0];
    assert!(!first.title.is_empty());
    assert!(first.published.is_some());
    assert_eq!(first.categories.len(), 2);
    assert!(!first.authors.is_empty(), "dc:creator");
    assert!(first.body_html.as_deref().unwrap().contains("<p>"), "content:encoded");
    assert!(!first.media.is_empty(), "media:content");
}

#[test]
fn messy_text_comes_out_clean() {
    let entities = parsed("rss2_html_entities.xml");
    assert_eq!(entities.items[0].title, "Storm & floods — Karachi’s roads under water");
    let latin1 = parsed("rss2_latin1.xml");
    assert!(latin1.items[0].title.contains("Zürich") && latin1.items[0].title.contains("Café"));
    let wrong = parsed("rss2_wrong_encoding.xml");
    assert_eq!(wrong.items[0].title, "کراچی میں بارش");
    assert_eq!(parsed("rss2_bom_no_decl.xml").items.len(), 2);
}

#[test]
fn missing_guids_are_derived_and_duplicates_dropped() {
    let feed = parsed("rss2_missing_guids.xml");
    assert_eq!(feed.items.len(), 4, "the duplicated item appears once");
    let derived: Vec<_> = feed.items.iter().filter(|i| i.guid.starts_with("sha256:")).collect();
    assert_eq!(derived.len(), 3);
    let again = parsed("rss2_missing_guids.xml");
    assert_eq!(feed.items, again.items, "derived ids are stable");
}

#[test]
fn broken_dates_are_read_leniently() {
    let dates: Vec<_> = parsed("rss2_broken_dates.xml").items.into_iter().map(|i| i.published).collect();
    assert_eq!(
        dates,
        [
            Some("2025-02-25T14:30:00Z".into()),
            Some("2025-02-25T09:30:00Z".into()),
            Some("2025-02-25T09:30:00Z".into()),
            Some("2025-02-25T14:30:00Z".into()),
            Some("2025-02-25T14:30:00Z".into()),
            None,
        ]
    );
}

#[test]
fn relative_links_are_made_absolute() {
    let feed = parsed("rss2_relative_links.xml");
    assert_eq!(feed.items[0].link.as_deref(), Some("https://news.example.org/world/story-1"));
    assert_eq!(feed.items[1].link.as_deref(), Some("https://news.example.org/story-2.html"));
    assert!(
        feed.items[0]
            .body_html
            .as_deref()
            .unwrap()
            .contains("src=\"https://news.example.org/img/summit.jpg\"")
    );
}

#[test]
fn hostile_html_is_sanitised() {
    for item in parsed("rss2_hostile_html.xml").items {
        let html = item.body_html.unwrap_or_default().to_lowercase();
        for bad in ["<script", "onerror", "javascript:", "data:", "<iframe", "<style", "<object", "style="] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
    }
}

#[test]
fn kills_and_versions_are_recognised() {
    let item = &parsed("ninjs14_text.json").items[0];
    let update = &parsed("ninjs_update.json").items[0];
    let kill = &parsed("ninjs_withdrawn.json").items[0];
    assert_eq!(item.guid, update.guid);
    assert!(update.version > item.version);
    assert_eq!((kill.guid.as_str(), kill.status), (item.guid.as_str(), PubStatus::Withdrawn));
    assert_eq!(parsed("newsml_withdrawn.xml").items[0].status, PubStatus::Withdrawn);
    assert_eq!(parsed("newsml_item.xml").items[0].status, PubStatus::Usable);
    assert_eq!(parsed("newsml_message.xml").items.len(), 2);
    assert_eq!(parsed("newsml_item.xml").items[0].place.as_deref(), Some("Islamabad"));
}

/// A NewsML-G2 newsItem: text (with links to other items) or a picture with renditions.
fn newsml_item(guid: &str, class: &str, links: &[&str], renditions: &[(&str, u32)]) -> String {
    let links: String =
        links.iter().map(|r| format!(r#"<link rel="irel:seeAlso" residref="{r}"/>"#)).collect();
    let content = if renditions.is_empty() {
        "<inlineXML><html><body><p>Text.</p></body></html></inlineXML>".to_owned()
    } else {
        renditions
            .iter()
            .map(|(name, width)| {
                format!(
                    r#"<remoteContent rendition="rnd:{name}" href="https://img.example.com/{guid}-{width}.jpg" contenttype="image/jpeg" width="{width}"/>"#
                )
            })
            .collect()
    };
    format!(
        r#"<newsItem guid="{guid}" version="1"><itemMeta><itemClass qcode="ninat:{class}"/>{links}</itemMeta>
           <contentMeta><headline>Headline {guid}</headline></contentMeta><contentSet>{content}</contentSet></newsItem>"#
    )
}

fn newsml_message(parts: &[String]) -> dateline_ingest::ParsedFeed {
    let xml = format!(
        r#"<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>{}</itemSet></newsMessage>"#,
        parts.concat()
    );
    parse(xml.as_bytes(), Some(Format::NewsMl), None).unwrap()
}

#[test]
fn wire_pictures_are_found_with_their_credit() {
    let newsml = parsed("newsml_picture.xml");
    assert_eq!(newsml.items.len(), 1, "the picture goes with its story, not on its own");
    let picture = &newsml.items[0].media[0];
    assert_eq!(
        picture.url, "https://img.wire.example.com/2025/02/solar-park-2048.jpg",
        "big enough, no bigger"
    );
    assert_eq!(picture.credit.as_deref(), Some("Photo: Farah Baig / Dateline Test Wire"));
    assert_eq!(
        picture.caption.as_deref(),
        Some("Rows of solar panels at the Cholistan park near Bahawalpur on Tuesday.")
    );
    let incoming = newsml.items[0].incoming().picture.unwrap();
    assert_eq!(
        (incoming.url.as_str(), incoming.credit.as_str()),
        (picture.url.as_str(), "Photo: Farah Baig / Dateline Test Wire")
    );

    let ninjs = &parsed("ninjs14_text.json").items[0];
    let lead = ninjs.incoming().picture.unwrap();
    assert_eq!(lead.url, "https://img.wire.example.com/2025/02/thatta-camp-2048.jpg", "not the thumbnail");
    assert_eq!(lead.credit, "Photo: Kashif Memon");

    let rss = br#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>W</title>
        <item><guid>p1</guid><title>With a picture</title>
        <media:content url="https://img.example.com/p1.jpg" type="image/jpeg"><media:credit>Jane Doe / Test Wire</media:credit></media:content></item>
        <item><guid>p2</guid><title>With a sound</title><enclosure url="https://img.example.com/p2.mp3" length="5" type="audio/mpeg"/></item>
        </channel></rss>"#;
    let feed = parse(rss, None, None).unwrap();
    let first = feed.items[0].incoming().picture.unwrap();
    assert_eq!(
        (first.url.as_str(), first.credit.as_str()),
        ("https://img.example.com/p1.jpg", "Jane Doe / Test Wire")
    );
    assert_eq!(feed.items[1].incoming().picture, None, "a sound is no picture");
}

#[test]
fn newsml_pictures_go_with_the_text_they_belong_to() {
    // Two stories, each linking its own picture; a third picture linked by nobody stays an item.
    let linked = newsml_message(&[
        newsml_item("t1", "text", &["p1"], &[]),
        newsml_item("t2", "text", &["p2"], &[]),
        newsml_item("p1", "picture", &[], &[("thumbnail", 320), ("highRes", 3000)]),
        newsml_item("p2", "picture", &[], &[("preview", 800)]),
        newsml_item("p3", "picture", &[], &[("preview", 640)]),
    ]);
    let guids: Vec<&str> = linked.items.iter().map(|i| i.guid.as_str()).collect();
    assert_eq!(guids, ["t1", "t2", "p3"]);
    assert_eq!(linked.items[0].media[0].url, "https://img.example.com/p1-3000.jpg");
    assert_eq!(linked.items[1].media[0].url, "https://img.example.com/p2-800.jpg");
    assert_eq!(
        linked.items[2].media[0].url, "https://img.example.com/p3-640.jpg",
        "a picture item alone keeps its picture"
    );
    assert_eq!(linked.items[0].media[0].caption.as_deref(), Some("Headline p1"));

    // A package groups a story and its picture.
    let package = r#"<packageItem guid="pkg"><groupSet><group id="main"><itemRef residref="t2"/><itemRef residref="p2"/></group></groupSet></packageItem>"#.to_owned();
    let packaged = newsml_message(&[
        newsml_item("t1", "text", &[], &[]),
        newsml_item("t2", "text", &[], &[]),
        newsml_item("p2", "picture", &[], &[("preview", 800)]),
        package,
    ]);
    assert_eq!(packaged.items.len(), 2);
    assert!(packaged.items[0].media.is_empty());
    assert_eq!(packaged.items[1].media.len(), 1);

    // Nothing says which story: the message's only story takes the picture.
    let lone = newsml_message(&[
        newsml_item("p1", "picture", &[], &[("preview", 800)]),
        newsml_item("t1", "text", &[], &[]),
    ]);
    assert_eq!(lone.items.len(), 1);
    assert_eq!(lone.items[0].guid, "t1");
    assert_eq!(lone.items[0].media.len(), 1);
}

#[test]
fn atom_variants_are_read() {
    let atom = parsed("atom10_basic.xml");
    assert!(atom.items.iter().any(|i| i.authors.len() == 2));
    assert!(
        atom.items.iter().all(|i| i.link.as_deref().is_some_and(|l| l.starts_with("http"))),
        "xml:base applied"
    );
    let xhtml = parsed("atom10_xhtml.xml");
    assert!(xhtml.items.iter().any(|i| i.language.as_deref() == Some("ur")));
    assert!(xhtml.items.iter().all(|i| !i.title.contains('<')), "titles are plain text");
    assert_eq!(parsed("atom03.xml").items.len(), 2);
}

fn refused(bytes: &[u8]) -> (IngestError, Duration) {
    let started = Instant::now();
    let err = parse(bytes, None, None).expect_err("refused");
    (err, started.elapsed())
}

#[test]
fn hostile_and_broken_input_is_refused_quickly() {
    let limit = Duration::from_secs(2);
    type Expect = fn(&IngestError) -> bool;
    let cases: [(&str, Expect); 7] = [
        ("hostile_billion_laughs.xml", |e| matches!(e, IngestError::EntityDeclarations)),
        ("hostile_deep_nesting.xml", |e| matches!(e, IngestError::TooDeep { .. })),
        ("hostile_invalid_utf8.json", |e| matches!(e, IngestError::Encoding { .. })),
        ("hostile_binary.bin", |e| matches!(e, IngestError::NotAFeed(_))),
        ("broken_truncated.xml", |e| matches!(e, IngestError::Malformed { .. })),
        ("broken_not_a_feed.html", |e| matches!(e, IngestError::NotAFeed(_))),
        ("broken_empty.xml", |e| matches!(e, IngestError::Empty)),
    ];
    for (name, expected) in cases {
        let (err, took) = refused(&fixture(name));
        assert!(expected(&err), "{name}: {err}");
        assert!(took < limit, "{name} took {took:?}");
    }
}

#[test]
fn a_hundred_megabyte_body_is_refused_without_parsing() {
    let mut huge = b"<rss version=\"2.0\"><channel><item><description>".to_vec();
    huge.resize(100 * 1024 * 1024, b'a');
    let (err, took) = refused(&huge);
    assert!(matches!(err, IngestError::TooLarge { .. }), "{err}");
    assert!(took < Duration::from_millis(500), "{took:?}");
}

#[test]
fn deeply_nested_json_is_refused() {
    let deep = format!("{{\"uri\": \"x\", \"a\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let (err, _) = refused(deep.as_bytes());
    assert!(matches!(err, IngestError::TooDeep { .. }), "{err}");
}

#[test]
fn the_asked_format_must_match() {
    let err = parse(&fixture("rss2_basic.xml"), Some(Format::Ninjs), None).unwrap_err();
    assert!(matches!(err, IngestError::WrongFormat { .. }));
    assert!(parse(&fixture("rss2_basic.xml"), Some(Format::Rss), None).is_ok());
}

/// Random bytes and random cuts of real fixtures never panic.
#[test]
fn arbitrary_bytes_never_panic() {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let seeds =
        ["rss2_basic.xml", "atom10_basic.xml", "jsonfeed11.json", "ninjs20_text.json", "newsml_item.xml"];
    for seed in seeds {
        let original = fixture(seed);
        for _ in 0..200 {
            let mut bytes = original.clone();
            let cut = (next() as usize) % bytes.len();
            bytes.truncate(cut);
            for _ in 0..4 {
                if bytes.is_empty() {
                    break;
                }
                let at = (next() as usize) % bytes.len();
                bytes[at] = next() as u8;
            }
            let _ = parse(&bytes, None, None);
        }
    }
}

/// Inputs that once made a parser panic, found by `scripts/fuzz`: every format reads or
/// refuses them cleanly.
#[test]
fn inputs_found_by_fuzzing_are_handled() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz-found");
    let mut count = 0;
    for entry in std::fs::read_dir(root).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for format in [
            None,
            Some(Format::Rss),
            Some(Format::Atom),
            Some(Format::JsonFeed),
            Some(Format::Ninjs),
            Some(Format::NewsMl),
        ] {
            let _ = parse(&bytes, format, None);
        }
        // And the WordPress export reader, with the content of every post.
        let mut reader = dateline_ingest::wxr::WxrReader::new(bytes.as_slice());
        while let Ok(Some(entry)) = reader.next_entry() {
            if let dateline_ingest::wxr::WxrEntry::Item(item) = entry {
                let _ = dateline_ingest::wp_content::to_html(&item.content, &NoPictures);
            }
        }
        count += 1;
    }
    assert!(count >= 8);
}

/// A gallery with no pictures, for the WordPress content conversion.
struct NoPictures;

impl dateline_ingest::wp_content::Gallery for NoPictures {
    fn attachment(&self, _: &str) -> Option<String> {
        None
    }
    fn attached(&self) -> Vec<String> {
        Vec::new()
    }
}
