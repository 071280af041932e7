//! Pieces shared by the pages.

pub mod banners;
pub mod sync_badge;
