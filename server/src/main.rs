//! `chat-server`: reads the configuration, starts the server, stops on Ctrl+C or SIGTERM; or
//! runs one of the operator's commands (`chat-server backup`, `chat-server admin`).

use clap::Parser;

#[tokio::main]
async fn main() {
    return_large_blocks_to_the_system();
    chat_server::logging::init();
    let cli = chat_server::Cli::parse();
    if let Some(command) = cli.command {
        if let Err(e) = chat_server::operate::run(command, &cli.config).await {
            eprintln!("chat-server: {e:#}");
            std::process::exit(1);
        }
        return;
    }
    raise_open_file_limit();
    let server = match chat_server::start(cli.config).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("chat-server: {e:#}");
            std::process::exit(1);
        }
    };
    if !chat_server::logging::is_json() {
        println!("chat-server: listening on {}", server.url());
        if let Some(addr) = server.metrics_addr() {
            println!("chat-server: metrics on http://{addr}/metrics");
        }
    }
    let token = server.shutdown_token();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        token.cancel();
    });
    if let Err(e) = server.wait().await {
        eprintln!("chat-server: {e:#}");
        std::process::exit(1);
    }
}

/// Every connection is an open file: with the usual soft limit (1024, or 256 on some
/// systems) a few hundred silent connections used to stop the server accepting (issue 18).
/// The hard limit is what the operator allows; take all of it.
fn raise_open_file_limit() {
    /// Below this, the connection cap (`MAX_CONNECTIONS`) is lowered to fit.
    const COMFORTABLE: u64 = 4096;
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) if limit < COMFORTABLE => tracing::warn!(
            open_files = limit,
            "the open-file limit is low, so fewer connections can be served; raise the hard limit (ulimit -Hn, LimitNOFILE= in the systemd unit)"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not raise the open-file limit"),
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler works on unix");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Each argon2 hash allocates 19 MiB. After the first such block is freed, glibc raises its
/// mmap threshold to that size, so later blocks come from the heap and stay resident after
/// they are freed (BENCHMARKS.md has what that cost). Fixing the threshold at 1 MiB keeps
/// large blocks in mmap, returned to the system on free. (Same as
/// `MALLOC_MMAP_THRESHOLD_=1048576`.)
#[allow(unsafe_code)]
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt takes no pointers and changes a setting under glibc's own allocator
    // lock, so it is sound to call at any time from any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}
