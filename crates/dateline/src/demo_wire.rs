//! The demo wire: two made-up agencies whose copy reaches the wire desk over the first
//! minutes of `dateline serve --demo`, so that a newcomer sees the desk at work. "Demo Wire"
//! holds its copy for the desk and "Demo Express" publishes at once; some of their stories
//! are the same story (the desk groups them: "Also carried by"), one is sent again in a newer
//! version, one is withdrawn, one comes under embargo.
//!
//! The copy is written here from word lists (as `demo` writes the site's stories: original
//! text, the same seed giving the same copy) as the ninjs documents an agency would push,
//! and goes in through the newsroom's one wire take-in, on its timetable
//! (`dateline_newsroom::demo_wire`), like any push. The agencies are made when `serve --demo`
//! fills an empty database; a later start sends only what the database does not have yet,
//! so a restart finishes an interrupted timetable and never sends anything twice.

use crate::demo::{DAYS, FIRST_NAMES, LAST_NAMES, ORG_TAGS, ORGS, PLACES, Rng, TOPICS, capitalised, fill};
use anyhow::Context;
use dateline_core::{NewSource, Slug, SourceId, WireConfig};
use dateline_newsroom::demo_wire::Dispatch;
use dateline_store::Store;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

/// The seed `serve --demo` writes the copy with.
pub const SEED: u64 = 2025;

/// A demo agency: slug, name (also its credit), and whether its copy is published at once.
pub struct Agency {
    pub slug: &'static str,
    pub name: &'static str,
    pub auto_publish: bool,
}

/// The demo agencies; [`Push::agency`] indexes this.
pub const AGENCIES: [Agency; 2] = [
    Agency { slug: "demo-wire", name: "Demo Wire", auto_publish: false },
    Agency { slug: "demo-express", name: "Demo Express", auto_publish: true },
];
const HELD: usize = 0;
const EXPRESS: usize = 1;

/// One document a demo agency sends, `after` the start.
#[derive(Debug, Clone)]
pub struct Push {
    pub after: Duration,
    pub agency: usize,
    pub guid: String,
    pub version: i64,
    pub withdrawn: bool,
    /// The ninjs document.
    pub document: serde_json::Value,
}

/// How a document tells its story.
#[derive(Clone, Copy)]
enum Telling {
    /// The first version of the agency's story.
    First,
    /// The same story as the other agency's, in this agency's words.
    Rewrite,
    /// A newer version (a "writethru") of a story the agency sent.
    Update,
    /// The agency withdraws a story it sent.
    Withdraw,
    /// The first version, not to be published before 30 minutes after the start.
    Embargoed,
}

/// What the demo agencies send: when (seconds after the start, in real time), who, which
/// story and how. Twelve documents over four and a half minutes, the first at once.
const TIMETABLE: [(u64, usize, usize, Telling); 12] = [
    (3, HELD, 0, Telling::First),
    (20, EXPRESS, 1, Telling::First),
    (40, EXPRESS, 0, Telling::Rewrite),
    (60, HELD, 2, Telling::First),
    (80, EXPRESS, 3, Telling::First),
    (100, HELD, 1, Telling::Rewrite),
    (125, EXPRESS, 1, Telling::Update),
    (150, EXPRESS, 4, Telling::Embargoed),
    (175, HELD, 2, Telling::Update),
    (200, EXPRESS, 3, Telling::Withdraw),
    (230, HELD, 5, Telling::First),
    (260, HELD, 6, Telling::First),
];
/// Stories the timetable tells (the largest story number above, plus one).
const STORIES: usize = 7;

