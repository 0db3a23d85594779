//! Search benchmark: builds an index of synthetic stories, then times reader queries.
//!
//! ```text
//! cargo run --release -p dateline-search --example bench -- --docs 1000000 --queries 2000
//!     [--dir PATH]   keep the index in PATH (default: a temporary directory, deleted at the end)
//!     [--reuse]      with --dir: skip the build if PATH already holds --docs stories
//! ```
//!
//! Stories are made from a 50,000-word vocabulary drawn with a Zipf distribution (the first
//! ranks are real English function words, then news words, then made-up words), with a
//! deterministic xorshift generator: the same arguments build the same index. Bodies are about
//! 300 words in sentences; stories are spread over ten years up to now.
//!
//! Query words are drawn log-uniformly from ranks 100 to 20,000 (what readers search for:
//! names and topics, not "the"); phrases are 2-3 consecutive words of a random story's body, so
//! most contain function words too. The mix: 30% one word, 25% two words, 15% a phrase, 15% a
//! word in one section, 15% a word minus another. Each query asks for a page of 10 hits with
//! snippets, as the site does, and is timed on one thread. Further lines time the shapes outside
//! the mix (listing, date range, deeper page, common words and phrases of them), publishing
//! (`upsert`, then a search for the story) and removal.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dateline_search::{SearchDoc, SearchIndex, SearchQuery};

const VOCABULARY: usize = 50_000;
const SECTIONS: [&str; 12] = [
    "news",
    "world",
    "pakistan",
    "business",
    "sport",
    "opinion",
    "culture",
    "science",
    "health",
    "technology",
    "climate",
    "cities",
];
const SOURCES: [&str; 8] = ["app", "reuters", "afp", "ap", "pti", "bloomberg", "dpa", "xinhua"];
const COMMON: &str = "the of and to a in is that for it as was with be by on not he this are or his \
    from at which but have an they you were her she there been one all we their has would when if \
    so no will more who can said what up its about into than them only other new some could time \
    these two may then do first any my now such like our over man me even most made after also did \
    many before must through back years where much your way well down should because each just \
    those people how too little state good very make world still own see men work long get here \
    between both life being under never day same another know while last might us great old year \
    off come since against go came right used take three";
const NEWS: &str = "government minister police election court president party security economy \
    report officials country city million percent market prices budget parliament talks protest \
    flood rain storm heat water power crisis war peace army border attack killed injured hospital \
    health vaccine school students teachers university company shares bank inflation tax trade \
    exports imports oil gas fuel energy climate farmers crop wheat cricket match team captain \
    coach league final season record film music festival award court judge trial verdict law bill \
    vote senate opposition leader prime spokesman statement agency sources investigation arrest \
    charges fire earthquake rescue relief aid fund loan debt growth jobs strike workers union \
    transport railway airport flight road traffic accident bridge housing rent province district";
const SYLLABLES: [&str; 32] = [
    "ka", "ri", "to", "men", "sa", "lo", "ver", "an", "ti", "po", "del", "ra", "nu", "gor", "bel", "is",
    "tan", "ur", "qua", "zen", "mi", "ro", "sha", "lin", "dor", "eb", "fa", "hol", "jin", "ket", "vo", "pra",
];

/// xorshift64*: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn seeded(seed: u64) -> Self {
        // splitmix64 of the seed, so neighbouring seeds give unrelated streams (and never 0).
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize
    }

    fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    /// Below `n`, small values more likely (a few sections and tags carry most stories).
    fn skewed(&mut self, n: usize) -> usize {
        let bound = self.below(n) + 1;
        self.below(bound)
    }
}

struct Vocabulary {
    words: Vec<String>,
    /// Cumulative Zipf (s = 1) probabilities by rank.
    cdf: Vec<f64>,
}

impl Vocabulary {
    fn new() -> Self {
        let mut words: Vec<String> = Vec::with_capacity(VOCABULARY);
        let mut seen = std::collections::HashSet::new();
        for word in COMMON.split_whitespace().chain(NEWS.split_whitespace()) {
            if seen.insert(word.to_owned()) {
                words.push(word.to_owned());
            }
        }
        let mut rng = Rng::seeded(42);
        while words.len() < VOCABULARY {
            let word: String =
                (0..rng.between(2, 4)).map(|_| SYLLABLES[rng.below(SYLLABLES.len())]).collect();
            if seen.insert(word.clone()) {
                words.push(word);
            }
        }
        let mut cdf = Vec::with_capacity(VOCABULARY);
        let mut sum = 0.0;
        for rank in 1..=VOCABULARY {
            sum += 1.0 / rank as f64;
            cdf.push(sum);
        }
        for p in &mut cdf {
            *p /= sum;
        }
        Self { words, cdf }
    }

    fn zipf(&self, rng: &mut Rng) -> &str {
        let u = rng.unit();
        let rank = self.cdf.partition_point(|&p| p < u).min(VOCABULARY - 1);
        &self.words[rank]
    }

