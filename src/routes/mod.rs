//! One module per page.

pub mod counter;
pub mod enrol;
