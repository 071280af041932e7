//! The app's state: the replica, the device's enrolment, and the sync status, as signals
//! shared through context. Components call the methods here; the methods make ops, save
//! them, and wake the sync engine. Business rules stay in `loket-core`.

use crate::api::{self, ApiError};
use crate::store::Db;
use crate::sync_engine::{Engine, SyncStatus};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::ErrorCode;
use loket_core::catalogue::CaseCode;
use loket_core::credential::{CredentialId, Key, WrappedKey, prove};
use loket_core::enrol::Enrolment;
use loket_core::roles::Role;
use loket_core::sign_in::{FirstAdmin, Revoke, SetPin, SignIn, SignedIn};
use loket_core::staff::{PinThrottle, Staff, is_idle};
use loket_core::sync::Replica;
use loket_core::{
    CallTicket, Clock, ConflictReason, CounterNo, IssueTicket, OfficeState, Op, OpBody, OpId,
    StaffId, Ticket, TicketNo,
};
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::rc::Rc;

/// Why enrolment did not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnrolError {
    /// The server refused or could not be reached.
    Api(ApiError),
    /// The server enrolled the device but the browser could not keep it.
    NotSaved,
}

/// Why an action at the counter did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionError {
    /// The op could not be written to IndexedDB; nothing changed.
    SaveFailed,
    /// The device's serials for the day are used up.
    SerialsExhausted,
    /// Nobody is waiting.
    QueueEmpty,
    /// The device's clock is so wrong that the server would refuse the op.
    ClockWrong,
    /// The device is not enrolled yet.
    NotEnrolled,
    /// Nobody is signed in: the tablet is locked.
    Locked,
    /// The step cannot happen now, or not by this person; nothing was recorded.
    Refused(ConflictReason),
    /// The browser cannot hash a PIN (WebCrypto needs https or localhost).
    NoCrypto,
    /// The PIN is not this person's.
    WrongPin,
    /// Too many wrong PINs: wait before trying again.
    TooManyTries,
    /// This needs the server, which cannot be reached: a first sign-in on this tablet,
    /// a new account or PIN.
    Offline,
    /// The server refused (the office already has its admin; a signed-in admin's
    /// credential it no longer accepts): nothing changed.
    NotAccepted,
}

impl ActionError {
    /// A failed sign-in or PIN call, in the terms staff are told.
    fn from_api(e: ApiError) -> Self {
        match e {
            ApiError::Unreachable | ApiError::Server(_) => Self::Offline,
            ApiError::Unauthorised(ErrorCode::WrongPin) => Self::WrongPin,
            ApiError::Refused {
                code: ErrorCode::TooManyRequests,
                ..
            } => Self::TooManyTries,
            _ => Self::NotAccepted,
        }
    }
}

/// Everything the pages share, cheap to copy.
#[derive(Clone, Copy)]
pub struct AppState {
    db: StoredValue<Option<Rc<Db>>, LocalStorage>,
    /// Confirmed state, pending ops and cursor: recorded into here, synced by the engine.
    pub(crate) replica: StoredValue<Replica, LocalStorage>,
    pub(crate) engine: StoredValue<Rc<Engine>, LocalStorage>,
    /// One op at a time is made, saved and applied: two quick taps get two serials, and no
    /// op reaches a sync before it is on disk.
    pub(crate) record_lock: StoredValue<Rc<Gate>, LocalStorage>,
    /// The replica's `view_changes` when its view was last put in [`AppState::view`].
    shown_view: StoredValue<Option<u64>, LocalStorage>,
    /// The clock, ticking every 30 s: the service day turns at midnight without a tap.
    pub now: RwSignal<DateTime<Utc>>,
    /// The device's enrolment, once known.
    pub enrolment: RwSignal<Option<Enrolment>>,
    /// What staff see: confirmed state with pending ops on top.
    pub view: RwSignal<OfficeState>,
    /// How many ops wait to be sent.
    pub pending: RwSignal<usize>,
    /// The cursor of the confirmed state shown (and on disk): how far into the office's log.
    pub cursor: RwSignal<u64>,
    /// Sync status.
    pub sync: SyncStatus,
    /// The store loaded (or failed to).
    pub ready: RwSignal<bool>,
    /// The store could not be opened.
    pub storage_failed: RwSignal<bool>,
    /// Another tab on this device runs Loket; this one stands aside.
    pub elsewhere: RwSignal<bool>,
    /// The server's clock minus this device's, as last seen (ms).
    pub clock_skew: RwSignal<Option<i64>>,
    /// Who is signed in; `None` shows the lock screen.
    pub session: RwSignal<Option<Session>>,
}

