//! Full-text search's one tokenizer (issue 17), used both to index a line and to read a query,
//! so that what is stored and what is asked for are cut the same way.
//!
//! Text is NFKC-normalised and lowercased, then split into runs of letters and digits. Runs of
//! Hangul, kana and CJK ideographs become overlapping character bigrams (`대화방` → `대화 화방`),
//! so that a word found inside a longer word matches, as Korean needs (`대화` is in
//! `섞인대화방에서`); any other run is one token as it stands. Only letters and digits survive,
//! so nothing a user types can reach the database's query syntax.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

use crate::limits::SEARCH_QUERY_MAX_CHARS;

/// A token longer than this is cut: no one searches for a 4000-letter word, and Postgres refuses
/// lexemes over 2 KiB.
pub const TOKEN_MAX_CHARS: usize = 64;

/// One thing a query asks for; every term of a query must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A word that matches any indexed token it begins (`deploy` finds `deployment`).
    Prefix(String),
    /// Bigrams that must stand next to each other, in order: a Hangul/CJK run of the query.
    Phrase(Vec<String>),
}

/// A query as the index reads it: at least one term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub terms: Vec<Term>,
}

/// Why a query cannot be run, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    TooLong,
    NoWords,
}

impl QueryError {
    pub fn message(&self) -> String {
        match self {
            QueryError::TooLong => {
                format!("a search is at most {SEARCH_QUERY_MAX_CHARS} characters")
            }
            QueryError::NoWords => "search for a word: letters or digits".to_owned(),
        }
    }
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for QueryError {}

/// Hangul (syllables, jamo, compatibility jamo), kana and CJK ideographs: scripts written
/// without spaces between the words a reader looks for.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}'
        | '\u{3040}'..='\u{30FF}'
        | '\u{3130}'..='\u{318F}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{A960}'..='\u{A97F}'
        | '\u{AC00}'..='\u{D7AF}'
        | '\u{D7B0}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}')
}

/// A piece of text between separators, with its script class.
enum Run {
    Word(String),
    Cjk(Vec<char>),
}

/// The runs of letters and digits in `text`, normalised, each CJK part apart from the rest.
fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut cjk = Vec::new();
    let flush_word = |word: &mut String, out: &mut Vec<Run>| {
        if !word.is_empty() {
            out.push(Run::Word(std::mem::take(word)));
        }
    };
    let flush_cjk = |cjk: &mut Vec<char>, out: &mut Vec<Run>| {
        if !cjk.is_empty() {
            out.push(Run::Cjk(std::mem::take(cjk)));
        }
    };
    for c in normalized(text).chars() {
        if is_cjk(c) {
            flush_word(&mut word, &mut out);
            cjk.push(c);
        } else if c.is_alphanumeric() {
            flush_cjk(&mut cjk, &mut out);
            word.push(c);
        } else {
            flush_word(&mut word, &mut out);
            flush_cjk(&mut cjk, &mut out);
        }
    }
    flush_word(&mut word, &mut out);
    flush_cjk(&mut cjk, &mut out);
    out
}

/// `text` NFKC-normalised and lowercased. ASCII text is its own NFKC form, so it is only
/// lowercased: most lines are ASCII, and the search indexer cuts every line stored.
fn normalized(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(text.to_ascii_lowercase());
        }
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.nfkc().flat_map(char::to_lowercase).collect())
}

/// `word` cut to [`TOKEN_MAX_CHARS`] characters.
fn cut(mut word: String) -> String {
    if let Some((end, _)) = word.char_indices().nth(TOKEN_MAX_CHARS) {
        word.truncate(end);
    }
    word
}

/// A CJK run's bigrams; a run of one character is itself.
fn bigrams(run: &[char]) -> Vec<String> {
    if run.len() == 1 {
        return vec![run[0].to_string()];
    }
    run.windows(2).map(|w| w.iter().collect()).collect()
}

/// The tokens of `text`, in order: what the index holds for a line.
pub fn tokens(text: &str) -> Vec<String> {
    indexed(text, 0).tokens
}

/// What an index keeps of a line: its tokens, and the beginnings of its words.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Indexed {
    /// The tokens, in order (as [`tokens`]).
    pub tokens: Vec<String>,
    /// Each word's first 1, 2, … up to the asked-for number of characters, when shorter than
    /// the word, sorted and without repeats; never a CJK bigram's.
    pub beginnings: Vec<String>,
}

/// The tokens of `text` and the beginnings of its words of up to `beginning_max` characters:
/// an index that keeps them answers a short prefix query (`and`, which begins hundreds of
/// words) from one entry instead of merging every word it begins.
pub fn indexed(text: &str, beginning_max: usize) -> Indexed {
    let mut out = Indexed::default();
    for run in runs(text) {
        match run {
            Run::Word(word) => {
                let word = cut(word);
                let length = word.chars().count();
                for (taken, (at, _)) in word.char_indices().skip(1).enumerate() {
                    if taken >= beginning_max || taken + 1 >= length {
                        break;
                    }
                    out.beginnings.push(word[..at].to_owned());
                }
                out.tokens.push(word);
            }
            Run::Cjk(chars) => out.tokens.extend(bigrams(&chars)),
        }
    }
    out.beginnings.sort_unstable();
    out.beginnings.dedup();
    out
}

/// Whether `term`'s prefix is one an index of beginnings up to `beginning_max` characters
/// holds as an entry of its own: a word (not CJK) no longer than that.
pub fn is_indexed_beginning(prefix: &str, beginning_max: usize) -> bool {
    prefix.chars().count() <= beginning_max && !prefix.chars().any(is_cjk)
}

/// The text the index stores for a line: its tokens joined by spaces (empty when it has none).
pub fn index_text(text: &str) -> String {
    tokens(text).join(" ")
}

