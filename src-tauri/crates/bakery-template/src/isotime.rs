//! Go reference-time layouts (`2006-01-02T15:04:05Z07:00`), as `{{isotime "layout"}}` uses
//! them; times are always UTC, like Packer's.

use std::time::{SystemTime, UNIX_EPOCH};

/// RFC 3339, the layout of a bare `{{isotime}}`.
pub const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

pub(crate) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// A UTC calendar time, broken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    weekday: usize,
    yearday: u32,
}

fn civil(time: SystemTime) -> Civil {
    let (secs, nanos) = match time.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            let mut secs = -(d.as_secs() as i64);
            let mut nanos = d.subsec_nanos();
            if nanos > 0 {
                secs -= 1;
                nanos = 1_000_000_000 - nanos;
            }
            (secs, nanos)
        }
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400) as u32;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let before = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334][month as usize - 1];
    let yearday = before + day + u32::from(leap && month > 2);
    Civil {
        year,
        month,
        day,
        hour: rem / 3600,
        minute: rem / 60 % 60,
        second: rem % 60,
        nanos,
        weekday: (days + 4).rem_euclid(7) as usize,
        yearday,
    }
}

/// Formats `time` (in UTC) with a Go layout, as Go's `time.Time.Format` does.
pub fn format(time: SystemTime, layout: &str) -> String {
    let t = civil(time);
    let mut out = String::with_capacity(layout.len() + 8);
    let mut rest = layout;
    while !rest.is_empty() {
        let (chunk, len) = next_chunk(rest);
        match chunk {
            Chunk::Literal => {
                let c = rest.chars().next().unwrap_or_default();
                out.push(c);
                rest = &rest[c.len_utf8()..];
                continue;
            }
            Chunk::LongMonth => out.push_str(MONTHS[t.month as usize - 1]),
            Chunk::Month => out.push_str(&MONTHS[t.month as usize - 1][..3]),
            Chunk::NumMonth => out.push_str(&t.month.to_string()),
            Chunk::ZeroMonth => out.push_str(&format!("{:02}", t.month)),
            Chunk::LongWeekDay => out.push_str(WEEKDAYS[t.weekday]),
            Chunk::WeekDay => out.push_str(&WEEKDAYS[t.weekday][..3]),
            Chunk::Day => out.push_str(&t.day.to_string()),
            Chunk::UnderDay => out.push_str(&format!("{:>2}", t.day)),
            Chunk::ZeroDay => out.push_str(&format!("{:02}", t.day)),
            Chunk::UnderYearDay => out.push_str(&format!("{:>3}", t.yearday)),
            Chunk::ZeroYearDay => out.push_str(&format!("{:03}", t.yearday)),
            Chunk::Hour => out.push_str(&format!("{:02}", t.hour)),
            Chunk::Hour12 => out.push_str(&hour12(t.hour).to_string()),
            Chunk::ZeroHour12 => out.push_str(&format!("{:02}", hour12(t.hour))),
            Chunk::Minute => out.push_str(&t.minute.to_string()),
            Chunk::ZeroMinute => out.push_str(&format!("{:02}", t.minute)),
            Chunk::Second => out.push_str(&t.second.to_string()),
            Chunk::ZeroSecond => out.push_str(&format!("{:02}", t.second)),
            Chunk::LongYear => out.push_str(&format!("{:04}", t.year)),
            Chunk::Year => out.push_str(&format!("{:02}", t.year.rem_euclid(100))),
            Chunk::PM => out.push_str(if t.hour >= 12 { "PM" } else { "AM" }),
            Chunk::Pm => out.push_str(if t.hour >= 12 { "pm" } else { "am" }),
            Chunk::Zone => out.push_str("UTC"),
            Chunk::IsoOffset => out.push('Z'),
            Chunk::Offset(text) => out.push_str(text),
            Chunk::Fraction {
                separator,
                digits,
                trim,
            } => {
                let all = format!("{:09}", t.nanos);
                let mut fraction = all[..digits].to_string();
                if trim {
                    fraction.truncate(fraction.trim_end_matches('0').len());
                }
                if !fraction.is_empty() {
                    out.push(separator);
                    out.push_str(&fraction);
                }
            }
        }
        rest = &rest[len..];
    }
    out
}

fn hour12(hour: u32) -> u32 {
    match hour % 12 {
        0 => 12,
        h => h,
    }
}