    /// A word of rank between `low` and `high`, log-uniformly.
    fn query_word(&self, rng: &mut Rng, low: usize, high: usize) -> &str {
        let (low, high) = ((low as f64).ln(), (high as f64).ln());
        let rank = (low + rng.unit() * (high - low)).exp() as usize;
        &self.words[rank.min(VOCABULARY - 1)]
    }

    fn sentence(&self, rng: &mut Rng, words: usize, out: &mut String) {
        for i in 0..words {
            let word = self.zipf(rng);
            if i == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            } else {
                out.push(' ');
                out.push_str(word);
            }
        }
        out.push('.');
    }

    fn story(&self, id: u64, docs: u64, now: i64) -> SearchDoc {
        let mut rng = Rng::seeded(id);
        let mut headline = String::new();
        for i in 0..rng.between(6, 12) {
            // Headlines carry fewer function words.
            let mut word = self.zipf(&mut rng);
            while self.words[..60].iter().any(|w| w == word) && rng.below(4) > 0 {
                word = self.zipf(&mut rng);
            }
            if i > 0 {
                headline.push(' ');
            }
            headline.push_str(word);
        }
        let mut standfirst = String::new();
        let words = rng.between(18, 30);
        self.sentence(&mut rng, words, &mut standfirst);
        let mut body = String::new();
        let target = rng.between(250, 350);
        let mut written = 0;
        while written < target {
            let words = rng.between(8, 25);
            if written > 0 {
                body.push(' ');
            }
            self.sentence(&mut rng, words, &mut body);
            written += words;
        }
        let span = 10 * 365 * 86_400;
        let published_at =
            now - span + (id as i128 * span as i128 / docs.max(1) as i128) as i64 + rng.below(7200) as i64;
        SearchDoc {
            id: id as i64,
            slug: format!("story-{id}"),
            headline,
            standfirst,
            body_text: body,
            section: SECTIONS[rng.skewed(SECTIONS.len())].to_owned(),
            tags: (0..rng.between(1, 4)).map(|_| format!("tag-{}", rng.skewed(400))).collect(),
            authors: (0..rng.between(1, 2)).map(|_| format!("author-{}", rng.below(200))).collect(),
            source: (rng.below(10) < 4).then(|| SOURCES[rng.below(SOURCES.len())].to_owned()),
            language: "en".to_owned(),
            published_at,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    OneWord,
    TwoWords,
    Phrase,
    Section,
    Exclusion,
}

const KINDS: [Kind; 5] = [Kind::OneWord, Kind::TwoWords, Kind::Phrase, Kind::Section, Kind::Exclusion];

fn make_query(vocabulary: &Vocabulary, rng: &mut Rng, docs: u64, now: i64) -> (Kind, SearchQuery) {
    let word = |rng: &mut Rng| vocabulary.query_word(rng, 100, 20_000).to_owned();
    let roll = rng.below(100);
    let kind = match roll {
        0..30 => Kind::OneWord,
        30..55 => Kind::TwoWords,
        55..70 => Kind::Phrase,
        70..85 => Kind::Section,
        _ => Kind::Exclusion,
    };
    let mut query = SearchQuery { limit: 10, ..SearchQuery::default() };
    query.text = match kind {
        Kind::OneWord => word(rng),
        Kind::TwoWords => format!("{} {}", word(rng), word(rng)),
        Kind::Phrase => {
            let story = vocabulary.story(rng.below(docs as usize) as u64, docs, now);
            let body: Vec<&str> = story.body_text.split_whitespace().collect();
            let length = rng.between(2, 3);
            let start = rng.below(body.len().saturating_sub(length).max(1));
            let phrase: Vec<String> = body[start..(start + length).min(body.len())]
                .iter()
                .map(|w| w.trim_end_matches('.').to_lowercase())
                .collect();
            format!("\"{}\"", phrase.join(" "))
        }
        Kind::Section => {
            query.section = Some(SECTIONS[rng.below(SECTIONS.len())].to_owned());
            word(rng)
        }
        Kind::Exclusion => format!("{} -{}", word(rng), word(rng)),
    };
    (kind, query)
}

struct Args {
    docs: u64,
    queries: usize,
    dir: Option<PathBuf>,
    reuse: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { docs: 100_000, queries: 2_000, dir: None, reuse: false };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--docs" => args.docs = value()?.parse().map_err(|e| format!("--docs: {e}"))?,
            "--queries" => args.queries = value()?.parse().map_err(|e| format!("--queries: {e}"))?,
            "--dir" => args.dir = Some(PathBuf::from(value()?)),
            "--reuse" => args.reuse = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| entry.metadata().ok())
                .filter(std::fs::Metadata::is_file)
                .map(|meta| meta.len())
                .sum()
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// The 1-minute load average, to show whether other work competed for the CPUs.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

fn report(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let total: Duration = times.iter().sum();
    println!(
        "{label:<24} n={:<5} p50 {:>6} ms  p95 {:>6} ms  p99 {:>7} ms  max {:>7} ms  {:>5.0} q/s",
        times.len(),
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 95.0)),
        ms(percentile(&times, 99.0)),
        ms(times.last().copied().unwrap_or_default()),
        times.len() as f64 / total.as_secs_f64().max(1e-9)
    );
}