const HEADLINES: &[&str] = &[
    "{Org} to announce decision on {topic} by {day}",
    "{place} braces for delays as talks on {topic} stall",
    "{Person} calls for calm over {topic}",
    "{Org} releases first figures on {topic}",
    "Court in {place} asks {org} to explain delays in {topic}",
    "Donors pledge support for {topic} in {place}",
    "{n} new members named to panel on {topic}",
    "Night session in {place} ends without deal on {topic}",
];
/// The other agency's headline for the same story (same position as in [`HEADLINES`]).
const REWRITES: &[&str] = &[
    "Decision on {topic} expected from {org} on {day}",
    "Talks on {topic} stall in {place}, delays feared",
    "Keep calm on {topic}, urges {Person}",
    "First {topic} figures out, says {org}",
    "{place} court wants answers from {org} on {topic}",
    "{topic}: donors promise help for {place}",
    "Panel on {topic} grows by {n} members",
    "No deal on {topic} after night session in {place}",
];
const LEADS: &[&str] = &[
    "{Org} said on {day} that its work on {topic} in {place} would go ahead as planned.",
    "Officials in {place} spent {day} going over {topic} line by line, {org} said.",
    "{Person} told reporters in {place} that a decision on {topic} was expected within {n} days.",
];
const REWRITE_LEADS: &[&str] = &[
    "Work on {topic} in {place} will go ahead as planned, {org} announced on {day}.",
    "Officials went over {topic} line by line in {place} on {day}, according to {org}.",
    "A decision on {topic} is expected within {n} days, {Person} said in {place}.",
];
const SENTENCES: &[&str] = &[
    "A spokesperson for {org} said the figures would be checked again before they were final.",
    "The meeting in {place} ran for more than {n} hours and ended late in the evening.",
    "Members of the committee asked for a written timetable before {day}.",
    "Shopkeepers near the main market in {place} said they had heard little so far.",
    "{Person} said the plan had support from every province that had replied.",
    "A draft seen by reporters lists {n} steps, the first of them due within a week.",
    "Farmers' groups said they would wait for the details before taking a view.",
    "The opposition called for the documents to be made public in full.",
    "Engineers were sent to {place} on {day} to look at the work still to be done.",
    "Local radio in {place} carried the announcement in three languages.",
    "Banks said they expected no change to their own plans before {day}.",
    "Teachers and doctors in {place} were among the first to respond.",
    "A second round of talks is planned, though no date has been set.",
    "{Org} has faced questions over {topic} since the start of the year.",
    "Volunteers in {place} set up a help desk that stayed open until midnight.",
    "The finance figures are expected to be revised at least once more.",
];
/// What a newer version adds: the end of its headline and the paragraph it opens with.
const UPDATES: &[(&str, &str)] = &[
    ("; date set for next statement", "{Org} later gave a date for its next statement on {topic}: {day}."),
    ("; more districts join", "Later on {day}, {Person} said {n} more districts had joined the plan."),
    (
        "; work to start at once",
        "In a statement issued later in {place}, {org} said work would start at once.",
    ),
];

/// The facts a story is written from.
struct Facts {
    slots: Vec<(&'static str, String)>,
    subjects: Vec<String>,
    place: String,
    headline: usize,
    lead: usize,
    sentences: Vec<usize>,
    update: usize,
}

impl Facts {
    fn fill(&self, pattern: &str) -> String {
        let slots: Vec<(&str, &str)> = self.slots.iter().map(|(k, v)| (*k, v.as_str())).collect();
        capitalised(&fill(pattern, &slots))
    }
}

/// `count` different numbers below `n`, in a random order.
fn distinct(rng: &mut Rng, n: usize, count: usize) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    for i in (1..all.len()).rev() {
        all.swap(i, rng.below(i as u64 + 1) as usize);
    }
    all.truncate(count);
    all
}

