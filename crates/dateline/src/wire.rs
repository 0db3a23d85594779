//! `dateline wire parse FILE`: runs a wire parser on a file and prints the normalised
//! result as one JSON object, or one line saying why it cannot, with exit status 2.

use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum WireCommand {
    /// Parse a feed or wire file and print the normalised items as JSON.
    Parse {
        file: PathBuf,
        /// auto, rss, atom, jsonfeed, ninjs or newsml.
        #[arg(long, default_value = "auto")]
        format: String,
    },
}

/// Runs the command; returns the process exit status.
pub fn run(command: WireCommand) -> i32 {
    let WireCommand::Parse { file, format } = command;
    let format = match format.as_str() {
        "auto" => None,
        name => match dateline_ingest::Format::parse(name) {
            Some(f) => Some(f),
            None => {
                eprintln!("error: unknown format {name:?}: use auto, rss, atom, jsonfeed, ninjs or newsml");
                return 2;
            }
        },
    };
    let bytes = match read_limited(&file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return 2;
        }
    };
    // The parsers do not panic on any input; this turns a bug into a clean error all the same.
    let outcome = std::panic::catch_unwind(|| dateline_ingest::parse(&bytes, format));
    match outcome {
        Ok(Ok(parsed)) => match serde_json::to_string_pretty(&parsed) {
            Ok(json) => {
                println!("{json}");
                0
            }
            Err(e) => {
                eprintln!("error: cannot write the result: {e}");
                2
            }
        },
        Ok(Err(e)) => {
            eprintln!("error: {}: {e}", file.display());
            2
        }
        Err(_) => {
            eprintln!("error: {}: the parser failed unexpectedly", file.display());
            2
        }
    }
}

/// Reads at most one byte more than the parsers accept, so a huge file is refused without
/// being loaded whole.
fn read_limited(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(path)?.take(dateline_ingest::prepare::MAX_BYTES as u64 + 1).read_to_end(&mut buf)?;
    Ok(buf)
}
