//! One module per page.

pub mod admin;
pub mod admin_access;
pub mod admin_catalogue;
pub mod admin_devices;
pub mod counter;
pub mod enrol;
pub mod kasi;
pub mod lock;
pub mod print;
pub mod selfcheck;
pub mod status;
pub mod visit;
