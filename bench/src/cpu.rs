//! CPU time over a step: the server's (another process, or the ceiling's threads in this one),
//! the bench's own clients', and the rest of the machine's, read from `/proc` through `sys`.

use crate::sys;

/// CPU time so far: the server side, the bench's clients, and everything else on the machine.
#[derive(Debug, Clone, Copy)]
pub struct CpuSample {
    server: Option<f64>,
    bench: f64,
    /// Busy time of the whole machine, minus the server and the bench.
    others: Option<f64>,
}

/// Cores used between two samples.
#[derive(Debug, Clone, Copy)]
pub struct CpuUse {
    pub server: Option<f64>,
    pub bench: f64,
    pub others: Option<f64>,
}

impl CpuSample {
    pub fn since(&self, before: &CpuSample, seconds: f64) -> CpuUse {
        let seconds = seconds.max(1e-9);
        let per_second = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| (a - b) / seconds);
        CpuUse {
            server: per_second(self.server, before.server),
            bench: (self.bench - before.bench) / seconds,
            others: per_second(self.others, before.others).map(|c| c.max(0.0)),
        }
    }
}

/// Where the server's CPU time is read: another process, or the ceiling's threads here.
#[derive(Debug, Clone, Copy)]
pub enum CpuProbe {
    Process(Option<u32>),
    CeilingThreads,
}

impl CpuProbe {
    pub fn sample(&self) -> CpuSample {
        let ceiling = sys::threads_cpu_seconds(crate::ceiling::THREAD_NAME);
        let me = sys::process_cpu_seconds(std::process::id()).unwrap_or(0.0);
        let (server, server_elsewhere) = match self {
            CpuProbe::Process(pid) => {
                let server = pid.and_then(sys::process_cpu_seconds);
                (server, server)
            }
            CpuProbe::CeilingThreads => (Some(ceiling), Some(0.0)),
        };
        CpuSample {
            server,
            bench: me - ceiling,
            others: sys::machine_busy_seconds()
                .zip(server_elsewhere)
                .map(|(machine, server)| machine - me - server),
        }
    }
}
