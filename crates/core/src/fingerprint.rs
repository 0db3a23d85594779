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
    let mut weights = [0i32; 64];
    let mut words = 0;
    for word in words_of(text) {
        if STOP_WORDS.contains(&word.as_str()) {
            continue;
        }
        words += 1;
        let hash = fnv1a(word.as_bytes());
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

/// Lower-case words of letters and digits, in any script, outside `<...>` tags.
fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut in_tag = false;
    let mut word = String::new();
    let mut chars = text.chars().chain(std::iter::once(' '));
    std::iter::from_fn(move || {
        for c in chars.by_ref() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                _ if in_tag => {}
                c if c.is_alphanumeric() => word.extend(c.to_lowercase()),
                _ if !word.is_empty() => return Some(std::mem::take(&mut word)),
                _ => {}
            }
            if in_tag && !word.is_empty() {
                return Some(std::mem::take(&mut word));
            }
        }
        None
    })
}

/// FNV-1a, 64 bits: stable across builds and machines (fingerprints are stored).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
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
