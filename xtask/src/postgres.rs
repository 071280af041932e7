//! A real PostgreSQL for the tests, without Docker: Debian's `postgresql` package provides the
//! binaries, and each test step starts its own throwaway server ([`Throwaway`]) in a fresh
//! directory on a free port, then stops it and deletes everything when the step ends.
//!
//! The server the Debian package itself starts (port 5432, `/var/lib/postgresql`) is never used:
//! a throwaway server needs no passwords, no system configuration and nothing to clean up.

use std::ffi::OsString;
use std::fs::{self, DirBuilder};
use std::net::TcpListener;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use xshell::{Shell, cmd};

use crate::apt::{self, is_root};
use crate::{Result, step};

/// Where the tests read the URL of the throwaway server; the PostgreSQL tests skip when it is unset.
pub const URL_VAR: &str = "LOKET_TEST_POSTGRES_URL";
/// Where Debian (and Ubuntu) put each major version's server: `/usr/lib/postgresql/<version>/bin`.
const DEBIAN_LIB: &str = "/usr/lib/postgresql";
/// The superuser `initdb` creates; with `-A trust` it needs no password.
const USER: &str = "loket";
/// The system user the Debian package creates; the server runs as it when we are root.
const SYSTEM_USER: &str = "postgres";

/// Checks that a PostgreSQL server is installed, and installs Debian's `postgresql` when not.
///
/// It looks for `initdb`, not `psql`: the client package alone has `psql` but no server.
pub fn ensure_postgres(sh: &Shell) -> Result<()> {
    if let Some(bin) = server_bin_dir() {
        step(format!("postgresql: ok ({})", bin.display()));
        return Ok(());
    }
    step("postgresql: installing (apt-get)");
    apt::install(sh, &["postgresql"]).map_err(|err| {
        format!(
            "installing PostgreSQL failed ({err}).\n\
             By hand on Debian/Ubuntu: `apt-get update && apt-get install -y postgresql`.\n\
             The tests start their own throwaway server from {DEBIAN_LIB}/<version>/bin; \
             the one the package starts is not used."
        )
    })?;
    match server_bin_dir() {
        Some(bin) => {
            step(format!("postgresql: installed ({})", bin.display()));
            Ok(())
        }
        None => Err(
            format!("apt-get finished but there is no {DEBIAN_LIB}/<version>/bin/initdb").into(),
        ),
    }
}

/// The newest installed server's `bin` directory, one that has `initdb`, `pg_ctl` and `postgres`.
fn server_bin_dir() -> Option<PathBuf> {
    let complete: Vec<PathBuf> = fs::read_dir(DEBIAN_LIB)
        .ok()?
        .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
        .filter(|bin| {
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|p| bin.join(p).is_file())
        })
        .collect();
    highest_version(&complete).cloned()
}

/// Of `<lib>/<version>/bin` directories, the one with the highest version, compared as
/// numbers (`9.6` < `10` < `16`); directories whose name is not a version are ignored.
fn highest_version(bins: &[PathBuf]) -> Option<&PathBuf> {
    bins.iter()
        .filter_map(|bin| Some((version(bin.parent()?.file_name()?.to_str()?)?, bin)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, bin)| bin)
}