/// The facts of the timetable's stories: each with its own topic, place, organisation,
/// headline and sentences.
fn stories(seed: u64) -> Vec<Facts> {
    let mut rng = Rng(seed ^ 0x5749_5245); // "WIRE": not the site stories' sequence
    let topics: Vec<(&str, &str)> = TOPICS.iter().flat_map(|t| t.iter().copied()).collect();
    let topic_order = distinct(&mut rng, topics.len(), STORIES);
    let places = distinct(&mut rng, PLACES.len(), STORIES);
    let orgs = distinct(&mut rng, ORGS.len(), STORIES);
    let headlines = distinct(&mut rng, HEADLINES.len(), STORIES);
    let first_update = rng.below(UPDATES.len() as u64) as usize;
    (0..STORIES)
        .map(|k| {
            let (topic_tag, topic) = topics[topic_order[k]];
            let person_index = rng.below(FIRST_NAMES.len() as u64) as usize;
            let person =
                format!("{} {}", FIRST_NAMES[person_index], LAST_NAMES[LAST_NAMES.len() - 1 - person_index]);
            let place = PLACES[places[k]];
            let org = ORGS[orgs[k]];
            let slots = vec![
                ("{Org}", capitalised(org)),
                ("{org}", org.to_owned()),
                ("{place}", place.to_owned()),
                ("{topic}", topic.to_owned()),
                ("{Person}", person),
                ("{n}", (3 + rng.below(30)).to_string()),
                ("{day}", rng.pick(DAYS).to_owned()),
            ];
            Facts {
                slots,
                subjects: vec![topic_tag.to_owned(), place.to_owned(), ORG_TAGS[orgs[k]].to_owned()],
                place: place.to_owned(),
                headline: headlines[k],
                lead: rng.below(LEADS.len() as u64) as usize,
                sentences: distinct(&mut rng, SENTENCES.len(), 6),
                // Neighbouring stories add different things.
                update: (first_update + k) % UPDATES.len(),
            }
        })
        .collect()
}

/// The headline, summary and HTML body of one telling by `agency`. The words come from the
/// lists above (no markup characters), so the HTML needs no escaping.
fn text(facts: &Facts, telling: Telling, agency: &str) -> (String, String, String) {
    let first_headline = facts.fill(HEADLINES[facts.headline]);
    let lead = facts.fill(LEADS[facts.lead]);
    let sentence = |i: usize| facts.fill(SENTENCES[facts.sentences[i]]);
    let mut paragraphs = vec![lead.clone()];
    paragraphs.extend((0..3).map(|p| format!("{} {}", sentence(2 * p), sentence(2 * p + 1))));
    let (headline, summary) = match telling {
        Telling::First | Telling::Embargoed => (first_headline, lead),
        // Its own headline and summary over the same facts and much the same copy.
        Telling::Rewrite => (facts.fill(REWRITES[facts.headline]), facts.fill(REWRITE_LEADS[facts.lead])),
        Telling::Update => {
            let (tail, opening) = UPDATES[facts.update];
            let opening = facts.fill(opening);
            paragraphs.insert(0, opening.clone());
            (format!("{first_headline}{tail}"), opening)
        }
        Telling::Withdraw => {
            paragraphs =
                vec![format!("{agency} withdraws this story. Please remove it from every platform.")];
            (format!("Withdrawn: {first_headline}"), String::new())
        }
    };
    let mut body = String::new();
    for p in &paragraphs {
        let _ = write!(body, "<p>{p}</p>");
    }
    (headline, summary, body)
}

/// When the embargoed story may be published: 30 minutes after `start`, to the second.
fn embargo_end(start: Timestamp) -> Timestamp {
    Timestamp::from_second(start.as_second()).unwrap_or(start) + SignedDuration::from_mins(30)
}

/// Every document of the demo wire, in the order sent, written with `seed`; an embargo is
/// counted from `start`.
pub fn pushes(seed: u64, start: Timestamp) -> Vec<Push> {
    let facts = stories(seed);
    let mut versions: HashMap<(usize, usize), i64> = HashMap::new();
    TIMETABLE
        .iter()
        .map(|&(after, agency, story, telling)| {
            let version = versions.entry((agency, story)).and_modify(|v| *v += 1).or_insert(1);
            let guid = format!("urn:dateline-demo:{}:{seed}:{story}", AGENCIES[agency].slug);
            let withdrawn = matches!(telling, Telling::Withdraw);
            let (headline, summary, body) = text(&facts[story], telling, AGENCIES[agency].name);
            let mut document = serde_json::json!({
                "uri": guid,
                "version": version.to_string(),
                "type": "text",
                "pubstatus": if withdrawn { "withdrawn" } else { "usable" },
                "language": "en",
                "headline": headline,
                "description_text": summary,
                "body_html": body,
                "located": facts[story].place,
                "subject": facts[story].subjects.iter().map(|s| serde_json::json!({ "name": s })).collect::<Vec<_>>(),
            });
            if matches!(telling, Telling::Embargoed) {
                document["embargoed"] = serde_json::json!(embargo_end(start).to_string());
            }
            Push {
                after: Duration::from_secs(after),
                agency,
                guid,
                version: *version,
                withdrawn,
                document,
            }
        })
        .collect()
}