/// Who has unlocked the tablet, and at which counter they work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The member of staff: the actor of every op made until the tablet locks.
    pub staff: StaffId,
    /// The counter an operator works at.
    pub counter: Option<CounterNo>,
    /// Last tap or op, in ms since the epoch: the tablet locks when it [`is_idle`].
    pub active_ms: i64,
    /// Their credential on this device: every op they make carries its proof.
    pub credential: CredentialId,
    /// Its key, unwrapped with their PIN; kept only while the tab is open.
    pub key: Key,
}

/// The session survives a reload of this tab (not a closed tab).
const SESSION_KEY: &str = "loket.session";
/// Each staff member's credential on this tablet, wrapped under their PIN.
const KEYS_KEY: &str = "loket.keys";
/// Wrong PINs in a row on this tablet: kept, so a reload does not reset the pause.
const PIN_FAILS_KEY: &str = "loket.pin-fails";

fn wrapped_keys() -> std::collections::BTreeMap<StaffId, WrappedKey> {
    use gloo_storage::{LocalStorage, Storage};
    LocalStorage::get(KEYS_KEY).unwrap_or_default()
}

fn keep_wrapped(staff: &StaffId, wrapped: WrappedKey) {
    use gloo_storage::{LocalStorage, Storage};
    let mut keys = wrapped_keys();
    keys.insert(staff.clone(), wrapped);
    if let Err(e) = LocalStorage::set(KEYS_KEY, &keys) {
        // The person is signed in all the same; the next time needs the server again.
        leptos::logging::error!("keeping a credential failed: {e}");
    }
}

fn pin_fails() -> PinThrottle {
    use gloo_storage::{LocalStorage, Storage};
    LocalStorage::get(PIN_FAILS_KEY).unwrap_or_default()
}

fn set_pin_fails(throttle: &PinThrottle) {
    use gloo_storage::{LocalStorage, Storage};
    let _ = LocalStorage::set(PIN_FAILS_KEY, throttle);
}

/// Counts a wrong PIN, kept; the error to show (a pause from the fifth on).
fn wrong_pin(throttle: &mut PinThrottle, now_ms: i64) -> ActionError {
    let pause = throttle.failed(now_ms);
    set_pin_fails(throttle);
    if pause {
        ActionError::TooManyTries
    } else {
        ActionError::WrongPin
    }
}

/// Lets one async task through at a time on the browser's single thread; the others wait
/// a few milliseconds and try again (an IndexedDB write takes about that long). Smaller in
/// the bundle than a general async mutex.
#[derive(Default)]
pub(crate) struct Gate {
    busy: Cell<bool>,
}

/// Holds the [`Gate`] until dropped.
pub(crate) struct GateGuard(Rc<Gate>);

impl Gate {
    /// Waits until nobody else holds the gate, and holds it.
    pub(crate) async fn enter(self: &Rc<Self>) -> GateGuard {
        while self.busy.replace(true) {
            gloo_timers::future::TimeoutFuture::new(5).await;
        }
        GateGuard(self.clone())
    }
}

impl Drop for GateGuard {
    fn drop(&mut self) {
        self.0.busy.set(false);
    }
}