/// `"9.6"` as `[9, 6]`; `None` unless every dot-separated part is a number.
fn version(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

/// A running throwaway PostgreSQL server on `127.0.0.1`, owned by this process.
///
/// Dropping it stops the server and deletes its directory. So does a Ctrl-C or a kill of
/// xtask: the stopping is done by a small watchdog shell (see [`WATCHDOG`]) that waits for
/// its stdin to close, which happens however xtask ends.
pub struct Throwaway {
    port: u16,
    /// Holds `data/` (the cluster), `log` (the server's log) and the server's Unix socket.
    dir: PathBuf,
    /// Stops the server and deletes `dir` once its stdin closes.
    watchdog: Child,
}

/// Tells apart the servers one process starts: the `native` and `e2e` steps each start one.
static STARTED: AtomicUsize = AtomicUsize::new(0);

impl Throwaway {
    /// Creates a cluster in a fresh directory and starts a server on a free port.
    ///
    /// PostgreSQL refuses to run as root, and CI runs as root: then `initdb` and `pg_ctl` run
    /// as the `postgres` user (`runuser -u postgres`), in a directory under `/tmp` that it owns.
    pub fn start(sh: &Shell) -> Result<Throwaway> {
        let bin = server_bin_dir().ok_or_else(|| {
            format!("no PostgreSQL server in {DEBIAN_LIB}/<version>/bin: run `cargo xtask tools`")
        })?;
        let as_postgres = is_root(sh);
        // Under root's TMPDIR the postgres user might not reach the directory; /tmp it can.
        let base = if as_postgres {
            PathBuf::from("/tmp")
        } else {
            std::env::temp_dir()
        };
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("loket-pg-{}-{n}", std::process::id()));
        if dir.exists() {
            // Left by a killed process that had our pid: nothing of ours runs there.
            fs::remove_dir_all(&dir)?;
        }
        DirBuilder::new().mode(0o700).create(&dir)?;
        if as_postgres {
            let (uid, gid) = system_user_ids(sh)?;
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))?;
        }
        let data = dir.join("data");

        let mut stop = pg_argv(&bin, "pg_ctl", as_postgres);
        stop.extend(args(["stop", "-D"]));
        stop.push(data.clone().into());
        stop.extend(args(["-m", "immediate", "-w"]));
        // Spawned before anything else, so that an interrupted start is cleaned up too.
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("loket-pg-watchdog")
            .arg(&dir)
            .args(&stop)
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|err| format!("cannot start the watchdog shell `sh`: {err}"))?;
        // From here on every error return drops `pg`, which stops and deletes what is there.
        let mut pg = Throwaway {
            port: 0,
            dir,
            watchdog,
        };

        let mut initdb = pg_argv(&bin, "initdb", as_postgres);
        initdb.extend(args(["-D"]));
        initdb.push(data.clone().into());
        // --no-sync: the data dies with the run, so skip initdb's fsyncs (seconds on a slow disk).
        initdb.extend(args([
            "-A",
            "trust",
            "-U",
            USER,
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ]));
        run_captured(&initdb)?;

        let log = pg.dir.join("log");
        // The port is free when we look, but another process may take it before the server
        // binds it; a few tries make that race harmless.
        const TRIES: usize = 3;
        let mut attempt = 1;
        loop {
            let port = free_port()?;
            let mut start = pg_argv(&bin, "pg_ctl", as_postgres);
            start.extend(args(["start", "-D"]));
            start.push(data.clone().into());
            start.extend(args(["-l"]));
            start.push(log.clone().into());
            start.extend(args(["-w", "-o"]));
            start.push(server_options(port, &pg.dir).into());
            match run_captured(&start) {
                Ok(()) => {
                    pg.port = port;
                    step(format!(
                        "postgresql: throwaway server on 127.0.0.1:{port} (data in {})",
                        pg.dir.display()
                    ));
                    return Ok(pg);
                }
                Err(_) if attempt < TRIES && log_tail(&log).contains("already in use") => {
                    step(format!("postgresql: port {port} was taken, trying another"));
                    attempt += 1;
                }
                Err(err) => {
                    // Quoted here: the directory, log and all, is gone once `pg` drops.
                    return Err(
                        format!("{err}\nthe end of the server's log:\n{}", log_tail(&log)).into(),
                    );
                }
            }
        }
    }

    /// The URL the tests connect with: the `loket` superuser on the `postgres` database.
    pub fn url(&self) -> String {
        url(self.port)
    }
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        // Closing the pipe is the signal: the watchdog stops the server, deletes the directory
        // and prints `postgresql: stopped`. Waiting keeps that line before whatever comes next.
        drop(self.watchdog.stdin.take());
        if let Err(err) = self.watchdog.wait() {
            step(format!(
                "postgresql: could not wait for the watchdog ({err}); {} may be left behind",
                self.dir.display()
            ));
        }
    }
}

/// The watchdog's script; `$1` is the directory and the rest is the `pg_ctl stop` command.
///
/// `read` returns when xtask closes the pipe or dies, whichever way. The shell ignores Ctrl-C
/// (SIGINT goes to the whole foreground process group) so that it outlives xtask and cleans up.
const WATCHDOG: &str = r#"dir=$1; shift
trap '' INT HUP TERM
read -r line
"$@" >/dev/null 2>&1
rm -rf "$dir" && echo "==> postgresql: stopped" >&2"#;

/// `cargo xtask pg`: a throwaway server like the tests', for running them by hand.
/// Enter stops it (dropping it, as the test steps do); so does Ctrl-C (through the watchdog).
pub fn serve(sh: &Shell) -> Result<()> {
    ensure_postgres(sh)?;
    let pg = Throwaway::start(sh)?;
    step("Enter or Ctrl-C stops the server and deletes its data. In another terminal:");
    println!(
        "{URL_VAR}={} cargo test -p loket-server\npsql {}",
        pg.url(),
        pg.url()
    );
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line)? > 0 {
        return Ok(());
    }
    // No terminal to read (`cargo xtask pg &`, or stdin closed): only a signal ends this
    // process, and the watchdog cleans up after it.
    loop {
        std::thread::park();
    }
}

/// `postgres://loket@127.0.0.1:<port>/postgres`.
fn url(port: u16) -> String {
    format!("postgres://{USER}@127.0.0.1:{port}/postgres")
}

