//! The blank-card ledger (*blanko* / *keping* KTP-el): cards received against a delivery note,
//! used by a print, spoiled by a misprint. Stock is announced to the public daily, so its sums
//! must always add up, and a print with no card left is refused (the office issues a Suket).

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A ledger entry that cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StockError {
    /// No blank card is left: print nothing, offer the temporary certificate (Suket).
    #[error("no blank cards left")]
    OutOfStock,
    /// A delivery of zero cards, or more than a delivery can hold.
    #[error("a delivery holds 1 to {MAX_DELIVERY} cards, not {0}")]
    BadDelivery(u32),
}

/// The most cards one delivery note may record: a guard against a mistyped count.
pub const MAX_DELIVERY: u32 = 100_000;

/// Counts of blank cards; `on_hand` is always `received - used - spoiled`, never negative.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Counts")]
pub struct Stock {
    received: u32,
    used: u32,
    spoiled: u32,
}

/// The stored form of [`Stock`], checked when read back.
#[derive(Deserialize)]
struct Counts {
    received: u32,
    used: u32,
    spoiled: u32,
}

/// Stored counts that do not add up.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{used} used and {spoiled} spoiled is more than the {received} cards received")]
pub struct BadCounts {
    received: u32,
    used: u32,
    spoiled: u32,
}

impl TryFrom<Counts> for Stock {
    type Error = BadCounts;
    fn try_from(c: Counts) -> Result<Self, BadCounts> {
        match c.used.checked_add(c.spoiled) {
            Some(taken) if taken <= c.received => Ok(Self {
                received: c.received,
                used: c.used,
                spoiled: c.spoiled,
            }),
            _ => Err(BadCounts {
                received: c.received,
                used: c.used,
                spoiled: c.spoiled,
            }),
        }
    }
}

impl Stock {
    /// Cards received so far.
    pub fn received(&self) -> u32 {
        self.received
    }

    /// Cards printed and handed on.
    pub fn used(&self) -> u32 {
        self.used
    }

    /// Cards spoiled by a misprint or ribbon failure.
    pub fn spoiled(&self) -> u32 {
        self.spoiled
    }

    /// Cards still blank.
    pub fn on_hand(&self) -> u32 {
        self.received - self.used - self.spoiled
    }

    /// Whether the stock is at or below `threshold`: time to warn staff.
    pub fn is_low(&self, threshold: u32) -> bool {
        self.on_hand() <= threshold
    }

    /// Records a delivery.
    pub fn receive(&mut self, count: u32) -> Result<(), StockError> {
        if count == 0 || count > MAX_DELIVERY {
            return Err(StockError::BadDelivery(count));
        }
        self.received = self
            .received
            .checked_add(count)
            .ok_or(StockError::BadDelivery(count))?;
        Ok(())
    }

    /// Takes one card for a print that succeeded.
    pub fn use_one(&mut self) -> Result<(), StockError> {
        self.take()?;
        self.used += 1;
        Ok(())
    }

    /// Takes one card that was spoiled.
    pub fn spoil_one(&mut self) -> Result<(), StockError> {
        self.take()?;
        self.spoiled += 1;
        Ok(())
    }

    fn take(&self) -> Result<(), StockError> {
        if self.on_hand() == 0 {
            Err(StockError::OutOfStock)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_print_takes_a_card_and_an_empty_stock_refuses() {
        let mut stock = Stock::default();
        assert_eq!(stock.use_one(), Err(StockError::OutOfStock));
        stock.receive(2).unwrap();
        stock.use_one().unwrap();
        stock.spoil_one().unwrap();
        assert_eq!(
            (
                stock.received(),
                stock.used(),
                stock.spoiled(),
                stock.on_hand()
            ),
            (2, 1, 1, 0)
        );
        assert_eq!(stock.use_one(), Err(StockError::OutOfStock));
        assert_eq!(stock.spoil_one(), Err(StockError::OutOfStock));
        assert!(stock.is_low(0));
    }

    #[test]
    fn stored_counts_must_add_up() {
        let mut stock = Stock::default();
        stock.receive(5).unwrap();
        stock.use_one().unwrap();
        let json = serde_json::to_string(&stock).unwrap();
        assert_eq!(serde_json::from_str::<Stock>(&json).unwrap(), stock);
        let bad = r#"{"received":1,"used":1,"spoiled":1}"#;
        assert!(serde_json::from_str::<Stock>(bad).is_err());
        let overflow = r#"{"received":1,"used":4294967295,"spoiled":1}"#;
        assert!(serde_json::from_str::<Stock>(overflow).is_err());
    }

    #[test]
    fn deliveries_must_be_plausible() {
        let mut stock = Stock::default();
        assert_eq!(stock.receive(0), Err(StockError::BadDelivery(0)));
        assert_eq!(
            stock.receive(MAX_DELIVERY + 1),
            Err(StockError::BadDelivery(MAX_DELIVERY + 1))
        );
        assert_eq!(stock, Stock::default());
    }

    #[derive(Debug, Clone)]
    enum Entry {
        Receive(u32),
        Use,
        Spoil,
    }

    proptest! {
        #[test]
        fn the_ledger_never_goes_negative_and_its_sums_match(
            entries in prop::collection::vec(prop_oneof![
                (0u32..50).prop_map(Entry::Receive),
                Just(Entry::Use),
                Just(Entry::Spoil),
            ], 0..200)
        ) {
            let mut stock = Stock::default();
            let (mut received, mut used, mut spoiled) = (0u32, 0u32, 0u32);
            for entry in entries {
                let before = stock;
                let result = match entry {
                    Entry::Receive(n) => stock.receive(n).map(|()| received += n),
                    Entry::Use => stock.use_one().map(|()| used += 1),
                    Entry::Spoil => stock.spoil_one().map(|()| spoiled += 1),
                };
                if result.is_err() {
                    prop_assert_eq!(stock, before, "a refused entry changes nothing");
                }
                prop_assert_eq!(stock.on_hand() + stock.used() + stock.spoiled(), stock.received());
            }
            prop_assert_eq!((stock.received(), stock.used(), stock.spoiled()), (received, used, spoiled));
        }
    }
}
