//! A fault proxy on loopback between the simulated devices and `loket-server`: each
//! connection is passed, delayed, refused, cut while the request is on its way, or has
//! its answer thrown away after the server has sent it (the server did the work; the
//! device never hears). Devices open one connection per request, so each fault hits one
//! request. The choice comes from a seeded generator, so a schedule injects the same
//! faults in the same order each time it runs. Calm, it is a byte counter: the browser
//! bench measures what a sync puts on the wire through it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does to one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Passed through untouched.
    Pass,
    /// Passed through after a pause.
    Delay(Duration),
    /// Closed at once: the request never reaches the server.
    Refuse,
    /// Part of the request reaches the server, then both sides are closed.
    CutRequest,
    /// The whole request reaches the server; its answer is dropped and the device's
    /// connection closed.
    LoseAnswer,
}

/// How often each fault is chosen, in percent of connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    /// [`Fault::Delay`], up to 250 ms.
    pub delay: u8,
    /// [`Fault::Refuse`].
    pub refuse: u8,
    /// [`Fault::CutRequest`].
    pub cut: u8,
    /// [`Fault::LoseAnswer`].
    pub lose: u8,
}

impl Mix {
    /// No faults: every connection passes.
    pub const CALM: Mix = Mix {
        delay: 0,
        refuse: 0,
        cut: 0,
        lose: 0,
    };
}

/// How many connections met each fault.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Passed untouched.
    pub passed: u64,
    /// Delayed.
    pub delayed: u64,
    /// Refused.
    pub refused: u64,
    /// Cut mid-request.
    pub cut: u64,
    /// Chosen to lose the answer.
    pub lost: u64,
    /// Of those, the ones where the server had begun its answer (it did the work).
    pub lost_after_answer: u64,
}

struct Dice {
    rng: fastrand::Rng,
    mix: Mix,
    counts: FaultCounts,
}

impl Dice {
    fn roll(&mut self) -> Fault {
        let n = self.rng.u8(0..100);
        let m = self.mix;
        let (delay, refuse, cut, lose) = (
            m.delay,
            m.delay + m.refuse,
            m.delay + m.refuse + m.cut,
            m.delay + m.refuse + m.cut + m.lose,
        );
        let fault = if n < delay {
            Fault::Delay(Duration::from_millis(self.rng.u64(5..250)))
        } else if n < refuse {
            Fault::Refuse
        } else if n < cut {
            Fault::CutRequest
        } else if n < lose {
            Fault::LoseAnswer
        } else {
            Fault::Pass
        };
        let c = &mut self.counts;
        match fault {
            Fault::Pass => c.passed += 1,
            Fault::Delay(_) => c.delayed += 1,
            Fault::Refuse => c.refused += 1,
            Fault::CutRequest => c.cut += 1,
            Fault::LoseAnswer => c.lost += 1,
        }
        fault
    }
}

/// Bytes carried each way so far, counted as they pass, and whether the line is cut.
#[derive(Debug, Default)]
struct Bytes {
    up: AtomicU64,
    down: AtomicU64,
    cut: std::sync::atomic::AtomicBool,
    lost_after_answer: AtomicU64,
}

/// The proxy, listening on a port of its own until dropped.
pub struct Proxy {
    port: u16,
    dice: Arc<Mutex<Dice>>,
    bytes: Arc<Bytes>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free loopback port and forwards to `upstream` on 127.0.0.1, with
    /// faults drawn from `seed`; calm until [`Proxy::set_mix`].
    pub async fn start(upstream: u16, seed: u64) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fault proxy on 127.0.0.1");
        let port = listener.local_addr().expect("the proxy's address").port();
        let dice = Arc::new(Mutex::new(Dice {
            rng: fastrand::Rng::with_seed(seed),
            mix: Mix::CALM,
            counts: FaultCounts::default(),
        }));
        let rolled = Arc::clone(&dice);
        let bytes = Arc::new(Bytes::default());
        let counted = Arc::clone(&bytes);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if counted.cut.load(Ordering::SeqCst) {
                    continue;
                }
                let fault = rolled.lock().unwrap_or_else(|e| e.into_inner()).roll();
                tokio::spawn(handle(client, upstream, fault, Arc::clone(&counted)));
            }
        });
        Proxy {
            port,
            dice,
            bytes,
            task,
        }
    }

    /// The origin devices talk to, e.g. `http://127.0.0.1:41235`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Chooses faults from `mix` from now on.
    pub fn set_mix(&self, mix: Mix) {
        self.dice.lock().unwrap_or_else(|e| e.into_inner()).mix = mix;
    }

    /// Bytes carried so far: (to the server, from the server), headers and bodies as sent.
    pub fn bytes(&self) -> (u64, u64) {
        (
            self.bytes.up.load(Ordering::Relaxed),
            self.bytes.down.load(Ordering::Relaxed),
        )
    }

    /// Cuts the line (`true`): new connections are refused and open ones closed at their
    /// next bytes, as a pulled cable would; `false` mends it. A browser's kept-alive
    /// connections would slip past a refusal of new ones alone.
    pub fn set_cut(&self, cut: bool) {
        self.bytes.cut.store(cut, Ordering::SeqCst);
    }

    /// How many connections met each fault so far.
    pub fn counts(&self) -> FaultCounts {
        let mut counts = self.dice.lock().unwrap_or_else(|e| e.into_inner()).counts;
        counts.lost_after_answer = self.bytes.lost_after_answer.load(Ordering::Relaxed);
        counts
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies one direction of a connection, counting the bytes as they pass, until either
/// side closes.
async fn carry(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    bytes: Arc<Bytes>,
    up: bool,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if bytes.cut.load(Ordering::SeqCst) {
            break;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        let counter = if up { &bytes.up } else { &bytes.down };
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }
    let _ = to.shutdown().await;
}

/// Carries one connection with its fault. Errors end the connection, as they would on a
/// real network: the device sees a failed request.
async fn handle(mut client: TcpStream, upstream: u16, fault: Fault, bytes: Arc<Bytes>) {
    match fault {
        Fault::Refuse => {}
        Fault::Pass | Fault::Delay(_) => {
            if let Fault::Delay(pause) = fault {
                tokio::time::sleep(pause).await;
            }
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                return;
            };
            let (from_client, to_client) = client.into_split();
            let (from_server, to_server) = server.into_split();
            let up = tokio::spawn(carry(from_client, to_server, Arc::clone(&bytes), true));
            carry(from_server, to_client, bytes, false).await;
            up.abort();
        }
        Fault::CutRequest => {
            let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                return;
            };
            let mut buf = vec![0u8; 16 * 1024];
            if let Ok(n) = client.read(&mut buf).await {
                let _ = server.write_all(&buf[..n / 2]).await;
            }
        }
        Fault::LoseAnswer => {
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                return;
            };
            let (mut from_server, mut to_server) = server.into_split();
            let (mut from_client, _to_client) = client.into_split();
            let forward = tokio::spawn(async move {
                let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
            });
            // The first byte of the answer means the server has done the work: drop it all.
            let mut first = [0u8; 1];
            if let Ok(1) = from_server.read(&mut first).await {
                bytes.lost_after_answer.fetch_add(1, Ordering::Relaxed);
            }
            forward.abort();
        }
    }
}
