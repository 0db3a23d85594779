//! How the index is written, sized to the memory budget (DESIGN.md section 5: 300 MB for the
//! whole process at 1,000,000 stories). Two things hold memory while indexing: each indexing
//! thread's buffer (anonymous memory, freed when it flushes a segment), and merges, which read
//! every segment they merge through memory maps (pages counted in the process's resident
//! memory until the merged segments are dropped). So the buffers are small, merges run one
//! at a time, and no merge makes a segment of more than [`MAX_SEGMENT_DOCS`] stories: the
//! biggest merge reads about that many stories' worth of index (some 110 MB at 1M).

use tantivy::index::SegmentMeta;
use tantivy::indexer::{IndexWriterOptions, MergeCandidate, MergePolicy};
use tantivy::{Index, IndexWriter};

/// Buffer of each indexing thread while serving (a segment is flushed when it is full).
const LIVE_THREAD_MEMORY_BYTES: usize = 20_000_000;
/// Buffer of each indexing thread during a rebuild: bigger segments mean fewer merges.
const REBUILD_THREAD_MEMORY_BYTES: usize = 20_000_000;
/// Indexing threads of a rebuild (one is enough while serving).
const REBUILD_THREADS: usize = 1;
/// Merges never make a segment bigger than this many stories.
pub(crate) const MAX_SEGMENT_DOCS: u32 = 150_000;
/// Segments merged at once, at least: fewer would merge the same stories again and again.
const MIN_SEGMENTS_IN_MERGE: usize = 4;
/// A segment with this share of its stories deleted (replaced or unpublished) is merged
/// whatever its size, to give the space back.
const DELETED_SHARE_TO_MERGE: f32 = 0.3;

/// What the writer is for.
#[derive(Clone, Copy)]
pub(crate) enum Writing {
    /// Stories published, changed or removed while the site serves.
    Live,
    /// Every story written afresh.
    Rebuild,
}

/// A writer sized for `writing`, with [`BoundedMerges`] and one merge at a time.
pub(crate) fn open(index: &Index, writing: Writing) -> tantivy::Result<IndexWriter> {
    let (threads, memory) = match writing {
        Writing::Live => (1, LIVE_THREAD_MEMORY_BYTES),
        Writing::Rebuild => {
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
            (cores.min(REBUILD_THREADS), REBUILD_THREAD_MEMORY_BYTES)
        }
    };
    let options = IndexWriterOptions::builder()
        .num_worker_threads(threads)
        .memory_budget_per_thread(memory)
        .num_merge_threads(1)
        .build();
    let writer = index.writer_with_options(options)?;
    writer.set_merge_policy(Box::new(BoundedMerges));
    Ok(writer)
}

/// Merges the smallest segments in groups of at least [`MIN_SEGMENTS_IN_MERGE`] whose
/// stories add up to no more than [`MAX_SEGMENT_DOCS`]; segments of half that or more are
/// left alone. A segment with many of its stories deleted is merged on its own.
#[derive(Debug)]
pub(crate) struct BoundedMerges;

impl MergePolicy for BoundedMerges {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let mut candidates = Vec::new();
        let mut mergeable: Vec<&SegmentMeta> = Vec::new();
        for segment in segments {
            let deleted = segment.num_deleted_docs() as f32 / segment.max_doc().max(1) as f32;
            if deleted >= DELETED_SHARE_TO_MERGE {
                candidates.push(MergeCandidate(vec![segment.id()]));
            } else if segment.num_docs() < MAX_SEGMENT_DOCS / 2 {
                mergeable.push(segment);
            }
        }
        mergeable.sort_by_key(|s| s.num_docs());
        let mut group = Vec::new();
        let mut docs = 0;
        for segment in mergeable {
            if docs + segment.num_docs() > MAX_SEGMENT_DOCS {
                if group.len() >= MIN_SEGMENTS_IN_MERGE {
                    candidates.push(MergeCandidate(std::mem::take(&mut group)));
                }
                group.clear();
                docs = 0;
            }
            group.push(segment.id());
            docs += segment.num_docs();
        }
        if group.len() >= MIN_SEGMENTS_IN_MERGE {
            candidates.push(MergeCandidate(group));
        }
        candidates
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::index::SegmentId;

    /// Segment metadata of the sizes given, as (stories, of which deleted).
    fn segments(sizes: &[(u32, u32)]) -> Vec<SegmentMeta> {
        let index = Index::create_in_ram(crate::schema::build().0);
        sizes
            .iter()
            .map(|&(docs, deleted)| {
                let meta = index.new_segment_meta(SegmentId::generate_random(), docs);
                if deleted > 0 { meta.with_delete_meta(deleted, 1) } else { meta }
            })
            .collect()
    }

    fn merged_sizes(sizes: &[(u32, u32)]) -> Vec<Vec<u32>> {
        let metas = segments(sizes);
        let docs = |id| metas.iter().find(|m| m.id() == id).map_or(0, SegmentMeta::num_docs);
        let mut merged: Vec<Vec<u32>> = BoundedMerges
            .compute_merge_candidates(&metas)
            .into_iter()
            .map(|c| c.0.into_iter().map(docs).collect())
            .collect();
        for group in &mut merged {
            group.sort_unstable();
        }
        merged
    }

    #[test]
    fn small_segments_merge_into_bounded_ones() {
        // Twenty segments of 20,000: two merges of seven (140,000 each) and one of six.
        let merged = merged_sizes(&[(20_000, 0); 20]);
        assert_eq!(merged.iter().map(Vec::len).collect::<Vec<_>>(), [7, 7, 6]);
        assert!(merged.iter().all(|g| g.iter().sum::<u32>() <= MAX_SEGMENT_DOCS));
    }

    #[test]
    fn big_segments_are_left_alone_unless_mostly_deleted() {
        assert!(merged_sizes(&[(100_000, 0), (120_000, 0), (140_000, 1_000)]).is_empty());
        assert_eq!(merged_sizes(&[(140_000, 70_000), (120_000, 0)]), [vec![70_000]]);
    }

    #[test]
    fn too_few_segments_wait() {
        assert!(merged_sizes(&[(1_000, 0), (2_000, 0), (3_000, 0)]).is_empty());
        assert_eq!(
            merged_sizes(&[(1_000, 0), (2_000, 0), (3_000, 0), (4_000, 0)]),
            [vec![1_000, 2_000, 3_000, 4_000]]
        );
    }
}
