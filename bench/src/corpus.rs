//! The words of the search benchmark (issue 17): a deterministic mix of English and Korean
//! words, drawn so that a few are very common and most are rare, as in real chat. The seeding
//! (`seed-messages`) and the queries (`search`) both come from here, so every query is one
//! whose frequency in the stored messages is known in advance.

/// English words, most common first.
const ENGLISH: &[&str] = &[
    "the", "and", "you", "that", "was", "for", "are", "with", "his", "they", "this", "have",
    "from", "one", "had", "word", "but", "not", "what", "all", "were", "when", "your", "can",
    "said", "there", "use", "each", "which", "she", "how", "their", "will", "other", "about",
    "out", "many", "then", "them", "these", "some", "her", "would", "make", "like", "him", "into",
    "time", "has", "look", "two", "more", "write", "see", "number", "way", "could", "people",
    "than", "first", "water", "been", "call", "who", "oil", "its", "now", "find", "long", "down",
    "day", "did", "get", "come", "made", "may", "part", "deploy", "release", "server", "database",
    "index", "search", "message", "window", "harbour", "lantern",
];

/// Korean words, most common first.
const KOREAN: &[&str] = &[
    "안녕하세요",
    "감사합니다",
    "오늘",
    "내일",
    "회의",
    "대화방",
    "점심",
    "저녁",
    "사람들",
    "프로젝트",
    "배포",
    "서버",
    "데이터베이스",
    "검색",
    "메시지",
    "주말",
    "다음주",
    "확인",
    "문제",
    "해결",
    "시작",
    "끝났어요",
    "좋아요",
    "그런데",
    "그래서",
    "아마도",
    "정말",
    "커피",
    "날씨",
    "비가",
    "바다",
    "산책",
    "여행",
    "가족",
    "친구들",
    "공부",
    "시험",
];

/// Syllables that generated words are made of, for the long tail of rare words.
const LATIN_SYLLABLES: &[&str] = &[
    "ka", "lo", "ren", "mi", "tor", "ve", "sal", "qu", "in", "bra", "zo", "el", "dun", "fi", "gar",
    "po", "nix", "tu", "wen", "sha",
];
/// Hangul syllables the generated Korean words are made of: 200 spread over the block, so
/// their bigrams (40,000) are about as many as everyday Korean uses.
const HANGUL_SYLLABLE_COUNT: usize = 200;

fn hangul_syllable(i: usize) -> char {
    char::from_u32(0xAC00 + ((i % HANGUL_SYLLABLE_COUNT) * 53 % 11172) as u32)
        .expect("within the Hangul syllables block")
}

/// Words in each language's vocabulary: the named ones, then generated ones.
pub const VOCABULARY: usize = 20_000;

/// A small, fast, deterministic generator (xorshift64*): the corpus must be the same on every
/// run, and the bench needs no randomness better than this.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in `0.0..1.0`.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A rank in `0..n`, log-uniform: rank 0 as likely as ranks 1–2, 3–6, …, so the first few
    /// words are in a good share of lines and most words in very few.
    pub fn zipf(&mut self, n: usize) -> usize {
        ((n as f64 + 1.0).powf(self.unit()) - 1.0).floor() as usize % n
    }
}

/// The English word of this rank.
pub fn english(rank: usize) -> String {
    if let Some(word) = ENGLISH.get(rank) {
        return (*word).to_owned();
    }
    let mut n = rank;
    let mut word = String::new();
    for _ in 0..3 {
        word.push_str(LATIN_SYLLABLES[n % LATIN_SYLLABLES.len()]);
        n /= LATIN_SYLLABLES.len();
    }
    word.push_str(&(rank % 97).to_string());
    word
}

