//! How many requests are in flight at once, adapted to what the server takes.
//! A 429 (API Priority and Fairness, max-in-flight) says the server has fewer
//! seats than requests: the limit drops to half the requests then in flight,
//! once per round (requests sent before the drop do not drop it again), and
//! grows back by one for every `limit` answers that were not a 429. Without
//! this, `--concurrency` requests against fewer seats and no queue were
//! refused until the retries ran out and the scan was incomplete.

use http::{Request, Response, StatusCode};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::sync::Notify;
use tower::{BoxError, Layer, Service, ServiceExt};

/// Requests in flight at most, before any 429 lowers it.
pub const CEILING: usize = 64;

#[derive(Debug)]
struct State {
    limit: usize,
    in_flight: usize,
    /// Bumped at each drop; a 429 lowers the limit only for requests sent
    /// since the last drop.
    round: u64,
    answered: usize,
}

#[derive(Clone)]
pub struct AdaptiveLimitLayer {
    state: Arc<Mutex<State>>,
    freed: Arc<Notify>,
}

impl AdaptiveLimitLayer {
    pub fn new() -> Self {
        AdaptiveLimitLayer {
            state: Arc::new(Mutex::new(State {
                limit: CEILING,
                in_flight: 0,
                round: 0,
                answered: 0,
            })),
            freed: Arc::new(Notify::new()),
        }
    }

    /// Waits for a seat; returns the round it was taken in.
    async fn acquire(&self) -> u64 {
        loop {
            let freed = self.freed.notified();
            {
                let mut s = self.state.lock().expect("limit lock");
                if s.in_flight < s.limit {
                    s.in_flight += 1;
                    return s.round;
                }
            }
            freed.await;
        }
    }

    fn release(&self, round: u64, throttled: bool) {
        let mut s = self.state.lock().expect("limit lock");
        s.in_flight -= 1;
        if throttled {
            if round == s.round {
                s.limit = (s.in_flight + 1).div_ceil(2).max(1);
                s.round += 1;
                s.answered = 0;
            }
        } else {
            s.answered += 1;
            if s.answered >= s.limit && s.limit < CEILING {
                s.limit += 1;
                s.answered = 0;
            }
        }
        drop(s);
        self.freed.notify_waiters();
    }

    #[cfg(test)]
    fn limit(&self) -> usize {
        self.state.lock().expect("limit lock").limit
    }
}

impl<S> Layer<S> for AdaptiveLimitLayer {
    type Service = AdaptiveLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AdaptiveLimit {
            inner,
            shared: self.clone(),
        }
    }
}

#[derive(Clone)]
pub struct AdaptiveLimit<S> {
    inner: S,
    shared: AdaptiveLimitLayer,
}

impl<S, B, R> Service<Request<B>> for AdaptiveLimit<S>
where
    S: Service<Request<B>, Response = Response<R>> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = Response<R>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<R>, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Readiness is waited for in `call`, after a seat is taken.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let shared = self.shared.clone();
        let inner = self.inner.clone();
        Box::pin(async move {
            let round = shared.acquire().await;
            let result = match inner.oneshot(req).await {
                Ok(response) => Ok(response),
                Err(e) => Err(e.into()),
            };
            let throttled = result
                .as_ref()
                .is_ok_and(|r| r.status() == StatusCode::TOO_MANY_REQUESTS);
            shared.release(round, throttled);
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Halves once per round, grows back by one per `limit` answers.
    #[tokio::test]
    async fn a_429_halves_the_limit_once_per_round() {
        let layer = AdaptiveLimitLayer::new();
        let mut rounds = vec![];
        for _ in 0..16 {
            rounds.push(layer.acquire().await);
        }
        layer.release(rounds[0], true);
        assert_eq!(layer.limit(), 8);
        // Sent before the drop: no second drop.
        layer.release(rounds[1], true);
        assert_eq!(layer.limit(), 8);
        for r in &rounds[2..16] {
            layer.release(*r, false);
        }
        assert_eq!(layer.limit(), 9);
        let later = layer.acquire().await;
        layer.release(later, true);
        assert_eq!(layer.limit(), 1);
    }
}
