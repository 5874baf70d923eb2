//! The search benchmark (issue 17): `seed-messages` fills a database, `search` asks a running
//! server many queries over HTTP and reports their latency.

pub mod queries;
pub mod seed;
