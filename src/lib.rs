//! Loket, the counter app.
