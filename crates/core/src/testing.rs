//! Builders for tests in other crates (the server's, the end-to-end ones), behind the
//! `test-support` feature, so each does not write its own copy of a well-formed record.

use crate::credential::{Credential, CredentialId, Key, prove};
use crate::ids::StaffId;
use crate::ids::{DeviceId, OfficeCode};
use crate::op::Op;
use crate::roles::Role;
use crate::staff::Staff;

/// An active staff member.
pub fn staff(id: StaffId, name: &str, role: Role) -> Staff {
    Staff {
        id,
        name: name.into(),
        role,
        active: true,
    }
}

/// The credential tests sign `actor`'s ops on `device` with: its id and key made from
/// the three names, so the same one comes out every time.
pub fn credential(office: &OfficeCode, device: &DeviceId, actor: &StaffId) -> Credential {
    use sha2::{Digest, Sha256};
    let seed: [u8; 32] = Sha256::digest(format!("{office}/{device}/{actor}")).into();
    let mut id = [0u8; 16];
    id.copy_from_slice(&Sha256::digest(seed)[..16]);
    Credential {
        id: CredentialId(uuid::Uuid::from_bytes(id)),
        office: office.clone(),
        staff: actor.clone(),
        device: device.clone(),
        key: Key::from_bytes(seed),
        revoked: false,
    }
}

/// `op` with a proof under its actor's [`credential`] on its device.
pub fn signed(mut op: Op) -> Op {
    let c = credential(&op.office, &op.device, &op.actor);
    op.proof = Some(prove(c.id, &c.key, &op));
    op
}

/// [`staff`] with an id given as text (panics on a malformed one: tests only) and a name
/// made from it.
pub fn account(id: &str, role: Role) -> Staff {
    let Ok(staff_id) = StaffId::new(id) else {
        panic!("{id:?} is not a staff id");
    };
    staff(staff_id, &format!("Staf {id}"), role)
}

/// The steps of a walk-in visit that goes as the SOP hopes, after its ticket was issued:
/// called to counter 1, arrived, documents received, verified (every document of its
/// case in the default catalogue valid, SIAK matching), printed and handed over.
pub fn happy_visit(ticket: crate::op::TicketRef) -> Vec<crate::op::OpBody> {
    use crate::catalogue::{CaseCode, Catalogue};
    use crate::handover::Signature;
    use crate::ids::CounterNo;
    use crate::op::{CallTicket, HandOver, OpBody, Verify};
    use crate::verification::{DocCheck, DocState, Siak, Verification};
    let catalogue = Catalogue::default();
    let documents = CaseCode::new("baru")
        .ok()
        .and_then(|code| catalogue.case(&code))
        .map(|case| {
            case.documents
                .iter()
                .map(|d| DocCheck {
                    code: d.code.clone(),
                    state: DocState::Valid,
                })
                .collect()
        })
        .unwrap_or_default();
    let (Ok(nik), Ok(counter)) = ("5102024107900001".to_string().try_into(), CounterNo::new(1))
    else {
        panic!("the builder's own NIK and counter are valid");
    };
    vec![
        OpBody::CallTicket(CallTicket {
            number: ticket.number.clone(),
            day: ticket.day,
            counter,
        }),
        OpBody::Arrive(ticket.clone()),
        OpBody::ReceiveDocuments(ticket.clone()),
        OpBody::VerifyDocuments(Verify {
            ticket: ticket.clone(),
            verification: Verification {
                catalogue: catalogue.version,
                documents,
                nik,
                name: "Ni Made Ayu".into(),
                siak: Siak::Matches,
                note: String::new(),
            },
        }),
        OpBody::PrintCard(ticket.clone()),
        OpBody::HandOver(HandOver {
            ticket,
            signature: Signature {
                strokes: vec![
                    (0..20)
                        .map(|i| [10 + i * 40, 100 + (i % 2) * 100])
                        .collect(),
                ],
            },
            old_card_returned: false,
        }),
    ]
}

/// The handover of `ticket` with the longest signature a signature may be
/// ([`crate::handover::MAX_POINTS`] points): the largest op a counter makes often.
pub fn longest_handover(ticket: crate::op::TicketRef) -> crate::op::OpBody {
    use crate::handover::{MAX_POINTS, Signature};
    let points = (0..MAX_POINTS).map(|i| {
        let i = u16::try_from(i).unwrap_or(u16::MAX);
        [i % 1000, i % 700]
    });
    crate::op::OpBody::HandOver(crate::op::HandOver {
        ticket,
        signature: Signature {
            strokes: vec![points.collect()],
        },
        old_card_returned: false,
    })
}
