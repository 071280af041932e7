//! Who may do what (SOP.md, Roles). The walk-in flow will refuse an op whose actor's role
//! may not make it, as a conflict, and the app shows each role only what it may do, from
//! this one table.

use serde::{Deserialize, Serialize};

/// A member of staff's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Counter staff with SIAK access: calls, verifies, prints, hands over.
    Operator,
    /// Kepala Seksi Pelayanan Umum: decides escalations, checks printed cards.
    Kasi,
    /// Front office: issues numbers, registers online applications, keeps the print register.
    Staff,
    /// Manages staff, counters, cases, standards and stock.
    Admin,
}

/// What someone does, as the permission table knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A1: issue a queue number.
    IssueTicket,
    /// A2: call, recall, mark no-show, put back.
    CallTicket,
    /// A3–A4: record the checklist, the NIK and the SIAK result.
    Verify,
    /// A4: escalate a file to the Kasi.
    Escalate,
    /// A5: approve for printing or return to the applicant.
    Decide,
    /// Print a card, record a spoiled one, issue a Suket.
    Print,
    /// A6: hand the card over against a signature.
    HandOver,
    /// B1: register an online application.
    RegisterOnline,
    /// Record a delivery of blank cards.
    ReceiveStock,
    /// Change staff, counters, cases or standard times.
    Administer,
}

impl Role {
    /// Whether this role may do `action`. Only the Kasi decides escalations.
    pub fn may(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Operator => matches!(
                action,
                IssueTicket | CallTicket | Verify | Escalate | Print | HandOver
            ),
            Role::Kasi => matches!(action, Decide | Verify | IssueTicket | CallTicket),
            Role::Staff => matches!(
                action,
                IssueTicket | RegisterOnline | HandOver | ReceiveStock
            ),
            Role::Admin => matches!(action, Administer | ReceiveStock | IssueTicket),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: [Role; 4] = [Role::Operator, Role::Kasi, Role::Staff, Role::Admin];

    #[test]
    fn only_the_kasi_decides_escalations() {
        for role in ROLES {
            assert_eq!(role.may(Action::Decide), role == Role::Kasi, "{role:?}");
        }
    }

    #[test]
    fn only_the_admin_administers() {
        for role in ROLES {
            assert_eq!(
                role.may(Action::Administer),
                role == Role::Admin,
                "{role:?}"
            );
        }
    }

    #[test]
    fn the_sops_actors_may_do_their_steps() {
        assert!(Role::Operator.may(Action::CallTicket));
        assert!(Role::Operator.may(Action::Verify));
        assert!(Role::Operator.may(Action::Print));
        assert!(Role::Staff.may(Action::RegisterOnline));
        assert!(!Role::Operator.may(Action::Decide));
        assert!(!Role::Staff.may(Action::Print));
    }
}
