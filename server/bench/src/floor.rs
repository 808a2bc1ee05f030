//! `taskflow-bench floor`: the fastest fan-out this machine allows, with no
//! server at all. It opens N loopback TCP connections to a child process and,
//! `rate` times a second, writes one frame-sized record to every one of them
//! (plain non-blocking `write`s from `writers` threads, each owning a share of
//! the sockets), while epoll threads in a second process (the load
//! generator's place) read them and times each record from the moment its
//! wave started. No WebSocket framing, no JSON, no hub, no
//! queues: what is left is the kernel's cost of a small loopback TCP write and
//! read, and so a lower bound for any server's delivery latency on this
//! machine with its load generator beside it.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token};

/// Bytes at the start of each record that the reader decodes: the wave's
/// start time (µs on the process clock).
const STAMP: usize = 8;

pub fn run(sockets: usize, rate: u64, seconds: u64, writers: usize, readers: usize, record: usize) {
    let record = record.max(STAMP);
    let writers = writers.clamp(1, sockets.max(1));
    let waves = rate * seconds;
    let expected = waves * sockets as u64;
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    // The reading ends live in a second process, like a load generator's
    // (and one process may not hold 2 x 10,000 descriptors here).
    let mut reader = std::process::Command::new(std::env::current_exe().expect("own path"))
        .args(["floor-reader", "--connect", &addr.to_string()])
        .args([
            "--sockets",
            &sockets.to_string(),
            "--record",
            &record.to_string(),
        ])
        .args(["--expect", &expected.to_string()])
        .args(["--readers", &readers.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the reader");
    let mut senders = Vec::with_capacity(sockets);
    for _ in 0..sockets {
        let (s, _) = listener.accept().expect("accept");
        s.set_nodelay(true).expect("nodelay");
        s.set_nonblocking(true).expect("nonblocking");
        senders.push(s);
    }
    let mut out = std::io::BufReader::new(reader.stdout.take().expect("reader output"));
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).expect("reader ready");
    assert_eq!(line.trim(), "ready", "reader: {line}");

    let cpu_before = super::own_cpu_seconds();
    let started = Instant::now() + Duration::from_millis(200);
    let per_writer = sockets.div_ceil(writers);
    let mut threads = Vec::new();
    let mut shares = senders.into_iter().peekable();
    while shares.peek().is_some() {
        let mine: Vec<TcpStream> = shares.by_ref().take(per_writer).collect();
        threads.push(std::thread::spawn(move || {
            write_waves(mine, record, rate, waves, started)
        }));
    }
    let mut short_writes = 0;
    for t in threads {
        short_writes += t.join().expect("writer");
    }
    let writer_cpu = match (cpu_before, super::own_cpu_seconds()) {
        (Some(a), Some(b)) => format!("{:.2} cores", (b - a) / started.elapsed().as_secs_f64()),
        _ => "n/a".into(),
    };
    let mut report = String::new();
    out.read_to_string(&mut report).expect("reader report");
    let _ = reader.wait();
    println!(
        "floor: {sockets} loopback sockets x {rate} waves/s for {seconds} s, {record}-byte records, {writers} writing thread(s); {readers} reading thread(s) in another process"
    );
    print!("{report}");
    println!("  short writes {short_writes}; writers' CPU {writer_cpu}");
}

/// The reading side (a child process of [`run`]): connects, says `ready`,
/// times every record, and prints the figures once `expect` records came
/// (or nothing came for 3 s).
pub fn read(connect: &str, sockets: usize, readers: usize, record: usize, expect: u64) {
    let mut streams = Vec::with_capacity(sockets);
    for _ in 0..sockets {
        let s = TcpStream::connect(connect).expect("connect");
        s.set_nodelay(true).expect("nodelay");
        s.set_nonblocking(true).expect("nonblocking");
        streams.push(mio::net::TcpStream::from_std(s));
    }
    println!("ready");
    let _ = std::io::stdout().flush();
    let cpu_before = super::own_cpu_seconds();
    let started = Instant::now();
    // Each reading thread has its own epoll and a share of the sockets.
    let per_reader = sockets.div_ceil(readers.max(1));
    let waves = expect / sockets.max(1) as u64;
    let mut shares = streams.into_iter().peekable();
    let mut threads = Vec::new();
    while shares.peek().is_some() {
        let mine: Vec<mio::net::TcpStream> = shares.by_ref().take(per_reader).collect();
        let mine_expect = waves * mine.len() as u64;
        threads.push(std::thread::spawn(move || {
            read_all(mine, record, mine_expect)
        }));
    }
    let mut latencies: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("reader"))
        .collect();
    let cpu = match (cpu_before, super::own_cpu_seconds()) {
        (Some(a), Some(b)) => format!("{:.2} cores", (b - a) / started.elapsed().as_secs_f64()),
        _ => "n/a".into(),
    };
    latencies.sort_unstable();
    let got = latencies.len() as u64;
    println!(
        "  delivered {got}/{expect} ({} lost)",
        expect.saturating_sub(got)
    );
    println!(
        "  latency from wave start: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        super::percentile(&latencies, 0.50),
        super::percentile(&latencies, 0.99),
        super::percentile(&latencies, 1.0),
    );
    println!("  reader's CPU {cpu}");
}