/// The command line that runs `program` from `bin` as a user PostgreSQL accepts: ourselves,
/// or the `postgres` system user when we are root (`initdb` and `postgres` refuse root).
fn pg_argv(bin: &Path, program: &str, as_postgres: bool) -> Vec<OsString> {
    let mut argv = Vec::new();
    if as_postgres {
        argv.extend(args(["runuser", "-u", SYSTEM_USER, "--"]));
    }
    argv.push(bin.join(program).into());
    argv
}

fn args<const N: usize>(words: [&str; N]) -> impl Iterator<Item = OsString> {
    words.into_iter().map(OsString::from)
}

/// The server's options for `pg_ctl -o`: the port, the socket in our own directory (Debian's
/// default, /var/run/postgresql, needs root), TCP on loopback only, no fsync (the data dies with
/// the run), and room for the connection pools of many parallel tests.
///
/// pg_ctl hands the options to `sh`, so the directory is quoted.
fn server_options(port: u16, socket_dir: &Path) -> String {
    format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
        shell_quote(&socket_dir.to_string_lossy())
    )
}

/// `s` in single quotes, for `sh`.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A port nobody listens on right now: the one the system picks for port 0.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// The uid and gid of the `postgres` user, or an error saying it is missing.
fn system_user_ids(sh: &Shell) -> Result<(u32, u32)> {
    let id = |flag: &str| -> Result<u32> {
        let out = cmd!(sh, "id {flag} {SYSTEM_USER}")
            .quiet()
            .ignore_stderr()
            .read()
            .map_err(|_| {
                format!(
                    "running as root, but there is no `{SYSTEM_USER}` user to run PostgreSQL as \
                     (it refuses root). Debian's `postgresql` package creates it: \
                     `apt-get install -y postgresql`."
                )
            })?;
        Ok(out.trim().parse()?)
    };
    Ok((id("-u")?, id("-g")?))
}

/// Runs `argv` with its output captured, and shows that output only when it fails:
/// initdb and pg_ctl say a lot when all is well.
fn run_captured(argv: &[OsString]) -> Result<()> {
    let (program, rest) = argv.split_first().expect("a command line has a program");
    // The postgres user may not enter our working directory; "/" everyone can.
    let out = Command::new(program)
        .args(rest)
        .current_dir("/")
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("cannot run {}: {err}", program.to_string_lossy()))?;
    if out.status.success() {
        return Ok(());
    }
    let line: Vec<String> = argv
        .iter()
        .map(|arg| {
            let arg = arg.to_string_lossy();
            if arg.contains(' ') {
                shell_quote(&arg)
            } else {
                arg.into_owned()
            }
        })
        .collect();
    Err(format!(
        "`{}` failed ({}):\n{}{}",
        line.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .into())
}

/// The last lines of the server's log, where it says why it would not start.
fn log_tail(log: &Path) -> String {
    let text = fs::read_to_string(log).unwrap_or_else(|err| format!("(cannot read it: {err})"));
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_highest_version() {
        let bins: Vec<PathBuf> = ["9.6", "16", "10", "15", "common", "16beta"]
            .iter()
            .map(|v| Path::new(DEBIAN_LIB).join(v).join("bin"))
            .collect();
        assert_eq!(
            highest_version(&bins),
            Some(&PathBuf::from("/usr/lib/postgresql/16/bin"))
        );
        assert_eq!(
            highest_version(&bins[..1]),
            Some(&PathBuf::from("/usr/lib/postgresql/9.6/bin"))
        );
        assert_eq!(highest_version(&bins[4..]), None);
        assert_eq!(highest_version(&[]), None);
    }

    #[test]
    fn reads_versions_as_numbers() {
        assert_eq!(version("15"), Some(vec![15]));
        assert_eq!(version("9.6"), Some(vec![9, 6]));
        assert!(version("9.6") < version("10"));
        assert_eq!(version("16beta"), None);
        assert_eq!(version(""), None);
    }

    #[test]
    fn builds_the_server_options() {
        assert_eq!(
            server_options(54321, Path::new("/tmp/loket-pg-7-0")),
            "-p 54321 -k '/tmp/loket-pg-7-0' -c listen_addresses=127.0.0.1 -c fsync=off \
             -c max_connections=200"
        );
        assert!(server_options(1, Path::new("/tmp/it's here")).contains(r"-k '/tmp/it'\''s here'"));
    }

    #[test]
    fn runs_as_the_postgres_user_only_when_root() {
        let bin = Path::new("/usr/lib/postgresql/15/bin");
        assert_eq!(
            pg_argv(bin, "initdb", false),
            ["/usr/lib/postgresql/15/bin/initdb"]
        );
        assert_eq!(
            pg_argv(bin, "pg_ctl", true),
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                "/usr/lib/postgresql/15/bin/pg_ctl"
            ]
        );
    }

    #[test]
    fn formats_the_url() {
        assert_eq!(url(5433), "postgres://loket@127.0.0.1:5433/postgres");
    }
}