fn timed(index: &SearchIndex, query: &SearchQuery) -> Result<(Duration, usize), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let results = index.search(query)?;
    Ok((start.elapsed(), results.total))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())?;
    let temp;
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let vocabulary = Vocabulary::new();
    let index = SearchIndex::open(&dir)?;
    println!("index directory: {}", dir.display());

    if args.reuse {
        // Stories of the upsert timing at the end, if an earlier run was interrupted.
        for i in 0..20 {
            index.remove(i64::try_from(args.docs + i)?)?;
        }
    }
    if args.reuse && index.doc_count() == args.docs {
        println!("reusing {} stories already indexed", index.doc_count());
    } else {
        let start = Instant::now();
        let stories = (0..args.docs).map(|id| vocabulary.story(id, args.docs, now));
        let count = index.rebuild(stories, |n| {
            if n % 100_000 == 0 {
                let rate = n as f64 / start.elapsed().as_secs_f64();
                eprintln!("  {n} stories, {rate:.0}/s");
            }
        })?;
        let elapsed = start.elapsed();
        println!(
            "built {count} stories in {:.1} s: {:.0} stories/s (generation included, merges waited for)",
            elapsed.as_secs_f64(),
            count as f64 / elapsed.as_secs_f64()
        );
    }
    let size = dir_size(&dir);
    println!("index size: {:.1} MiB ({} bytes/story)", size as f64 / 1_048_576.0, size / args.docs.max(1));

    let mut rng = Rng::seeded(7);
    let queries: Vec<(Kind, SearchQuery)> =
        (0..args.queries).map(|_| make_query(&vocabulary, &mut rng, args.docs, now)).collect();
    // Warm the page cache and the reader's caches.
    for (_, query) in queries.iter().take(200) {
        index.search(query)?;
    }

    let load_before = load_average();
    let mut all = Vec::with_capacity(queries.len());
    let mut by_kind: Vec<Vec<Duration>> = vec![Vec::new(); KINDS.len()];
    let mut totals = 0usize;
    let mut empty = 0usize;
    for (kind, query) in &queries {
        let (elapsed, total) = timed(&index, query)?;
        all.push(elapsed);
        by_kind[KINDS.iter().position(|k| k == kind).unwrap_or(0)].push(elapsed);
        totals += total;
        empty += usize::from(total == 0);
    }
    println!(
        "{} queries, page of 10 with snippets; mean total hits {:.0}, {} with no hit; load average {} -> {}",
        queries.len(),
        totals as f64 / queries.len().max(1) as f64,
        empty,
        load_before,
        load_average()
    );
    report("all", all);
    for (kind, samples) in KINDS.iter().zip(by_kind) {
        report(&format!("{kind:?}"), samples);
    }

    // A few other shapes the site uses.
    let extra =
        |make: &dyn Fn(&mut Rng) -> SearchQuery| -> Result<Vec<Duration>, Box<dyn std::error::Error>> {
            let mut rng = Rng::seeded(11);
            (0..200).map(|_| Ok(timed(&index, &make(&mut rng))?.0)).collect()
        };
    report("latest (empty text)", extra(&|_| SearchQuery { limit: 10, ..SearchQuery::default() })?);
    report(
        "word + last year",
        extra(&|rng| SearchQuery {
            text: vocabulary.query_word(rng, 100, 20_000).to_owned(),
            from: Some(now - 365 * 86_400),
            limit: 10,
            ..SearchQuery::default()
        })?,
    );
    report(
        "word, page 5",
        extra(&|rng| SearchQuery {
            text: vocabulary.query_word(rng, 100, 20_000).to_owned(),
            offset: 40,
            limit: 10,
            ..SearchQuery::default()
        })?,
    );
    report(
        "common word (rank<100)",
        extra(&|rng| SearchQuery {
            text: vocabulary.query_word(rng, 20, 100).to_owned(),
            limit: 10,
            ..SearchQuery::default()
        })?,
    );

    report(
        "phrase of common words",
        extra(&|rng| {
            let words: Vec<&str> =
                (0..rng.between(2, 3)).map(|_| vocabulary.query_word(rng, 1, 50)).collect();
            SearchQuery { text: format!("\"{}\"", words.join(" ")), limit: 10, ..SearchQuery::default() }
        })?,
    );

    // Publishing: one story at a time, each visible to searches when the call returns.
    let mut upserts = Vec::new();
    let mut visible = 0;
    for i in 0..20 {
        let story = vocabulary.story(args.docs + i, args.docs + 20, now);
        let start = Instant::now();
        index.upsert(&story)?;
        upserts.push(start.elapsed());
        let found = index.search(&SearchQuery::new(format!("\"{}\"", story.headline)))?;
        visible += usize::from(found.hits.iter().any(|hit| hit.id == story.id));
    }
    report("upsert (commit) ", upserts);
    println!("{visible} of 20 upserted stories found by a search right after upsert returned");
    let start = Instant::now();
    for i in 0..20 {
        index.remove(i64::try_from(args.docs + i)?)?;
    }
    println!("remove: {} ms each", ms(start.elapsed() / 20));
    Ok(())
}
