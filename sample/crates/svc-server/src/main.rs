//! The service binary: a line-based TCP protocol in front of the handler.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use svc_core::rt::blocking;
use svc_core::{Cache, Handler, worker};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::runtime::Handle;
use tokio::sync::watch;

#[tokio::main]
async fn main() -> io::Result<()> {
    let addr = blocking(listen_addr).await?;

    let cache = Arc::new(Cache::default());
    cache.start_refresh(Duration::from_secs(30));
    let (handler, audit) = Handler::new(Arc::clone(&cache));
    let handler = Arc::new(handler);
    let _compactor = worker::start_compactor(audit)?;

    svc_core::rt::spawn(report_stats(Arc::clone(&cache)));

    let (stop_tx, mut stop_rx) = watch::channel(false);
    Handle::current().spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop_tx.send(true);
    });

    let listener = TcpListener::bind(&addr).await?;
    let accept = tokio::spawn(accept_loop(listener, Arc::clone(&handler)));
    let banner = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        println!("listening on {addr}");
    });

    let _ = stop_rx.changed().await;
    banner.abort();
    accept.abort();
    handler.shutdown().await;
    Ok(())
}

async fn accept_loop(listener: TcpListener, handler: Arc<Handler>) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let handler = Arc::clone(&handler);
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            while let Ok(Some(key)) = lines.next_line().await {
                let reply = handler.handle(&key).await.unwrap_or_default();
                if write
                    .write_all(format!("{reply}\n").as_bytes())
                    .await
                    .is_err()
                {
                    break;
                }
            }
        });
    }
}

/// Reads the listen address; stands in for loading a config file, hence `blocking`.
fn listen_addr() -> String {
    std::env::var("SVC_ADDR").unwrap_or_else(|_| "127.0.0.1:7878".to_owned())
}

async fn report_stats(cache: Arc<Cache>) {
    let mut ticks = tokio::time::interval(Duration::from_secs(60));
    loop {
        ticks.tick().await;
        let hit = cache.get("health").await.is_some();
        eprintln!("stats: health entry present={hit}");
    }
}
