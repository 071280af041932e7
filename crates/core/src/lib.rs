//! The Loket domain: what a step of the KTP-el service *means*, with no IO.
//!
//! Every user action is an [`Op`]; the state of an office is a pure fold over its ops
//! ([`OfficeState::apply`]). The counter tablet and the server run this same code, so they
//! cannot disagree about a step. The sync protocol ([`sync`]) is sans-IO: the app and the
//! server only move its messages.
//!
//! Architecture invariant: this crate never does IO and knows nothing of axum, SQL, rexie
//! or web-sys. Time and randomness come in as values (an op carries its time and id).

pub mod catalogue;
pub mod credential;
pub mod enrol;
pub mod error_code;
pub mod handover;
pub mod ids;
pub mod nik;
pub mod office;
pub mod op;
pub mod roles;
pub mod selfcheck;
pub mod sign_in;
pub mod staff;
pub mod standards;
pub mod state;
pub mod status_link;
pub mod stock;
pub mod sync;
pub mod text;
pub mod ticket;
pub mod verification;
pub mod visit;
pub mod wire;

pub use error_code::{ErrorBody, ErrorCode};
pub use ids::{CounterNo, DeviceId, DeviceLetter, IdError, OfficeCode, OpId, StaffId};
pub use office::Office;
pub use op::{CallTicket, Clock, IssueTicket, Op, OpBody, OpError, TicketRef};
pub use roles::{Action, Role};
pub use state::{Conflict, ConflictReason, OfficeState, Outcome};
pub use ticket::{
    CheckCode, PublicDocument, PublicDocuments, PublicStage, PublicStatus, Ticket, TicketNo,
};
pub use visit::Stage;

#[cfg(any(test, feature = "test-support"))]
pub mod testing;

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod sync_props;

#[cfg(test)]
mod flow_tests;
