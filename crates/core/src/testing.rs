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
