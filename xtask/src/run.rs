//! `cargo xtask run`: build the app and the server, then become the server.

use std::process::Command;

use xshell::Shell;

use crate::build::{build_app, build_server};
use crate::tools::{Need, ensure_tools};
use crate::{Result, dist_dir, project_root, step};

/// Builds everything in release mode and runs `loket-server` on the built app.
///
/// The server reads `PORT`, `HOST`, `DATABASE_URL`, `LOKET_OFFICE`, … itself, so the caller's
/// environment passes through untouched; `server_args` are appended to its command line.
pub fn run(sh: &Shell, server_args: &[String]) -> Result<()> {
    ensure_tools(sh, Need::APP)?;
    build_app(sh)?;
    let server = build_server(sh)?;
    step(format!(
        "starting {} with LOKET_DIST=dist (Ctrl-C stops it)",
        server
            .strip_prefix(project_root())
            .unwrap_or(&server)
            .display()
    ));
    let mut command = Command::new(&server);
    command
        .args(server_args)
        .current_dir(project_root())
        .env("LOKET_DIST", dist_dir());
    exec(command)
}

/// Replaces this process with `command`, so Ctrl-C and the exit status reach the server directly.
#[cfg(unix)]
fn exec(mut command: Command) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let err = command.exec();
    Err(format!("cannot start {:?}: {err}", command.get_program()).into())
}

#[cfg(not(unix))]
fn exec(mut command: Command) -> Result<()> {
    let status = command.status()?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the server exited with {status}").into())
    }
}
