//! Command-line flags, parsed by hand: there are few, and a parser crate would cost more than it saves.

/// The usage text, printed by `cargo xtask help` and after a flag error.
pub const HELP: &str = "\
cargo xtask: build, run and test Loket. Installs whatever is missing first.

USAGE:
    cargo xtask run [-- <server args>]   build the app and the server, then serve them
                                         (PORT, HOST, DATABASE_URL, LOKET_OFFICE pass through)
    cargo xtask test [--quick] [--step <name>]
                                         every check CI runs, in order, stopping at the first failure
                                         --quick     skip the browser and end-to-end tests
                                         --step <n>  run one step: fmt, clippy, clippy-wasm, native,
                                                     browser, e2e (may be repeated)
    cargo xtask build                    only build: the release app into dist/ and the release server
    cargo xtask bench                    bundle sizes against the budget, store and sync benches
    cargo xtask soak [--schedules <n>]   the fault harness's long run: n schedules (default 1000) of
                                         tablets against a real server through a faulty network,
                                         half on SQLite, half on PostgreSQL, with the counts
    cargo xtask tools                    only install / check the tools
    cargo xtask pg                       start a throwaway PostgreSQL like the tests', print its URL
                                         (for LOKET_TEST_POSTGRES_URL); Enter or Ctrl-C deletes it
    cargo xtask help                     this text";

/// What the user asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Print [`HELP`].
    Help,
    /// Build and serve the app; the arguments go to `loket-server`.
    Run { server_args: Vec<String> },
    /// Run the checks; `quick` skips the slow browser steps, `step` picks steps by name.
    Test { quick: bool, step: Vec<String> },
    /// Build the release app and server, nothing else.
    Build,
    /// Print the bundle sizes and run the benchmarks.
    Bench,
    /// Run the fault harness's schedules, many of them.
    Soak { schedules: u64 },
    /// Install or check the tools, nothing else.
    Tools,
    /// Start a throwaway PostgreSQL server and keep it until Enter or Ctrl-C.
    Pg,
}

/// Parses the arguments after `cargo xtask`.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let Some(command) = args.next() else {
        return Ok(Command::Help);
    };
    let rest: Vec<String> = args.collect();
    match command.as_str() {
        "help" | "-h" | "--help" => Ok(Command::Help),
        "run" => {
            // Everything after `run` belongs to the server; a leading `--` is only a separator.
            let skip = usize::from(rest.first().is_some_and(|a| a == "--"));
            Ok(Command::Run {
                server_args: rest[skip..].to_vec(),
            })
        }
        "test" | "ci" => parse_test(rest),
        "build" => no_args("build", &rest).map(|()| Command::Build),
        "bench" => no_args("bench", &rest).map(|()| Command::Bench),
        "soak" => parse_soak(&rest),
        "tools" => no_args("tools", &rest).map(|()| Command::Tools),
        "pg" => no_args("pg", &rest).map(|()| Command::Pg),
        other => Err(format!("unknown command `{other}`")),
    }
}

fn parse_test(rest: Vec<String>) -> Result<Command, String> {
    let mut quick = false;
    let mut step = Vec::new();
    let mut rest = rest.into_iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--step" => match rest.next() {
                Some(name) => step.push(name),
                None => return Err("`--step` needs a step name".to_owned()),
            },
            _ => match arg.strip_prefix("--step=") {
                Some(name) => step.push(name.to_owned()),
                None => {
                    return Err(format!(
                        "unexpected argument `{arg}` for `cargo xtask test`"
                    ));
                }
            },
        }
    }
    Ok(Command::Test { quick, step })
}

/// Schedules of a soak unless `--schedules` says otherwise.
const SOAK_SCHEDULES: u64 = 1000;

fn parse_soak(rest: &[String]) -> Result<Command, String> {
    match rest {
        [] => Ok(Command::Soak {
            schedules: SOAK_SCHEDULES,
        }),
        [flag, n] if flag == "--schedules" => n
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .map(|schedules| Command::Soak { schedules })
            .ok_or_else(|| format!("`--schedules` needs a whole number above 0, got `{n}`")),
        [arg, ..] => Err(format!(
            "unexpected argument `{arg}` for `cargo xtask soak`"
        )),
    }
}

fn no_args(command: &str, rest: &[String]) -> Result<(), String> {
    match rest.first() {
        None => Ok(()),
        Some(arg) => Err(format!(
            "`cargo xtask {command}` takes no arguments, got `{arg}`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(args: &str, expected: Result<Command, &str>) {
        let args = args.split_whitespace().map(str::to_owned);
        assert_eq!(parse(args), expected.map_err(str::to_owned));
    }

    #[test]
    fn parses_commands() {
        check("", Ok(Command::Help));
        check("--help", Ok(Command::Help));
        check("bench", Ok(Command::Bench));
        check("tools", Ok(Command::Tools));
        check("pg", Ok(Command::Pg));
        check("soak", Ok(Command::Soak { schedules: 1000 }));
        check("soak --schedules 20", Ok(Command::Soak { schedules: 20 }));
        check("build", Ok(Command::Build));
        check(
            "test",
            Ok(Command::Test {
                quick: false,
                step: vec![],
            }),
        );
        check(
            "test --quick --step fmt --step=clippy",
            Ok(Command::Test {
                quick: true,
                step: vec!["fmt".into(), "clippy".into()],
            }),
        );
        check(
            "run -- --port 9000",
            Ok(Command::Run {
                server_args: vec!["--port".into(), "9000".into()],
            }),
        );
        check(
            "run",
            Ok(Command::Run {
                server_args: vec![],
            }),
        );
    }

    #[test]
    fn rejects_what_it_does_not_know() {
        check("deploy", Err("unknown command `deploy`"));
        check(
            "test --fast",
            Err("unexpected argument `--fast` for `cargo xtask test`"),
        );
        check("test --step", Err("`--step` needs a step name"));
        check(
            "soak --schedules 0",
            Err("`--schedules` needs a whole number above 0, got `0`"),
        );
        check(
            "soak --seeds 3",
            Err("unexpected argument `--seeds` for `cargo xtask soak`"),
        );
        check(
            "bench now",
            Err("`cargo xtask bench` takes no arguments, got `now`"),
        );
    }
}
