//! A simulated tablet for the fault harness: the app's [`Replica`] in memory, and a "disk"
//! holding what the app's IndexedDB holds (its enrolment, the confirmed state at a cursor
//! and the pending ops), written the way the app writes it: an op on disk before it is in
//! memory, a response's confirmed ops and cursor together after it is taken in. A reload
//! throws the memory away and starts again from the disk, as a closed tab does.
//!
//! Every call over the network returns what went wrong instead of failing the test: the
//! harness makes the network fail on purpose.

use chrono::Utc;
use loket_core::catalogue::CaseCode;
use loket_core::credential::prove;
use loket_core::enrol::{EnrolRequest, Enrolment, RevokeDevice};
use loket_core::sign_in::{FirstAdmin, Issued, STAFF_HEADER, SignIn, staff_header};
use loket_core::sync::rounds::{AfterFailure, RoundFailed, Settling};
use loket_core::sync::{Epoch, MAX_PUSH, Replica, SyncResponse};
use loket_core::{
    CallTicket, CounterNo, ErrorBody, ErrorCode, IssueTicket, OfficeState, Op, OpBody, OpId, Role,
    TicketNo,
};
use serde::de::DeserializeOwned;
use std::time::Duration;

/// The PIN of the office's admin, the one account every simulated tablet signs in as.
use crate::api::ADMIN_PIN as PIN;
/// Round trips one [`SimDevice::settle`] makes at most before it gives up for now.
const MAX_ROUNDS: usize = 40;

/// Why a call did not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failed {
    /// No answer: refused, cut, lost, or the server was down.
    Network,
    /// The server answered with an error status and body.
    Refused(u16, String),
}

impl Failed {
    /// The failure as the sync rounds read it.
    fn round_failed(&self) -> RoundFailed {
        let Failed::Refused(status, body) = self else {
            return RoundFailed::Unreachable;
        };
        let code = serde_json::from_str::<ErrorBody>(body).map_or(ErrorCode::Internal, |b| b.error);
        match status {
            401 => RoundFailed::Unauthorised(code),
            400..=499 => RoundFailed::Refused(code),
            _ => RoundFailed::Server,
        }
    }

    /// Whether the server said this device is revoked.
    pub fn is_revoked(&self) -> bool {
        self.round_failed() == RoundFailed::Unauthorised(ErrorCode::DeviceRevoked)
    }
}

/// What survives a reload.
#[derive(Debug, Clone)]
struct Disk {
    enrolment: Enrolment,
    epoch: Option<Epoch>,
    confirmed: OfficeState,
    cursor: u64,
    pending: Vec<Op>,
}

/// One tablet: enrolled, its admin signed in, syncing through `base`.
pub struct SimDevice {
    /// Its name, for messages.
    pub name: String,
    /// The counter its operator calls to.
    pub counter: CounterNo,
    credential: Issued,
    memory: Replica,
    disk: Disk,
    /// Every op it recorded, to be found in the server's log.
    made: Vec<OpId>,
    http: reqwest::Client,
    base: String,
}

/// An HTTP client that opens a connection per request, so a proxy's fault hits one request.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(0)
        .build()
        .expect("an HTTP client")
}

