//! `dateline backup` and `dateline restore`: a whole site in one file and back, through
//! `dateline_newsroom::backup` as the operator.

use crate::config::{Settings, StoreArgs};
use dateline_core::Actor;
use dateline_newsroom::backup::{self, BackupError};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct BackupArgs {
    /// The backup file to write (`.tar.zst`); it must not exist yet.
    #[arg(long)]
    to: PathBuf,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The backup file (`dateline backup --to`).
    file: PathBuf,
    /// The data folder to restore into [default: ./dateline-data].
    #[arg(long, env = "DATELINE_DATA")]
    data: Option<PathBuf>,
    /// Replace the site already in the folder.
    #[arg(long)]
    force: bool,
}

/// Who the command line acts as: the operator, who runs the site.
const OPERATOR: Actor = Actor::System("command line");

/// Exit code 0 when done, 2 when refused (with the reason on standard error).
pub async fn back_up(args: BackupArgs) -> anyhow::Result<i32> {
    let settings = Settings::resolve(&args.store, None)?;
    let store = crate::open_store(&settings).await?;
    let media = settings.local_media_dir();
    let started = std::time::Instant::now();
    match backup::back_up(store.as_ref(), &OPERATOR, media.as_deref(), &args.to).await {
        Ok(manifest) => {
            let size = std::fs::metadata(&args.to).map(|m| m.len()).unwrap_or(0);
            println!(
                "Backed up {} stories and {} picture files to {} ({:.1} MB) in {:.1} s.",
                manifest.stories,
                manifest.media_files,
                args.to.display(),
                size as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
            if media.is_none() {
                println!("Pictures are in S3 and are not in the backup.");
            }
            Ok(0)
        }
        Err(BackupError::Refused(reason)) => {
            eprintln!("{reason}");
            Ok(2)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<i32> {
    let data = args.data.unwrap_or_else(|| PathBuf::from(crate::config::DEFAULT_DATA));
    match backup::restore(&OPERATOR, &args.file, &data, args.force).await {
        Ok(manifest) => {
            println!(
                "Restored {} stories and {} picture files (backup of {}) into {}. The search index is rebuilt when the site starts.",
                manifest.stories,
                manifest.media_files,
                manifest.created,
                data.display()
            );
            Ok(0)
        }
        Err(BackupError::Refused(reason)) => {
            eprintln!("{reason}");
            Ok(2)
        }
        Err(e) => Err(e.into()),
    }
}
