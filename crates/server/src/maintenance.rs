//! What an admin does to a server's database besides serving: backups, restores, offices.

use crate::config::Config;
use crate::store::{LogHead, Store};
use crate::{StartError, heads, mark_restored};
use std::path::Path;
use thiserror::Error;

/// Why a backup or restore failed.
#[derive(Debug, Error)]
pub enum MaintenanceError {
    /// The database could not be opened or written.
    #[error(transparent)]
    Start(#[from] StartError),
    /// A file could not be read, copied or replaced.
    #[error("{what} {path}: {source}")]
    File {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The backup would overwrite a file.
    #[error("{0} exists already: choose a new file for the backup")]
    Exists(String),
}

fn file_error(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> MaintenanceError {
    let path = path.display().to_string();
    move |source| MaintenanceError::File { what, path, source }
}

/// `loket-server backup FILE`: a consistent copy of the SQLite database.
pub async fn backup(config: &Config, file: &Path) -> Result<(), MaintenanceError> {
    if file.exists() {
        return Err(MaintenanceError::Exists(file.display().to_string()));
    }
    let store = Store::connect(&config.database_url)
        .await
        .map_err(StartError::from)?;
    let result = store.backup(file).await;
    store.close().await;
    result.map_err(|e| StartError::from(e).into())
}

/// `loket-server restore FILE`: replaces the SQLite database with a backup, then marks
/// every office's log a new history that continues after the numbers the replaced
/// database had given out. Returns what the database held before and holds now.
pub async fn restore(
    config: &Config,
    file: &Path,
) -> Result<(Vec<LogHead>, Vec<LogHead>), MaintenanceError> {
    let target = Store::sqlite_file(&config.database_url).map_err(StartError::from)?;
    std::fs::metadata(file).map_err(file_error("cannot read the backup", file))?;
    // What the database being replaced had given out, so no number is given twice. A
    // database that is gone or unreadable (the reason to restore) gives nothing to avoid.
    let lost = if target.exists() {
        heads(config).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    // Copy beside the target, then rename: the database is never half written.
    let partial = target.with_extension("restoring");
    std::fs::copy(file, &partial).map_err(file_error("cannot copy the backup to", &partial))?;
    for stale in ["-wal", "-shm"] {
        let mut name = target.clone().into_os_string();
        name.push(stale);
        let _ = std::fs::remove_file(name);
    }
    std::fs::rename(&partial, &target).map_err(file_error("cannot replace", &target))?;
    let now = mark_restored(config, &lost).await?;
    Ok((lost, now))
}