/// Microseconds on the wall clock: both processes read the same one.
fn wall_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// Writes one record to every socket per wave, waves `1/rate` apart.
/// Returns how many writes the kernel did not take whole (expected: 0).
fn write_waves(
    mut sockets: Vec<TcpStream>,
    record: usize,
    rate: u64,
    waves: u64,
    started: Instant,
) -> u64 {
    let mut buf = vec![b'x'; record];
    let mut short = 0;
    for wave in 0..waves {
        let at = started + Duration::from_micros(wave * 1_000_000 / rate);
        if let Some(wait) = at.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        // The wave's scheduled start, on the wall clock.
        let late = Instant::now().saturating_duration_since(at).as_micros() as u64;
        let stamp = wall_us() - late;
        buf[..STAMP].copy_from_slice(&stamp.to_le_bytes());
        for s in &mut sockets {
            match s.write(&buf) {
                Ok(n) if n == record => {}
                _ => short += 1,
            }
        }
    }
    short
}

/// Reads its sockets as they become readable; one latency (µs) per record.
fn read_all(mut sockets: Vec<mio::net::TcpStream>, record: usize, expect: u64) -> Vec<u64> {
    let mut poll = Poll::new().expect("epoll");
    for (i, s) in sockets.iter_mut().enumerate() {
        poll.registry()
            .register(s, Token(i), Interest::READABLE)
            .expect("register");
    }
    // Per socket: bytes of the current record seen, and its stamp so far.
    let mut seen = vec![0usize; sockets.len()];
    let mut stamps = vec![[0u8; STAMP]; sockets.len()];
    let mut latencies = Vec::new();
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; 64 * 1024];
    let mut last = Instant::now();
    while (latencies.len() as u64) < expect && last.elapsed() < Duration::from_secs(3) {
        if poll
            .poll(&mut events, Some(Duration::from_millis(50)))
            .is_err()
        {
            continue;
        }
        if !events.is_empty() {
            last = Instant::now();
        }
        for event in &events {
            let i = event.token().0;
            loop {
                let n = match sockets[i].read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let now = wall_us();
                for &byte in &buf[..n] {
                    if seen[i] < STAMP {
                        stamps[i][seen[i]] = byte;
                    }
                    seen[i] += 1;
                    if seen[i] == record {
                        seen[i] = 0;
                        let sent = u64::from_le_bytes(stamps[i]);
                        latencies.push(now.saturating_sub(sent));
                    }
                }
            }
        }
    }
    latencies
}
