//! Debian packages the project needs (Chromium, PostgreSQL), installed with apt-get as root
//! or through sudo.

use xshell::{Shell, cmd};

use crate::step;

/// Installs Debian packages with apt-get: directly as root, else through sudo, and
/// non-interactively either way. When the install fails it updates the package lists and
/// tries once more, because a fresh machine has none yet.
pub fn install(sh: &Shell, packages: &[&str]) -> xshell::Result<()> {
    let root = is_root(sh);
    let apt_get = |args: &[&str]| {
        // `sudo env` because sudo drops the caller's environment.
        let cmd = if root {
            sh.cmd("apt-get")
        } else {
            sh.cmd("sudo")
                .args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"])
        };
        cmd.args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .run()
    };
    let install = || apt_get(&[&["install", "-y"], packages].concat());
    install().or_else(|_| {
        step("apt-get install failed: updating the package lists and retrying");
        apt_get(&["update"])?;
        install()
    })
}

/// Whether xtask runs as root (as in CI), asked of `id -u` so xtask needs no libc bindings.
pub fn is_root(sh: &Shell) -> bool {
    cmd!(sh, "id -u").quiet().read().ok().as_deref() == Some("0")
}
