//! Demo content: a newsroom's worth of synthetic stories — sections (one in Urdu), authors,
//! agencies, tags, publish times spread over weeks with the newest minutes old, some
//! updated, some corrected. The text is generated here from small word lists, so it is
//! original and the same seed always gives the same site. Stories are loaded with the
//! store's bulk insert, so a million of them take minutes. Pictures are drawn here too
//! (landscapes from a few lines of arithmetic) and go through the media library.

use anyhow::Context;
use dateline_core::{
    AuthorId, Correction, MediaText, MenuItem, NewAuthor, NewSection, NewSource, NewTag, Prominence,
    SectionId, SiteSettings, Slug, SourceId, StoryImage, StoryStatus, TagId, TagKind,
};
use dateline_newsroom::media::{Pictures, take_in};
use dateline_store::{BulkStory, Store};
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Instant;

/// Stories `serve --demo` puts in an empty database.
pub const SERVE_DEMO_STORIES: u64 = 400;
/// Stories per transaction.
const BATCH: usize = 5_000;

pub struct Options {
    pub stories: u64,
    pub seed: u64,
    /// The URL the site is served at, saved in the demo settings.
    pub base_url: Option<String>,
}

/// A small, fast, seedable generator (SplitMix64): the demo needs repeatability, not crypto.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const SECTIONS: &[(&str, &str, &str, Option<&str>)] = &[
    ("pakistan", "Pakistan", "News from across Pakistan's provinces and the federal capital.", None),
    ("world", "World", "International news and diplomacy.", None),
    ("business", "Business", "Markets, trade, energy and the economy.", None),
    ("sports", "Sports", "Cricket, hockey, squash and more.", None),
    ("technology", "Technology", "Telecoms, start-ups and the digital economy.", None),
    ("health", "Health", "Public health, hospitals and medicine.", None),
    ("urdu", "اردو", "اردو میں تازہ ترین خبریں", Some("ur")),
];

const SOURCES: &[(&str, &str, &str)] = &[
    ("app", "APP", "APP"),
    ("afp", "AFP", "AFP"),
    ("reuters", "Reuters", "Reuters"),
    ("tass", "TASS", "TASS"),
    ("staff", "Staff Reporter", "Staff Report"),
];

pub(crate) const FIRST_NAMES: &[&str] =
    &["Ayesha", "Bilal", "Hina", "Kamran", "Mehwish", "Nadeem", "Rabia", "Tariq", "Zainab", "Usman"];
pub(crate) const LAST_NAMES: &[&str] =
    &["Malik", "Chaudhry", "Hashmi", "Baig", "Rana", "Qazi", "Durrani", "Jafri", "Aziz", "Siddiqui"];

pub(crate) const PLACES: &[&str] = &[
    "Karachi",
    "Lahore",
    "Islamabad",
    "Peshawar",
    "Quetta",
    "Multan",
    "Gwadar",
    "Istanbul",
    "Geneva",
    "Beijing",
    "London",
    "Dubai",
    "Riyadh",
    "Tokyo",
    "Nairobi",
    "Brussels",
    "Doha",
    "Jakarta",
    "Cairo",
    "Tashkent",
];
pub(crate) const ORGS: &[&str] = &[
    "the finance ministry",
    "the provincial cabinet",
    "the central bank",
    "the election commission",
    "the health department",
    "the cricket board",
    "the planning commission",
    "the water authority",
    "the trade council",
    "the telecom regulator",
];
pub(crate) const ORG_TAGS: &[&str] = &[
    "Finance Ministry",
    "Provincial Cabinet",
    "Central Bank",
    "Election Commission",
    "Health Department",
    "Cricket Board",
    "Planning Commission",
    "Water Authority",
    "Trade Council",
    "Telecom Regulator",
];

/// Per section: topics (tag names) and the nouns the sentences use for them.
pub(crate) const TOPICS: &[&[(&str, &str)]] = &[
    &[
        ("Floods", "flood relief"),
        ("Power Tariffs", "power tariffs"),
        ("Census", "the census"),
        ("Water", "water supply"),
        ("Wheat", "wheat procurement"),
    ],
    &[
        ("Diplomacy", "ceasefire talks"),
        ("Climate", "the climate summit"),
        ("Elections", "the election"),
        ("Trade", "the trade pact"),
        ("Refugees", "refugee support"),
    ],
    &[
        ("Inflation", "inflation"),
        ("Stocks", "the stock market"),
        ("Exports", "textile exports"),
        ("Remittances", "remittances"),
        ("Interest Rates", "interest rates"),
    ],
    &[
        ("Cricket", "the test series"),
        ("Hockey", "the hockey league"),
        ("Squash", "the squash open"),
        ("Athletics", "the javelin final"),
        ("Football", "the football cup"),
    ],
    &[
        ("Telecoms", "the 5G auction"),
        ("Start-ups", "start-up funding"),
        ("Digital Payments", "digital payments"),
        ("Space", "the satellite launch"),
        ("Cybersecurity", "cybersecurity rules"),
    ],
    &[
        ("Dengue", "the dengue season"),
        ("Polio", "the polio campaign"),
        ("Hospitals", "hospital staffing"),
        ("Vaccines", "vaccine supply"),
        ("Heatwave", "the heatwave response"),
    ],
];

