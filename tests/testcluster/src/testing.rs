//! For the crate's own tests: a bare HTTP/1.1 client over a TCP socket, so that
//! tests see exactly the bytes a cluster sends and how its connection ends.

use crate::{Options, TestCluster};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A cluster on plain HTTP, with the default objects.
pub fn plain_cluster() -> TestCluster {
    TestCluster::start_with(Options {
        tls: false,
        ..Default::default()
    })
    .expect("cluster starts")
}

/// How reading the answer ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// The server closed the connection.
    Closed,
    /// Nothing more came before the read timeout.
    Silent,
}

#[derive(Debug)]
pub struct Raw {
    /// Status line and headers.
    pub head: String,
    pub body: Vec<u8>,
    pub end: End,
}

impl Raw {
    pub fn status(&self) -> u16 {
        self.head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// Sends one request with `Connection: close` and reads until the server
/// closes or `wait` passes without data.
pub fn send(
    cluster: &TestCluster,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
    wait: Duration,
) -> Raw {
    let addr = cluster.url().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream.set_read_timeout(Some(wait)).expect("timeout set");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
    {
        request.push_str(&format!("Authorization: Bearer {}\r\n", crate::ADMIN_TOKEN));
    }
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("request sent");
    let mut received = Vec::new();
    let mut buf = [0u8; 8192];
    let end = loop {
        match stream.read(&mut buf) {
            Ok(0) => break End::Closed,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                break End::Silent
            }
            Err(_) => break End::Closed,
        }
    };
    let split = received
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4);
    let (head, body) = match split {
        Some(i) => (
            String::from_utf8_lossy(&received[..i]).into_owned(),
            received[i..].to_vec(),
        ),
        None => (String::from_utf8_lossy(&received).into_owned(), Vec::new()),
    };
    Raw { head, body, end }
}

/// `send` for requests that are answered at once.
pub fn request(
    cluster: &TestCluster,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Raw {
    send(
        cluster,
        method,
        path,
        headers,
        body,
        Duration::from_secs(10),
    )
}
