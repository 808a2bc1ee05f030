//! The WebSocket handshake and the socket under it.
//!
//! The handshake is done here rather than by axum's `WebSocketUpgrade` so
//! that the connection keeps its TCP stream: its write side is shared by
//! the connection (through tungstenite) and the hub's fan-out workers,
//! which write a room's pre-framed message to an idle socket themselves
//! ([`Outgoing`], the hub's `DirectSink`). Every write, whoever makes it,
//! goes through one lock and one buffer, a whole frame at a time, so the
//! two never interleave inside a frame.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll};

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;

use app::services::hub::DirectSink;

use crate::error::HttpError;

/// The socket a connection runs on.
pub type Socket = WebSocketStream<SocketIo>;

/// Bytes a socket may hold back (written by nobody yet because the client
/// reads slowly) before direct writes are refused and the connection's own,
/// deadline-bound writes take over.
const OUTGOING_LIMIT: usize = 64 * 1024;

/// An accepted WebSocket upgrade request (RFC 6455 §4.2.1), not yet answered.
pub struct SocketUpgrade {
    key: HeaderValue,
    on_upgrade: OnUpgrade,
}

fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|value| {
        value.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|part| part.trim().eq_ignore_ascii_case(token))
        })
    })
}

impl<S: Send + Sync> FromRequestParts<S> for SocketUpgrade {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if parts.method != Method::GET {
            return Err(HttpError::MethodNotAllowed(parts.method.to_string()));
        }
        if !has_token(&parts.headers, header::CONNECTION, "upgrade") {
            return Err(HttpError::NotWebSocket(
                "`Connection` header did not include `upgrade`",
            ));
        }
        if !has_token(&parts.headers, header::UPGRADE, "websocket") {
            return Err(HttpError::NotWebSocket(
                "`Upgrade` header did not include `websocket`",
            ));
        }
        if parts
            .headers
            .get(header::SEC_WEBSOCKET_VERSION)
            .is_none_or(|v| v != "13")
        {
            return Err(HttpError::NotWebSocket(
                "`Sec-WebSocket-Version` header did not include `13`",
            ));
        }
        let Some(key) = parts.headers.get(header::SEC_WEBSOCKET_KEY).cloned() else {
            return Err(HttpError::NotWebSocket(
                "`Sec-WebSocket-Key` header missing",
            ));
        };
        let Some(on_upgrade) = parts.extensions.remove::<OnUpgrade>() else {
            return Err(HttpError::UpgradeRequired);
        };
        Ok(Self { key, on_upgrade })
    }
}