impl AppState {
    /// Creates the state; call [`AppState::start`] to load the store.
    pub fn new() -> Self {
        Self {
            db: StoredValue::new_local(None),
            replica: StoredValue::new_local(Replica::default()),
            engine: StoredValue::new_local(Rc::new(Engine::default())),
            record_lock: StoredValue::new_local(Rc::new(Gate::default())),
            shown_view: StoredValue::new_local(None),
            now: RwSignal::new(Utc::now()),
            enrolment: RwSignal::new(None),
            view: RwSignal::new(OfficeState::default()),
            pending: RwSignal::new(0),
            cursor: RwSignal::new(0),
            sync: SyncStatus::default(),
            ready: RwSignal::new(false),
            storage_failed: RwSignal::new(false),
            elsewhere: RwSignal::new(false),
            clock_skew: RwSignal::new(None),
            session: RwSignal::new(restore_session()),
        }
    }

    /// The member of staff signed in, as the view knows them (tracked).
    pub fn me(self) -> Option<Staff> {
        let id = self.session.with(|s| s.as_ref().map(|s| s.staff.clone()))?;
        self.view.with(|v| v.staff_member(&id).cloned())
    }

    /// The signed-in person's role (tracked).
    pub fn role(self) -> Option<Role> {
        self.me().filter(|s| s.active).map(|s| s.role)
    }

    /// Whether the signed-in person may do `action` (tracked).
    pub fn may(self, action: loket_core::Action) -> bool {
        self.role().is_some_and(|r| r.may(action))
    }

    /// The counter the signed-in operator works at (tracked).
    pub fn counter(self) -> Option<CounterNo> {
        self.session.with(|s| s.as_ref().and_then(|s| s.counter))
    }

    /// Signs `staff` in at `counter` with `pin`: offline with the credential this tablet
    /// keeps for them, wrapped under their PIN; otherwise (a first sign-in here, or a PIN
    /// the admin has changed) the server checks the PIN and issues a credential.
    pub async fn unlock(
        self,
        staff: StaffId,
        pin: String,
        counter: Option<CounterNo>,
    ) -> Result<(), ActionError> {
        let now = Utc::now().timestamp_millis();
        let mut throttle = pin_fails();
        if !throttle.may_try(now) {
            return Err(ActionError::TooManyTries);
        }
        let known = self
            .view
            .with_untracked(|v| v.staff_member(&staff).map(|s| s.active));
        if known != Some(true) {
            return Err(ActionError::WrongPin);
        }
        let kept = wrapped_keys().remove(&staff);
        let opened = match &kept {
            Some(wrapped) => crate::pin::unwrap(&pin, wrapped)
                .await
                .map_err(|_| ActionError::NoCrypto)?
                .map(|key| (wrapped.credential, key)),
            None => None,
        };
        let signed_in = match opened {
            Some(found) => Ok(found),
            None => self.sign_in_online(&staff, &pin).await,
        };
        let (credential, key) = match signed_in {
            Ok(found) => found,
            Err(ActionError::WrongPin) => return Err(wrong_pin(&mut throttle, now)),
            // Offline with a wrong PIN for a kept credential: wrong, not "offline".
            Err(ActionError::Offline) if kept.is_some() => {
                return Err(wrong_pin(&mut throttle, now));
            }
            Err(e) => return Err(e),
        };
        throttle.succeeded();
        set_pin_fails(&throttle);
        self.set_session(Some(Session {
            staff,
            counter,
            active_ms: now,
            credential,
            key,
        }));
        Ok(())
    }

    /// The server checks `pin` and issues a credential, kept here wrapped under it.
    async fn sign_in_online(
        self,
        staff: &StaffId,
        pin: &str,
    ) -> Result<(CredentialId, Key), ActionError> {
        let token = self.token()?;
        let request = SignIn {
            staff: staff.clone(),
            pin: pin.to_owned(),
        };
        let issued = api::sign_in(&token, &request)
            .await
            .map_err(ActionError::from_api)?;
        let wrapped = crate::pin::wrap(pin, &issued)
            .await
            .map_err(|_| ActionError::NoCrypto)?;
        keep_wrapped(staff, wrapped);
        Ok((issued.credential, issued.key))
    }

