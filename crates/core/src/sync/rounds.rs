//! A device's sync, round after round, sans-IO: when it is done, what a failed round
//! means (start again once for a server restored from a backup, or stop and say why), and
//! how long to wait before trying again. The app's sync engine and the fault harness's
//! simulated tablets both drive their rounds with this, so they stop and retry alike.

use super::Replica;
use crate::error_code::ErrorCode;

/// Why a device's sync stopped, for the staff looking at its badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncProblem {
    /// The server could not be reached.
    Network,
    /// The server does not accept this device's token.
    Auth,
    /// The server refused or failed.
    Server,
    /// What the server sent could not be saved on the device.
    Storage,
    /// The server's log is behind this device's (its database was replaced or restored).
    Diverged,
    /// The admin revoked this device: its work stays on it until it is enrolled again.
    Revoked,
}

/// How one round trip failed, as the device's transport saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundFailed {
    /// No answer (offline, refused, cut, timed out).
    Unreachable,
    /// 401, with the server's code.
    Unauthorised(ErrorCode),
    /// Another 4xx, with the server's code.
    Refused(ErrorCode),
    /// A 5xx, or an answer that could not be read.
    Server,
}

/// What to do after a failed round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// The server's history is not the device's: [`Replica::restart`] with the device's
    /// own confirmed ops, then go on.
    Restart,
    /// Stop this sync; tell staff and try again later ([`retry_after_ms`]).
    Stop(SyncProblem),
}

/// One sync until settled: round trips until nothing is left to send and the server has
/// nothing more, starting again at most once.
#[derive(Debug, Clone, Default)]
pub struct Settling {
    restarted: bool,
}

impl Settling {
    /// A new sync.
    pub fn new() -> Self {
        Self::default()
    }

    /// What a failed round means.
    pub fn failed(&mut self, failure: RoundFailed) -> AfterFailure {
        let diverged = matches!(
            failure,
            RoundFailed::Refused(ErrorCode::CursorAhead | ErrorCode::HistoryChanged)
        );
        if diverged && !self.restarted {
            self.restarted = true;
            return AfterFailure::Restart;
        }
        AfterFailure::Stop(match failure {
            RoundFailed::Unreachable => SyncProblem::Network,
            RoundFailed::Unauthorised(ErrorCode::DeviceRevoked) => SyncProblem::Revoked,
            RoundFailed::Unauthorised(_) => SyncProblem::Auth,
            // A second divergence right after starting again: the server is being replaced
            // under the device; stop and say so rather than loop.
            _ if diverged => SyncProblem::Diverged,
            RoundFailed::Refused(_) | RoundFailed::Server => SyncProblem::Server,
        })
    }

    /// Whether the sync is done after a round whose answer said `more`.
    pub fn settled(replica: &Replica, more: bool) -> bool {
        !more && !replica.has_unsent()
    }
}

/// The longest wait between retries while the server cannot be reached.
pub const MAX_RETRY_MS: u32 = 15_000;

/// The wait before trying again after `failures` failed syncs in a row: 2 s, 4 s, 8 s,
/// then [`MAX_RETRY_MS`].
pub fn retry_after_ms(failures: u32) -> u32 {
    1_000u32
        .saturating_mul(1 << failures.min(4))
        .min(MAX_RETRY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diverged_server_restarts_once_then_stops() {
        let mut s = Settling::new();
        let restored = RoundFailed::Refused(ErrorCode::HistoryChanged);
        assert_eq!(s.failed(restored), AfterFailure::Restart);
        assert_eq!(
            s.failed(RoundFailed::Refused(ErrorCode::CursorAhead)),
            AfterFailure::Stop(SyncProblem::Diverged)
        );
    }

    #[test]
    fn failures_are_named_for_staff() {
        let stop = |f| Settling::new().failed(f);
        assert_eq!(
            stop(RoundFailed::Unreachable),
            AfterFailure::Stop(SyncProblem::Network)
        );
        assert_eq!(
            stop(RoundFailed::Unauthorised(ErrorCode::DeviceRevoked)),
            AfterFailure::Stop(SyncProblem::Revoked)
        );
        assert_eq!(
            stop(RoundFailed::Unauthorised(ErrorCode::Unauthorized)),
            AfterFailure::Stop(SyncProblem::Auth)
        );
        assert_eq!(
            stop(RoundFailed::Refused(ErrorCode::TooManyOps)),
            AfterFailure::Stop(SyncProblem::Server)
        );
        assert_eq!(
            stop(RoundFailed::Server),
            AfterFailure::Stop(SyncProblem::Server)
        );
    }

    #[test]
    fn retries_back_off_to_a_ceiling() {
        let waits: Vec<u32> = (1..=6).map(retry_after_ms).collect();
        assert_eq!(waits, [2_000, 4_000, 8_000, 15_000, 15_000, 15_000]);
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn settled_when_nothing_is_unsent_and_nothing_more_waits() {
        let empty = Replica::default();
        assert!(Settling::settled(&empty, false));
        assert!(!Settling::settled(&empty, true));
    }
}