impl SocketUpgrade {
    /// Answers 101 and runs `run` on the socket once the client has it.
    pub fn on_upgrade<F, Fut>(self, config: WebSocketConfig, run: F) -> Response
    where
        F: FnOnce(Socket, Option<Arc<Outgoing>>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let accept = derive_accept_key(self.key.as_bytes());
        let on_upgrade = self.on_upgrade;
        tokio::spawn(async move {
            let upgraded = match on_upgrade.await {
                Ok(upgraded) => upgraded,
                Err(e) => {
                    tracing::debug!("websocket upgrade failed: {e}");
                    return;
                }
            };
            let (io, outgoing) = SocketIo::new(upgraded);
            let socket = WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await;
            run(socket, outgoing).await;
        });
        Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header(header::CONNECTION, "upgrade")
            .header(header::UPGRADE, "websocket")
            .header(header::SEC_WEBSOCKET_ACCEPT, accept)
            .body(axum::body::Body::empty())
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

/// The write side of a TCP socket, shared by its connection and the hub.
pub struct Outgoing {
    tcp: Arc<TcpStream>,
    /// What is written but not yet taken by the kernel: whole frames, in order.
    pending: Mutex<Vec<u8>>,
    /// Set when `pending` gained bytes that only the connection can flush.
    flush_wanted: Notify,
    broken: AtomicBool,
}

impl Outgoing {
    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Resolves when a direct write left bytes for the connection to flush.
    pub async fn flush_wanted(&self) {
        self.flush_wanted.notified().await;
    }

    /// Writes `bytes` at once, keeping whatever the kernel does not take
    /// (after what is already waiting).
    fn push(&self, pending: &mut Vec<u8>, bytes: &[u8]) -> io::Result<bool> {
        let mut written = 0;
        if pending.is_empty() {
            match self.tcp.try_write(bytes) {
                Ok(n) => written = n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        if written < bytes.len() {
            pending.extend_from_slice(&bytes[written..]);
            return Ok(false);
        }
        Ok(true)
    }

    /// Hands waiting bytes to the kernel; `Ready` once none are left.
    fn poll_drain(&self, pending: &mut Vec<u8>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !pending.is_empty() {
            match self.tcp.try_write(pending) {
                Ok(n) => {
                    pending.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    ready!(self.tcp.poll_write_ready(cx))?;
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        if pending.capacity() > OUTGOING_LIMIT / 4 {
            // An idle socket should not keep a burst's buffer.
            *pending = Vec::new();
        }
        Poll::Ready(Ok(()))
    }
}

impl DirectSink for Outgoing {
    fn write_now(&self, frame: &Bytes) -> bool {
        if self.broken.load(Ordering::Acquire) {
            return false;
        }
        let mut pending = self.lock();
        if pending.len() + frame.len() > OUTGOING_LIMIT {
            return false;
        }
        match self.push(&mut pending, frame) {
            Ok(true) => true,
            Ok(false) => {
                self.flush_wanted.notify_one();
                true
            }
            Err(_) => {
                self.broken.store(true, Ordering::Release);
                false
            }
        }
    }
}

/// The byte stream under tungstenite: reads from the TCP stream, writes
/// through [`Outgoing`]. A socket that is not plain TCP (only seen if the
/// server is run by another loop than `serve`) is used as it is, and the
/// hub then always queues.
pub enum SocketIo {
    Tcp {
        tcp: Arc<TcpStream>,
        out: Arc<Outgoing>,
        /// Bytes the HTTP server read past the handshake.
        early: Bytes,
    },
    Other(Box<TokioIo<Upgraded>>),
}

impl SocketIo {
    fn new(upgraded: Upgraded) -> (Self, Option<Arc<Outgoing>>) {
        match hyper_util::server::conn::auto::upgrade::downcast::<TokioIo<TcpStream>>(upgraded) {
            Ok(parts) => {
                let tcp = Arc::new(parts.io.into_inner());
                let out = Arc::new(Outgoing {
                    tcp: tcp.clone(),
                    pending: Mutex::new(Vec::new()),
                    flush_wanted: Notify::new(),
                    broken: AtomicBool::new(false),
                });
                let io = Self::Tcp {
                    tcp,
                    out: out.clone(),
                    early: parts.read_buf,
                };
                (io, Some(out))
            }
            Err(upgraded) => (Self::Other(Box::new(TokioIo::new(upgraded))), None),
        }
    }
}

impl AsyncRead for SocketIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp { tcp, early, .. } => {
                if !early.is_empty() {
                    let n = early.len().min(buf.remaining());
                    buf.put_slice(&early.split_to(n));
                    return Poll::Ready(Ok(()));
                }
                loop {
                    ready!(tcp.poll_read_ready(cx))?;
                    match tcp.try_read(buf.initialize_unfilled()) {
                        Ok(n) => {
                            buf.advance(n);
                            return Poll::Ready(Ok(()));
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                        Err(e) => return Poll::Ready(Err(e)),
                    }
                }
            }
            Self::Other(io) => Pin::new(io.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for SocketIo {
    /// Takes all of `data` (tungstenite hands over whole frames) unless
    /// [`OUTGOING_LIMIT`] bytes already wait for a slow reader.
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp { out, .. } => {
                let mut pending = out.lock();
                if pending.len() >= OUTGOING_LIMIT {
                    ready!(out.poll_drain(&mut pending, cx))?;
                }
                out.push(&mut pending, data)?;
                Poll::Ready(Ok(data.len()))
            }
            Self::Other(io) => Pin::new(io.as_mut()).poll_write(cx, data),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp { out, .. } => {
                let mut pending = out.lock();
                out.poll_drain(&mut pending, cx)
            }
            Self::Other(io) => Pin::new(io.as_mut()).poll_flush(cx),
        }
    }

    /// Flushes; the stream itself closes when the connection and the hub
    /// both let go of it.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp { out, .. } => {
                let mut pending = out.lock();
                let drained = ready!(out.poll_drain(&mut pending, cx));
                out.broken.store(true, Ordering::Release);
                Poll::Ready(drained)
            }
            Self::Other(io) => Pin::new(io.as_mut()).poll_shutdown(cx),
        }
    }
}
