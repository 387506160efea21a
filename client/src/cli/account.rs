//! `rolo signup`, `rolo login` and `rolo join` (accepting an invitation).

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use anyhow::Context as _;
use clap::Args;

use crate::account::{Account, Secret};
use crate::api::{self, AcceptInvitation, Login, SignUp};

/// Arguments of `rolo signup`.
#[derive(Debug, Args)]
pub struct SignupArgs {
    /// The server, `http://host:port` or `https://host`.
    #[arg(long, env = "ROLO_SERVER")]
    server: String,
    /// Your company's name.
    #[arg(long)]
    company: String,
    /// Your name.
    #[arg(long)]
    name: String,
    /// Your email: you log in with it.
    #[arg(long)]
    email: String,
    /// Your password (or set ROLO_PASSWORD; asked for if neither is given).
    #[arg(long, env = "ROLO_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Your company's country (ISO 3166-1, such as JP or US): phone numbers typed without a
    /// country code are read as numbers of this country.
    #[arg(long)]
    region: String,
    /// What to call this device in your list of devices.
    #[arg(long, default_value = "rolo CLI")]
    device_name: String,
}

/// Arguments of `rolo login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The server, `http://host:port` or `https://host`.
    #[arg(long, env = "ROLO_SERVER")]
    server: String,
    /// Your email.
    #[arg(long)]
    email: String,
    /// Your password (or set ROLO_PASSWORD; asked for if neither is given).
    #[arg(long, env = "ROLO_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// The country national phone numbers you type are in (ISO 3166-1, such as JP).
    #[arg(long)]
    region: Option<String>,
    /// What to call this device in your list of devices.
    #[arg(long, default_value = "rolo CLI")]
    device_name: String,
}

/// Arguments of `rolo join`.
#[derive(Debug, Args)]
pub struct JoinArgs {
    /// The server, `http://host:port` or `https://host`.
    #[arg(long, env = "ROLO_SERVER")]
    server: String,
    /// Your email, as you were invited.
    #[arg(long)]
    email: String,
    /// The one-time code from your invitation.
    #[arg(long)]
    code: String,
    /// The password you choose (or set ROLO_PASSWORD; asked for if neither is given).
    #[arg(long, env = "ROLO_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// The country national phone numbers you type are in (ISO 3166-1, such as JP; default:
    /// the company's).
    #[arg(long)]
    region: Option<String>,
    /// What to call this device in your list of devices.
    #[arg(long, default_value = "rolo CLI")]
    device_name: String,
}

pub(super) async fn join(home: &Path, args: JoinArgs) -> anyhow::Result<()> {
    let request = AcceptInvitation {
        email: args.email,
        invite_code: Secret::new(args.code),
        password: password(args.password)?,
        device_name: args.device_name,
    };
    let mut account = api::accept_invitation(&args.server, &request).await?;
    if let Some(region) = args.region {
        account.default_region = Some(region.to_ascii_uppercase());
    }
    signed_in(home, account, &request.email).await
}

pub(super) async fn signup(home: &Path, args: SignupArgs) -> anyhow::Result<()> {
    let request = SignUp {
        company: args.company,
        name: args.name,
        email: args.email,
        password: password(args.password)?,
        region: args.region,
        device_name: args.device_name,
    };
    let account = api::signup(&args.server, &request).await?;
    signed_in(home, account, &request.email).await
}

pub(super) async fn login(home: &Path, args: LoginArgs) -> anyhow::Result<()> {
    let request = Login {
        email: args.email,
        password: password(args.password)?,
        device_name: args.device_name,
    };
    let mut account = api::login(&args.server, &request).await?;
    // A region given here overrides the company's, which the server sent.
    if let Some(region) = args.region {
        account.default_region = Some(region.to_ascii_uppercase());
    }
    signed_in(home, account, &request.email).await
}

async fn signed_in(home: &Path, account: Account, email: &str) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let device = account.device;
    let server = account.server.clone();
    let before = replica.status().await?;
    if before.pending > 0 && before.device.is_some_and(|old| old != device) {
        // The server takes a change signed by a device only from that device.
        eprintln!(
            "warning: {} changes made here as device {} have not reached the server; signed \
             by that device, they may be refused when this new device sends them",
            before.pending,
            before.device.map(|old| old.to_string()).unwrap_or_default()
        );
    }
    replica.sign_in(account).await?;
    replica.close().await?;
    say!("signed in to {server} as {email}; this device is {device}");
    say!("run `rolo sync` to fetch the contacts");
    Ok(())
}

/// The password from the flag or environment, else asked for.
fn password(given: Option<String>) -> anyhow::Result<Secret> {
    if let Some(password) = given {
        return Ok(Secret::new(password));
    }
    ask_password("Password: ")
}

/// A password typed at `prompt` on the terminal, or the first line of standard input when it
/// is piped in by a script.
pub(super) fn ask_password(prompt: &str) -> anyhow::Result<Secret> {
    let stdin = std::io::stdin();
    let typed = if stdin.is_terminal() {
        rpassword::prompt_password(prompt).context("could not read the password")?
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("could not read the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    anyhow::ensure!(!typed.is_empty(), "password: none given");
    Ok(Secret::new(typed))
}