    /// The device's token, for a call to the server.
    fn token(self) -> Result<String, ActionError> {
        self.enrolment
            .with_untracked(|e| e.as_ref().map(|e| e.token.clone()))
            .ok_or(ActionError::NotEnrolled)
    }

    /// The device's token and the signed-in person's credential, for a staff call.
    fn staff_call(self) -> Result<(String, CredentialId, Key), ActionError> {
        let token = self.token()?;
        let (credential, key) = self
            .session
            .with_untracked(|s| s.as_ref().map(|s| (s.credential, s.key.clone())))
            .ok_or(ActionError::Locked)?;
        Ok((token, credential, key))
    }

    /// The admin signed in sets `staff`'s PIN on the server (a new account's, or a
    /// forgotten one); needs the connection.
    pub async fn set_pin(self, staff: StaffId, pin: String) -> Result<(), ActionError> {
        let (token, credential, key) = self.staff_call()?;
        api::set_pin(&token, credential, &key, &SetPin { staff, pin })
            .await
            .map_err(ActionError::from_api)
    }

    /// Where each staff member is signed in, newest first (the admin; online).
    pub async fn signed_in(self) -> Result<Vec<SignedIn>, ActionError> {
        let (token, credential, key) = self.staff_call()?;
        api::signed_in(&token, credential, &key)
            .await
            .map_err(ActionError::from_api)
    }

    /// A server timestamp (Unix ms) as the office reads it, `DD-MM-YYYY HH:MM` in its own
    /// time zone (tracked); empty before enrolment.
    pub fn office_time(self, ms: i64) -> String {
        let office = self
            .enrolment
            .with(|e| e.as_ref().map(|e| e.office.clone()));
        match (office, chrono::DateTime::from_timestamp_millis(ms)) {
            (Some(office), Some(at)) => office.date_time(at),
            _ => String::new(),
        }
    }

    /// A new admin code for one more device of the office (the admin; online).
    pub async fn make_admin_code(self) -> Result<loket_core::enrol::AdminCodeIssued, ActionError> {
        let (token, credential, key) = self.staff_call()?;
        api::make_admin_code(&token, credential, &key)
            .await
            .map_err(ActionError::from_api)
    }

    /// The office's devices, with when each last synced (the admin; online).
    pub async fn devices(self) -> Result<Vec<loket_core::enrol::DeviceInfo>, ActionError> {
        let (token, credential, key) = self.staff_call()?;
        api::devices(&token, credential, &key)
            .await
            .map_err(ActionError::from_api)
    }

    /// The office's refused enrolments, for its admin (online).
    pub async fn enrol_failures(self) -> Result<loket_core::enrol::EnrolFailures, ActionError> {
        let (token, credential, key) = self.staff_call()?;
        api::enrol_failures(&token, credential, &key)
            .await
            .map_err(ActionError::from_api)
    }

    /// Revokes `staff`'s credential on `device`, or on every device (the admin; online).
    pub async fn revoke(
        self,
        staff: StaffId,
        device: Option<loket_core::DeviceId>,
    ) -> Result<u32, ActionError> {
        let (token, credential, key) = self.staff_call()?;
        api::revoke(&token, credential, &key, &Revoke { staff, device })
            .await
            .map(|r| r.revoked)
            .map_err(ActionError::from_api)
    }

    /// A stored op by id: the handover holding a signature, for a reprinted receipt.
    pub async fn stored_op(self, id: OpId) -> Option<Op> {
        self.db()?.op(&id).await.ok().flatten()
    }

    /// Moves the signed-in operator to counter `counter`.
    pub fn set_counter(self, counter: CounterNo) {
        let mut s = self.session.get_untracked();
        if let Some(s) = &mut s
            && s.counter != Some(counter)
        {
            s.counter = Some(counter);
            self.set_session(Some(s.clone()));
        }
    }

