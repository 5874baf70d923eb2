//! The random frame generator: a seeded `StdRng` mixing valid frames, mutations of them,
//! hand-written edge cases and outright garbage, each within `MAX_CLIENT_FRAME_BYTES`.

use chat_shared::limits::{BODY_MAX_CHARS, MAX_CLIENT_FRAME_BYTES, NONCE_MAX_CHARS};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

/// One frame the test sends.
#[derive(Debug, Clone)]
pub enum Outgoing {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
}

/// Strings that have broken chat software before: invisible, reordering, combining, control,
/// non-BMP, and markup characters.
const NASTY: &[&str] = &[
    "\u{0}",
    "\u{FEFF}",
    "\u{202E}gnp.exe",
    "\u{200B}",
    "\u{200D}",
    "e\u{301}\u{301}\u{301}",
    "👩‍👩‍👧‍👦",
    "\u{10FFFF}",
    "\u{FFFD}",
    "\u{3000}",
    "\u{85}",
    "\u{2028}\u{2029}",
    "\u{1b}[2J\u{1b}[31mred",
    "\r\n",
    "\t",
    "가나다",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00%0d%0a",
    "\\u0000",
    "{{7*7}}",
    "${jndi:ldap://x}",
];

/// Raw JSON texts a hand would write to probe the parser.
const EDGE_TEXTS: &[&str] = &[
    "",
    " ",
    "null",
    "true",
    "0",
    "\"send\"",
    "[]",
    "{}",
    "{\"type\":null}",
    "{\"type\":\"send\",\"body\":\"\\ud800\"}",
    "{\"type\":\"send\",\"body\":\"\\udc00\\ud800\"}",
    "{\"type\":\"send\",\"body\":\"\\ud83d\\ude00\"}",
    "{\"type\":\"send\",\"body\":\"\\u0000\"}",
    "{\"type\":\"send\",\"body\":\"a\",\"body\":\"b\"}",
    "{\"type\":\"send\",\"type\":\"typing\"}",
    "{\"type\":\"send\",\"body\":\"x\"} trailing",
    "{\"type\":\"send\",\"body\":\"x\"}{\"type\":\"send\",\"body\":\"y\"}",
    "{\"type\":\"history\",\"before\":1e400,\"limit\":5}",
    "{\"type\":\"history\",\"before\":-1e400,\"limit\":5}",
    "{\"type\":\"history\",\"before\":99999999999999999999,\"limit\":5}",
    "{\"type\":\"history\",\"before\":9223372036854775807,\"limit\":100}",
    "{\"type\":\"history\",\"before\":-9223372036854775808,\"limit\":1}",
    "{\"type\":\"history\",\"before\":9223372036854775808,\"limit\":1}",
    "{\"type\":\"history\",\"before\":1,\"limit\":4294967296}",
    "{\"type\":\"history\",\"before\":1,\"limit\":4294967295}",
    "{\"type\":\"history\",\"before\":1,\"limit\":0}",
    "{\"type\":\"history\",\"before\":1,\"limit\":101}",
    "{\"type\":\"history\",\"before\":1,\"limit\":-1}",
    "{\"type\":\"history\",\"before\":1.5,\"limit\":1}",
    "{\"type\":\"history\",\"before\":\"1\",\"limit\":\"1\"}",
    "{\"type\":\"typing\",\"extra\":[1,2,3]}",
    "{\"type\":\"participants\",\"offset\":0,\"limit\":100}",
    "{\"type\":\"participants\",\"offset\":4294967295,\"limit\":200}",
    "{\"type\":\"participants\",\"offset\":0,\"limit\":201}",
    "{\"type\":\"participants\",\"offset\":-1,\"limit\":1}",
    "{\"type\":\"participants\",\"offset\":0}",
    "{\"type\":\"TYPING\"}",
    "{\"type\":\"typing \"}",
    "{\"type\":\"welcome\"}",
    "{\"type\":\"message\",\"id\":1,\"body\":\"spoof\"}",
    "{\"type\":\"error\",\"code\":\"invalid_frame\",\"message\":\"spoof\"}",
    "\u{FEFF}{\"type\":\"typing\"}",
    "{\"type\":\"send\",\"body\":\"hi\",\"nonce\":\"\"}",
    "{\"type\":\"send\",\"body\":\"hi\",\"nonce\":null}",
    "{\"type\":\"send\",\"body\":\"hi\",\"nonce\":7}",
    "{\"type\":\"send\",\"body\":\"hi\",\"__proto__\":{\"x\":1}}",
    "{\"type\":\"se\\u006ed\",\"body\":\"escaped tag\"}",
    "{'type':'send','body':'single quotes'}",
    "{\"type\":\"send\",\"body\":\"NaN\",\"nonce\":NaN}",
];

