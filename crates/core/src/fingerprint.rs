//! Text fingerprints for spotting the same story from different agencies: a 64-bit SimHash
//! over the words of a text (markup skipped, case folded, common words dropped). Copy that
//! one agency rewrote from another differs in a few words, so its fingerprint differs in a
//! few bits; unrelated stories differ in about half of the 64.

/// Fingerprints within this many bits of each other are the same story.
pub const NEAR: u32 = 10;

/// Only the first words count: the top of a story says what it is about, and the cost of
/// a fingerprint stays bounded for very long copy.
const MAX_WORDS: usize = 400;

/// Words too common to say anything about a story.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for",
    "from", "had", "has", "have", "he", "her", "his", "in", "into", "is", "it", "its", "more", "not", "of",
    "on", "or", "said", "says", "she", "that", "the", "their", "they", "this", "to", "was", "were", "which",
    "who", "will", "with",
];

/// The SimHash of `text`, which may hold HTML (tags are skipped). `None` when the text has
/// too few words to tell one story from another.
pub fn simhash(text: &str) -> Option<u64> {
    let stop = stop_word_hashes();
    let mut weights = [0i32; 64];
    let mut words = 0;
    for hash in word_hashes(text) {
        if stop.binary_search(&hash).is_ok() {
            continue;
        }
        words += 1;
        for (bit, weight) in weights.iter_mut().enumerate() {
            // Branch-free, so that it vectorises: +1 for a set bit, -1 for a clear one.
            *weight += ((hash >> bit) & 1) as i32 * 2 - 1;
        }
        if words == MAX_WORDS {
            break;
        }
    }
    if words < 8 {
        return None;
    }
    Some(weights.iter().enumerate().fold(0u64, |acc, (bit, &w)| if w > 0 { acc | 1 << bit } else { acc }))
}

/// Whether two fingerprints are of the same story.
pub fn near(a: u64, b: u64) -> bool {
    (a ^ b).count_ones() <= NEAR
}

/// The hashes of the stop words, sorted for binary search.
fn stop_word_hashes() -> &'static [u64] {
    static HASHES: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    HASHES.get_or_init(|| {
        let mut hashes: Vec<u64> = STOP_WORDS.iter().filter_map(|w| word_hashes(w).next()).collect();
        hashes.sort_unstable();
        hashes
    })
}

/// The FNV-1a hash of each lower-case word of letters and digits, in any script, outside
/// `<...>` tags — hashed as it is read, without building the words.
fn word_hashes(text: &str) -> impl Iterator<Item = u64> + '_ {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    let mut in_tag = false;
    let mut hash = OFFSET;
    let mut empty = true;
    let mut chars = text.chars().chain(std::iter::once(' '));
    std::iter::from_fn(move || {
        for c in chars.by_ref() {
            let boundary = match c {
                '<' => {
                    in_tag = true;
                    true
                }
                '>' if in_tag => {
                    in_tag = false;
                    false
                }
                _ if in_tag => false,
                c if c.is_alphanumeric() => {
                    for lower in c.to_lowercase() {
                        let mut buf = [0u8; 4];
                        hash = fnv1a(hash, lower.encode_utf8(&mut buf).as_bytes());
                    }
                    empty = false;
                    false
                }
                _ => true,
            };
            if boundary && !empty {
                let word = hash;
                hash = OFFSET;
                empty = true;
                return Some(word);
            }
        }
        None
    })
}

/// FNV-1a, 64 bits, continued from `hash`: stable across builds and machines (fingerprints
/// are stored).
fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: &str = "Floods in the north: rescue teams reached three villages cut off by the river on \
        Tuesday, where hundreds of families waited on rooftops. The provincial disaster authority \
        sent boats and helicopters, and officials warned that more rain was expected over the \
        weekend in the mountain districts.";

    #[test]
    fn a_rewrite_is_near_and_another_story_is_not() {
        let rewrite = "<p>FLOODS in the north — rescue teams on Tuesday reached three villages cut off \
            by the river, where hundreds of families waited on rooftops.</p><p>The provincial \
            disaster authority sent boats and helicopters; officials warned more rain was expected \
            this weekend in mountain districts.</p>";
        let other = "The central bank kept its policy rate unchanged at its meeting on Monday, citing \
            easing inflation and a stable currency, and said it would review lending conditions for \
            small businesses before the budget is presented next month.";
        let (a, b, c) = (simhash(STORY).unwrap(), simhash(rewrite).unwrap(), simhash(other).unwrap());
        assert!(near(a, b), "rewrite differs in {} bits", (a ^ b).count_ones());
        assert!(!near(a, c), "other story differs in only {} bits", (a ^ c).count_ones());
    }

    #[test]
    fn markup_and_case_do_not_change_the_fingerprint() {
        let html = format!("<div class=\"x\"><b>{}</b></div>", STORY.to_uppercase());
        assert_eq!(simhash(STORY), simhash(&html));
    }

    #[test]
    fn short_texts_and_other_scripts() {
        assert_eq!(simhash("Breaking: more soon"), None);
        let urdu = "اسلام آباد میں شدید بارش کے بعد شہر کے کئی علاقوں میں پانی جمع ہو گیا اور ٹریفک کا نظام درہم برہم ہو گیا";
        assert!(simhash(urdu).is_some());
    }
}