    /// Locks the tablet: the next person unlocks with their own PIN.
    pub fn lock(self) {
        self.set_session(None);
    }

    /// A tap: the idle timer starts again (written at most every 10 s).
    pub fn touch(self) {
        let now = Utc::now().timestamp_millis();
        let stale = self
            .session
            .with_untracked(|s| s.as_ref().is_some_and(|s| now - s.active_ms > 10_000));
        if stale {
            let mut s = self.session.get_untracked();
            if let Some(s) = &mut s {
                s.active_ms = now;
            }
            self.set_session(s);
        }
    }

    /// Locks the tablet if nobody tapped for a while ([`is_idle`]).
    pub fn lock_if_idle(self) {
        let now = Utc::now().timestamp_millis();
        if self
            .session
            .with_untracked(|s| s.as_ref().is_some_and(|s| is_idle(s.active_ms, now)))
        {
            self.lock();
        }
    }

    fn set_session(self, session: Option<Session>) {
        use gloo_storage::{SessionStorage, Storage};
        match &session {
            Some(s) => {
                let _ = SessionStorage::set(SESSION_KEY, s);
            }
            None => SessionStorage::delete(SESSION_KEY),
        }
        self.session.set(session);
    }

    /// Creates the office's first account, an admin, and signs them in: the server takes
    /// their PIN and issues their credential (only while the office has no staff), then
    /// their account is their own first op.
    pub async fn create_first_admin(self, name: String, pin: String) -> Result<(), ActionError> {
        let token = self.token()?;
        let id = new_staff_id();
        let request = FirstAdmin {
            staff: id.clone(),
            pin: pin.clone(),
        };
        let issued = api::first_admin(&token, &request)
            .await
            .map_err(ActionError::from_api)?;
        let wrapped = crate::pin::wrap(&pin, &issued)
            .await
            .map_err(|_| ActionError::NoCrypto)?;
        keep_wrapped(&id, wrapped);
        let staff = Staff {
            id: id.clone(),
            name,
            role: Role::Admin,
            active: true,
        };
        self.set_session(Some(Session {
            staff: id,
            counter: None,
            active_ms: Utc::now().timestamp_millis(),
            credential: issued.credential,
            key: issued.key,
        }));
        if let Err(e) = self.act(OpBody::SaveStaff(staff)).await {
            self.set_session(None);
            return Err(e);
        }
        Ok(())
    }

    /// Records `body` as the signed-in person, if the core says it can happen now.
    pub async fn act(self, body: OpBody) -> Result<Op, ActionError> {
        self.record(move |_, _| Ok(body)).await
    }

    /// Opens the database `name`, loads the view and pending ops, and starts syncing.
    pub fn start(self, name: &'static str) {
        spawn_local(async move {
            match self.load(name).await {
                Ok(()) => self.trigger_sync(),
                Err(e) => {
                    leptos::logging::error!("opening storage failed: {e}");
                    self.storage_failed.set(true);
                }
            }
            self.ready.set(true);
        });
    }

    async fn load(self, name: &str) -> Result<(), crate::store::StoreError> {
        crate::mark("loket-start");
        let db = Db::open(name).await?;
        crate::mark("loket-opened");
        let loaded = db.load().await?;
        crate::mark("loket-loaded");
        let highest = loaded.pending.iter().map(|(o, _)| *o).fold(0.0, f64::max);
        self.engine
            .with_value(|e| e.loaded(highest, loaded.snapshot_cursor));
        let pending = loaded.pending.into_iter().map(|(_, op)| op).collect();
        let replica = Replica::new(loaded.epoch, loaded.confirmed, loaded.cursor, pending);
        self.db.set_value(Some(Rc::new(db)));
        self.enrolment.set(loaded.enrolment);
        self.replace_replica(replica);
        Ok(())
    }

