//! What the bench reads from the operating system: a process's memory and CPU time (from
//! `/proc`), the machine it runs on, and the open-file limit it raises for itself.

use std::fs;

use serde::{Deserialize, Serialize};

/// Clock ticks per second of `/proc/*/stat` times. It is 100 on every Linux we run on, and
/// reading the real value needs `sysconf`, which needs `unsafe` (forbidden in this workspace).
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// Resident memory of a process, from `/proc/<pid>/status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    /// `VmRSS`: resident now.
    pub rss_kib: u64,
    /// `VmHWM`: the most it was ever resident.
    pub peak_kib: u64,
}

/// The memory of process `pid`, or `None` if it is gone (or this is not Linux).
pub fn memory(pid: u32) -> Option<Memory> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some(Memory {
        rss_kib: status_field_kib(&status, "VmRSS:")?,
        peak_kib: status_field_kib(&status, "VmHWM:").unwrap_or(0),
    })
}

fn status_field_kib(status: &str, name: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

/// User plus system CPU seconds that process `pid` has used so far.
pub fn process_cpu_seconds(pid: u32) -> Option<f64> {
    stat_cpu_seconds(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// CPU seconds used so far by this process's threads whose name starts with `prefix` (the
/// in-process ceiling server's workers), so its cost can be told apart from the clients'.
pub fn threads_cpu_seconds(prefix: &str) -> f64 {
    let Ok(tasks) = fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    tasks
        .filter_map(Result::ok)
        .filter(|task| {
            fs::read_to_string(task.path().join("comm")).is_ok_and(|name| name.starts_with(prefix))
        })
        .filter_map(|task| stat_cpu_seconds(&fs::read_to_string(task.path().join("stat")).ok()?))
        .sum()
}

/// `utime + stime` from a `/proc/*/stat` line. The command name may hold spaces and
/// parentheses, so fields are counted from the last `)`.
fn stat_cpu_seconds(stat: &str) -> Option<f64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // After the name: state (field 3) ... utime is field 14, stime field 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / CLOCK_TICKS_PER_SECOND)
}

/// CPU seconds the whole machine has spent busy (every core, every process), from the first
/// line of `/proc/stat`: what else runs on a shared machine shows up here.
pub fn machine_busy_seconds() -> Option<f64> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    let busy: u64 = ticks
        .iter()
        .take(8)
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, t)| t)
        .sum();
    Some(busy as f64 / CLOCK_TICKS_PER_SECOND)
}

/// Waits (at most `max`) until the rest of the machine uses less than `cores` cores, measured
/// over one second at a time; returns what it used at the end. Other builds on a shared
/// machine skew every number, so runs can start in a quiet moment.
pub async fn wait_for_quiet(cores: f64, max: std::time::Duration) -> Option<f64> {
    let deadline = std::time::Instant::now() + max;
    loop {
        let before = machine_busy_seconds()?;
        let me_before = process_cpu_seconds(std::process::id())?;
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let others = (machine_busy_seconds()? - before)
            - (process_cpu_seconds(std::process::id())? - me_before);
        if others < cores || std::time::Instant::now() >= deadline {
            return Some(others);
        }
    }
}

/// The machine a result was measured on, printed with every result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    pub nproc: usize,
    pub cpu_model: String,
    pub memory_mib: u64,
}

impl Machine {
    pub fn detect() -> Self {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
        Self {
            nproc: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
            memory_mib: status_field_kib(&meminfo, "MemTotal:").unwrap_or(0) / 1024,
        }
    }
}

/// Raises this process's soft open-file limit to its hard limit (thousands of sockets need
/// it) and returns the limit now in force.
pub fn raise_fd_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(_) => rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(0, |(soft, _)| soft),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_times_are_read_after_the_command_name() {
        let stat = "1234 (chat (server)) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 3 0";
        assert_eq!(stat_cpu_seconds(stat), Some(3.0));
    }

    #[test]
    fn status_fields_are_read_in_kib() {
        let status = "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n";
        assert_eq!(status_field_kib(status, "VmRSS:"), Some(1024));
        assert_eq!(status_field_kib(status, "VmHWM:"), Some(2048));
    }

    #[test]
    fn this_process_has_memory_and_cpu_time() {
        let me = std::process::id();
        assert!(memory(me).is_some_and(|m| m.rss_kib > 0));
        assert!(process_cpu_seconds(me).is_some());
    }
}
