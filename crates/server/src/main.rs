//! `loket-server`: reads the configuration, then serves (or resets the admin code).
//! Everything else lives in the library, so tests run the same app without a socket.

use clap::Parser;
use loket_server::config::{Cli, Command};
use loket_server::{AppState, admin_code, app, reset_admin_code, telemetry};
use std::process::ExitCode;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::ResetAdminCode => reset(cli.config).await,
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
    let result = axum::serve(listener, app(state.clone()))
        .with_graceful_shutdown(shutdown_signal())
        .await;
    // Every push committed before it was answered; closing checkpoints the WAL.
    state.store().close().await;
    result.map_err(|e| format!("server error: {e}"))
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
