//! Nicknames and room titles as people read them. What is typed is normalised (NFKC, so a
//! full-width "ａｌｉｃｅ" is "alice"), may not hold characters that hide or reorder text, must
//! show something, and a nickname is unique by what it looks like (UTS #39's confusable
//! skeleton), so "аlice" with a Cyrillic "а" cannot pose as "alice".

use unicode_normalization::UnicodeNormalization;
use unicode_properties::general_category::{GeneralCategoryGroup, UnicodeGeneralCategory};
use unicode_security::general_security_profile::IdentifierType;
use unicode_security::GeneralSecurityProfile;

/// What the server stores for a name typed as `typed`: NFKC, then trimmed.
pub fn normalize(typed: &str) -> String {
    typed.nfkc().collect::<String>().trim().to_owned()
}

/// Characters a name may not contain: control characters (terminal escape sequences start
/// with one); the direction controls, which can make a name read as something else
/// ("evil\u{202E}txt.exe"); and the default-ignorable ones, which show nothing at all
/// (U+200B, U+FEFF, U+3164 HANGUL FILLER, variation selectors…), so "alice" and
/// "alice\u{200B}" would look the same.
pub fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'
        )
        || c.identifier_type() == Some(IdentifierType::Default_Ignorable)
        || c.general_category_group() == GeneralCategoryGroup::Other
}

/// Whether the name shows anything: a letter, digit, punctuation mark or symbol (a name of
/// only spaces or combining marks does not).
pub fn has_visible(name: &str) -> bool {
    name.chars().any(|c| {
        matches!(
            c.general_category_group(),
            GeneralCategoryGroup::Letter
                | GeneralCategoryGroup::Number
                | GeneralCategoryGroup::Punctuation
                | GeneralCategoryGroup::Symbol
        )
    })
}

/// What a nickname looks like, for uniqueness: the confusable skeleton of its lowercase
/// form (case never made two nicknames different).
pub fn skeleton(nickname: &str) -> String {
    unicode_security::skeleton(&normalize(nickname).to_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_are_forbidden_or_share_a_skeleton() {
        for invisible in [
            '\u{200B}', '\u{FEFF}', '\u{3164}', '\u{180E}', '\u{FE0F}', '\u{1b}', '\u{202E}',
        ] {
            assert!(is_forbidden(invisible), "{:?}", invisible);
        }
        for fine in ['a', '가', '🙂', ' ', '-', 'ß', 'é', '\u{0301}'] {
            assert!(!is_forbidden(fine), "{:?}", fine);
        }
        assert_eq!(skeleton("alice"), skeleton("\u{0430}lice"), "Cyrillic а");
        assert_eq!(skeleton("Alice"), skeleton("ALICE"));
        assert_eq!(skeleton("alice"), skeleton("ａｌｉｃｅ"));
        assert_eq!(skeleton("paypal"), skeleton("paypa1"), "l and 1");
        assert_ne!(skeleton("alice"), skeleton("alicia"));
        assert_eq!(normalize("  ａｌｉｃｅ "), "alice");
    }

    #[test]
    fn a_name_must_show_something() {
        assert!(has_visible("alice"));
        assert!(has_visible("민지"));
        assert!(has_visible("🙂"));
        assert!(!has_visible("\u{0301}\u{0301}"), "combining marks alone");
        assert!(!has_visible("   "));
        assert!(!has_visible(""));
    }
}
