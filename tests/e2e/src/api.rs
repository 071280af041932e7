//! A simulated tablet over plain HTTP: enrols with the admin code, then syncs with the
//! same `loket-core` protocol code the app runs ([`Replica`] builds requests and takes
//! responses in; this module only moves the bytes).

use chrono::{NaiveDate, Utc};
use loket_core::catalogue::CaseCode;
use loket_core::credential::prove;
use loket_core::enrol::{EnrolRequest, Enrolment};
use loket_core::op::{ReceiveStock, TicketRef};
use loket_core::sign_in::{FirstAdmin, Issued, STAFF_HEADER, SetPin, SignIn, staff_header};
use loket_core::sync::{MAX_PUSH, Replica, SyncRequest, SyncResponse};
use loket_core::{IssueTicket, Op, OpBody, OpId, StaffId, TicketNo};
use serde::de::DeserializeOwned;
use std::time::Duration;

/// The PIN of the admin these devices make first and sign in as.
pub const ADMIN_PIN: &str = "482913";

/// An enrolled device with its replica.
pub struct Device {
    /// What enrolment gave it.
    pub enrolment: Enrolment,
    /// The enrolment's actor's credential on this device, once signed in: every op it
    /// records carries its proof.
    pub credential: Option<Issued>,
    /// Its confirmed state, pending ops and cursor.
    pub replica: Replica,
    http: reqwest::Client,
    base: String,
}

impl Device {
    /// Enrols a device named `name` at the server at `base` with the admin `code`.
    pub async fn enrol(base: &str, code: &str, name: &str) -> Device {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            // The server closes a connection idle for 10 s (its header timeout): a client
            // drops its own sooner, as browsers notice, rather than send on a closing one.
            .pool_idle_timeout(Duration::from_secs(5))
            .build()
            .expect("an HTTP client");
        let response = http
            .post(format!("{base}/api/devices"))
            .json(&EnrolRequest {
                code: code.to_owned(),
                name: name.to_owned(),
                again: None,
            })
            .send()
            .await;
        let enrolment = answer(response, "POST /api/devices").await;
        Device {
            enrolment,
            credential: None,
            replica: Replica::default(),
            http,
            base: base.to_owned(),
        }
    }

    /// Today in the office's time zone: the service day of tickets issued now.
    pub fn today(&self) -> NaiveDate {
        self.enrolment.office.service_day(Utc::now())
    }

    /// Makes the office's first account, an admin, as the enrolment's actor, with
    /// [`ADMIN_PIN`]: the server issues their credential on this device, and the account
    /// is recorded with its proof (ops by an unknown actor would be conflicts).
    pub async fn make_first_admin(&mut self) {
        let request = FirstAdmin {
            staff: self.enrolment.actor.clone(),
            pin: ADMIN_PIN.to_owned(),
        };
        let response = self
            .http
            .post(format!("{}/api/staff/first-admin", self.base))
            .bearer_auth(&self.enrolment.token)
            .json(&request)
            .send()
            .await;
        self.credential = Some(answer(response, "POST /api/staff/first-admin").await);
        let staff = loket_core::testing::staff(
            self.enrolment.actor.clone(),
            "Admin API",
            loket_core::Role::Admin,
        );
        self.record(OpBody::SaveStaff(staff));
    }

    /// Signs the enrolment's actor in on this device with [`ADMIN_PIN`] (after another
    /// device made them the first admin).
    pub async fn sign_in(&mut self) {
        let request = SignIn {
            staff: self.enrolment.actor.clone(),
            pin: ADMIN_PIN.to_owned(),
        };
        let response = self
            .http
            .post(format!("{}/api/staff/sign-in", self.base))
            .bearer_auth(&self.enrolment.token)
            .json(&request)
            .send()
            .await;
        self.credential = Some(answer(response, "POST /api/staff/sign-in").await);
    }

    /// Records a delivery of `count` blank cards (as the admin, before
    /// [`Device::become_operator`]).
    pub fn receive_stock(&mut self, count: u32) {
        self.record(OpBody::ReceiveStock(ReceiveStock {
            count,
            delivery_note: "SJ-API/001".to_owned(),
        }));
    }