    /// Puts `replica` in place of the one held (loaded from disk) and shows it.
    pub(crate) fn replace_replica(self, replica: Replica) {
        self.replica.set_value(replica);
        // Its count of view changes is its own: show its view whatever the count.
        self.shown_view.set_value(None);
        self.publish();
    }

    /// Shows the replica's view and pending count on the pages.
    pub(crate) fn publish(self) {
        self.replica.with_value(|r| {
            // The view is cloned into its signal only when it changed: a push of this
            // device's own ops, confirmed as they were shown, leaves it as it is.
            let n = r.view_changes();
            let moved = self
                .shown_view
                .try_update_value(|shown| shown.replace(n) != Some(n))
                .unwrap_or(true);
            if moved {
                self.view.set(r.view().clone());
            }
            self.pending.set(r.pending().len());
            self.cursor.set(r.cursor());
        });
    }

    /// The opened store, once loaded.
    pub(crate) fn db(self) -> Option<Rc<Db>> {
        self.db.get_value()
    }

    /// Enrols this device at the office and remembers it.
    pub async fn enrol(self, code: String, name: String) -> Result<(), EnrolError> {
        self.enrol_with(loket_core::enrol::EnrolRequest {
            code,
            name,
            again: None,
        })
        .await
    }

    /// Enrols this revoked device again, as itself (its id, letter and pending work kept),
    /// with a new admin code; then sends what waited.
    pub async fn enrol_again(self, code: String, name: String) -> Result<(), EnrolError> {
        let again = self
            .enrolment
            .with_untracked(|e| e.as_ref().map(|e| e.token.clone()));
        self.enrol_with(loket_core::enrol::EnrolRequest { code, name, again })
            .await
    }

    /// Sends an enrolment, keeps what the server answered, and syncs.
    async fn enrol_with(self, request: loket_core::enrol::EnrolRequest) -> Result<(), EnrolError> {
        let enrolment = api::enrol(&request).await.map_err(EnrolError::Api)?;
        let db = self.db().ok_or(EnrolError::NotSaved)?;
        db.save_enrolment(&enrolment).await.map_err(|e| {
            leptos::logging::error!("saving the enrolment failed: {e}");
            EnrolError::NotSaved
        })?;
        self.enrolment.set(Some(enrolment));
        self.sync.problem.set(None);
        self.trigger_sync();
        Ok(())
    }

    /// Revokes a device of the office (the admin; online).
    pub async fn revoke_device(self, device: loket_core::DeviceId) -> Result<(), ActionError> {
        let (token, credential, key) = self.staff_call()?;
        api::revoke_device(
            &token,
            credential,
            &key,
            &loket_core::enrol::RevokeDevice { device },
        )
        .await
        .map_err(ActionError::from_api)
    }

    /// How this device's clock compares with the server's (tracked).
    pub fn clock(self) -> Clock {
        Clock::judge(self.now.get(), self.clock_skew.get())
    }

    /// The office's service day now (tracked: it turns at midnight).
    pub fn today(self) -> Option<chrono::NaiveDate> {
        let now = self.now.get();
        self.enrolment
            .with(|e| e.as_ref().map(|e| e.office.service_day(now)))
    }