impl SimDevice {
    /// Enrols a tablet with `code` at `base` (calm: setup is not under test) and makes the
    /// office's first admin on it, or signs that admin in when `first` is false.
    pub async fn set_up(base: &str, code: &str, name: &str, counter: u8, first: bool) -> Self {
        let http = client();
        let enrolment: Enrolment = enrol(&http, base, code, name, None)
            .await
            .unwrap_or_else(|e| panic!("enrolling {name} failed: {e:?}"));
        let token = enrolment.token.clone();
        let staff = enrolment.actor.clone();
        let credential: Issued = if first {
            let request = FirstAdmin {
                staff: staff.clone(),
                pin: PIN.to_owned(),
            };
            post(
                &http,
                base,
                "/api/staff/first-admin",
                Some(&token),
                &request,
            )
            .await
        } else {
            let request = SignIn {
                staff: staff.clone(),
                pin: PIN.to_owned(),
            };
            post(&http, base, "/api/staff/sign-in", Some(&token), &request).await
        }
        .unwrap_or_else(|e| panic!("signing the admin in on {name} failed: {e:?}"));
        let disk = Disk {
            enrolment,
            epoch: None,
            confirmed: OfficeState::default(),
            cursor: 0,
            pending: Vec::new(),
        };
        let mut device = SimDevice {
            name: name.to_owned(),
            counter: CounterNo::new(counter).expect("a counter number 1..=99"),
            credential,
            memory: Replica::default(),
            disk,
            made: Vec::new(),
            http,
            base: base.to_owned(),
        };
        if first {
            let account = loket_core::testing::staff(staff, "Admin", Role::Admin);
            device.record(OpBody::SaveStaff(account));
        }
        device
    }

    /// What enrolment gave it, as its disk holds it.
    pub fn enrolment(&self) -> &Enrolment {
        &self.disk.enrolment
    }

    /// The replica in memory.
    pub fn replica(&self) -> &Replica {
        &self.memory
    }