/// Makes the demo agencies, each set up as a push source (Demo Wire holding its copy for
/// the desk, Demo Express publishing at once); an agency already there is left as it is.
///
/// # Errors
/// A store failure.
pub async fn add_agencies(store: &dyn Store, now: Timestamp) -> anyhow::Result<()> {
    for agency in &AGENCIES {
        if store.source_by_slug(agency.slug).await?.is_some() {
            continue;
        }
        let slug = Slug::parse(agency.slug).with_context(|| format!("bad slug {}", agency.slug))?;
        let source = store
            .create_source(&NewSource { slug, name: agency.name.into(), credit: agency.name.into() })
            .await?;
        let config = WireConfig {
            kind: "push-ninjs".into(),
            location: None,
            section: None,
            byline: String::new(),
            language: Some("en".into()),
            auto_publish: agency.auto_publish,
        };
        store.save_wire_settings(source.id, &config, 300, None, now).await?;
    }
    Ok(())
}

/// The documents still to send, as the newsroom's timetable: none when the database has no
/// demo agencies (it was not filled by `serve --demo`), and none that the database already
/// has (the same version or a later one, or a withdrawal).
///
/// # Errors
/// A store failure.
pub async fn timetable(store: &dyn Store, seed: u64, start: Timestamp) -> anyhow::Result<Vec<Dispatch>> {
    /// What an agency's items are in the database: by guid, their version and whether withdrawn.
    type Stored = HashMap<String, (i64, bool)>;
    let mut sources: Vec<(SourceId, Stored)> = Vec::new();
    for agency in &AGENCIES {
        let Some(source) = store.source_by_slug(agency.slug).await? else { return Ok(Vec::new()) };
        let stored = store
            .wire_items(Some(source.id), None, 1000)
            .await?
            .into_iter()
            .map(|item| (item.guid, (item.version.unwrap_or(0), item.state == "killed")))
            .collect();
        sources.push((source.id, stored));
    }
    Ok(pushes(seed, start)
        .into_iter()
        .filter_map(|push| {
            let (source, stored) = &sources[push.agency];
            let sent = stored
                .get(&push.guid)
                .is_some_and(|&(version, killed)| killed || (!push.withdrawn && version >= push.version));
            (!sent).then(|| Dispatch {
                after: push.after,
                source: *source,
                format: dateline_ingest::Format::Ninjs,
                bytes: push.document.to_string().into_bytes(),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

    use super::*;
    use dateline_core::{IngestAction, NewSection, StoryStatus, WireListItem};
    use dateline_newsroom::Clock;
    use dateline_newsroom::wire_images::WireImages;
    use std::sync::Arc;
    use tokio_util::sync::CancellationToken;

    /// Fast enough that the whole timetable (260 s) takes a quarter of a second.
    const SPEED: u32 = 1000;

    /// A real SQLite database with a section (where wire copy goes) and the demo agencies.
    async fn newsroom(dir: &std::path::Path) -> Arc<dyn Store> {
        let store = dateline_store::open(&dateline_store::Location::SqliteDir(dir.to_owned())).await.unwrap();
        let section = NewSection {
            slug: Slug::parse("pakistan").unwrap(),
            name: "Pakistan".into(),
            description: String::new(),
            language: None,
            position: 1,
        };
        store.create_section(&section).await.unwrap();
        add_agencies(store.as_ref(), Timestamp::now()).await.unwrap();
        store
    }

    async fn run(store: &Arc<dyn Store>, timetable: Vec<Dispatch>) -> Vec<IngestAction> {
        let pictures = dateline_newsroom::media::Pictures::new(dateline_media::MediaStorage::memory());
        let images = WireImages::new(
            store.clone(),
            pictures,
            Clock::System,
            dateline_newsroom::egress::Egress::public_only(),
            dateline_newsroom::wire_images::Settings::default(),
        );
        let run = dateline_newsroom::demo_wire::run(
            store.clone(),
            images,
            Clock::System,
            timetable,
            SPEED,
            CancellationToken::new(),
        );
        tokio::time::timeout(Duration::from_secs(20), run).await.expect("the timetable ends")
    }

    fn headline(push: &Push) -> String {
        push.document["headline"].as_str().unwrap().to_owned()
    }

    /// The desk's row of `agency`'s copy of `story`.
    fn row(desk: &[WireListItem], agency: usize, story: usize) -> &WireListItem {
        let guid = format!("urn:dateline-demo:{}:{SEED}:{story}", AGENCIES[agency].slug);
        desk.iter().find(|i| i.guid == guid).unwrap_or_else(|| panic!("no row for {guid}"))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn demo_wire_fills_the_desk_with_held_grouped_updated_and_withdrawn_items() {
        let dir = tempfile::tempdir().unwrap();
        let store = newsroom(dir.path()).await;
        let start = Timestamp::now();
        let timetable = timetable(store.as_ref(), SEED, start).await.unwrap();
        assert_eq!(timetable.len(), 12);
        let last = timetable.iter().map(|d| d.after).max().unwrap();
        assert!(
            timetable.iter().map(|d| d.after).min().unwrap() <= Duration::from_secs(5),
            "the first at once"
        );
        assert!((Duration::from_secs(180)..=Duration::from_secs(300)).contains(&last), "{last:?}");

        let started = std::time::Instant::now();
        let actions = run(&store, timetable).await;
        // Sent at their times (sped up), not all at once.
        assert!(started.elapsed() >= last / SPEED, "{:?}", started.elapsed());
        let kinds: Vec<&str> = actions
            .iter()
            .map(|a| match a {
                IngestAction::Held => "held",
                IngestAction::Published(_) => "published",
                IngestAction::Scheduled(_) => "scheduled",
                IngestAction::Updated(_) => "updated",
                IngestAction::Killed(Some(_)) => "killed a story",
                IngestAction::Killed(None) => "killed",
                IngestAction::Unchanged => "unchanged",
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "held",
                "published",
                "published",
                "held",
                "published",
                "held",
                "updated",
                "scheduled",
                "held",
                "killed a story",
                "held",
                "held"
            ]
        );

        let desk = store.wire_items(None, None, 200).await.unwrap();
        assert_eq!(desk.len(), 9, "one row per item, its versions in one row");
        // Held: everything Demo Wire sent waits for an editor.
        let waiting: Vec<&WireListItem> = desk.iter().filter(|i| i.state == "waiting").collect();
        assert_eq!(waiting.len(), 5);
        assert!(waiting.iter().all(|i| i.source == "Demo Wire" && i.story.is_none()));

        // Grouped: stories 0 and 1 came from both agencies, and each row names the other.
        for story in [0, 1] {
            assert_eq!(row(&desk, HELD, story).also, ["Demo Express"], "story {story}");
            assert_eq!(row(&desk, EXPRESS, story).also, ["Demo Wire"], "story {story}");
        }
        let grouped = desk.iter().filter(|i| !i.also.is_empty()).count();
        assert_eq!(grouped, 4, "only the same story is grouped");

        // Updated: the desk shows the newer version, and so does the published story.
        let pushes = pushes(SEED, start);
        let newest = |agency: usize, story: usize| {
            let guid = format!("urn:dateline-demo:{}:{SEED}:{story}", AGENCIES[agency].slug);
            headline(pushes.iter().rfind(|p| p.guid == guid).unwrap())
        };
        let updated = row(&desk, EXPRESS, 1);
        assert_eq!((updated.version, updated.state.as_str(), updated.flagged), (Some(2), "published", true));
        assert_eq!(updated.title, newest(EXPRESS, 1));
        let story = store.story(updated.story.unwrap()).await.unwrap().unwrap();
        assert_eq!(story.headline, newest(EXPRESS, 1));
        assert_eq!(story.status, StoryStatus::Published);
        assert!(story.updated_at.is_some(), "stamped Updated");
        let held_update = row(&desk, HELD, 2);
        assert_eq!((held_update.version, held_update.state.as_str()), (Some(2), "waiting"));
        assert_eq!(held_update.title, newest(HELD, 2));
        assert_ne!(newest(HELD, 2), headline(&pushes[3]), "the newer version reads differently");

        // Withdrawn: the item is killed and the story made from it taken down.
        let withdrawn = row(&desk, EXPRESS, 3);
        assert_eq!(withdrawn.state, "killed");
        assert!(withdrawn.title.starts_with("Withdrawn: "), "{}", withdrawn.title);
        let killed = store.story(withdrawn.story.unwrap()).await.unwrap().unwrap();
        assert_eq!(killed.status, StoryStatus::Killed);

        // Under embargo: the story waits for its time.
        let embargoed = row(&desk, EXPRESS, 4);
        assert_eq!(embargoed.item.embargoed, Some(embargo_end(start)));
        let scheduled = store.story(embargoed.story.unwrap()).await.unwrap().unwrap();
        assert_eq!(scheduled.status, StoryStatus::Scheduled);

        // A restart sends nothing again.
        let again = super::timetable(store.as_ref(), SEED, Timestamp::now()).await.unwrap();
        assert!(again.is_empty(), "{} documents would be sent again", again.len());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn demo_wire_resumes_an_interrupted_timetable_without_sending_twice() {
        let dir = tempfile::tempdir().unwrap();
        let store = newsroom(dir.path()).await;
        let mut timetable = timetable(store.as_ref(), SEED, Timestamp::now()).await.unwrap();
        timetable.truncate(7); // stopped after the seventh, the first update
        let first = run(&store, timetable).await;
        assert_eq!(first.len(), 7);
        let rest = super::timetable(store.as_ref(), SEED, Timestamp::now()).await.unwrap();
        assert_eq!(rest.len(), 5, "only what the database does not have");
        let actions = run(&store, rest).await;
        assert!(!actions.contains(&IngestAction::Unchanged), "{actions:?}");
        assert!(matches!(
            actions.as_slice(),
            [IngestAction::Scheduled(_), IngestAction::Held, IngestAction::Killed(Some(_)), ..]
        ));
        let desk = store.wire_items(None, None, 200).await.unwrap();
        assert_eq!(desk.len(), 9);
        assert_eq!(row(&desk, EXPRESS, 3).state, "killed");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn demo_wire_sends_nothing_to_a_database_it_did_not_fill() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            dateline_store::open(&dateline_store::Location::SqliteDir(dir.path().to_owned())).await.unwrap();
        assert!(timetable(store.as_ref(), SEED, Timestamp::now()).await.unwrap().is_empty());
        assert!(store.sources().await.unwrap().is_empty(), "no agency made either");
    }

    /// The desk groups items by a fingerprint of their text: whatever the seed, the other
    /// agency's telling of a story must be near it, and different stories far apart.
    #[test]
    fn demo_wire_copy_is_near_only_for_the_same_story() {
        use dateline_core::fingerprint::{near, simhash};
        let fingerprint = |push: &Push| {
            let parsed = dateline_ingest::parse(
                push.document.to_string().as_bytes(),
                Some(dateline_ingest::Format::Ninjs),
                None,
            )
            .unwrap();
            let item = parsed.items[0].incoming();
            simhash(&format!("{}\n{}\n{}", item.title, item.summary, item.body_html)).unwrap()
        };
        for seed in (0..200).chain([SEED]) {
            let pushes = pushes(seed, Timestamp::UNIX_EPOCH);
            // (story, fingerprint) of every first telling and rewrite.
            let told: Vec<(usize, u64)> = TIMETABLE
                .iter()
                .zip(&pushes)
                .filter(|((.., telling), _)| {
                    matches!(telling, Telling::First | Telling::Rewrite | Telling::Embargoed)
                })
                .map(|((_, _, story, _), push)| (*story, fingerprint(push)))
                .collect();
            for (i, (a, fa)) in told.iter().enumerate() {
                for (b, fb) in &told[i + 1..] {
                    let distance = (fa ^ fb).count_ones();
                    assert_eq!(
                        near(*fa, *fb),
                        a == b,
                        "seed {seed}: stories {a} and {b}, {distance} bits apart"
                    );
                }
            }
        }
    }
}
