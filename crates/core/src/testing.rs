//! Builders for tests in other crates (the server's, the end-to-end ones), behind the
//! `test-support` feature, so each does not write its own copy of a well-formed record.

use crate::ids::StaffId;
use crate::roles::Role;
use crate::staff::{PIN_ITERATIONS, PinHash, Staff};

/// An active staff member with a well-formed, made-up PIN hash: nobody can unlock with it,
/// which tests that only push ops do not need.
pub fn staff(id: StaffId, name: &str, role: Role) -> Staff {
    Staff {
        id,
        name: name.into(),
        role,
        pin: PinHash {
            salt: "00112233445566778899aabbccddeeff".into(),
            iterations: PIN_ITERATIONS,
            hash: "ab".repeat(32),
        },
        active: true,
    }
}

/// [`staff`] with an id given as text (panics on a malformed one: tests only) and a name
/// made from it.
pub fn account(id: &str, role: Role) -> Staff {
    let Ok(staff_id) = StaffId::new(id) else {
        panic!("{id:?} is not a staff id");
    };
    staff(staff_id, &format!("Staf {id}"), role)
}
