//! A fault-injecting HTTP proxy in front of the EC2 emulator: answers a share of requests
//! with `RequestLimitExceeded` or `503 Service Unavailable` instead of forwarding them, and
//! drops some connections without an answer — what a bake must survive on a bad day.
//! Faults happen before forwarding, so no request is half-applied.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// What the proxy did, for the test to assert on.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FaultCounts {
    pub forwarded: u64,
    pub throttled: u64,
    pub unavailable: u64,
    pub dropped: u64,
}

/// Which faults to inject.
#[derive(Debug, Clone, Copy)]
pub struct FaultPlan {
    /// Share of requests answered with RequestLimitExceeded (0.0..1.0).
    pub throttle: f64,
    /// Share of requests answered with 503.
    pub unavailable: f64,
    /// Requests (by number, from 1) whose connection is dropped without an answer.
    pub drop_every: u64,
    /// Seed of the deterministic choice.
    pub seed: u64,
}

pub struct FaultProxy {
    pub endpoint: String,
    stop: Arc<AtomicBool>,
    counts: Arc<Mutex<FaultCounts>>,
    thread: Option<JoinHandle<()>>,
    port: u16,
}

impl FaultProxy {
    pub fn start(upstream: &str, plan: FaultPlan) -> Self {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let counts = Arc::new(Mutex::new(FaultCounts::default()));
        let sequence = Arc::new(AtomicU64::new(0));
        let thread = {
            let stop = stop.clone();
            let counts = counts.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let upstream = upstream.clone();
                    let counts = counts.clone();
                    let sequence = sequence.clone();
                    std::thread::spawn(move || {
                        let _ = serve(stream, &upstream, plan, &counts, &sequence);
                    });
                }
            })
        };
        Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            stop,
            counts,
            thread: Some(thread),
            port,
        }
    }

    pub fn counts(&self) -> FaultCounts {
        *self.counts.lock().unwrap()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A small deterministic generator (SplitMix64) so runs are repeatable.
fn chance(seed: u64, n: u64) -> f64 {
    let mut z = seed.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

fn serve(
    client: TcpStream,
    upstream: &str,
    plan: FaultPlan,
    counts: &Mutex<FaultCounts>,
    sequence: &AtomicU64,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut client = client;
    loop {
        // One request: the head, then Content-Length bytes.
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(()); // the client closed the connection
            }
            let end = line == "\r\n";
            head.push(line);
            if end {
                break;
            }
        }
        let length: usize = head
            .iter()
            .find_map(|h| {
                let (name, value) = h.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;

        let n = sequence.fetch_add(1, Ordering::SeqCst) + 1;
        if plan.drop_every > 0 && n.is_multiple_of(plan.drop_every) {
            counts.lock().unwrap().dropped += 1;
            let _ = client.shutdown(Shutdown::Both);
            return Ok(());
        }
        let roll = chance(plan.seed, n);
        if roll < plan.throttle {
            counts.lock().unwrap().throttled += 1;
            let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>";
            write!(
                client,
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )?;
            continue;
        }
        if roll < plan.throttle + plan.unavailable {
            counts.lock().unwrap().unavailable += 1;
            let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>Unavailable</Code><Message>The service is unavailable. Please try again shortly.</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>";
            write!(
                client,
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )?;
            continue;
        }

        // Forward on a fresh connection and relay the answer, keeping the client's open.
        let mut server = TcpStream::connect(upstream)?;
        for line in &head {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("connection:") || line == "\r\n" {
                continue;
            }
            server.write_all(line.as_bytes())?;
        }
        server.write_all(b"Connection: close\r\n\r\n")?;
        server.write_all(&body)?;
        let mut response = Vec::new();
        server.read_to_end(&mut response)?;
        counts.lock().unwrap().forwarded += 1;
        // Re-frame: the upstream closed; tell the client the length so it can reuse us.
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|p| p + 4)
            .unwrap_or(response.len());
        let (resp_head, resp_body) = response.split_at(split);
        let resp_head = String::from_utf8_lossy(resp_head);
        let mut out = String::new();
        for line in resp_head.split("\r\n") {
            let lower = line.to_ascii_lowercase();
            if line.is_empty()
                || lower.starts_with("connection:")
                || lower.starts_with("content-length:")
                || lower.starts_with("transfer-encoding:")
            {
                continue;
            }
            out.push_str(line);
            out.push_str("\r\n");
        }
        out.push_str(&format!("Content-Length: {}\r\n\r\n", resp_body.len()));
        client.write_all(out.as_bytes())?;
        client.write_all(resp_body)?;
    }
}
