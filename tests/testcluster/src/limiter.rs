//! A limit on requests in flight, like kube-apiserver's API Priority and
//! Fairness (or the older `--max-requests-inflight`): at most `seats` requests
//! are served at once, up to `queue` more wait for a seat (at most
//! [`QUEUE_WAIT`], as APF's queues do), and the rest are answered at once with
//! the plain-text 429 and `Retry-After: 1` (apiserver-semantics.md §5.5).
//!
//! A seat is held for the whole request, the added latency included, as if the
//! latency were the server's own work: that is what makes a slow control plane
//! throttle. Unlike APF, `system:masters` is not exempt, since benchmarks run as
//! the admin user. Watches give their seat back once their headers are out.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The longest a queued request waits for a seat before it is rejected.
pub const QUEUE_WAIT: Duration = Duration::from_secs(15);

/// How many requests are served at once, and how many more may wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub seats: usize,
    pub queue: usize,
}

pub struct Limiter {
    limits: Limits,
    seats: Arc<Semaphore>,
    waiting: AtomicUsize,
}

impl Limiter {
    pub fn new(limits: Limits) -> Limiter {
        Limiter {
            limits,
            seats: Arc::new(Semaphore::new(limits.seats)),
            waiting: AtomicUsize::new(0),
        }
    }

    /// A seat for one request (given back when dropped), or `None`: reject it.
    pub async fn admit(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(seat) = self.seats.clone().try_acquire_owned() {
            return Some(seat);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.limits.queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        let seat = tokio::time::timeout(QUEUE_WAIT, self.seats.clone().acquire_owned()).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        seat.ok()?.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn beyond_the_seats_requests_are_rejected() {
        let limiter = Limiter::new(Limits { seats: 2, queue: 0 });
        let a = limiter.admit().await.expect("first seat");
        let _b = limiter.admit().await.expect("second seat");
        assert!(limiter.admit().await.is_none());
        drop(a);
        assert!(limiter.admit().await.is_some(), "a seat given back is free");
    }

    #[tokio::test(start_paused = true)]
    async fn a_queued_request_waits_for_a_seat_and_a_full_queue_rejects() {
        let limiter = Arc::new(Limiter::new(Limits { seats: 1, queue: 1 }));
        let seat = limiter.admit().await.expect("the seat");
        let queued = tokio::spawn({
            let limiter = limiter.clone();
            async move { limiter.admit().await.is_some() }
        });
        tokio::task::yield_now().await;
        assert!(limiter.admit().await.is_none(), "the queue is full");
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(seat);
        assert!(queued.await.unwrap(), "the queued request got the seat");
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_queued_too_long_is_rejected() {
        let limiter = Limiter::new(Limits { seats: 1, queue: 4 });
        let _seat = limiter.admit().await.expect("the seat");
        assert!(limiter.admit().await.is_none(), "rejected after QUEUE_WAIT");
        assert_eq!(limiter.waiting.load(Ordering::SeqCst), 0);
    }
}
