//! A6: the applicant's signature on the handover receipt (*bukti serah terima*), drawn with a
//! finger. Strokes are points in a fixed box so a receipt prints the same from any screen.

use serde::{Deserialize, Serialize};
use std::fmt::Write;
use thiserror::Error;

/// The signing box's width, in signature units.
pub const BOX_W: u16 = 1000;
/// The signing box's height, in signature units.
pub const BOX_H: u16 = 400;
/// At most this many strokes.
pub const MAX_STROKES: usize = 64;
/// At most this many points in all: a signature is a few kilobytes, never a drawing.
pub const MAX_POINTS: usize = 4000;
/// At least this much ink (sum of stroke lengths, in box units): a dot or a tick is not a
/// signature. About two words' width of writing.
pub const MIN_INK: u32 = 600;
/// At least this many points.
pub const MIN_POINTS: usize = 12;

/// A signature: strokes of points in a [`BOX_W`] × [`BOX_H`] box.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// Each stroke is the points of one finger-down to finger-up.
    pub strokes: Vec<Vec<[u16; 2]>>,
}

impl std::fmt::Debug for Signature {
    /// A signature is personal data: only its size is printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({} strokes)", self.strokes.len())
    }
}

/// Why a signature cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    /// Too little ink to be a signature.
    #[error("the signature is too short; please sign in full")]
    TooShort,
    /// More strokes or points than a signature has, or a point outside the box.
    #[error("the signature data is malformed")]
    Malformed,
}

impl Signature {
    /// The total length of the strokes, in box units.
    pub fn ink(&self) -> u32 {
        self.strokes
            .iter()
            .flat_map(|s| s.windows(2))
            .map(|w| {
                let dx = f64::from(w[1][0]) - f64::from(w[0][0]);
                let dy = f64::from(w[1][1]) - f64::from(w[0][1]);
                (dx * dx + dy * dy).sqrt() as u32
            })
            .sum()
    }

    /// Checks the shape and that there is enough of it.
    pub fn check(&self) -> Result<(), SignatureError> {
        let points: usize = self.strokes.iter().map(Vec::len).sum();
        let inside = self
            .strokes
            .iter()
            .flatten()
            .all(|[x, y]| *x <= BOX_W && *y <= BOX_H);
        if self.strokes.len() > MAX_STROKES || points > MAX_POINTS || !inside {
            return Err(SignatureError::Malformed);
        }
        if points < MIN_POINTS || self.ink() < MIN_INK {
            return Err(SignatureError::TooShort);
        }
        Ok(())
    }

    /// The strokes as an SVG path (`M x y L x y …`) in the box's units, for the receipt.
    pub fn svg_path(&self) -> String {
        let mut d = String::new();
        for stroke in &self.strokes {
            for (i, [x, y]) in stroke.iter().enumerate() {
                let cmd = if i == 0 { 'M' } else { 'L' };
                let _ = write!(d, "{cmd}{x} {y}");
            }
            if stroke.len() == 1 {
                let [x, y] = stroke[0];
                let _ = write!(d, "L{x} {y}");
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zigzag(points: u16, step: u16) -> Vec<[u16; 2]> {
        (0..points)
            .map(|i| [10 + i * step, if i % 2 == 0 { 100 } else { 200 }])
            .collect()
    }

    #[test]
    fn a_dot_or_a_tick_is_not_a_signature() {
        let dot = Signature {
            strokes: vec![vec![[500, 200]]],
        };
        assert_eq!(dot.check(), Err(SignatureError::TooShort));
        let tick = Signature {
            strokes: vec![vec![[100, 100], [150, 200], [300, 50]]],
        };
        assert_eq!(tick.check(), Err(SignatureError::TooShort));
        let signed = Signature {
            strokes: vec![zigzag(10, 40), zigzag(8, 30)],
        };
        assert_eq!(signed.check(), Ok(()));
        // One long flowing stroke is a signature too: many people sign that way.
        let one = Signature {
            strokes: vec![zigzag(20, 40)],
        };
        assert_eq!(one.check(), Ok(()));
    }

    #[test]
    fn out_of_box_or_oversized_signatures_are_malformed() {
        let outside = Signature {
            strokes: vec![vec![[BOX_W + 1, 0]; 20]],
        };
        assert_eq!(outside.check(), Err(SignatureError::Malformed));
        let huge = Signature {
            strokes: vec![zigzag(20, 1); MAX_STROKES + 1],
        };
        assert_eq!(huge.check(), Err(SignatureError::Malformed));
    }

    #[test]
    fn the_svg_path_draws_every_stroke() {
        let s = Signature {
            strokes: vec![vec![[1, 2], [3, 4]], vec![[5, 6]]],
        };
        assert_eq!(s.svg_path(), "M1 2L3 4M5 6L5 6");
        assert!(!format!("{s:?}").contains('1'));
    }
}
