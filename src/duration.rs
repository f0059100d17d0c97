//! Durations as kubectl reads and prints them.

use std::time::Duration;

/// The longest duration any flag accepts: ten years. Longer ones are certainly a
/// typo, and would overflow the clock arithmetic of deadlines.
pub const MAX: Duration = Duration::from_secs(10 * 365 * 86400);

fn too_long(text: &str) -> String {
    format!("duration {text:?} is too long: at most 3650d")
}

/// A duration with units, as kubectl takes them (`90s`, `30m`, `1h30m`, `500ms`)
/// plus days (`3d`); parsed by jiff's friendly format, which also reads `1h 30m`.
/// Negative, empty or unit-less text is refused; so is anything over [`MAX`].
fn parse_units(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!("invalid duration {text:?}: use a number with a unit, e.g. 90s, 30m, 2h, 3d, 1h30m (at most 3650d)")
    };
    let span: jiff::Span = text.trim().parse().map_err(|_| bad())?;
    if span.is_negative() {
        return Err(bad());
    }
    let signed = span
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .map_err(|_| too_long(text))?;
    match Duration::try_from(signed) {
        Ok(d) if d <= MAX => Ok(d),
        Ok(_) => Err(too_long(text)),
        Err(_) => Err(bad()),
    }
}

/// `--request-timeout`: `0` means no limit, a bare number means seconds.
pub fn parse_request_timeout(text: &str) -> Result<Duration, String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u64>().map(Duration::from_secs) {
            Ok(d) if d <= MAX => Ok(d),
            _ => Err(too_long(text)),
        };
    }
    parse_units(text)
}

/// A timeout that must be more than zero (`--idle-timeout`).
pub fn parse_positive(text: &str) -> Result<Duration, String> {
    match parse_request_timeout(text)? {
        d if d.is_zero() => Err(format!("duration {text:?} must be more than 0")),
        d => Ok(d),
    }
}

/// `--older-than`: a duration with a unit.
pub fn parse_age(text: &str) -> Result<Duration, String> {
    parse_units(text)
}

/// kubectl's `HumanDuration` (apimachinery `duration.go`): `45s`, `5m3s`, `3h`, `2d5h`, `400d`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    let (m, h, days) = (s / 60, s / 3600, s / 86400);
    match s {
        _ if s < 120 => format!("{s}s"),
        _ if m < 10 => match s % 60 {
            0 => format!("{m}m"),
            r => format!("{m}m{r}s"),
        },
        _ if m < 180 => format!("{m}m"),
        _ if h < 8 => match m % 60 {
            0 => format!("{h}h"),
            r => format!("{h}h{r}m"),
        },
        _ if h < 48 => format!("{h}h"),
        _ if h < 24 * 8 => match h % 24 {
            0 => format!("{days}d"),
            r => format!("{days}d{r}h"),
        },
        _ if h < 24 * 365 * 2 => format!("{days}d"),
        _ if h < 24 * 365 * 8 => match days % 365 {
            0 => format!("{}y", days / 365),
            r => format!("{}y{r}d", days / 365),
        },
        _ => format!("{}y", days / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations_and_days() {
        assert_eq!(parse_age("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_age("2d").unwrap(), Duration::from_secs(172800));
        assert_eq!(
            parse_request_timeout("30").unwrap(),
            Duration::from_secs(30)
        );
        assert_eq!(
            parse_request_timeout("500ms").unwrap(),
            Duration::from_millis(500)
        );
        assert_eq!(parse_request_timeout("0").unwrap(), Duration::ZERO);
        for bad in ["", "soon", "5", "-1s", "1x"] {
            assert!(parse_age(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_age("3650d").unwrap(), MAX);
        assert!(parse_age("3651d").unwrap_err().contains("too long"));
        for huge in ["99999999999999999999999999d", "200000000000000d"] {
            assert!(parse_age(huge).is_err(), "{huge}");
        }
        assert_eq!(parse_age("1h 30m").unwrap(), Duration::from_secs(5400));
        for huge in [
            "18446744073709551615",
            "99999999999999999999999",
            "315360001",
        ] {
            assert!(
                parse_request_timeout(huge)
                    .unwrap_err()
                    .contains("too long"),
                "{huge}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_is_refused_without_panicking(text in "\\PC{0,40}") {
            let _ = parse_age(&text);
            let _ = parse_request_timeout(&text);
        }

        #[test]
        fn any_number_and_unit_parse_within_bounds(n in proptest::num::u64::ANY, unit in "(ns|us|ms|s|m|h|d)") {
            let text = format!("{n}{unit}");
            match parse_age(&text) {
                Ok(d) => proptest::prop_assert!(d <= MAX),
                Err(e) => proptest::prop_assert!(e.contains("too long") || e.contains("at most 3650d"), "{}", e),
            }
        }
    }

    #[test]
    fn prints_like_kubectl() {
        for (secs, want) in [
            (45, "45s"),
            (303, "5m3s"),
            (1800, "30m"),
            (3 * 3600 + 600, "3h10m"),
            (26 * 3600, "26h"),
            (53 * 3600, "2d5h"),
            (120 * 86400, "120d"),
        ] {
            assert_eq!(human(Duration::from_secs(secs)), want);
        }
    }
}