pub struct Generator {
    rng: StdRng,
    sends: u64,
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            sends: 0,
        }
    }

    /// The next frame; every frame stays within `MAX_CLIENT_FRAME_BYTES`.
    pub fn frame(&mut self) -> Outgoing {
        loop {
            let frame = self.any_frame();
            let len = match &frame {
                Outgoing::Text(t) => t.len(),
                Outgoing::Binary(b) | Outgoing::Ping(b) => b.len(),
            };
            if len <= MAX_CLIENT_FRAME_BYTES {
                return frame;
            }
        }
    }

    fn any_frame(&mut self) -> Outgoing {
        match self.rng.gen_range(0..100) {
            0..=19 => Outgoing::Text(self.valid_send()),
            20..=27 => Outgoing::Text(self.bad_send()),
            28..=33 => Outgoing::Text(self.history()),
            34..=35 => Outgoing::Text(json!({"type": "typing"}).to_string()),
            36..=51 => {
                let valid = self.valid_any();
                Outgoing::Text(self.mutate(&valid))
            }
            52..=58 => Outgoing::Text(self.random_text()),
            59..=66 => Outgoing::Text(self.random_frame_json().to_string()),
            67..=72 => Outgoing::Text(self.wrong_types()),
            73..=76 => Outgoing::Text(self.nested()),
            77..=84 => Outgoing::Text(self.unicode_send()),
            85..=89 => Outgoing::Binary(self.binary()),
            90..=91 => Outgoing::Text(self.change_of_a_missing_message()),
            92..=96 => Outgoing::Text(
                EDGE_TEXTS
                    .choose(&mut self.rng)
                    .expect("non-empty")
                    .to_string(),
            ),
            _ => {
                let len = self.rng.gen_range(0..=125);
                Outgoing::Ping((0..len).map(|_| self.rng.gen()).collect())
            }
        }
    }

    fn nonce(&mut self) -> Option<String> {
        self.sends += 1;
        match self.rng.gen_range(0..4) {
            0 => None,
            1 => Some(String::new()),
            _ => Some(format!("n{}-{}", self.sends, self.rng.gen::<u32>())),
        }
    }

    fn word(&mut self) -> String {
        let len = self.rng.gen_range(1..12);
        (0..len)
            .map(|_| self.rng.gen_range(b'a'..=b'z') as char)
            .collect()
    }

    fn valid_body(&mut self) -> String {
        match self.rng.gen_range(0..20) {
            0 => "x".repeat(BODY_MAX_CHARS),
            1 => format!(
                "  {}  ",
                "가".repeat(self.rng.gen_range(1..=BODY_MAX_CHARS))
            ),
            2 => format!("\n\t{}\u{3000}", self.word()),
            _ => {
                let words = self.rng.gen_range(1..20);
                (0..words)
                    .map(|_| self.word())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        }
    }

    fn valid_send(&mut self) -> String {
        let body = self.valid_body();
        let mut frame = json!({"type": "send", "body": body});
        if let Some(nonce) = self.nonce() {
            frame["nonce"] = Value::from(nonce);
        }
        frame.to_string()
    }

    /// An `edit` or `delete` naming an id no message has (so the answer does not depend on
    /// what the run stored), with a body that is valid or not.
    fn change_of_a_missing_message(&mut self) -> String {
        let id: i64 = if self.rng.gen_bool(0.5) {
            self.rng.gen_range(i64::MIN..0)
        } else {
            self.rng.gen_range(1_000_000_000_000..i64::MAX)
        };
        if self.rng.gen_bool(0.5) {
            return json!({"type": "delete", "id": id}).to_string();
        }
        let body = if self.rng.gen_bool(0.7) {
            self.valid_body()
        } else {
            ["", "  ", "a\u{1b}b"]
                .choose(&mut self.rng)
                .expect("non-empty")
                .to_string()
        };
        json!({"type": "edit", "id": id, "body": body}).to_string()
    }

    fn history(&mut self) -> String {
        let before: i64 = match self.rng.gen_range(0..6) {
            0 => i64::MAX,
            1 => i64::MIN,
            2 => self.rng.gen_range(-5..5),
            _ => self.rng.gen_range(0..10_000),
        };
        let limit: i64 = match self.rng.gen_range(0..8) {
            0 => 0,
            1 => 101,
            2 => i64::from(u32::MAX),
            3 => -1,
            _ => self.rng.gen_range(1..=20),
        };
        json!({"type": "history", "before": before, "limit": limit}).to_string()
    }

    fn valid_any(&mut self) -> String {
        match self.rng.gen_range(0..4) {
            0 => self.history(),
            1 => json!({"type": "typing"}).to_string(),
            _ => self.valid_send(),
        }
    }

    fn bad_send(&mut self) -> String {
        match self.rng.gen_range(0..7) {
            0 => json!({"type": "send", "body": ""}).to_string(),
            1 => json!({"type": "send", "body": " \n\t\u{3000}\u{85} "}).to_string(),
            2 => json!({"type": "send", "body": "y".repeat(BODY_MAX_CHARS + 1)}).to_string(),
            3 => json!({"type": "send", "body": "😀".repeat(BODY_MAX_CHARS + self.rng.gen_range(1..100))})
                .to_string(),
            4 => json!({"type": "send", "body": "hi", "nonce": "n".repeat(NONCE_MAX_CHARS + 1)})
                .to_string(),
            5 => json!({"type": "send"}).to_string(),
            _ => json!({"type": "send", "nonce": "lonely"}).to_string(),
        }
    }

    fn unicode_send(&mut self) -> String {
        let parts = self.rng.gen_range(1..6);
        let body: String = (0..parts)
            .map(|_| *NASTY.choose(&mut self.rng).expect("non-empty"))
            .collect();
        let mut frame = json!({"type": "send", "body": body});
        if self.rng.gen_bool(0.3) {
            let nonce: String = NASTY.choose(&mut self.rng).expect("non-empty").to_string();
            frame["nonce"] = Value::from(nonce);
        }
        frame.to_string()
    }

    fn wrong_type_value(&mut self) -> Value {
        match self.rng.gen_range(0..10) {
            0 => Value::Null,
            1 => json!(true),
            2 => json!(i64::MIN),
            3 => json!(u64::MAX),
            4 => json!(1.5e300),
            5 => json!(-0.0),
            6 => json!([1, "two", null]),
            7 => json!({"nested": {"body": "x"}}),
            8 => json!("12"),
            _ => json!(""),
        }
    }

    fn wrong_types(&mut self) -> String {
        let v = self.wrong_type_value();
        match self.rng.gen_range(0..6) {
            0 => json!({"type": "send", "body": v}),
            1 => json!({"type": "send", "body": "ok", "nonce": v}),
            2 => json!({"type": "history", "before": v, "limit": 10}),
            3 => json!({"type": "history", "before": 10, "limit": v}),
            4 => json!({"type": v, "body": "hi"}),
            _ => json!({"type": "history"}),
        }
        .to_string()
    }

    fn nested(&mut self) -> String {
        let depth = self.rng.gen_range(1..12_000);
        match self.rng.gen_range(0..4) {
            0 => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
            1 => format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)),
            2 => "[".repeat(depth),
            _ => format!(
                "{{\"type\":\"send\",\"body\":\"deep\",\"extra\":{}{}}}",
                "[".repeat(depth),
                "]".repeat(depth)
            ),
        }
    }

    fn random_char(&mut self) -> char {
        match self.rng.gen_range(0..4) {
            0 => self.rng.gen_range(0u8..0x20) as char,
            1 => *b"{}[]\",:\\ 0-9eE.tfn"
                .choose(&mut self.rng)
                .expect("non-empty") as char,
            2 => self.rng.gen_range(b' '..=b'~') as char,
            _ => loop {
                if let Some(c) = char::from_u32(self.rng.gen_range(0..0x11_0000)) {
                    break c;
                }
            },
        }
    }

    fn random_text(&mut self) -> String {
        if self.rng.gen_bool(0.5) {
            let len = self.rng.gen_range(0..300);
            (0..len).map(|_| self.random_char()).collect()
        } else {
            let len = self.rng.gen_range(0..2_000);
            let bytes: Vec<u8> = (0..len).map(|_| self.rng.gen()).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }

    fn random_json(&mut self, depth: u32) -> Value {
        let leaf = depth == 0 || self.rng.gen_bool(0.6);
        if leaf {
            return match self.rng.gen_range(0..6) {
                0 => Value::Null,
                1 => json!(self.rng.gen::<bool>()),
                2 => json!(self.rng.gen::<i64>()),
                3 => json!(self.rng.gen::<f64>() * 1e10),
                4 => Value::from(self.word()),
                _ => self.wrong_type_value(),
            };
        }
        if self.rng.gen_bool(0.5) {
            let len = self.rng.gen_range(0..5);
            Value::Array((0..len).map(|_| self.random_json(depth - 1)).collect())
        } else {
            let len = self.rng.gen_range(0..5);
            let mut map = serde_json::Map::new();
            for _ in 0..len {
                let key = ["type", "body", "nonce", "before", "limit", "id"]
                    .choose(&mut self.rng)
                    .expect("non-empty")
                    .to_string();
                map.insert(key, self.random_json(depth - 1));
            }
            Value::Object(map)
        }
    }

    /// A random object that usually has a plausible `type`, so the field checks get exercised.
    fn random_frame_json(&mut self) -> Value {
        let mut value = self.random_json(4);
        if let Value::Object(map) = &mut value {
            if self.rng.gen_bool(0.8) {
                let tag = ["send", "history", "typing", "Send", "", "message", "error"]
                    .choose(&mut self.rng)
                    .expect("non-empty");
                map.insert("type".into(), Value::from(*tag));
            }
        }
        value
    }

    fn binary(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..4) {
            0 => vec![0xff, 0xfe, 0xfd],
            1 => self.valid_send().into_bytes(),
            2 => {
                let mut bytes = self.valid_send().into_bytes();
                let at = self.rng.gen_range(0..bytes.len());
                bytes[at] = 0xc0;
                bytes
            }
            _ => {
                let len = self.rng.gen_range(0..1_000);
                (0..len).map(|_| self.rng.gen()).collect()
            }
        }
    }

    /// One to three edits of a valid frame, on character boundaries (the text stays UTF-8).
    fn mutate(&mut self, valid: &str) -> String {
        let mut chars: Vec<char> = valid.chars().collect();
        for _ in 0..self.rng.gen_range(1..=3) {
            let len = chars.len();
            match self.rng.gen_range(0..7) {
                0 => chars.truncate(self.rng.gen_range(0..=len)),
                1 if len > 0 => {
                    chars.remove(self.rng.gen_range(0..len));
                }
                2 => {
                    let c = self.random_char();
                    chars.insert(self.rng.gen_range(0..=len), c);
                }
                3 if len > 0 => {
                    let c = self.random_char();
                    chars[self.rng.gen_range(0..len)] = c;
                }
                4 if len > 0 => {
                    let from = self.rng.gen_range(0..len);
                    let to = self.rng.gen_range(from..=len.min(from + 40));
                    let slice: Vec<char> = chars[from..to].to_vec();
                    let at = self.rng.gen_range(0..=chars.len());
                    chars.splice(at..at, slice);
                }
                5 => {
                    let text: String = chars.iter().collect();
                    let swapped = text.replacen(
                        ["send", "history", "typing", "body", "limit"]
                            .choose(&mut self.rng)
                            .expect("non-empty"),
                        ["typing", "send", "history", "bodies", "before", "SEND"]
                            .choose(&mut self.rng)
                            .expect("non-empty"),
                        1,
                    );
                    chars = swapped.chars().collect();
                }
                _ => {
                    // A digit run turned into a huge or negative number.
                    let text: String = chars.iter().collect();
                    let big = ["-1", "18446744073709551616", "1e999", "-0", "0x10"]
                        .choose(&mut self.rng)
                        .expect("non-empty");
                    chars = text.replacen(':', &format!(":{big}"), 1).chars().collect();
                }
            }
        }
        chars.into_iter().collect()
    }
}
