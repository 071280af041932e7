//! The SOP's service-time standards (SOP.md, flows A and B), editable by the admin, and how
//! a running step compares with its standard: on time, near (amber), or past (red).

use chrono::Duration;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A step of the SOP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Step {
    /// Applicant brings documents, takes a number.
    A1,
    /// Operator calls the number.
    A2,
    /// Applicant hands over the documents.
    A3,
    /// Operator verifies against the population database.
    A4,
    /// Kasi Pelum verifies again and decides.
    A5,
    /// Applicant receives the card and signs the receipt.
    A6,
    /// Staff register an online application.
    B1,
    /// Operator checks and prints.
    B2,
    /// Kasi checks the printed card; staff record it.
    B3,
    /// Staff tell the applicant the card is ready.
    B4,
}

impl Step {
    /// The walk-in flow, in order.
    pub const WALK_IN: [Step; 6] = [Step::A1, Step::A2, Step::A3, Step::A4, Step::A5, Step::A6];
    /// The online flow, in order.
    pub const ONLINE: [Step; 4] = [Step::B1, Step::B2, Step::B3, Step::B4];
}

/// Standard minutes per step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardTimes {
    minutes: [u16; 10],
}

/// A standard the admin may not set.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a standard time is 1 to {MAX_MINUTES} minutes, not {0}")]
pub struct BadStandard(pub u16);

/// The longest standard the admin may set for a step.
pub const MAX_MINUTES: u16 = 240;

impl Default for StandardTimes {
    /// The SOP's values: A 5, 2, 2, 5, 5, 5 (24 in all); B 5, 10, 2, 5 (22 in all).
    fn default() -> Self {
        Self {
            minutes: [5, 2, 2, 5, 5, 5, 5, 10, 2, 5],
        }
    }
}

impl StandardTimes {
    /// The standard for `step`.
    pub fn of(&self, step: Step) -> Duration {
        Duration::minutes(i64::from(self.minutes[step as usize]))
    }

    /// Sets the standard for `step`.
    pub fn set(&mut self, step: Step, minutes: u16) -> Result<(), BadStandard> {
        if !(1..=MAX_MINUTES).contains(&minutes) {
            return Err(BadStandard(minutes));
        }
        self.minutes[step as usize] = minutes;
        Ok(())
    }

    /// Whether every standard is within 1 to [`MAX_MINUTES`] (a synced value is checked
    /// before it is applied).
    pub fn is_valid(&self) -> bool {
        self.minutes.iter().all(|m| (1..=MAX_MINUTES).contains(m))
    }

    /// The standard for a whole flow.
    pub fn total(&self, steps: &[Step]) -> Duration {
        steps
            .iter()
            .map(|s| self.of(*s))
            .fold(Duration::zero(), |a, b| a + b)
    }
}

/// How a running step compares with its standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Timing {
    /// Under 80% of the standard.
    OnTime,
    /// From 80% of the standard up to it: amber.
    Near,
    /// Past the standard: red.
    Over,
}

/// Where `elapsed` stands against `standard`.
pub fn timing(elapsed: Duration, standard: Duration) -> Timing {
    if elapsed > standard {
        Timing::Over
    } else if elapsed * 5 >= standard * 4 {
        Timing::Near
    } else {
        Timing::OnTime
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_sops() {
        let t = StandardTimes::default();
        assert_eq!(t.total(&Step::WALK_IN), Duration::minutes(24));
        assert_eq!(t.total(&Step::ONLINE), Duration::minutes(22));
        assert_eq!(t.of(Step::A4), Duration::minutes(5));
        assert_eq!(t.of(Step::B2), Duration::minutes(10));
    }

    #[test]
    fn the_admin_may_change_a_standard_within_reason() {
        let mut t = StandardTimes::default();
        t.set(Step::A4, 8).unwrap();
        assert_eq!(t.of(Step::A4), Duration::minutes(8));
        assert_eq!(t.set(Step::A4, 0), Err(BadStandard(0)));
        assert_eq!(
            t.set(Step::A4, MAX_MINUTES + 1),
            Err(BadStandard(MAX_MINUTES + 1))
        );
        assert_eq!(t.of(Step::A4), Duration::minutes(8));
    }

    #[test]
    fn amber_from_four_fifths_red_past_the_standard() {
        let five = Duration::minutes(5);
        assert_eq!(timing(Duration::seconds(0), five), Timing::OnTime);
        assert_eq!(timing(Duration::seconds(239), five), Timing::OnTime);
        assert_eq!(timing(Duration::seconds(240), five), Timing::Near);
        assert_eq!(timing(five, five), Timing::Near);
        assert_eq!(timing(five + Duration::seconds(1), five), Timing::Over);
    }
}