const HEADLINES: &[&str] = &[
    "{Org} approves new plan for {topic} after {n}-hour session",
    "{place}: officials promise action on {topic} within {n} days",
    "{Person} says {topic} will improve by next month",
    "Talks on {topic} resume in {place} as deadline nears",
    "{n} districts report progress on {topic}, says {org}",
    "{Org} sets up committee to review {topic}",
    "Questions over {topic} dominate session in {place}",
    "{place} prepares for busy week on {topic}",
];

const SENTENCES: &[&str] = &[
    "Officials said {topic} would be reviewed again at a meeting on {day}.",
    "{Person}, speaking to reporters in {place}, said the latest figures were encouraging but more work was needed.",
    "{Org} is expected to publish a detailed report within {n} weeks.",
    "Residents said they wanted clear timelines and regular updates on {topic}.",
    "Analysts noted that {topic} has been a recurring concern for several years.",
    "The decision follows months of discussion between federal and provincial authorities.",
    "A spokesperson for {org} said all stakeholders had been consulted.",
    "Opposition members asked for the full figures to be placed before the house.",
    "The next review is scheduled for {day}, when officials will present revised estimates.",
    "Traders in {place} welcomed the announcement but said implementation would be the real test.",
    "According to preliminary data, {n} percent of the target had been met by the end of last month.",
    "Observers said the coming weeks would show whether the new approach on {topic} can hold.",
];

pub(crate) const DAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

const URDU_PLACES: &[&str] = &["کراچی", "لاہور", "اسلام آباد", "پشاور", "کوئٹہ", "ملتان"];
const URDU_TOPICS: &[&str] = &["بارش", "مہنگائی", "بجٹ", "کرکٹ", "تعلیم", "بجلی", "پانی", "صحت"];
const URDU_HEADLINES: &[&str] = &[
    "{place} میں {topic} کے مسئلے پر اہم اجلاس",
    "{topic} کے حوالے سے نئی حکمت عملی کا اعلان",
    "{place}: {topic} سے متعلق {n} نکاتی منصوبہ منظور",
    "{topic} پر پیش رفت، حکام نے تفصیلات جاری کر دیں",
];
const URDU_SENTENCES: &[&str] = &[
    "حکام کے مطابق صورتحال پر قابو پانے کے لیے ضروری اقدامات کیے جا رہے ہیں۔",
    "{place} کے شہریوں نے {topic} کے بارے میں اپنی تشویش کا اظہار کیا۔",
    "اجلاس میں متعلقہ اداروں کے نمائندوں نے شرکت کی۔",
    "توقع ہے کہ آئندہ {n} روز میں مزید تفصیلات جاری کی جائیں گی۔",
    "ماہرین کا کہنا ہے کہ {topic} کے مسئلے کا دیرپا حل ضروری ہے۔",
    "ترجمان نے بتایا کہ تمام فریقین سے مشاورت مکمل کر لی گئی ہے۔",
];

