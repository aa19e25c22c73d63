//! How far a long step has got, for whoever wants to show it.
//!
//! An engine is handed a [`Progress`], says once what it will count and how
//! much there is ([`Progress::begin`]), and adds what it finishes
//! ([`Progress::add`]) — a relaxed atomic add per batch of work, so it
//! costs nothing worth measuring and never changes what is computed. The
//! CLI reads it from another thread and draws a bar; the library itself
//! never draws, and a `Progress` nobody reads is simply dropped, which is
//! what the functions without a progress argument do.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

/// What one step of [`Progress`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Bytes of input as stored (compressed bytes for gzip), so a bar
    /// can show a rate and an ETA in MiB.
    Bytes,
    /// Countable things, named in the plural ("fragments", "site groups").
    Items(&'static str),
}

/// A counter of work done out of a total, shared between the thread(s)
/// doing the work and one that shows it.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicU64,
    /// 0: not known.
    total: AtomicU64,
    /// What is being counted, and how many times `begin` was called (so a
    /// reader can tell a new step from the old one even with the same
    /// measure). Written only by `begin`, once per step.
    step: Mutex<(u64, Option<Measure>)>,
}

/// One reading of a [`Progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    /// How many steps have begun (0: none yet).
    pub step: u64,
    /// What the current step counts (`None` before the first `begin`).
    pub measure: Option<Measure>,
    pub done: u64,
    /// How much there is to do, when known.
    pub total: Option<u64>,
}

impl Snapshot {
    /// Share done, in 0..=1, when the total is known.
    pub fn fraction(&self) -> Option<f64> {
        self.total
            .map(|t| (self.done as f64 / t as f64).clamp(0.0, 1.0))
    }
}

impl Progress {
    pub fn new() -> Self {
        Self::default()
    }

    /// Start a step: `total` of `measure` to do (`None` when it cannot be
    /// known, e.g. a pipe), nothing done yet.
    pub fn begin(&self, total: Option<u64>, measure: Measure) {
        let mut step = self.step.lock().unwrap_or_else(|e| e.into_inner());
        self.done.store(0, Relaxed);
        self.total.store(total.unwrap_or(0), Relaxed);
        *step = (step.0 + 1, Some(measure));
    }

    /// `n` more units done. Call it per batch, not per record.
    pub fn add(&self, n: u64) {
        self.done.fetch_add(n, Relaxed);
    }

    pub fn snapshot(&self) -> Snapshot {
        let (step, measure) = *self.step.lock().unwrap_or_else(|e| e.into_inner());
        let total = self.total.load(Relaxed);
        Snapshot {
            step,
            measure,
            done: self.done.load(Relaxed),
            total: (total > 0).then_some(total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_across_threads_and_steps() {
        let p = Progress::new();
        let s = p.snapshot();
        assert_eq!((s.step, s.measure, s.done, s.total), (0, None, 0, None));
        p.begin(Some(4000), Measure::Items("fragments"));
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| (0..100).for_each(|_| p.add(10)));
            }
        });
        let s = p.snapshot();
        assert_eq!(s.step, 1);
        assert_eq!(s.measure, Some(Measure::Items("fragments")));
        assert_eq!(
            (s.done, s.total, s.fraction()),
            (4000, Some(4000), Some(1.0))
        );
        // A new step starts from nothing; an unknown total has no fraction.
        p.begin(None, Measure::Bytes);
        p.add(7);
        let s = p.snapshot();
        assert_eq!((s.step, s.measure, s.done), (2, Some(Measure::Bytes), 7));
        assert_eq!((s.total, s.fraction()), (None, None));
    }
}