    /// As the signed-in admin: makes the operator account `id`, gives it `pin` and signs it
    /// in on this device, so every op recorded from then on is that operator's.
    pub async fn become_operator(&mut self, id: &str, pin: &str) {
        let staff = StaffId::new(id).expect("a valid staff id");
        self.record(OpBody::SaveStaff(loket_core::testing::staff(
            staff.clone(),
            "Operator API",
            loket_core::Role::Operator,
        )));
        self.sync_all().await;
        let admin = self.credential.as_ref().expect("the admin is signed in");
        let response = self
            .http
            .post(format!("{}/api/staff/pin", self.base))
            .bearer_auth(&self.enrolment.token)
            .header(STAFF_HEADER, staff_header(admin.credential, &admin.key))
            .json(&SetPin {
                staff: staff.clone(),
                pin: pin.to_owned(),
            })
            .send()
            .await
            .expect("POST /api/staff/pin");
        assert!(
            response.status().is_success(),
            "POST /api/staff/pin answered {}",
            response.status()
        );
        let response = self
            .http
            .post(format!("{}/api/staff/sign-in", self.base))
            .bearer_auth(&self.enrolment.token)
            .json(&SignIn {
                staff: staff.clone(),
                pin: pin.to_owned(),
            })
            .send()
            .await;
        self.credential = Some(answer(response, "POST /api/staff/sign-in").await);
        self.enrolment.actor = staff;
    }

    /// A walk-in visit that goes as the SOP hopes, from its ticket (`serial` of `day`) to
    /// the card handed over ([`loket_core::testing::happy_visit`]): seven ops, by an
    /// operator ([`Device::become_operator`]).
    pub fn visit(&mut self, serial: u16, day: NaiveDate) {
        self.issue(serial, day);
        let ticket = TicketRef {
            number: TicketNo {
                letter: self.enrolment.letter.clone(),
                serial,
            },
            day,
        };
        for body in loket_core::testing::happy_visit(ticket) {
            self.record(body);
        }
    }

    /// Records `body` as made now on this device by the enrolment's actor.
    fn record(&mut self, body: OpBody) {
        let e = &self.enrolment;
        let mut op = Op {
            id: OpId(uuid::Uuid::now_v7()),
            office: e.office.code.clone(),
            device: e.device.clone(),
            actor: e.actor.clone(),
            at: Utc::now(),
            body,
            proof: None,
        };
        op.proof = self
            .credential
            .as_ref()
            .map(|c| prove(c.credential, &c.key, &op));
        self.replica.record(op);
    }

    /// Records a walk-in ticket with this device's letter and `serial`, issued now.
    pub fn issue(&mut self, serial: u16, day: NaiveDate) {
        let number = TicketNo {
            letter: self.enrolment.letter.clone(),
            serial,
        };
        self.record(OpBody::IssueTicket(IssueTicket {
            number,
            day,
            case: CaseCode::new("baru").expect("a valid case code"),
            priority: false,
            catalogue: None,
        }));
    }

    /// One round trip: `POST /api/sync` with the replica's next request, taken in.
    /// Returns the response's `more`.
    pub async fn sync_once(&mut self) -> bool {
        let request: SyncRequest = self.replica.request(MAX_PUSH);
        let response = self
            .http
            .post(format!("{}/api/sync", self.base))
            .bearer_auth(&self.enrolment.token)
            .json(&request)
            .send()
            .await;
        let response: SyncResponse = answer(response, "POST /api/sync").await;
        let more = response.more;
        if let Err(e) = self.replica.receive(response) {
            panic!("the server's sync response was refused by the replica: {e}");
        }
        more
    }

    /// Syncs until every op is pushed and confirmed and nothing more waits on the server.
    /// Returns the number of round trips.
    pub async fn sync_all(&mut self) -> usize {
        // Enough for a push of every pending op plus a full pull, with room to spare: a
        // server that never settles fails here instead of looping forever.
        let limit = 10 + 4 * (self.replica.pending().len() / MAX_PUSH + 1) + 1000;
        for round in 1..=limit {
            let more = self.sync_once().await;
            if !more && !self.replica.has_unsent() && self.replica.pending().is_empty() {
                return round;
            }
        }
        panic!(
            "sync did not settle in {limit} round trips: cursor {}, {} ops still pending",
            self.replica.cursor(),
            self.replica.pending().len()
        );
    }
}

/// The JSON body of a 2xx answer, or a failure naming `what` and the server's error body.
async fn answer<T: DeserializeOwned>(
    response: Result<reqwest::Response, reqwest::Error>,
    what: &str,
) -> T {
    let response = response.unwrap_or_else(|e| panic!("{what} failed: {e}"));
    let status = response.status();
    let body = response
        .text()
        .await
        .unwrap_or_else(|e| panic!("{what}: reading the body failed: {e}"));
    assert!(status.is_success(), "{what} answered {status}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| {
        let head: String = body.chars().take(500).collect();
        panic!("{what} answered {status} with a body that does not parse ({e}): {head}")
    })
}