/// Everything generated stories refer to, with the ids the store gave them.
struct Newsroom {
    site_name: String,
    sections: Vec<(SectionId, Option<&'static str>)>,
    sources: Vec<(SourceId, String)>,
    staff_source: usize,
    authors: Vec<(AuthorId, String)>,
    tags: HashMap<String, TagId>,
    /// The demo pictures, as stories use them.
    pictures: Vec<StoryImage>,
}

fn slug(text: &str) -> anyhow::Result<Slug> {
    Slug::from_title(text).with_context(|| format!("no slug for {text:?}"))
}

async fn newsroom(store: &dyn Store, base_url: Option<&str>) -> anyhow::Result<Newsroom> {
    let mut settings = store.settings().await?;
    if settings == SiteSettings::default() {
        settings = SiteSettings {
            name: "The Dateline Post".into(),
            timezone: "Asia/Karachi".into(),
            menu: SECTIONS
                .iter()
                .map(|(s, name, _, _)| MenuItem { label: (*name).into(), url: format!("/section/{s}") })
                .collect(),
            ..SiteSettings::default()
        };
    }
    if let Some(url) = base_url {
        url.clone_into(&mut settings.base_url);
    }
    store.save_settings(&settings).await?;

    if store.sections().await?.is_empty() {
        for (position, (s, name, description, language)) in (1..).zip(SECTIONS) {
            let section = NewSection {
                slug: slug(s)?,
                name: (*name).into(),
                description: (*description).into(),
                language: language.map(Into::into),
                position,
            };
            store.create_section(&section).await?;
        }
        for (s, name, credit) in SOURCES {
            store
                .create_source(&NewSource { slug: slug(s)?, name: (*name).into(), credit: (*credit).into() })
                .await?;
        }
        for (i, first) in FIRST_NAMES.iter().enumerate() {
            let name = format!("{first} {}", LAST_NAMES[i]);
            let bio = format!("{name} reports for the desk and has covered the region for {} years.", 3 + i);
            store.create_author(&NewAuthor { slug: slug(&name)?, name, bio }).await?;
        }
        let mut new_tags: Vec<(String, TagKind)> =
            PLACES.iter().map(|p| ((*p).to_owned(), TagKind::Place)).collect();
        new_tags.extend(ORG_TAGS.iter().map(|o| ((*o).to_owned(), TagKind::Organisation)));
        new_tags.extend(
            TOPICS.iter().flat_map(|t| t.iter()).map(|(name, _)| ((*name).to_owned(), TagKind::Topic)),
        );
        new_tags.extend(
            FIRST_NAMES
                .iter()
                .zip(LAST_NAMES.iter().rev())
                .map(|(f, l)| (format!("{f} {l}"), TagKind::Person)),
        );
        new_tags.extend(URDU_TOPICS.iter().map(|t| ((*t).to_owned(), TagKind::Topic)));
        for (name, kind) in new_tags {
            store.create_tag(&NewTag { slug: slug(&name)?, name, kind }).await?;
        }
    }
    let sections = store
        .sections()
        .await?
        .into_iter()
        .map(|s| (s.id, SECTIONS.iter().find(|d| d.0 == s.slug.as_str()).and_then(|d| d.3)))
        .collect();
    let sources: Vec<_> = store.sources().await?.into_iter().map(|s| (s.id, s.credit)).collect();
    let staff_source = sources.iter().position(|(_, credit)| credit == "Staff Report").unwrap_or(0);
    Ok(Newsroom {
        site_name: settings.name,
        sections,
        sources,
        staff_source,
        authors: store.authors().await?.into_iter().map(|a| (a.id, a.name)).collect(),
        tags: store.tags().await?.into_iter().map(|t| (t.name, t.id)).collect(),
        pictures: Vec::new(),
    })
}

/// Fills `{slot}`s of `pattern`.
pub(crate) fn fill(pattern: &str, slots: &[(&str, &str)]) -> String {
    let mut out = pattern.to_owned();
    for (key, value) in slots {
        out = out.replace(key, value);
    }
    out
}

pub(crate) fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Writes `paragraphs` as Markdown source and as HTML. The text comes from the word lists
/// above (no markup characters), so the HTML needs no sanitiser.
fn body(paragraphs: &[String]) -> (String, String) {
    let source = paragraphs.join("\n\n");
    let mut html = String::with_capacity(source.len() + paragraphs.len() * 8);
    for p in paragraphs {
        let _ = writeln!(html, "<p>{p}</p>");
    }
    (source, html)
}

/// An RGB colour.
type Colour = [u8; 3];

/// The scenes of the demo pictures: (alt text, sky colours top and bottom, land colour).
const SCENES: &[(&str, Colour, Colour, Colour)] = &[
    ("Illustration: green hills under a morning sky", [120, 170, 230], [250, 220, 170], [60, 120, 60]),
    ("Illustration: desert dunes at noon", [90, 150, 220], [200, 220, 240], [210, 170, 100]),
    ("Illustration: a coast at dusk", [40, 40, 90], [240, 120, 80], [30, 60, 90]),
    ("Illustration: mountains in winter", [150, 180, 210], [230, 235, 240], [220, 225, 230]),
    ("Illustration: farmland after rain", [110, 120, 140], [190, 200, 205], [90, 140, 50]),
    ("Illustration: a river valley at sunset", [60, 50, 110], [250, 160, 90], [50, 90, 70]),
    ("Illustration: plains under a storm", [50, 60, 70], [120, 130, 140], [100, 110, 60]),
    ("Illustration: islands in a calm sea", [100, 180, 240], [210, 235, 250], [20, 110, 150]),
];

/// A landscape-like picture, made here (nothing is downloaded): a sky gradient, a sun and
/// two ranges of hills, as a JPEG.
fn scene_picture(scene: usize, width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let (_, top, bottom, land) = SCENES[scene % SCENES.len()];
    let mix = |a: u8, b: u8, t: f32| (f32::from(a) * (1.0 - t) + f32::from(b) * t) as u8;
    let (w, h) = (width as f32, height as f32);
    let sun = (w * (0.2 + 0.1 * scene as f32 % 0.6), h * 0.3, h * 0.08);
    let ridge = |x: f32, phase: f32, base: f32, amp: f32| {
        h * base + (x / w * 6.0 + phase + scene as f32).sin() * h * amp + (x / w * 17.0).sin() * h * 0.02
    };
    // The hills depend on the column only: work them out once a column.
    let ridges: Vec<(f32, f32)> =
        (0..width).map(|x| (ridge(x as f32, 1.3, 0.78, 0.05), ridge(x as f32, 0.0, 0.62, 0.08))).collect();
    let shade = |c: [u8; 3], k: f32| image::Rgb(c.map(|v| (f32::from(v) * k).min(255.0) as u8));
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let (near, far) = ridges[x as usize];
        if fy > near {
            shade(land, 0.75)
        } else if fy > far {
            shade(land, 1.0 + (fy - far) / h * 0.3)
        } else if (fx - sun.0).hypot(fy - sun.1) < sun.2 {
            image::Rgb([255, 240, 200])
        } else {
            let t = fy / far.max(1.0);
            image::Rgb([mix(top[0], bottom[0], t), mix(top[1], bottom[1], t), mix(top[2], bottom[2], t)])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Jpeg)?;
    Ok(out.into_inner())
}

/// Makes the demo pictures and adds them to the media library (again: the same bytes are
/// the same pictures, so a second run adds none).
async fn demo_pictures(store: &dyn Store, pictures: &Pictures) -> anyhow::Result<Vec<StoryImage>> {
    let mut images = Vec::with_capacity(SCENES.len());
    for (i, (alt, ..)) in SCENES.iter().enumerate() {
        let bytes = tokio::task::spawn_blocking(move || scene_picture(i, 1280, 720)).await??;
        let text =
            MediaText { alt: (*alt).to_owned(), credit: "Dateline demo".into(), ..MediaText::default() };
        let media = take_in(store, pictures, bytes, text, "", Timestamp::now()).await?;
        images.push(media.story_image());
    }
    Ok(images)
}

/// One story number `i` of `total`, published around `at`.
fn story(rng: &mut Rng, room: &Newsroom, i: u64, at: Timestamp, now: Timestamp) -> anyhow::Result<BulkStory> {
    let section_index = rng.below(room.sections.len() as u64) as usize;
    let (section, language) = room.sections[section_index];
    let n = (2 + rng.below(40)).to_string();
    let (headline, standfirst, paragraphs, place, tag_names): (
        String,
        String,
        Vec<String>,
        String,
        Vec<String>,
    );
    if language == Some("ur") {
        let place_ur = rng.pick(URDU_PLACES);
        let topic = rng.pick(URDU_TOPICS);
        let slots = [("{place}", place_ur), ("{topic}", topic), ("{n}", n.as_str())];
        headline = fill(rng.pick(URDU_HEADLINES), &slots);
        standfirst = fill(rng.pick(URDU_SENTENCES), &slots);
        paragraphs = (0..3 + rng.below(3))
            .map(|_| (0..2).map(|_| fill(rng.pick(URDU_SENTENCES), &slots)).collect::<Vec<_>>().join(" "))
            .collect();
        place = place_ur.to_owned();
        tag_names = vec![topic.to_owned()];
    } else {
        let topics = TOPICS[section_index.min(TOPICS.len() - 1)];
        let (topic_tag, topic) = rng.pick(topics);
        let p = rng.pick(PLACES);
        let org_index = rng.below(ORGS.len() as u64) as usize;
        let person_index = rng.below(FIRST_NAMES.len() as u64) as usize;
        let person =
            format!("{} {}", FIRST_NAMES[person_index], LAST_NAMES[LAST_NAMES.len() - 1 - person_index]);
        let org_cap = capitalised(ORGS[org_index]);
        let slots = [
            ("{Org}", org_cap.as_str()),
            ("{org}", ORGS[org_index]),
            ("{place}", p),
            ("{topic}", topic),
            ("{Person}", person.as_str()),
            ("{n}", n.as_str()),
            ("{day}", rng.pick(DAYS)),
        ];
        headline = capitalised(&fill(rng.pick(HEADLINES), &slots));
        standfirst = fill(rng.pick(SENTENCES), &slots);
        paragraphs = (0..3 + rng.below(3))
            .map(|_| {
                (0..2 + rng.below(2)).map(|_| fill(rng.pick(SENTENCES), &slots)).collect::<Vec<_>>().join(" ")
            })
            .collect();
        place = p.to_owned();
        tag_names = vec![p.to_owned(), topic_tag.to_owned(), ORG_TAGS[org_index].to_owned(), person];
    }
    let source_index =
        if language.is_some() { room.staff_source } else { rng.below(room.sources.len() as u64) as usize };
    let (source, agency_credit) = &room.sources[source_index];
    let credit = if source_index == room.staff_source {
        agency_credit.clone()
    } else {
        format!("{agency_credit} - {}", room.site_name)
    };
    let mut authors = vec![room.authors[rng.below(room.authors.len() as u64) as usize].0];
    if source_index == room.staff_source && rng.chance(30) {
        let second = room.authors[rng.below(room.authors.len() as u64) as usize].0;
        if second != authors[0] {
            authors.push(second);
        }
    }
    let tags = tag_names.iter().filter_map(|t| room.tags.get(t).copied()).collect();
    let status = if rng.chance(1) { StoryStatus::Draft } else { StoryStatus::Published };
    let prominence = match (i % 997, i % 41) {
        (0, _) => Prominence::Lead,
        (_, 0) => Prominence::Top,
        _ => Prominence::Normal,
    };
    let latest_edit = now - SignedDuration::from_secs(30);
    let updated_at = Some(at + SignedDuration::from_mins(10 + rng.below(360) as i64))
        .filter(|u| rng.chance(10) && *u < latest_edit);
    let corrections = if rng.chance(2) {
        let when = (at + SignedDuration::from_mins(45)).min(latest_edit).max(at);
        vec![Correction {
            note: "An earlier version of this story gave an incorrect figure; it has been corrected.".into(),
            created_at: when,
        }]
    } else {
        Vec::new()
    };
    let (body_source, body_html) = body(&paragraphs);
    Ok(BulkStory {
        slug: slug(&headline)?.with_suffix(u32::try_from(i).unwrap_or(u32::MAX)),
        headline,
        standfirst,
        body_source,
        body_html,
        dateline_place: place,
        credit,
        section,
        source: Some(*source),
        tags,
        authors,
        language: language.unwrap_or("en").to_owned(),
        status,
        prominence,
        // Seven stories in ten have a picture; chosen by number, so the text stays the same.
        image: (i % 10 < 7 && !room.pictures.is_empty())
            .then(|| room.pictures[(i as usize * 7) % room.pictures.len()].clone()),
        created_at: at - SignedDuration::from_mins(5),
        published_at: (status == StoryStatus::Published).then_some(at),
        updated_at: updated_at.filter(|_| status == StoryStatus::Published),
        corrections,
    })
}

/// Generates `options.stories` stories into `store`, with a progress bar, and reports the rate.
pub async fn generate(store: &dyn Store, pictures: &Pictures, options: &Options) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut room = newsroom(store, options.base_url.as_deref()).await?;
    room.pictures = demo_pictures(store, pictures).await?;
    let first_number = store.story_count().await?;
    let total = options.stories;
    let now = Timestamp::now();
    // Newest two minutes old; spread over at least three weeks, 5 s apart at most density.
    let span_secs = (21 * 24 * 3600).max(total.saturating_mul(5)) as i64;
    let step = span_secs as f64 / total.max(1) as f64;
    let newest = now - SignedDuration::from_secs(120);
    let mut rng = Rng(options.seed ^ first_number);
    let bar = indicatif::ProgressBar::new(total).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} stories  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut done = 0u64;
    while done < total {
        let batch_len = (total - done).min(BATCH as u64);
        let mut batch = Vec::with_capacity(batch_len as usize);
        for k in 0..batch_len {
            let i = done + k;
            let age = ((total - 1 - i) as f64 * step) as i64 + rng.below(step.max(1.0) as u64) as i64 / 2;
            let at = newest - SignedDuration::from_secs(age);
            batch.push(story(&mut rng, &room, first_number + i + 1, at, now)?);
        }
        store.bulk_insert(&batch).await?;
        done += batch_len;
        bar.set_position(done);
    }
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let rate = total as f64 / secs.max(1e-9);
    println!("Generated {total} demo stories in {secs:.1} s ({rate:.0} stories/s).");
    tracing::info!(stories = total, seconds = secs, rate, "demo content generated");
    Ok(())
}
