//! Pieces shared by the pages.

pub mod banners;
pub mod conflicts;
pub mod qr;
pub mod receipt;
pub mod return_notice;
pub mod signature_pad;
pub mod sync_badge;
pub mod ticket_slip;
