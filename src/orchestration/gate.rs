//! One backend's admission: a pause that holds its whole queue after a 429, and an
//! optional pace of requests per second.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct Gate {
    interval: Option<Duration>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    paused_until: Option<Instant>,
    next_slot: Instant,
    /// 429s in a row without advice, for a growing pause.
    unadvised: u32,
}

enum Wait {
    Paused(Instant),
    Slot(Instant),
}

/// The pause after a 429 without `Retry-After` or `RateLimit-Reset`: 1 s doubling to 60 s.
fn unadvised_pause(in_a_row: u32) -> Duration {
    Duration::from_secs(1u64 << in_a_row.min(6)).min(Duration::from_secs(60))
}

impl Gate {
    pub(crate) fn new(requests_per_second: Option<f64>) -> Self {
        let interval = requests_per_second
            .filter(|rate| rate.is_finite() && *rate > 0.0)
            .map(|rate| Duration::from_secs_f64(1.0 / rate));
        Self {
            interval,
            state: Mutex::new(State {
                paused_until: None,
                next_slot: Instant::now(),
                unadvised: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until the backend is not paused and, with a pace, until this request's slot.
    pub(crate) async fn admit(&self) {
        loop {
            let wait = {
                let mut state = self.lock();
                let now = Instant::now();
                match (
                    state.paused_until.filter(|until| *until > now),
                    self.interval,
                ) {
                    (Some(until), _) => Wait::Paused(until),
                    (None, None) => return,
                    (None, Some(interval)) => {
                        let slot = state.next_slot.max(now);
                        state.next_slot = slot + interval;
                        if slot <= now {
                            return;
                        }
                        Wait::Slot(slot)
                    }
                }
            };
            match wait {
                Wait::Paused(until) => tokio::time::sleep_until(until).await,
                Wait::Slot(slot) => {
                    tokio::time::sleep_until(slot).await;
                    // A pause that began meanwhile holds this request too.
                    let paused = self
                        .lock()
                        .paused_until
                        .is_some_and(|until| until > Instant::now());
                    if !paused {
                        return;
                    }
                }
            }
        }
    }

    /// Holds every request of the backend for `advised` (or a growing default).
    pub(crate) fn pause(&self, advised: Option<Duration>) -> Duration {
        let mut state = self.lock();
        let delay = match advised {
            Some(delay) => {
                state.unadvised = 0;
                delay
            }
            None => {
                state.unadvised = state.unadvised.saturating_add(1);
                unadvised_pause(state.unadvised - 1)
            }
        };
        let until = Instant::now() + delay;
        let until = state
            .paused_until
            .map_or(until, |earlier| earlier.max(until));
        state.paused_until = Some(until);
        state.next_slot = state.next_slot.max(until);
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_pause_holds_later_admissions_and_a_pace_spaces_them() {
        let gate = Gate::new(Some(20.0));
        let start = Instant::now();
        gate.admit().await;
        gate.admit().await;
        assert!(start.elapsed() >= Duration::from_millis(50));
        let paused_at = Instant::now();
        gate.pause(Some(Duration::from_millis(200)));
        gate.admit().await;
        assert!(paused_at.elapsed() >= Duration::from_millis(200));
    }

    #[test]
    fn unadvised_pauses_grow_to_a_minute() {
        assert_eq!(unadvised_pause(0), Duration::from_secs(1));
        assert_eq!(unadvised_pause(3), Duration::from_secs(8));
        assert_eq!(unadvised_pause(40), Duration::from_secs(60));
    }
}
