//! `rolo list`, `rolo search` and `rolo tags`: read from this device's contacts, with no
//! network, by the same rules as the server's search.

use std::path::Path;

use clap::{Args, ValueEnum};
use sync_core::contact::{ContactType, Level};

use crate::input::InputError;
use crate::search::{ContactFilter, Shelf, Sort};
use crate::view;

/// The filters `rolo list` and `rolo search` share.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only contacts of this type: lead, prospect, customer, partner or other.
    #[arg(long = "type")]
    contact_type: Option<String>,
    /// Only contacts of this level: primary, secondary or tertiary.
    #[arg(long)]
    level: Option<String>,
    /// Only contacts with this tag.
    #[arg(long)]
    tag: Option<String>,
    /// The archived contacts instead of the active ones.
    #[arg(long, conflicts_with_all = ["trash", "all"])]
    archived: bool,
    /// The contacts in the trash.
    #[arg(long, conflicts_with = "all")]
    trash: bool,
    /// Active and archived contacts together (everything not in the trash).
    #[arg(long)]
    all: bool,
    /// The order: by name, or the most recently changed first.
    #[arg(long, value_enum, default_value_t = SortArg::Name)]
    sort: SortArg,
    /// Print JSON (an array of contact summaries, as the REST API lists them).
    #[arg(long)]
    json: bool,
}

/// The order of a list.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum SortArg {
    /// By name, A to Z.
    Name,
    /// Most recently changed first.
    Changed,
}

impl FilterArgs {
    fn filter(&self, text: String) -> Result<ContactFilter, InputError> {
        Ok(ContactFilter {
            text,
            contact_type: self
                .contact_type
                .as_deref()
                .map(str::parse::<ContactType>)
                .transpose()?,
            level: self.level.as_deref().map(str::parse::<Level>).transpose()?,
            tag: self.tag.as_ref().map(|tag| tag.trim().to_string()),
            owner: None,
            shelf: if self.archived {
                Shelf::Archived
            } else if self.trash {
                Shelf::Trash
            } else if self.all {
                Shelf::All
            } else {
                Shelf::Active
            },
            sort: match self.sort {
                SortArg::Name => Sort::Name,
                SortArg::Changed => Sort::Changed,
            },
        })
    }
}

/// Arguments of `rolo list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    filter: FilterArgs,
}

/// Arguments of `rolo search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for: any part of a name or its reading (accents, case and kana width
    /// ignored), an email, a phone number in any format, a company, a department or a tag.
    /// Every word must match.
    #[arg(required = true, num_args = 1..)]
    query: Vec<String>,
    #[command(flatten)]
    filter: FilterArgs,
}

pub(super) async fn list(home: &Path, args: ListArgs) -> anyhow::Result<()> {
    print(home, &args.filter, String::new()).await
}

pub(super) async fn search(home: &Path, args: SearchArgs) -> anyhow::Result<()> {
    print(home, &args.filter, args.query.join(" ")).await
}

async fn print(home: &Path, args: &FilterArgs, text: String) -> anyhow::Result<()> {
    let filter = args.filter(text)?;
    let mut replica = super::open(home).await?;
    let found = replica.search(&filter).await?;
    replica.close().await?;
    if args.json {
        let all: Vec<_> = found.iter().map(|summary| summary.json()).collect();
        say!("{}", serde_json::to_string_pretty(&all)?);
    } else {
        for summary in &found {
            say!("{}", view::summary_line(summary));
        }
    }
    Ok(())
}

/// Arguments of `rolo tags`.
#[derive(Debug, Args)]
pub struct TagsArgs {
    /// Rename or delete a tag across the company (admins; needs the server). Without one,
    /// lists the tags on this device's contacts with how many carry each.
    #[command(subcommand)]
    action: Option<super::sharing::TagsAction>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub(super) async fn tags(home: &Path, args: TagsArgs) -> anyhow::Result<()> {
    if let Some(action) = args.action {
        return super::sharing::tags(home, action).await;
    }
    let mut replica = super::open(home).await?;
    let counts = replica.tag_counts().await?;
    replica.close().await?;
    if args.json {
        let all: Vec<_> = counts
            .iter()
            .map(|(tag, count)| serde_json::json!({"tag": tag, "count": count}))
            .collect();
        say!("{}", serde_json::to_string_pretty(&all)?);
    } else {
        for (tag, count) in &counts {
            say!("{count:>5}  {tag}");
        }
    }
    Ok(())
}