enum Chunk {
    Literal,
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    Zone,
    /// `Z07:00` and friends: `Z` in UTC.
    IsoOffset,
    /// `-07:00` and friends: zero offset in UTC, written in the layout's shape.
    Offset(&'static str),
    Fraction {
        separator: char,
        digits: usize,
        trim: bool,
    },
}

/// The layout element at the start of `s` and its length in bytes (Go's `nextStdChunk`).
fn next_chunk(s: &str) -> (Chunk, usize) {
    let lower_follows = |n: usize| s[n..].starts_with(|c: char| c.is_ascii_lowercase());
    let b = s.as_bytes();
    match b[0] {
        b'J' if s.starts_with("January") => return (Chunk::LongMonth, 7),
        b'J' if s.starts_with("Jan") && !lower_follows(3) => return (Chunk::Month, 3),
        b'M' if s.starts_with("Monday") => return (Chunk::LongWeekDay, 6),
        b'M' if s.starts_with("Mon") && !lower_follows(3) => return (Chunk::WeekDay, 3),
        b'M' if s.starts_with("MST") => return (Chunk::Zone, 3),
        b'0' if s.starts_with("002") => return (Chunk::ZeroYearDay, 3),
        b'0' if b.len() > 1 && (b'1'..=b'6').contains(&b[1]) => {
            let chunk = match b[1] {
                b'1' => Chunk::ZeroMonth,
                b'2' => Chunk::ZeroDay,
                b'3' => Chunk::ZeroHour12,
                b'4' => Chunk::ZeroMinute,
                b'5' => Chunk::ZeroSecond,
                _ => Chunk::Year,
            };
            return (chunk, 2);
        }
        b'1' if s.starts_with("15") => return (Chunk::Hour, 2),
        b'1' => return (Chunk::NumMonth, 1),
        b'2' if s.starts_with("2006") => return (Chunk::LongYear, 4),
        b'2' => return (Chunk::Day, 1),
        b'_' if s.starts_with("__2") => return (Chunk::UnderYearDay, 3),
        b'_' if s.starts_with("_2") && !s.starts_with("_2006") => return (Chunk::UnderDay, 2),
        b'3' => return (Chunk::Hour12, 1),
        b'4' => return (Chunk::Minute, 1),
        b'5' => return (Chunk::Second, 1),
        b'P' if s.starts_with("PM") => return (Chunk::PM, 2),
        b'p' if s.starts_with("pm") => return (Chunk::Pm, 2),
        b'-' | b'Z' => {
            const SHAPES: [(&str, &str); 5] = [
                ("070000", "+000000"),
                ("07:00:00", "+00:00:00"),
                ("0700", "+0000"),
                ("07:00", "+00:00"),
                ("07", "+00"),
            ];
            for (shape, zero) in SHAPES {
                if s[1..].starts_with(shape) {
                    let chunk = if b[0] == b'Z' {
                        Chunk::IsoOffset
                    } else {
                        Chunk::Offset(zero)
                    };
                    return (chunk, 1 + shape.len());
                }
            }
        }
        b'.' | b',' if b.len() > 1 && (b[1] == b'0' || b[1] == b'9') => {
            let digit = b[1];
            let mut j = 1;
            while j < b.len() && b[j] == digit {
                j += 1;
            }
            if !(j < b.len() && b[j].is_ascii_digit()) {
                return (
                    Chunk::Fraction {
                        separator: b[0] as char,
                        digits: (j - 1).min(9),
                        trim: digit == b'9',
                    },
                    j,
                );
            }
        }
        _ => {}
    }
    (Chunk::Literal, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, nanos: u32) -> SystemTime {
        UNIX_EPOCH + Duration::new(secs, nanos)
    }

    // 2025-03-04T05:06:07.089Z, a Tuesday, day 63 of the year.
    const T: u64 = 1_741_064_767;

    #[test]
    fn rfc3339_is_the_default_layout() {
        assert_eq!(format(at(T, 0), RFC3339), "2025-03-04T05:06:07Z");
        assert_eq!(format(at(0, 0), RFC3339), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn numeric_elements() {
        let t = at(T, 89_000_000);
        assert_eq!(format(t, "2006-01-02"), "2025-03-04");
        assert_eq!(format(t, "20060102150405"), "20250304050607");
        assert_eq!(format(t, "06 1 2 3 4 5"), "25 3 4 5 6 7");
        assert_eq!(format(t, "03:04:05 PM pm"), "05:06:07 AM am");
        assert_eq!(format(t, "_2|__2|002"), " 4| 63|063");
        assert_eq!(format(t, "15:04:05.000"), "05:06:07.089");
        assert_eq!(format(t, "15:04:05.999999"), "05:06:07.089");
        assert_eq!(format(t, "05,000000"), "07,089000");
        assert_eq!(format(at(T, 0), "05.999"), "07");
    }

    #[test]
    fn names_and_zones() {
        let t = at(T, 0);
        assert_eq!(
            format(t, "Mon Jan 2 15:04:05 MST 2006"),
            "Tue Mar 4 05:06:07 UTC 2025"
        );
        assert_eq!(format(t, "Monday, January 2"), "Tuesday, March 4");
        assert_eq!(
            format(t, "-0700 -07:00 -07 Z0700 Z07:00"),
            "+0000 +00:00 +00 Z Z"
        );
        // "Jan" followed by a lower-case letter is not a month.
        assert_eq!(format(t, "Janet"), "Janet");
    }

    #[test]
    fn afternoon_and_leap_years() {
        // 2024-02-29T13:00:00Z (leap day), day 60.
        let t = at(1_709_211_600, 0);
        assert_eq!(
            format(t, "2006-01-02 3PM 002 Mon"),
            "2024-02-29 1PM 060 Thu"
        );
        // 2024-12-31T00:00:00Z is day 366; midnight is 12 AM.
        let t = at(1_735_603_200, 0);
        assert_eq!(format(t, "002 3PM"), "366 12AM");
    }

    #[test]
    fn literal_text_is_kept() {
        assert_eq!(
            format(at(T, 0), "build-2006.01.02 é x"),
            "build-2025.03.04 é x"
        );
    }
}
