//! `loket-server`: reads the configuration, then serves (or resets the admin code).
//! Everything else lives in the library, so tests run the same app without a socket.

use clap::Parser;
use loket_server::config::{Cli, Command, Config, OfficeCommand};
use loket_server::store::LogHead;
use loket_server::{AppState, admin_code, app, maintenance, reset_admin_code, telemetry};
use std::process::ExitCode;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::ResetAdminCode => reset(cli.config).await,
        Command::Office(command) => office(&cli.config, command).await,
        Command::Backup { file } => maintenance::backup(&cli.config, &file)
            .await
            .map(|()| println!("Cadangan / backup: {}", file.display()))
            .map_err(|e| e.to_string()),
        Command::Restore { file } => restore(&cli.config, &file).await,
        Command::MarkRestored { lost_head } => mark_restored(&cli.config, lost_head).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("loket-server: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: loket_server::config::Config) -> Result<(), String> {
    let (state, new_code) = AppState::open(&config).await.map_err(|e| e.to_string())?;
    let listener = TcpListener::bind((config.host.as_str(), config.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", config.host, config.port))?;
    let port = listener.local_addr().map_or(config.port, |a| a.port());
    let url = config.url(port);
    // The code goes to stdout, never through tracing: logs are kept, this must not be.
    if let Some(code) = new_code {
        println!("{}", admin_code::banner(&url, &code, true));
    }
    println!("Loket berjalan di {url} (Ctrl+C untuk berhenti)");
    if !config.is_loopback() {
        // Browsers allow service workers and persistent storage only on https or loopback.
        println!(
            "Perhatian / note: tablets on the network need https for offline mode; put Loket \
             behind a reverse proxy with a certificate (see README)."
        );
    }
    let limits = loket_server::listen::Limits::default();
    // Live streams never end by themselves: they are ended first, so the graceful stop
    // waits only for the requests that do.
    let streams = state.streams().clone();
    let stop = async move {
        shutdown_signal().await;
        streams.stop();
    };
    let result = loket_server::listen::serve(listener, app(state.clone()), limits, stop).await;
    // Every push committed before it was answered; closing checkpoints the WAL.
    state.store().close().await;
    result.map_err(|e| format!("server error: {e}"))
}

async fn office(config: &Config, command: OfficeCommand) -> Result<(), String> {
    match command {
        OfficeCommand::Add { code, name } => {
            let office = loket_core::Office {
                code: code.clone(),
                name: name.trim().to_owned(),
                utc_offset_minutes: config.utc_offset_minutes,
            };
            let admin = loket_server::add_office(config, &office)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "Kantor / office {code} ({}) ditambahkan / added.",
                office.name
            );
            println!(
                "{}",
                admin_code::banner(&config.url(config.port), &admin, true)
            );
            Ok(())
        }
        OfficeCommand::List => {
            let heads = loket_server::heads(config)
                .await
                .map_err(|e| e.to_string())?;
            print_heads(&heads);
            Ok(())
        }
    }
}

fn print_heads(heads: &[LogHead]) {
    for h in heads {
        println!("{}  head {}  epoch {}", h.office, h.head, h.epoch);
    }
}

async fn restore(config: &Config, file: &std::path::Path) -> Result<(), String> {
    let (before, after) = maintenance::restore(config, file)
        .await
        .map_err(|e| e.to_string())?;
    println!("Dipulihkan dari / restored from {}.", file.display());
    if before.is_empty() {
        println!("The replaced database could not be read: numbering goes on from the backup.");
    }
    print_heads(&after);
    println!("Tablets that synced since the backup send their work again at their next sync.");
    Ok(())
}

async fn mark_restored(config: &Config, lost_head: u64) -> Result<(), String> {
    let lost: Vec<LogHead> = loket_server::heads(config)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|h| LogHead {
            head: lost_head,
            ..h
        })
        .collect();
    let after = loket_server::mark_restored(config, &lost)
        .await
        .map_err(|e| e.to_string())?;
    print_heads(&after);
    Ok(())
}

async fn reset(config: loket_server::config::Config) -> Result<(), String> {
    let code = reset_admin_code(&config).await.map_err(|e| e.to_string())?;
    println!(
        "{}",
        admin_code::banner(&config.url(config.port), &code, false)
    );
    Ok(())
}

/// Resolves on Ctrl+C or SIGTERM; the server then stops accepting and finishes requests.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