    /// Makes an op from the current view, saves it, then applies it. If the disk refuses,
    /// nothing changed and staff are told.
    async fn record(
        self,
        make: impl FnOnce(&Replica, &Enrolment) -> Result<OpBody, ActionError>,
    ) -> Result<Op, ActionError> {
        let db = self.db().ok_or(ActionError::SaveFailed)?;
        let enrolment = self
            .enrolment
            .get_untracked()
            .ok_or(ActionError::NotEnrolled)?;
        if Clock::judge(Utc::now(), self.clock_skew.get_untracked()) == Clock::Wrong {
            return Err(ActionError::ClockWrong);
        }
        let (actor, credential, key) = self
            .session
            .with_untracked(|s| {
                s.as_ref()
                    .map(|s| (s.staff.clone(), s.credential, s.key.clone()))
            })
            .ok_or(ActionError::Locked)?;
        let lock = self.record_lock.get_value();
        let _one_at_a_time = lock.enter().await;
        let body = self.replica.with_value(|r| make(r, &enrolment))?;
        let mut op = Op {
            id: OpId(uuid::Uuid::now_v7()),
            office: enrolment.office.code,
            device: enrolment.device,
            actor,
            at: Utc::now(),
            body,
            proof: None,
        };
        op.proof = Some(prove(credential, &key, &op));
        op.validate().map_err(|_| ActionError::SaveFailed)?;
        // A step out of turn or beyond the person's role is explained now, never recorded.
        self.replica
            .with_value(|r| r.view().check(&op))
            .map_err(ActionError::Refused)?;
        self.touch();
        let order = self.engine.with_value(|e| e.take_order());
        if let Err(e) = db.record_local(&op, order).await {
            leptos::logging::error!("saving an op failed: {e}");
            return Err(ActionError::SaveFailed);
        }
        self.replica.update_value(|r| {
            r.record(op.clone());
        });
        self.publish();
        self.trigger_sync();
        Ok(op)
    }

    /// A1: issues a walk-in ticket; returns it as the view now holds it.
    pub async fn issue_ticket(self, case: CaseCode, priority: bool) -> Result<Ticket, ActionError> {
        let op = self
            .record(|r, e| {
                let day = e.office.service_day(Utc::now());
                let serial = r
                    .view()
                    .next_serial(day, &e.letter)
                    .ok_or(ActionError::SerialsExhausted)?;
                let number = TicketNo {
                    letter: e.letter.clone(),
                    serial,
                };
                Ok(OpBody::IssueTicket(IssueTicket {
                    number,
                    day,
                    case,
                    priority,
                    // The list the counter shows now is the one the applicant is told.
                    catalogue: Some(r.view().catalogue().version),
                }))
            })
            .await?;
        self.ticket_of(&op)
    }

    /// A2: calls the next waiting ticket (priority first, then oldest) to `counter`;
    /// returns it as called.
    pub async fn call_next(self, counter: CounterNo) -> Result<Ticket, ActionError> {
        let op = self
            .record(|r, e| {
                let day = e.office.service_day(Utc::now());
                let next = r.view().next_to_call(day).ok_or(ActionError::QueueEmpty)?;
                Ok(OpBody::CallTicket(CallTicket {
                    number: next.number.clone(),
                    day,
                    counter,
                }))
            })
            .await?;
        self.ticket_of(&op)
    }

    /// The ticket an op is about, as the view holds it now.
    fn ticket_of(self, op: &Op) -> Result<Ticket, ActionError> {
        let (number, day) = op.body.ticket().ok_or(ActionError::SaveFailed)?;
        self.view
            .with_untracked(|v| v.ticket(day, number).cloned())
            .ok_or(ActionError::SaveFailed)
    }

    /// Asks the sync engine for a sync soon (the badge's "sync now", and after a change).
    pub fn trigger_sync(self) {
        crate::sync_engine::trigger(self);
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

fn restore_session() -> Option<Session> {
    use gloo_storage::{SessionStorage, Storage};
    let session: Session = SessionStorage::get(SESSION_KEY).ok()?;
    (!is_idle(session.active_ms, Utc::now().timestamp_millis())).then_some(session)
}

/// A new staff id: `s-` and 12 hex digits of a random UUID, unique enough for one office.
pub fn new_staff_id() -> StaffId {
    let hex = uuid::Uuid::now_v7().simple().to_string();
    // The id is 14 ASCII characters from a fixed alphabet, always valid.
    StaffId::new(format!("s-{}", &hex[20..])).unwrap_or_else(|_| unreachable!())
}

/// The shared state, from context.
pub fn use_app() -> AppState {
    expect_context::<AppState>()
}
