//! `cargo xtask`: the project's own build tool, in Rust so it needs nothing but cargo.
//!
//! A newcomer needs two commands: `cargo xtask run` and `cargo xtask test`. Each one
//! installs whatever is missing (see [`tools`]), is quick when nothing is, and prints a
//! short `==> ...` line for every step. `main` only parses the flags ([`flags`]) and
//! dispatches; every command shells out with `xshell` from [`project_root`].

mod apt;
mod bench;
mod build;
mod flags;
mod postgres;
mod run;
mod test;
#[cfg(test)]
mod tidy;
mod tools;

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xshell::Shell;

/// Errors end the command with their message; they already say what went wrong.
pub type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

fn main() -> ExitCode {
    let command = match flags::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("error: {message}\n\n{}", flags::HELP);
            return ExitCode::from(2);
        }
    };
    match dispatch(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\nerror: {err}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(command: flags::Command) -> Result<()> {
    let sh = shell()?;
    match command {
        flags::Command::Help => {
            println!("{}", flags::HELP);
            Ok(())
        }
        flags::Command::Run { server_args } => run::run(&sh, &server_args),
        flags::Command::Test { quick, step } => test::test(&sh, quick, step),
        flags::Command::Build => {
            tools::ensure_tools(&sh, tools::Need::APP)?;
            build::build_app(&sh)?;
            build::build_server(&sh).map(drop)
        }
        flags::Command::Bench => bench::bench(&sh),
        flags::Command::Soak { schedules } => test::soak(&sh, schedules),
        flags::Command::Tools => tools::ensure_tools(&sh, tools::Need::EVERYTHING),
        flags::Command::Pg => postgres::serve(&sh),
    }
}

/// A shell in the project root whose `PATH` finds the pinned tools first (see [`tools::tool_path`]).
fn shell() -> Result<Shell> {
    let sh = Shell::new()?;
    sh.change_dir(project_root());
    sh.set_var("PATH", tools::tool_path()?);
    Ok(sh)
}

/// The workspace root: the parent of the `xtask` crate.
pub fn project_root() -> PathBuf {
    // `cargo run` and `cargo test` set CARGO_MANIFEST_DIR at run time too. Prefer that: cargo
    // does not rebuild xtask for a copy of the repo that shares a target dir, so the path
    // baked in at compile time can name the wrong checkout.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    Path::new(&manifest_dir)
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set (as cargo itself reads it), else `<root>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => project_root().join(dir),
        _ => project_root().join("target"),
    }
}

/// Where Trunk writes the built app, and where the server and the e2e tests read it.
pub fn dist_dir() -> PathBuf {
    project_root().join("dist")
}

/// Prints one step line, `==> message`, so a long run says what it is doing.
pub fn step(message: impl Display) {
    eprintln!("==> {message}");
}
