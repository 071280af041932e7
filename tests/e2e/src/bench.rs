//! What the benchmarks share: the `bench:` lines `cargo xtask bench` echoes, and medians.

use std::io::Write;

/// Writes one `bench: <text>` line to stdout at once, past the test harness's capture.
pub fn line(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(format!("bench: {text}\n").as_bytes());
    let _ = stdout.flush();
}

/// The median of `xs` (the upper one of an even count); `NaN` for none.
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}
