//! A byte budget on what the server may send in one run.
//!
//! The IMAP library grows its read buffer as a response needs (up to 512 MiB), and a broken or
//! hostile server can answer a header fetch with a huge literal. Time limits alone would let it
//! fill memory quickly on a fast link, so the connection itself refuses to read past a budget
//! worked out from what an honest server sends for the messages asked for.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A stream that fails reads once `left` bytes have been read.
#[derive(Debug)]
pub(crate) struct Budgeted<S> {
    inner: S,
    left: u64,
    budget: u64,
}

impl<S> Budgeted<S> {
    pub(crate) fn new(inner: S, budget: u64) -> Budgeted<S> {
        Budgeted {
            inner,
            left: budget,
            budget,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Budgeted<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.left == 0 {
            return Poll::Ready(Err(io::Error::other(format!(
                "the server sent more than {} MiB, far more than the headers asked for",
                this.budget / (1024 * 1024)
            ))));
        }
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = result {
            let read = (buf.filled().len() - before) as u64;
            this.left = this.left.saturating_sub(read);
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Budgeted<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn reads_stop_at_the_budget() {
        let data = vec![b'x'; 10_000];
        let mut stream = Budgeted::new(&data[..], 4_096);
        let mut out = Vec::new();
        let err = stream.read_to_end(&mut out).await.unwrap_err();
        assert!(err.to_string().contains("more than"), "{err}");
        assert!(out.len() >= 4_096 && out.len() < 10_000, "{}", out.len());

        let mut small = Budgeted::new(&data[..100], 4_096);
        let mut out = Vec::new();
        small.read_to_end(&mut out).await.unwrap();
        assert_eq!(out.len(), 100);
    }
}