/// Reads what the user typed as a query: each word a prefix, each Hangul/CJK run a phrase of
/// its bigrams (one character alone is a prefix of the bigrams it starts), all of them required.
pub fn parse_query(typed: &str) -> Result<SearchQuery, QueryError> {
    if typed.chars().count() > SEARCH_QUERY_MAX_CHARS {
        return Err(QueryError::TooLong);
    }
    let mut terms: Vec<Term> = Vec::new();
    for run in runs(typed) {
        let term = match run {
            Run::Word(word) => Term::Prefix(cut(word)),
            Run::Cjk(chars) if chars.len() == 1 => Term::Prefix(chars[0].to_string()),
            Run::Cjk(chars) => Term::Phrase(bigrams(&chars)),
        };
        if !terms.contains(&term) {
            terms.push(term);
        }
    }
    if terms.is_empty() {
        return Err(QueryError::NoWords);
    }
    Ok(SearchQuery { terms })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrase(words: &[&str]) -> Term {
        Term::Phrase(words.iter().map(|w| w.to_string()).collect())
    }

    #[test]
    fn hangul_runs_become_overlapping_bigrams() {
        assert_eq!(
            index_text("섞인대화방에서 만나요!"),
            "섞인 인대 대화 화방 방에 에서 만나 나요"
        );
        assert_eq!(index_text("나 너"), "나 너");
    }

    #[test]
    fn a_korean_query_is_a_phrase_found_inside_longer_words() {
        let q = parse_query("대화").unwrap();
        assert_eq!(q.terms, vec![phrase(&["대화"])]);
        let q = parse_query("대화방").unwrap();
        assert_eq!(q.terms, vec![phrase(&["대화", "화방"])]);
        // The phrase's bigrams are a run inside the indexed line's.
        let line = tokens("섞인대화방에서");
        assert!(line.windows(2).any(|w| w == ["대화", "화방"]));
    }

    #[test]
    fn latin_words_are_lowercased_prefixes_and_punctuation_goes() {
        assert_eq!(
            index_text("Hello, World! It's 2026."),
            "hello world it s 2026"
        );
        let q = parse_query("Deploy FRIDAY").unwrap();
        assert_eq!(
            q.terms,
            vec![Term::Prefix("deploy".into()), Term::Prefix("friday".into())]
        );
    }

    #[test]
    fn word_beginnings_are_kept_up_to_the_asked_length_and_never_of_bigrams() {
        let line = indexed("Andrew and 대화방 go", 4);
        assert_eq!(line.tokens, ["andrew", "and", "대화", "화방", "go"]);
        // `and` itself is a token; `andr` begins `andrew` only.
        assert_eq!(line.beginnings, ["a", "an", "and", "andr", "g"]);
        assert!(indexed("Andrew", 0).beginnings.is_empty());
        assert_eq!(indexed("ÉtÉ", 2).beginnings, ["é", "ét"]);
        assert!(is_indexed_beginning("andr", 4));
        assert!(!is_indexed_beginning("andre", 4));
        assert!(!is_indexed_beginning("대", 4), "CJK runs keep bigrams only");
    }

    #[test]
    fn mixed_scripts_split_where_the_script_changes() {
        assert_eq!(index_text("rust러스트"), "rust 러스 스트");
        assert_eq!(
            parse_query("rust러스트").unwrap().terms,
            vec![Term::Prefix("rust".into()), phrase(&["러스", "스트"])]
        );
    }

    #[test]
    fn ascii_text_is_normalised_as_nfkc_would() {
        let every_ascii: String = (0u8..128).map(char::from).collect();
        let samples = [
            every_ascii.as_str(),
            "Deploy the NEW build, then ping @Alice (v2.0-rc1)!",
            "already lower case",
            "",
        ];
        for text in samples {
            let nfkc: String = text.nfkc().flat_map(char::to_lowercase).collect();
            assert_eq!(normalized(text), nfkc, "{text:?}");
        }
        assert!(matches!(normalized("lower"), Cow::Borrowed(_)));
    }

    #[test]
    fn nfkc_folds_compatibility_forms() {
        assert_eq!(index_text("ｆｕｌｌ①"), "full1");
        assert_eq!(index_text("Straße"), "straße");
    }

    #[test]
    fn query_syntax_characters_never_survive() {
        let q = parse_query(r#""a" * NEAR(b) -c d:e '; DROP TABLE messages; --"#).unwrap();
        for term in &q.terms {
            let words = match term {
                Term::Prefix(w) => vec![w.clone()],
                Term::Phrase(ws) => ws.clone(),
            };
            for w in words {
                assert!(w.chars().all(char::is_alphanumeric), "{w:?}");
            }
        }
    }

    #[test]
    fn empty_and_symbol_only_queries_have_no_words() {
        for q in ["", "   ", "\"*\"", "-:()^", "!!!"] {
            assert_eq!(parse_query(q), Err(QueryError::NoWords), "{q:?}");
        }
        assert_eq!(
            QueryError::NoWords.message(),
            "search for a word: letters or digits"
        );
    }

    #[test]
    fn long_queries_are_refused_and_long_words_cut() {
        let long = "a".repeat(SEARCH_QUERY_MAX_CHARS + 1);
        assert_eq!(parse_query(&long), Err(QueryError::TooLong));
        assert_eq!(
            QueryError::TooLong.message(),
            "a search is at most 200 characters"
        );
        let word = "x".repeat(500);
        assert_eq!(tokens(&word)[0].chars().count(), TOKEN_MAX_CHARS);
    }

    #[test]
    fn repeated_terms_count_once() {
        assert_eq!(parse_query("go go GO").unwrap().terms.len(), 1);
    }
}