    /// Records `body` as its admin: on disk first, then in memory. Returns the op's id.
    pub fn record(&mut self, body: OpBody) -> OpId {
        let e = &self.disk.enrolment;
        let mut op = Op {
            id: OpId(uuid::Uuid::now_v7()),
            office: e.office.code.clone(),
            device: e.device.clone(),
            actor: e.actor.clone(),
            // To the millisecond, as a browser's clock gives it (and the wire keeps it): so
            // the replica's fast path for its own confirmed ops is the one a tablet takes.
            at: chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis())
                .expect("now is a valid time"),
            body,
            proof: None,
        };
        op.proof = Some(prove(self.credential.credential, &self.credential.key, &op));
        self.disk.pending.push(op.clone());
        self.memory.record(op.clone());
        self.made.push(op.id);
        op.id
    }

    /// Every op it recorded.
    pub fn made(&self) -> &[OpId] {
        &self.made
    }

    /// Issues the next walk-in ticket of its letter, as the counter's button does.
    pub fn issue(&mut self) -> Option<OpId> {
        let day = self.disk.enrolment.office.service_day(Utc::now());
        let letter = self.disk.enrolment.letter.clone();
        let serial = self.memory.view().next_serial(day, &letter)?;
        Some(self.record(OpBody::IssueTicket(IssueTicket {
            number: TicketNo { letter, serial },
            day,
            case: CaseCode::new("baru").expect("a valid case code"),
            priority: false,
            catalogue: None,
        })))
    }

    /// Calls the next waiting ticket to its counter, if one waits in its view.
    pub fn call_next(&mut self) -> Option<OpId> {
        let day = self.disk.enrolment.office.service_day(Utc::now());
        let number = self.memory.view().next_to_call(day)?.number.clone();
        let counter = self.counter;
        Some(self.record(OpBody::CallTicket(CallTicket {
            number,
            day,
            counter,
        })))
    }

    /// Throws the memory away and starts again from the disk.
    pub fn reload(&mut self) {
        self.memory = self.reloaded();
    }

    /// The replica a reload would give.
    pub fn reloaded(&self) -> Replica {
        let d = &self.disk;
        Replica::new(
            d.epoch.clone(),
            d.confirmed.clone(),
            d.cursor,
            d.pending.clone(),
        )
    }

    /// One round trip. With `crash`, the device dies after taking the answer in and before
    /// writing it down: it comes back from the disk as it was before the round.
    /// Returns the answer's `more`.
    pub async fn round(&mut self, crash: bool) -> Result<bool, Failed> {
        let request = self.memory.request(MAX_PUSH);
        let token = self.disk.enrolment.token.clone();
        let response: SyncResponse =
            post(&self.http, &self.base, "/api/sync", Some(&token), &request).await?;
        let more = response.more;
        if let Err(e) = self.memory.receive(response) {
            panic!(
                "{}: the replica refused the server's answer: {e}",
                self.name
            );
        }
        if crash {
            self.reload();
            return Ok(more);
        }
        let d = &mut self.disk;
        d.epoch = self.memory.epoch().cloned();
        d.confirmed = self.memory.confirmed().clone();
        d.cursor = self.memory.cursor();
        d.pending = self.memory.pending().to_vec();
        Ok(more)
    }

    /// Round trips until nothing is left to send and the server has nothing more, by the
    /// rules the app's sync engine follows (`loket_core::sync::rounds`).
    pub async fn settle(&mut self) -> Result<(), Failed> {
        let mut settling = Settling::new();
        for _ in 0..MAX_ROUNDS {
            let more = match self.round(false).await {
                Ok(more) => more,
                Err(e) => match settling.failed(e.round_failed()) {
                    AfterFailure::Stop(_) => return Err(e),
                    // Schedules never restore the server from a backup.
                    AfterFailure::Restart => panic!(
                        "{}: the server answered as if restored from a backup: {e:?}",
                        self.name
                    ),
                },
            };
            if Settling::settled(&self.memory, more) {
                return Ok(());
            }
        }
        panic!(
            "{}: sync did not settle in {MAX_ROUNDS} rounds (cursor {}, {} pending)",
            self.name,
            self.memory.cursor(),
            self.memory.pending().len()
        );
    }

    /// Enrols this (revoked) tablet again as itself with `code`, keeping what it holds.
    pub async fn enrol_again(&mut self, code: &str) -> Result<(), Failed> {
        let old = self.disk.enrolment.token.clone();
        let name = self.name.clone();
        let enrolment = enrol(&self.http, &self.base, code, &name, Some(old)).await?;
        assert_eq!(
            enrolment.device, self.disk.enrolment.device,
            "{name} enrolled again as another device"
        );
        self.disk.enrolment = enrolment;
        Ok(())
    }

    /// As the office's admin signed in here, revokes `device` (straight to the server at
    /// `server`: the admin's own call is not what is under test).
    pub async fn revoke(&self, server: &str, device: &SimDevice) -> Result<(), Failed> {
        let header = staff_header(self.credential.credential, &self.credential.key);
        let request = RevokeDevice {
            device: device.disk.enrolment.device.clone(),
        };
        let token = self.disk.enrolment.token.clone();
        let http = client();
        let sent = http
            .post(format!("{server}/api/devices/revoke"))
            .bearer_auth(&token)
            .header(STAFF_HEADER, header)
            .json(&request)
            .send()
            .await
            .map_err(|_| Failed::Network)?;
        let status = sent.status();
        if status.is_success() {
            return Ok(());
        }
        Err(Failed::Refused(
            status.as_u16(),
            sent.text().await.unwrap_or_default(),
        ))
    }
}

/// `POST /api/devices`.
async fn enrol(
    http: &reqwest::Client,
    base: &str,
    code: &str,
    name: &str,
    again: Option<String>,
) -> Result<Enrolment, Failed> {
    let request = EnrolRequest {
        code: code.to_owned(),
        name: name.to_owned(),
        again,
    };
    post(http, base, "/api/devices", None, &request).await
}

/// A JSON POST, its 2xx body parsed; anything else as [`Failed`].
async fn post<T: DeserializeOwned>(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    token: Option<&str>,
    body: &impl serde::Serialize,
) -> Result<T, Failed> {
    let mut request = http.post(format!("{base}{path}")).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|_| Failed::Network)?;
    let status = response.status();
    let text = response.text().await.map_err(|_| Failed::Network)?;
    if !status.is_success() {
        return Err(Failed::Refused(status.as_u16(), text));
    }
    let parsed = serde_json::from_str(&text);
    Ok(parsed.unwrap_or_else(|e| {
        panic!("POST {path} answered {status} with a body that does not parse ({e})")
    }))
}
