//! Retrying throttled requests. A 429 (API Priority and Fairness, max-in-flight)
//! means the server did not run the request, so any request — reads, and the
//! guarded PATCH, which is idempotent through its `test` operations — may be sent
//! again: after the server's `Retry-After` (capped), else after a jittered
//! exponential backoff. Nothing else is retried here: a 503 is reported at once.

use http::{Request, Response, StatusCode};
use kube::client::Body;
use std::time::Duration;
use tower::retry::Policy;
use tower::util::rng::{HasherRng, Rng};
use tower::BoxError;

/// How often a throttled request is sent again.
pub const MAX_RETRIES: u32 = 4;
/// The longest wait a `Retry-After` may ask for; a longer one waits this long.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(10);
const BACKOFF_BASE: Duration = Duration::from_millis(250);

#[derive(Clone)]
pub struct Throttled {
    attempt: u32,
    rng: HasherRng,
}

impl Default for Throttled {
    fn default() -> Self {
        Throttled {
            attempt: 0,
            rng: HasherRng::new(),
        }
    }
}

/// The wait before retry number `attempt` (1-based): the server's hint, capped,
/// or `BACKOFF_BASE · 2^(attempt-1)`; either with up to 25% added at random so
/// that concurrent requests do not return together.
pub fn delay(attempt: u32, retry_after: Option<&str>, jitter: f64) -> Duration {
    let hinted = retry_after
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s).min(RETRY_AFTER_CAP));
    let base = hinted
        .unwrap_or_else(|| BACKOFF_BASE.saturating_mul(1u32 << attempt.saturating_sub(1).min(5)));
    base + base.mul_f64(0.25 * jitter.clamp(0.0, 1.0))
}

impl<Res> Policy<Request<Body>, Response<Res>, BoxError> for Throttled {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        _req: &mut Request<Body>,
        result: &mut Result<Response<Res>, BoxError>,
    ) -> Option<Self::Future> {
        let response = result.as_ref().ok()?;
        if response.status() != StatusCode::TOO_MANY_REQUESTS || self.attempt >= MAX_RETRIES {
            return None;
        }
        self.attempt += 1;
        let hint = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok());
        let wait = delay(self.attempt, hint, self.rng.next_f64());
        Some(tokio::time::sleep(wait))
    }

    fn clone_request(&mut self, req: &Request<Body>) -> Option<Request<Body>> {
        let body = req.body().try_clone()?;
        let mut clone = Request::builder()
            .method(req.method().clone())
            .uri(req.uri().clone())
            .version(req.version())
            .body(body)
            .ok()?;
        *clone.headers_mut() = req.headers().clone();
        *clone.extensions_mut() = req.extensions().clone();
        Some(clone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_honoured_with_a_cap_and_backoff_grows() {
        assert_eq!(delay(1, Some("2"), 0.0), Duration::from_secs(2));
        assert_eq!(delay(1, Some("3600"), 0.0), RETRY_AFTER_CAP);
        assert_eq!(delay(1, Some("18446744073709551615"), 0.0), RETRY_AFTER_CAP);
        assert_eq!(delay(1, None, 0.0), Duration::from_millis(250));
        assert_eq!(delay(3, Some("soon"), 0.0), Duration::from_millis(1000));
        assert_eq!(delay(2, Some("2"), 1.0), Duration::from_millis(2500));
        assert!(delay(u32::MAX, None, 1.0) <= Duration::from_secs(10));
    }
}
