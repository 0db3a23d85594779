//! Scripts other than Latin: words with combining marks must be found whole.

use crate::support::{found, index_with, search, story};

#[test]
fn urdu() {
    let index = index_with(&[
        story(1, "موسم", "اسلام آباد میں شدید بارش کے بعد", 1),
        story(2, "کرکٹ", "پاکستان نے میچ جیت لیا", 1),
    ]);
    assert_eq!(found(&index, "بارش"), [1]);
    assert_eq!(found(&index, "اسلام آباد"), [1]);
    assert_eq!(found(&index, "\"اسلام آباد\""), [1]);
    // With harakat in the query, and with Arabic-keyboard letters.
    assert_eq!(found(&index, "بَارِش"), [1]);
    assert_eq!(found(&index, "ميں"), [1]);
    assert_eq!(found(&index, "پاکستان -بارش"), [2]);
    assert!(search(&index, "بارش").hits[0].snippet_html.contains("<mark>بارش</mark>"));
}

#[test]
fn hindi_with_vowel_signs_and_virama() {
    let index = index_with(&[story(1, "मौसम", "नई दिल्ली में भारी बारिश", 1), story(2, "खेल", "दिल की बात", 1)]);
    assert_eq!(found(&index, "बारिश"), [1]);
    assert_eq!(found(&index, "दिल्ली"), [1]);
    // "दिल" is a word of story 2, not a piece of "दिल्ली".
    assert_eq!(found(&index, "दिल"), [2]);
    assert!(search(&index, "बारिश").hits[0].snippet_html.contains("<mark>बारिश</mark>"));
}

#[test]
fn russian() {
    let index = index_with(&[story(1, "Погода", "Сильный дождь в Москве", 1), story(2, "Спорт", "Матч", 1)]);
    assert_eq!(found(&index, "дождь"), [1]);
    assert_eq!(found(&index, "МОСКВЕ"), [1]);
    assert_eq!(found(&index, "\"сильный дождь\""), [1]);
}

#[test]
fn arabic_chinese_japanese_and_accents() {
    let index = index_with(&[
        story(1, "طقس", "أمطار غزيرة في القاهرة", 1),
        story(2, "天气", "东京大雨，交通中断", 1),
        story(3, "Météo", "Un café à Paris", 1),
    ]);
    assert_eq!(found(&index, "القاهرة"), [1]);
    assert_eq!(found(&index, "大雨"), [2]);
    assert_eq!(found(&index, "交通"), [2]);
    assert_eq!(found(&index, "东雨"), Vec::<i64>::new());
    assert_eq!(found(&index, "cafe"), [3]);
    assert_eq!(found(&index, "CAFÉ meteo"), [3]);
}
