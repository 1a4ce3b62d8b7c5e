//! A stream wrapper that keeps the first octets read through it: when a TLS handshake fails
//! because the peer sent something that is not TLS, rustls says only "not TLS"; these octets
//! say what it was (a plaintext `220` greeting, an SMTP error, an HTTP answer).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Most octets kept: enough to show a greeting line.
const KEEP: usize = 512;

pub(super) struct Tap<S> {
    inner: S,
    first: Vec<u8>,
}

impl<S> Tap<S> {
    pub(super) fn new(inner: S) -> Self {
        Tap {
            inner,
            first: Vec::new(),
        }
    }

    /// The first octets read (at most [`KEEP`]).
    pub(super) fn first(&self) -> &[u8] {
        &self.first
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &poll {
            let room = KEEP.saturating_sub(this.first.len());
            if room > 0 {
                let new = buf.filled().get(before..).unwrap_or(&[]);
                this.first
                    .extend_from_slice(new.get(..room.min(new.len())).unwrap_or(&[]));
            }
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
