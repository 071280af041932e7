//! Configuration: every setting is a flag on `loket-server --help` and the same
//! conventional environment variable (twelve-factor), with a default that works on a laptop.

use clap::{Args, Parser, Subcommand};
use loket_core::OfficeCode;
use std::fmt;
use std::path::PathBuf;

/// The command line: a subcommand (serving when none is given) and the settings.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "loket-server",
    version,
    about = "Loket: the KTP-el counter's backend and app"
)]
pub struct Cli {
    /// What to do; with none, serve.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The settings, shared by every subcommand.
    #[command(flatten)]
    pub config: Config,
}

/// What the binary does.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Serve the API and the web app (the default).
    Serve,
    /// Print a new admin code for the office; the old one stops working at once.
    ResetAdminCode,
    /// The offices this server serves.
    #[command(subcommand)]
    Office(OfficeCommand),
    /// Copy the SQLite database, consistent while the server runs, to FILE.
    Backup {
        /// Where the copy goes (must not exist yet).
        file: PathBuf,
    },
    /// Replace the SQLite database with the backup FILE (stop the server first). Every
    /// office's log becomes a new history, so each tablet sends its work since the backup
    /// again, and no sequence number is given twice.
    Restore {
        /// The backup to restore.
        file: PathBuf,
    },
    /// After restoring a database by other means (pg_restore, a copied file): make every
    /// office's log a new history, so tablets send their work since the backup again.
    MarkRestored {
        /// The highest sequence number the lost database had given out, if known (the
        /// server then continues after it; it always continues after what it holds).
        #[arg(long, default_value_t = 0)]
        lost_head: u64,
    },
}

/// `loket-server office …`.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum OfficeCommand {
    /// Add an office (a Kantor Camat) and print its first admin code.
    Add {
        /// Its Kemendagri code, e.g. 51.02.03.
        #[arg(value_parser = parse_office)]
        code: OfficeCode,
        /// Its name, e.g. "Kantor Camat Selemadeg".
        name: String,
    },
    /// List the offices, with the number of ops in each log.
    List,
}

/// The server's settings.
#[derive(Clone, Args)]
pub struct Config {
    /// The TCP port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8080, global = true)]
    pub port: u16,
    /// The address to listen on (0.0.0.0 to let tablets on the office network in).
    #[arg(long, env = "HOST", default_value = "127.0.0.1", global = true)]
    pub host: String,
    /// The database; a SQLite file is created with its folder when missing.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/loket.db",
        global = true
    )]
    pub database_url: String,
    /// The office (Kemendagri code) this server enrols devices into.
    #[arg(long, env = "LOKET_OFFICE", default_value = "51.02.02", value_parser = parse_office, global = true)]
    pub office: OfficeCode,
    /// The office's name, as shown on tablets and tickets.
    #[arg(
        long,
        env = "LOKET_OFFICE_NAME",
        default_value = "Kantor Camat Selemadeg Timur",
        global = true
    )]
    pub office_name: String,
    /// The office's time zone as minutes east of UTC (480 = WITA).
    #[arg(
        long,
        env = "LOKET_UTC_OFFSET_MINUTES",
        default_value_t = 480,
        allow_negative_numbers = true,
        value_parser = clap::value_parser!(i32).range(-720..=840),
        global = true
    )]
    pub utc_offset_minutes: i32,
    /// The built web app's folder (what `trunk build` writes).
    #[arg(long, env = "LOKET_DIST", default_value = "dist", global = true)]
    pub dist: PathBuf,
    /// Where mail goes out (not used yet: the outbox will keep mail while this is unset).
    #[arg(long, env = "SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// The address of a reverse proxy in front of the server, whose `X-Forwarded-For` names
    /// the client (for the public routes' limits); repeat it, or separate with commas.
    /// Without it, that header is ignored: anyone could send it.
    #[arg(
        long,
        env = "LOKET_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// Public lookups (status, catalogue) one client address may make per minute.
    #[arg(long, env = "LOKET_LOOKUPS_PER_MINUTE", default_value_t = crate::throttle::LOOKUPS_PER_MINUTE,
          value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub lookups_per_minute: u32,
    /// Enrolment attempts one client address may make per minute.
    #[arg(long, env = "LOKET_ENROLMENTS_PER_MINUTE", default_value_t = crate::throttle::ENROLMENTS_PER_MINUTE,
          value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub enrolments_per_minute: u32,
    /// Sync round trips one device may make per minute.
    #[arg(long, env = "LOKET_SYNCS_PER_DEVICE_PER_MINUTE", default_value_t = crate::throttle::SYNCS_PER_DEVICE_PER_MINUTE,
          value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub syncs_per_minute: u32,
    /// Hours an admin code enrols a device before it expires (each enrols one device).
    #[arg(long, env = "LOKET_ADMIN_CODE_HOURS", default_value_t = loket_core::enrol::ADMIN_CODE_HOURS,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(loket_core::enrol::MAX_ADMIN_CODE_HOURS)),
          global = true)]
    pub admin_code_hours: u32,
}

fn parse_office(value: &str) -> Result<OfficeCode, loket_core::IdError> {
    OfficeCode::new(value)
}

impl Config {
    /// Whether the server listens only on this machine (127.0.0.0/8, ::1, localhost).
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// The office this server starts with, as configured.
    pub fn office(&self) -> loket_core::Office {
        loket_core::Office {
            code: self.office.clone(),
            name: self.office_name.trim().to_owned(),
            utc_offset_minutes: self.utc_offset_minutes,
        }
    }

    /// The address people open in a browser, for the start-up lines.
    pub fn url(&self, port: u16) -> String {
        // An IPv6 literal needs brackets in a URL.
        if self.host.contains(':') {
            format!("http://[{}]:{port}/", self.host)
        } else {
            format!("http://{}:{port}/", self.host)
        }
    }
}

/// A URL with any `user:password@` part hidden.
fn redact_url(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, _)), Some(at)) => format!("{scheme}://<hidden>{}", &url[at..]),
        _ => url.to_owned(),
    }
}

// Written by hand so a password in a database or SMTP URL never reaches a log.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("port", &self.port)
            .field("host", &self.host)
            .field("database_url", &redact_url(&self.database_url))
            .field("office", &self.office)
            .field("office_name", &self.office_name)
            .field("utc_offset_minutes", &self.utc_offset_minutes)
            .field("dist", &self.dist)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("trusted_proxy", &self.trusted_proxy)
            .field("lookups_per_minute", &self.lookups_per_minute)
            .field("enrolments_per_minute", &self.enrolments_per_minute)
            .finish()
    }
}
