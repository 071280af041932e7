//! The sync badge, always on screen: online or not, how much waits to be sent, when the
//! last sync succeeded, a button to sync now, and what went wrong. Sync never fails quietly.

use crate::app_state::use_app;
use crate::i18n::use_lang;
use crate::sync_engine::SyncProblem;
use leptos::prelude::*;

/// The badge in the header.
#[component]
pub fn SyncBadge() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let t = move || lang.get().t();
    let status = app.sync;
    let online = move || status.online.get() && status.problem.get() != Some(SyncProblem::Network);
    let last = move || {
        let office = app.enrolment.with(|e| e.as_ref().map(|e| e.office.clone()));
        match (status.last_success.get(), office) {
            (Some(at), Some(office)) => office.hhmmss(at),
            _ => t().never_synced.to_string(),
        }
    };
    let problem = move || {
        status.problem.get().map(|p| match p {
            SyncProblem::Network => t().sync_failed_network,
            SyncProblem::Auth => t().sync_failed_auth,
            SyncProblem::Server => t().sync_failed_server,
            SyncProblem::Storage => t().sync_failed_storage,
            SyncProblem::Diverged => t().sync_failed_diverged,
            SyncProblem::Revoked => t().sync_failed_revoked,
        })
    };
    view! {
        <section
            id="sync-badge"
            class="sync-badge"
            class:offline=move || !online()
            data-online=move || online().to_string()
            data-pending=move || app.pending.get().to_string()
            data-cursor=move || app.cursor.get().to_string()
            data-live=move || status.live.get().to_string()
            aria-live="polite"
        >
            <div class="sync-line">
                <span class="dot" aria-hidden="true"></span>
                <strong>{move || if online() { t().online } else { t().offline }}</strong>
                <span class="pending" data-testid="pending-count">
                    {move || app.pending.get()} " " {move || t().pending_ops}
                </span>
                <span class="last-sync">
                    {move || t().last_sync} ": "
                    <span data-testid="last-sync">{last}</span>
                </span>
                <button
                    id="sync-now"
                    class="button secondary"
                    on:click=move |_| app.trigger_sync()
                    disabled=move || status.syncing.get()
                >
                    {move || if status.syncing.get() { t().syncing } else { t().sync_now }}
                </button>
            </div>
            <p class="sync-error" data-testid="sync-error" role="alert" hidden=move || problem().is_none()>
                {problem}
            </p>
        </section>
    }
}