/// The Korean word of this rank.
pub fn korean(rank: usize) -> String {
    if let Some(word) = KOREAN.get(rank) {
        return (*word).to_owned();
    }
    // Scattered, so the words of neighbouring ranks share no syllable.
    let mut n = rank.wrapping_mul(7919) % HANGUL_SYLLABLE_COUNT.pow(3);
    let mut word = String::new();
    for _ in 0..3 {
        word.push(hangul_syllable(n));
        n /= HANGUL_SYLLABLE_COUNT;
    }
    word
}

/// A message of 4 to 15 words, about a third of them Korean.
pub fn message(rng: &mut Rng) -> String {
    let words = 4 + rng.below(12);
    let mut body = String::new();
    for i in 0..words {
        if i > 0 {
            body.push(' ');
        }
        let rank = rng.zipf(VOCABULARY);
        if rng.below(3) == 0 {
            body.push_str(&korean(rank));
        } else {
            body.push_str(&english(rank));
        }
    }
    body
}

/// The kinds of query the benchmark asks, each for its own percentiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueryKind {
    /// One of the ten most common English words.
    CommonEnglish,
    /// An English word far down the tail (in few lines, or none).
    RareEnglish,
    /// The first three letters of a mid-frequency word (a prefix query).
    Prefix,
    /// Two characters from inside a Korean word (a substring, as `대화` in `섞인대화방에서`).
    KoreanInside,
    /// A rare Korean word, whole.
    RareKorean,
    /// A common and a mid-frequency word together (both must match).
    TwoWords,
    /// A common word in one room only.
    CommonInOneRoom,
}

impl QueryKind {
    pub const ALL: [QueryKind; 7] = [
        QueryKind::CommonEnglish,
        QueryKind::RareEnglish,
        QueryKind::Prefix,
        QueryKind::KoreanInside,
        QueryKind::RareKorean,
        QueryKind::TwoWords,
        QueryKind::CommonInOneRoom,
    ];

    pub fn name(self) -> &'static str {
        match self {
            QueryKind::CommonEnglish => "common English word",
            QueryKind::RareEnglish => "rare English word",
            QueryKind::Prefix => "3-letter prefix",
            QueryKind::KoreanInside => "Korean inside a word",
            QueryKind::RareKorean => "rare Korean word",
            QueryKind::TwoWords => "two words",
            QueryKind::CommonInOneRoom => "common word, one room",
        }
    }

    /// A query of this kind, and whether it names one room.
    pub fn query(self, rng: &mut Rng) -> (String, bool) {
        match self {
            QueryKind::CommonEnglish => (english(rng.below(10)), false),
            QueryKind::RareEnglish => (english(VOCABULARY / 2 + rng.below(VOCABULARY / 2)), false),
            QueryKind::Prefix => {
                let word = english(20 + rng.below(200));
                (word.chars().take(3).collect(), false)
            }
            QueryKind::KoreanInside => {
                let word: Vec<char> = korean(rng.below(300)).chars().collect();
                let at = rng.below(word.len() - 1);
                (word[at..at + 2].iter().collect(), false)
            }
            QueryKind::RareKorean => (korean(VOCABULARY / 2 + rng.below(VOCABULARY / 2)), false),
            QueryKind::TwoWords => (
                format!(
                    "{} {}",
                    english(rng.below(10)),
                    english(10 + rng.below(100))
                ),
                false,
            ),
            QueryKind::CommonInOneRoom => (english(rng.below(10)), true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_the_same_every_time() {
        let a: Vec<String> = (0..5).map(|_| message(&mut Rng::new(7))).collect();
        let b: Vec<String> = (0..5).map(|_| message(&mut Rng::new(7))).collect();
        assert_eq!(a, b);
        assert_eq!(english(0), "the");
        assert_ne!(english(5000), english(5001));
        assert_eq!(korean(20_000).chars().count(), 3);
    }

    #[test]
    fn common_words_are_common() {
        let mut rng = Rng::new(1);
        let draws = 100_000;
        let top = (0..draws).filter(|_| rng.zipf(VOCABULARY) < 10).count();
        assert!(top > draws / 5, "{top}");
    }
}
