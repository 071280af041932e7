//! `/daftar`: enrolling this device at the office with the admin's code.

use crate::api::ApiError;
use crate::app_state::{EnrolError, use_app};
use crate::i18n::use_lang;
use crate::nav::{Route, use_nav};
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::enrol::EnrolRequest;

/// The enrolment form.
#[component]
pub fn EnrolPage() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let t = move || lang.get().t();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let nav = use_nav();
    let busy = RwSignal::new(false);
    let submit = move |code: String, name: String| {
        busy.set(true);
        spawn_local(async move {
            let result = app.enrol(code, name).await;
            busy.set(false);
            match result {
                Ok(()) => nav.go(Route::Counter),
                Err(e) => error.set(Some(enrol_error(lang.get_untracked(), &e))),
            }
        });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = EnrolRequest {
            code: code.get_untracked().trim().to_ascii_uppercase(),
            name: name.get_untracked(),
            again: None,
        };
        let Some(clean) = request.clean_name().map(str::to_owned) else {
            error.set(Some(t().enrol_bad_name));
            return;
        };
        error.set(None);
        submit(request.code, clean);
    };
    view! {
        <main class="page enrol">
            <section class="card narrow">
                <h1>{move || t().enrol_title}</h1>
                <p>{move || t().enrol_intro}</p>
                <form on:submit=on_submit novalidate>
                    <label for="enrol-code">{move || t().enrol_code}</label>
                    <input
                        id="enrol-code"
                        type="text"
                        autocomplete="off"
                        autocapitalize="characters"
                        spellcheck="false"
                        required
                        aria-describedby="enrol-code-hint"
                        prop:value=code
                        on:input=move |ev| code.set(event_target_value(&ev))
                    />
                    <p id="enrol-code-hint" class="hint">{move || t().enrol_code_hint}</p>
                    <label for="enrol-name">{move || t().enrol_name}</label>
                    <input
                        id="enrol-name"
                        type="text"
                        maxlength="60"
                        required
                        placeholder=move || t().enrol_name_placeholder
                        prop:value=name
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                    <p class="form-error" role="alert" data-testid="enrol-error" hidden=move || error.get().is_none()>{move || error.get()}</p>
                    <button
                        id="enrol-submit"
                        type="submit"
                        class="button primary big"
                        disabled=move || busy.get()
                    >
                        {move || if busy.get() { t().enrol_busy } else { t().enrol_submit }}
                    </button>
                </form>
            </section>
        </main>
    }
}

/// Why an enrolment did not finish, in the user's language.
pub fn enrol_error(lang: crate::i18n::Lang, e: &EnrolError) -> &'static str {
    let t = lang.t();
    match e {
        EnrolError::Api(ApiError::Unreachable) => t.enrol_offline,
        EnrolError::Api(ApiError::Unauthorised(loket_core::ErrorCode::ExpiredCode)) => {
            t.enrol_expired_code
        }
        EnrolError::Api(ApiError::Unauthorised(_)) => t.enrol_bad_code,
        EnrolError::Api(ApiError::Refused {
            code: loket_core::ErrorCode::OfficeFull,
            ..
        }) => t.office_full,
        EnrolError::Api(ApiError::Refused {
            code: loket_core::ErrorCode::TooManyRequests,
            ..
        }) => t.enrol_too_many,
        EnrolError::Api(ApiError::Refused { .. }) => t.enrol_bad_name,
        EnrolError::Api(ApiError::Server(_)) => t.enrol_failed,
        EnrolError::NotSaved => t.enrol_saved_failed,
    }
}
