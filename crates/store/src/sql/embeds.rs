//! What providers said about embed links (`dateline_core::embed::Facts`): one row a link,
//! written when the newsroom has asked the provider, read when a story page shows the link.

use crate::Result;
use crate::records::ts;
use dateline_core::embed::Facts;
use dateline_core::{MediaId, StoryId};
use sqlx::AnyPool;

type Row = (String, String, String, Option<i64>, i64, i64);

/// The facts kept for those of `links` asked about before.
pub(crate) async fn get(pool: &AnyPool, links: &[String]) -> Result<Vec<Facts>> {
    let mut facts = Vec::with_capacity(links.len());
    for chunk in links.chunks(100) {
        // The links are bound ($1, $2...), never written into the SQL.
        let list: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT link, title, author, thumbnail_id, found, fetched_at FROM embeds WHERE link IN ({})",
            list.join(", ")
        );
        let mut query = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql));
        for link in chunk {
            query = query.bind(link);
        }
        for (link, title, author, thumbnail, found, fetched_at) in query.fetch_all(pool).await? {
            facts.push(Facts {
                link,
                title,
                author,
                thumbnail: thumbnail.map(MediaId),
                found: found != 0,
                fetched_at: ts(fetched_at)?,
            });
        }
    }
    Ok(facts)
}

/// Keeps `facts` (replacing what was kept for the link) and logs a change to `story`'s
/// pages, which show the link, in the same transaction.
pub(crate) async fn put(
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    facts: &Facts,
    story: StoryId,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO embeds (link, title, author, thumbnail_id, found, fetched_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (link) DO UPDATE SET title = excluded.title, author = excluded.author, \
         thumbnail_id = excluded.thumbnail_id, found = excluded.found, fetched_at = excluded.fetched_at",
    )
    .bind(&facts.link)
    .bind(&facts.title)
    .bind(&facts.author)
    .bind(facts.thumbnail.map(|m| m.0))
    .bind(i64::from(facts.found))
    .bind(facts.fetched_at.as_second())
    .execute(&mut *tx)
    .await?;
    super::changes::story_changed(&mut tx, story).await?;
    super::changes::commit(tx).await
}
