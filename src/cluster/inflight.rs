//! How many requests are in flight at once, adapted to what the server takes.
//!
//! A 429 (API Priority and Fairness, max-in-flight) says the server has fewer
//! seats than requests. The limit then drops to half the requests in flight,
//! once per round (answers to requests sent before the drop neither drop it
//! again nor count towards growth), and the number in flight when the 429 came
//! becomes a ceiling the limit grows back to — by one for every `limit`
//! answers — but not past. The ceiling itself rises by one after
//! [`PROBE_AFTER`] answers without a 429, so a server that frees seats is
//! used again. A seat is held until the answer's body has been read (the
//! server holds its seat as long), except for watches, which APF does not
//! count once they are open. Without this, `--concurrency` requests against
//! fewer seats and no queue were refused until the retries ran out and the
//! scan was incomplete.

use http::{Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::sync::Notify;
use tower::{BoxError, Layer, Service, ServiceExt};

/// Requests in flight at most, before any 429 lowers it.
pub const CEILING: usize = 64;
/// Answers without a 429 after which the ceiling rises by one.
pub const PROBE_AFTER: usize = 64;

#[derive(Debug)]
struct State {
    limit: usize,
    ceiling: usize,
    in_flight: usize,
    /// Bumped at each drop; only requests sent since then move the limit.
    round: u64,
    /// Answers of this round since the limit last grew.
    answered: usize,
    /// Answers since the last 429.
    calm: usize,
}

#[derive(Clone)]
pub struct AdaptiveLimitLayer {
    state: Arc<Mutex<State>>,
    freed: Arc<Notify>,
}

impl Default for AdaptiveLimitLayer {
    fn default() -> Self {
        AdaptiveLimitLayer {
            state: Arc::new(Mutex::new(State {
                limit: CEILING,
                ceiling: CEILING,
                in_flight: 0,
                round: 0,
                answered: 0,
                calm: 0,
            })),
            freed: Arc::new(Notify::new()),
        }
    }
}

impl AdaptiveLimitLayer {
    /// Waits for a seat, held until the returned guard is dropped.
    async fn seat(&self) -> Seat {
        loop {
            let freed = self.freed.notified();
            {
                let mut s = self.state.lock().expect("limit lock");
                if s.in_flight < s.limit {
                    s.in_flight += 1;
                    return Seat {
                        layer: self.clone(),
                        round: s.round,
                        answer: None,
                    };
                }
            }
            freed.await;
        }
    }

    /// Gives a seat back; `answer`: whether the server answered, and with a 429.
    fn release(&self, round: u64, answer: Option<bool>) {
        let mut s = self.state.lock().expect("limit lock");
        s.in_flight -= 1;
        match answer {
            Some(true) if round == s.round => {
                // The server refused with this many of ours in flight.
                let refused_at = s.in_flight + 1;
                s.ceiling = (refused_at - 1).max(1);
                s.limit = refused_at.div_ceil(2).min(s.ceiling);
                s.round += 1;
                s.answered = 0;
                s.calm = 0;
            }
            Some(true) => s.calm = 0,
            Some(false) => {
                s.calm += 1;
                if s.calm >= PROBE_AFTER && s.ceiling < CEILING {
                    s.ceiling += 1;
                    s.calm = 0;
                }
                if round == s.round {
                    s.answered += 1;
                    if s.answered >= s.limit && s.limit < s.ceiling {
                        s.limit += 1;
                        s.answered = 0;
                    }
                }
            }
            None => {}
        }
        drop(s);
        self.freed.notify_waiters();
    }

    #[cfg(test)]
    fn limit(&self) -> (usize, usize) {
        let s = self.state.lock().expect("limit lock");
        (s.limit, s.ceiling)
    }
}

/// A seat, given back when dropped — also when a request is abandoned mid-flight
/// (a timeout, an abort on a second signal).
struct Seat {
    layer: AdaptiveLimitLayer,
    round: u64,
    /// None until the server answers (a transport error or an abandoned
    /// request says nothing about its seats); then whether it was a 429.
    answer: Option<bool>,
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.layer.release(self.round, self.answer);
    }
}

/// A response body that holds its request's seat until it is read to the end
/// (or dropped).
pub struct SeatedBody<B> {
    inner: B,
    seat: Option<Seat>,
}

impl<B> Body for SeatedBody<B>
where
    B: Body + Unpin,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            self.seat = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
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
    R: Send + 'static,
{
    type Response = Response<SeatedBody<R>>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Readiness is waited for in `call`, after a seat is taken.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let shared = self.shared.clone();
        let inner = self.inner.clone();
        let watch = req
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|p| p == "watch=true" || p == "watch=1"));
        Box::pin(async move {
            let mut seat = shared.seat().await;
            let response = inner.oneshot(req).await.map_err(Into::into)?;
            seat.answer = Some(response.status() == StatusCode::TOO_MANY_REQUESTS);
            let seat = (!watch).then_some(seat);
            Ok(response.map(|inner| SeatedBody { inner, seat }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn seats(layer: &AdaptiveLimitLayer, n: usize) -> Vec<Seat> {
        let mut out = vec![];
        for _ in 0..n {
            out.push(layer.seat().await);
        }
        out
    }

    fn answer(mut seat: Seat, throttled: bool) {
        seat.answer = Some(throttled);
    }

    /// Halves once per round, learns a ceiling, grows back to it by one per
    /// `limit` answers, and probes past it only after a calm spell.
    #[tokio::test]
    async fn a_429_halves_the_limit_and_sets_a_ceiling() {
        let layer = AdaptiveLimitLayer::default();
        let mut first = seats(&layer, 16).await.into_iter();
        answer(first.next().unwrap(), true);
        assert_eq!(layer.limit(), (8, 15));
        // Sent before the drop: neither a second drop nor growth.
        answer(first.next().unwrap(), true);
        first.for_each(|s| answer(s, false));
        assert_eq!(layer.limit(), (8, 15));
        // Refused with 5 in flight: the server has at most 4 seats.
        let mut five = seats(&layer, 5).await;
        answer(five.pop().unwrap(), true);
        assert_eq!(layer.limit(), (3, 4));
        five.into_iter().for_each(|s| answer(s, false));
        for _ in 0..10 {
            seats(&layer, 4.min(layer.limit().0))
                .await
                .into_iter()
                .for_each(|s| answer(s, false));
        }
        assert_eq!(layer.limit(), (4, 4), "grows to the ceiling, not past it");
        for _ in 0..PROBE_AFTER {
            seats(&layer, 1)
                .await
                .into_iter()
                .for_each(|s| answer(s, false));
        }
        assert_eq!(layer.limit().1, 5, "a calm spell lets it probe one more");
    }

    /// A request dropped while in flight gives its seat back.
    #[tokio::test]
    async fn an_abandoned_request_frees_its_seat() {
        let layer = AdaptiveLimitLayer::default();
        answer(layer.seat().await, true);
        assert_eq!(layer.limit(), (1, 1));
        drop(layer.seat().await);
        let again = tokio::time::timeout(std::time::Duration::from_secs(5), layer.seat()).await;
        assert!(again.is_ok(), "the dropped seat was not given back");
    }
}
