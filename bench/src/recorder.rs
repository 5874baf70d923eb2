//! Where every connection reports what it saw: deliveries with their latency, sends, errors and
//! closed sockets, kept per step of a run so late arrivals land in the step they belong to.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use hdrhistogram::Histogram;

/// Latencies are recorded in microseconds, from 1 µs to 10 minutes, to 3 significant digits.
const HIGHEST_MICROS: u64 = 600_000_000;

/// What one step saw, summed over every connection.
#[derive(Debug, Clone)]
pub struct StepCounts {
    /// End-to-end latency of every delivery, in microseconds.
    pub latency: Histogram<u64>,
    /// `send` frames written.
    pub sent: u64,
    /// Deliveries owed for what was sent: each message times the members of its room.
    pub expected: u64,
    /// `message` frames of this step that arrived.
    pub received: u64,
    /// `error` frames that arrived (rate limits, store failures, …).
    pub errors: u64,
}

impl StepCounts {
    fn new() -> Self {
        Self {
            latency: Histogram::new_with_bounds(1, HIGHEST_MICROS, 3)
                .expect("constant histogram bounds are valid"),
            sent: 0,
            expected: 0,
            received: 0,
            errors: 0,
        }
    }
}

/// Shared by every connection task. The bench runs its clients on one thread, so the mutex is
/// never contended; it costs a few nanoseconds per frame.
#[derive(Default)]
pub struct Recorder {
    steps: Mutex<HashMap<u32, StepCounts>>,
    /// Every text frame received, ours or not: the connect phase waits for it to go quiet.
    frames: AtomicU64,
    /// Sockets that closed or failed after their welcome.
    closed: AtomicU64,
    /// Close frames from the server with their reasons, for the report's notes.
    close_reasons: Mutex<HashMap<String, u64>>,
}

impl Recorder {
    fn with_step<R>(&self, step: u32, f: impl FnOnce(&mut StepCounts) -> R) -> R {
        let mut steps = self.steps.lock().expect("recorder lock");
        f(steps.entry(step).or_insert_with(StepCounts::new))
    }

    pub fn delivery(&self, step: u32, latency_micros: u64) {
        self.with_step(step, |s| {
            s.received += 1;
            s.latency
                .saturating_record(latency_micros.clamp(1, HIGHEST_MICROS));
        });
    }

    pub fn sent(&self, step: u32, messages: u64, deliveries_owed: u64) {
        self.with_step(step, |s| {
            s.sent += messages;
            s.expected += deliveries_owed;
        });
    }

    pub fn error(&self, step: u32) {
        self.with_step(step, |s| s.errors += 1);
    }

    pub fn frame(&self) {
        self.frames.fetch_add(1, Ordering::Relaxed);
    }

    pub fn frames(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }

    pub fn closed(&self, reason: String) {
        self.closed.fetch_add(1, Ordering::Relaxed);
        *self
            .close_reasons
            .lock()
            .expect("recorder lock")
            .entry(reason)
            .or_default() += 1;
    }

    pub fn closed_count(&self) -> u64 {
        self.closed.load(Ordering::Relaxed)
    }

    /// Why sockets closed, most frequent first.
    pub fn close_reasons(&self) -> Vec<(String, u64)> {
        let mut reasons: Vec<_> = self
            .close_reasons
            .lock()
            .expect("recorder lock")
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        reasons.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        reasons
    }

    /// A copy of what a step saw so far.
    pub fn snapshot(&self, step: u32) -> StepCounts {
        self.with_step(step, |s| s.clone())
    }

    /// `send` frames written in a step so far.
    pub fn sent_count(&self, step: u32) -> u64 {
        self.with_step(step, |s| s.sent)
    }

    /// Deliveries still owed for a step.
    pub fn outstanding(&self, step: u32) -> u64 {
        self.with_step(step, |s| s.expected.saturating_sub(s.received))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_counted_apart() {
        let recorder = Recorder::default();
        recorder.sent(1, 2, 20);
        recorder.delivery(1, 1_500);
        recorder.delivery(2, 9_000);
        let one = recorder.snapshot(1);
        assert_eq!((one.sent, one.expected, one.received), (2, 20, 1));
        assert_eq!(recorder.outstanding(1), 19);
        assert_eq!(recorder.snapshot(2).received, 1);
        assert_eq!(recorder.snapshot(2).expected, 0);
    }
}
