//! The hint search: an in-memory index of one line's knowledge base.
//!
//! Text → words (letters and digits; `ё` folds to `е`, case folded) → stop words dropped →
//! Snowball stems (Russian for Cyrillic words, English for Latin ones). Each article has three
//! fields — question, keywords, answer — scored with BM25F (field weights 3 : 2 : 1, k1 = 1.2,
//! b = 0.75), so a match in the question counts most. A query stem missing from the vocabulary
//! is replaced by the vocabulary stems one edit away (deletion neighbourhoods, SymSpell-style:
//! insertions, deletions, substitutions and most transpositions), at a lower weight; the last,
//! possibly unfinished word of the query also matches the stems it begins. Scores are summed in
//! query order and ties broken by article id, so the same articles give the same answer on any
//! backend and any node.
//!
//! `confidence` (0–1) says how much of the query the best article explains: the share of the
//! query's idf mass matched in that article's question or keywords (typo matches count at
//! their weight). The bot answers by itself only above [`BOT_CONFIDENCE`].

use okno_proto::ArticleId;
use rust_stemmers::{Algorithm, Stemmer};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The bot answers a message by itself when the best article's confidence is at least this,
/// and the article is ahead of the next one (see [`Index::confident`]).
pub const BOT_CONFIDENCE: f32 = 0.6;

const K1: f32 = 1.2;
const B: f32 = 0.75;
const W_QUESTION: f32 = 3.0;
const W_KEYWORDS: f32 = 2.0;
const W_ANSWER: f32 = 1.0;
/// A query word matched through a one-edit typo counts this much.
const TYPO_WEIGHT: f32 = 0.6;
/// The last word matched as the beginning of a longer stem counts this much.
const PREFIX_WEIGHT: f32 = 0.7;
/// At most this many stems are tried for one typo or unfinished word (most frequent first).
const MAX_EXPANSIONS: usize = 12;
/// Words shorter than this are not corrected (too many neighbours).
const MIN_TYPO_LEN: usize = 4;

const STOP_RU: &[&str] = &[
    "а",
    "без",
    "бы",
    "был",
    "была",
    "были",
    "было",
    "быть",
    "в",
    "вам",
    "вас",
    "ваш",
    "во",
    "вот",
    "все",
    "всё",
    "вы",
    "где",
    "да",
    "для",
    "до",
    "его",
    "ее",
    "её",
    "если",
    "есть",
    "еще",
    "ещё",
    "же",
    "за",
    "и",
    "из",
    "или",
    "им",
    "их",
    "к",
    "как",
    "когда",
    "ко",
    "кто",
    "ли",
    "либо",
    "мне",
    "мной",
    "мой",
    "моя",
    "моё",
    "мое",
    "мои",
    "меня",
    "мы",
    "на",
    "над",
    "нам",
    "нас",
    "наш",
    "не",
    "нет",
    "ни",
    "но",
    "ну",
    "о",
    "об",
    "он",
    "она",
    "они",
    "оно",
    "от",
    "по",
    "под",
    "при",
    "про",
    "с",
    "со",
    "так",
    "также",
    "там",
    "то",
    "тоже",
    "только",
    "у",
    "уже",
    "чем",
    "что",
    "чтобы",
    "это",
    "этот",
    "эта",
    "эти",
    "я",
    "можно",
    "нужно",
    "надо",
    "пожалуйста",
    "почему",
    "какой",
    "какая",
    "какие",
    "каким",
    "сделать",
    "делать",
    "ли",
    "себе",
    "свой",
    "свою",
    "своего",
    "мой",
    "моего",
    "моем",
    "моём",
    "который",
    "которые",
    "здравствуйте",
    "добрый",
    "день",
    "подскажите",
    "скажите",
];

const STOP_EN: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "could", "do", "does",
    "did", "for", "from", "get", "got", "has", "have", "how", "i", "if", "in", "into", "is", "it",
    "its", "me", "my", "no", "not", "of", "on", "or", "our", "should", "so", "that", "the",
    "their", "them", "then", "there", "this", "to", "was", "we", "what", "when", "where", "which",
    "who", "why", "will", "with", "would", "you", "your", "please", "hi", "hello", "need", "want",
    "i'm", "im", "dont", "don't", "cant", "can't", "doesnt", "doesn't", "any", "some", "there",
    "here", "just", "still", "again", "way",
];

struct Lang {
    ru: Stemmer,
    en: Stemmer,
    stop: std::collections::HashSet<&'static str>,
}

fn lang() -> &'static Lang {
    static LANG: OnceLock<Lang> = OnceLock::new();
    LANG.get_or_init(|| Lang {
        ru: Stemmer::create(Algorithm::Russian),
        en: Stemmer::create(Algorithm::English),
        stop: STOP_RU.iter().chain(STOP_EN).copied().collect(),
    })
}

/// The words of a text, folded (lower case, `ё` → `е`), in order.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() || (c == '\'' && !cur.is_empty()) {
            for l in c.to_lowercase() {
                cur.push(if l == 'ё' { 'е' } else { l });
            }
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur).trim_end_matches('\'').to_owned());
        }
    }
    if !cur.is_empty() {
        out.push(cur.trim_end_matches('\'').to_owned());
    }
    out
}

/// The stem of one folded word, or `None` for a stop word.
pub fn stem(word: &str) -> Option<String> {
    let l = lang();
    if word.is_empty() || l.stop.contains(word) {
        return None;
    }
    let cyrillic = word.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
    let latin = word.chars().any(|c| c.is_ascii_alphabetic());
    let s = if cyrillic && !latin {
        l.ru.stem(word).into_owned()
    } else if latin && !cyrillic {
        l.en.stem(word).trim_end_matches('\'').to_owned()
    } else {
        word.to_owned()
    };
    Some(s)
}

/// The stems of a text, stop words dropped.
pub fn stems(text: &str) -> Vec<String> {
    words(text).iter().filter_map(|w| stem(w)).collect()
}

/// The article text an index is built from.
#[derive(Debug, Clone)]
pub struct Doc {
    pub id: ArticleId,
    pub question: String,
    pub keywords: Vec<String>,
    pub answer: String,
}

#[derive(Debug, Clone, Copy)]
struct Posting {
    slot: u32,
    tf: [u16; 3],
}

struct Entry {
    id: ArticleId,
    question: String,
    len: [u32; 3],
    stems: Vec<u32>,
}

/// One line's knowledge base, ready for queries.
#[derive(Default)]
pub struct Index {
    /// By slot; `None` for removed articles (slots are reused).
    entries: Vec<Option<Entry>>,
    free: Vec<u32>,
    by_id: HashMap<ArticleId, u32>,
    term_ids: HashMap<String, u32>,
    terms: Vec<String>,
    /// Word → its stem's term (`None`: a stop word): stemming each distinct word once.
    word_terms: HashMap<String, Option<u32>>,
    postings: Vec<Vec<Posting>>,
    /// Deletion-neighbourhood (one character removed) → terms.
    deletions: HashMap<String, Vec<u32>>,
    /// Terms sorted, for prefix lookups.
    sorted: Vec<u32>,
    sorted_dirty: bool,
    total_len: [u64; 3],
    count: u32,
}

/// One answer of [`Index::search`].
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub id: ArticleId,
    pub question: String,
    pub score: f32,
    pub confidence: f32,
}

fn deletions_of(term: &str) -> Vec<String> {
    let chars: Vec<char> = term.chars().collect();
    if chars.len() < MIN_TYPO_LEN {
        return Vec::new();
    }
    let mut out: Vec<String> = (0..chars.len())
        .map(|i| {
            chars
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, c)| c)
                .collect()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

struct QueryTerm {
    /// (term id, weight) alternatives; the best matching alternative per article counts.
    alts: Vec<(u32, f32)>,
}

impl Index {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn build(docs: impl IntoIterator<Item = Doc>) -> Self {
        let mut ix = Self::new();
        for d in docs {
            ix.upsert(d);
        }
        ix.sort_terms();
        ix
    }

    pub fn len(&self) -> usize {
        self.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn term_id(&mut self, t: &str) -> u32 {
        if let Some(&id) = self.term_ids.get(t) {
            return id;
        }
        let id = self.terms.len() as u32;
        self.terms.push(t.to_owned());
        self.term_ids.insert(t.to_owned(), id);
        self.postings.push(Vec::new());
        for d in deletions_of(t) {
            self.deletions.entry(d).or_default().push(id);
        }
        self.sorted_dirty = true;
        id
    }

    fn sort_terms(&mut self) {
        if !self.sorted_dirty {
            return;
        }
        let mut sorted: Vec<u32> = (0..self.terms.len() as u32).collect();
        sorted.sort_by(|a, b| self.terms[*a as usize].cmp(&self.terms[*b as usize]));
        self.sorted = sorted;
        self.sorted_dirty = false;
    }

    /// The terms of a text, in order (stop words dropped).
    fn field_terms(&mut self, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        for w in words(text) {
            let t = match self.word_terms.get(&w) {
                Some(t) => *t,
                None => {
                    let t = stem(&w).map(|s| self.term_id(&s));
                    self.word_terms.insert(w, t);
                    t
                }
            };
            if let Some(t) = t {
                out.push(t);
            }
        }
        out
    }

    /// Adds or replaces an article.
    pub fn upsert(&mut self, d: Doc) {
        self.remove(d.id);
        let fields = [
            self.field_terms(&d.question),
            self.field_terms(&d.keywords.join(" \n ")),
            self.field_terms(&d.answer),
        ];
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.entries.push(None);
                (self.entries.len() - 1) as u32
            }
        };
        let mut tf: HashMap<u32, [u16; 3]> = HashMap::new();
        for (f, list) in fields.iter().enumerate() {
            for &id in list {
                let e = tf.entry(id).or_insert([0; 3]);
                e[f] = e[f].saturating_add(1);
            }
        }
        let mut stem_ids: Vec<u32> = tf.keys().copied().collect();
        stem_ids.sort_unstable();
        for &t in &stem_ids {
            let p = &mut self.postings[t as usize];
            let tfs = tf.get(&t).copied().unwrap_or([0; 3]);
            // Keep postings sorted by slot (slots are reused, so insert in place).
            let at = p.partition_point(|x| x.slot < slot);
            p.insert(at, Posting { slot, tf: tfs });
        }
        let len = [
            fields[0].len() as u32,
            fields[1].len() as u32,
            fields[2].len() as u32,
        ];
        for (i, l) in len.iter().enumerate() {
            self.total_len[i] += u64::from(*l);
        }
        self.entries[slot as usize] = Some(Entry {
            id: d.id,
            question: d.question,
            len,
            stems: stem_ids,
        });
        self.by_id.insert(d.id, slot);
        self.count += 1;
    }

    /// Removes an article (no-op when absent).
    pub fn remove(&mut self, id: ArticleId) {
        let Some(slot) = self.by_id.remove(&id) else {
            return;
        };
        if let Some(e) = self.entries[slot as usize].take() {
            for t in e.stems {
                let p = &mut self.postings[t as usize];
                if let Ok(at) = p.binary_search_by(|x| x.slot.cmp(&slot)) {
                    p.remove(at);
                }
            }
            for (i, l) in e.len.iter().enumerate() {
                self.total_len[i] -= u64::from(*l);
            }
        }
        self.free.push(slot);
        self.count -= 1;
    }

    /// Call after a series of `upsert`s, before querying (prefix lookups need sorted terms).
    pub fn finish(&mut self) {
        self.sort_terms();
    }

    fn df(&self, t: u32) -> usize {
        self.postings[t as usize].len()
    }

    fn idf(&self, t: u32) -> f32 {
        let n = self.count as f32;
        let df = self.df(t) as f32;
        ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
    }

    /// Stems one edit away from `s`, most frequent first.
    fn typo_alts(&self, s: &str) -> Vec<u32> {
        if s.chars().count() < MIN_TYPO_LEN {
            return Vec::new();
        }
        let mut found: Vec<u32> = Vec::new();
        // s with one character removed == a term (the user typed one too many)
        for d in deletions_of(s) {
            if let Some(&id) = self.term_ids.get(&d) {
                found.push(id);
            }
            // both with one removed: a substitution or transposition
            if let Some(ids) = self.deletions.get(&d) {
                found.extend(ids);
            }
        }
        // a term with one character removed == s (the user missed one)
        if let Some(ids) = self.deletions.get(s) {
            found.extend(ids);
        }
        found.sort_unstable();
        found.dedup();
        found.retain(|&t| self.df(t) > 0);
        found.sort_by(|a, b| self.df(*b).cmp(&self.df(*a)).then(a.cmp(b)));
        found.truncate(MAX_EXPANSIONS);
        found
    }

    /// Stems that begin with `prefix` (longer than it), most frequent first.
    fn prefix_alts(&self, prefix: &str) -> Vec<u32> {
        if prefix.chars().count() < 3 {
            return Vec::new();
        }
        let start = self
            .sorted
            .partition_point(|&t| self.terms[t as usize].as_str() < prefix);
        let mut found: Vec<u32> = self.sorted[start..]
            .iter()
            .take_while(|&&t| self.terms[t as usize].starts_with(prefix))
            .filter(|&&t| self.terms[t as usize] != prefix && self.df(t) > 0)
            .copied()
            .take(2000)
            .collect();
        found.sort_by(|a, b| self.df(*b).cmp(&self.df(*a)).then(a.cmp(b)));
        found.truncate(MAX_EXPANSIONS);
        found
    }

    fn query_terms(&self, text: &str, partial_last: bool) -> Vec<QueryTerm> {
        let ws = words(text);
        let ends_in_word = text.chars().last().is_some_and(char::is_alphanumeric);
        let mut out: Vec<QueryTerm> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for (i, w) in ws.iter().enumerate() {
            let last = partial_last && ends_in_word && i + 1 == ws.len();
            let stemmed = stem(w);
            let Some(s) = stemmed else {
                continue;
            };
            if seen.contains(&s) {
                continue;
            }
            seen.push(s.clone());
            let mut alts: Vec<(u32, f32)> = Vec::new();
            let known = self.term_ids.get(&s).copied().filter(|&t| self.df(t) > 0);
            if let Some(t) = known {
                alts.push((t, 1.0));
            } else {
                alts.extend(self.typo_alts(&s).into_iter().map(|t| (t, TYPO_WEIGHT)));
            }
            if last {
                for t in self.prefix_alts(w) {
                    if !alts.iter().any(|(a, _)| *a == t) {
                        alts.push((t, PREFIX_WEIGHT));
                    }
                }
            }
            out.push(QueryTerm { alts });
        }
        out
    }

    /// The best `limit` articles for `text`. `partial_last`: the text is being typed, so its
    /// last word may be unfinished.
    pub fn search(&self, text: &str, limit: usize, partial_last: bool) -> Vec<Scored> {
        if self.count == 0 || limit == 0 {
            return Vec::new();
        }
        let terms = self.query_terms(text, partial_last);
        // Terms of the query the index does not know at all still count in the confidence's
        // denominator, at the idf of a word seen once.
        let rare_idf = {
            let n = self.count as f32;
            ((n - 0.5) / 1.5 + 1.0).ln()
        };
        let mut total_mass = 0.0f32;
        let n = self.entries.len();
        let mut score = vec![0.0f32; n];
        let mut mass = vec![0.0f32; n];
        let mut touched: Vec<u32> = Vec::new();
        let avg = |i: usize| {
            if self.count == 0 {
                1.0
            } else {
                (self.total_len[i] as f32 / self.count as f32).max(1.0)
            }
        };
        let avgs = [avg(0), avg(1), avg(2)];
        let mut best: HashMap<u32, (f32, f32)> = HashMap::new();
        for q in &terms {
            // The word's weight in the confidence: its own idf (or its closest alternative's).
            let term_mass = q
                .alts
                .first()
                .map_or(rare_idf, |(t, _)| self.idf(*t).max(0.1));
            total_mass += term_mass;
            // per article: the best alternative's (score, confidence mass)
            best.clear();
            for &(t, w) in &q.alts {
                let idf = self.idf(t);
                for p in &self.postings[t as usize] {
                    let Some(e) = &self.entries[p.slot as usize] else {
                        continue;
                    };
                    let mut tfw = 0.0f32;
                    for f in 0..3 {
                        if p.tf[f] > 0 {
                            let wf = [W_QUESTION, W_KEYWORDS, W_ANSWER][f];
                            let norm = 1.0 - B + B * (e.len[f] as f32 / avgs[f]);
                            tfw += wf * f32::from(p.tf[f]) / norm;
                        }
                    }
                    let s = w * idf * tfw / (K1 + tfw);
                    let in_title = p.tf[0] > 0 || p.tf[1] > 0;
                    let m = if in_title { w * term_mass } else { 0.0 };
                    let entry = best.entry(p.slot).or_insert((0.0, 0.0));
                    if s > entry.0 {
                        entry.0 = s;
                    }
                    if m > entry.1 {
                        entry.1 = m;
                    }
                }
            }
            let mut slots: Vec<(&u32, &(f32, f32))> = best.iter().collect();
            slots.sort_unstable_by_key(|(s, _)| **s);
            for (&slot, &(s, m)) in slots {
                if score[slot as usize] == 0.0 && mass[slot as usize] == 0.0 {
                    touched.push(slot);
                }
                score[slot as usize] += s;
                mass[slot as usize] += m;
            }
        }
        let mut hits: Vec<(u32, f32)> = touched
            .iter()
            .map(|&slot| {
                let matched = mass[slot as usize];
                let coverage = if total_mass > 0.0 {
                    matched / total_mass
                } else {
                    0.0
                };
                (slot, score[slot as usize] * (0.6 + 0.4 * coverage))
            })
            .filter(|(_, s)| *s > 0.0)
            .collect();
        let id_of = |slot: u32| {
            self.entries[slot as usize]
                .as_ref()
                .map_or(i64::MAX, |e| e.id.0)
        };
        hits.sort_by(|a, b| {
            b.1.partial_cmp(&a.1)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(id_of(a.0).cmp(&id_of(b.0)))
        });
        hits.truncate(limit);
        hits.into_iter()
            .filter_map(|(slot, s)| {
                let e = self.entries[slot as usize].as_ref()?;
                let confidence = if total_mass > 0.0 {
                    (mass[slot as usize] / total_mass).min(1.0)
                } else {
                    0.0
                };
                Some(Scored {
                    id: e.id,
                    question: e.question.clone(),
                    score: (s * 1000.0).round() / 1000.0,
                    confidence,
                })
            })
            .collect()
    }

    /// The article the bot may answer `text` with by itself: the best one when its confidence
    /// is at least [`BOT_CONFIDENCE`] and its score is at least 1.2 times the runner-up's (two
    /// near-equal candidates mean the question is ambiguous).
    pub fn confident(&self, text: &str) -> Option<Scored> {
        let mut top = self.search(text, 2, false).into_iter();
        let first = top.next()?;
        if first.confidence < BOT_CONFIDENCE {
            return None;
        }
        match top.next() {
            Some(second) if first.score < second.score * 1.2 => None,
            _ => Some(first),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: i64, q: &str, k: &[&str], a: &str) -> Doc {
        Doc {
            id: ArticleId(id),
            question: q.into(),
            keywords: k.iter().map(|s| s.to_string()).collect(),
            answer: a.into(),
        }
    }

    fn sample() -> Index {
        Index::build([
            doc(
                1,
                "Как подключить принтер",
                &["печать"],
                "Откройте Параметры → Принтеры.",
            ),
            doc(
                2,
                "How do I reset my password?",
                &["login"],
                "Use the self-service portal.",
            ),
            doc(
                3,
                "Не работает VPN",
                &["удалённый доступ"],
                "Перезапустите клиент VPN.",
            ),
        ])
    }

    #[test]
    fn morphology_finds_other_word_forms() {
        let ix = sample();
        assert_eq!(
            ix.search("принтеры не подключаются", 3, false)[0].id,
            ArticleId(1)
        );
        assert_eq!(
            ix.search("resetting passwords", 3, false)[0].id,
            ArticleId(2)
        );
    }

    #[test]
    fn one_typo_is_forgiven_and_unfinished_words_match() {
        let ix = sample();
        assert_eq!(ix.search("принтр", 3, false)[0].id, ArticleId(1));
        assert_eq!(ix.search("pasword", 3, false)[0].id, ArticleId(2));
        assert_eq!(ix.search("удалённ", 3, true)[0].id, ArticleId(3));
        assert!(ix.search("погода в москве", 3, false).is_empty());
    }

    #[test]
    fn removal_and_replacement_keep_the_index_consistent() {
        let mut ix = sample();
        ix.remove(ArticleId(1));
        ix.finish();
        assert!(ix.search("принтер", 3, false).is_empty());
        ix.upsert(doc(2, "Where is the printer", &[], "Second floor."));
        ix.finish();
        assert_eq!(ix.len(), 2);
        assert!(ix.search("password", 3, false).is_empty());
        assert_eq!(ix.search("printers", 3, false)[0].id, ArticleId(2));
        let rebuilt = Index::build([
            doc(2, "Where is the printer", &[], "Second floor."),
            doc(
                3,
                "Не работает VPN",
                &["удалённый доступ"],
                "Перезапустите клиент VPN.",
            ),
        ]);
        assert_eq!(
            rebuilt.search("printer vpn", 3, false),
            ix.search("printer vpn", 3, false)
        );
    }

    #[test]
    fn confidence_needs_most_of_the_question() {
        let ix = sample();
        let hit = ix.confident("не работает впн VPN").map(|s| s.id);
        assert_eq!(hit, Some(ArticleId(3)));
        assert!(ix
            .confident("принтер сломался и дымится, пахнет гарью")
            .is_none());
    }
}

#[cfg(test)]
mod fixture {
    use super::*;
    use okno_proto::ArticleImport;

    /// The repository's relevance fixture against the bare index (the HTTP test in
    /// `tests/kb.rs` checks the same through the API on both backends).
    #[test]
    fn the_right_article_is_in_the_top_three() {
        let import: ArticleImport =
            serde_json::from_str(include_str!("../tests/fixtures/kb/articles.json")).unwrap();
        let questions: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../tests/fixtures/kb/questions.json")).unwrap();
        let ix = Index::build(import.articles.iter().enumerate().map(|(i, a)| Doc {
            id: ArticleId(i as i64 + 1),
            question: a.question.clone(),
            keywords: a.keywords.clone(),
            answer: a.answer.clone(),
        }));
        let mut good = 0;
        let mut confident_right = 0;
        let mut confident_wrong = 0;
        for q in &questions {
            let text = q["question"].as_str().unwrap();
            let want = q["article"].as_str().unwrap();
            let found = ix.search(text, 3, false);
            let names: Vec<&str> = found.iter().map(|s| s.question.as_str()).collect();
            if names.contains(&want) {
                good += 1;
            } else {
                println!("MISS {text:?}: want {want:?}, got {names:?}");
            }
            if let Some(c) = ix.confident(text) {
                if c.question == want {
                    confident_right += 1;
                } else {
                    confident_wrong += 1;
                    println!("CONFIDENTLY WRONG {text:?}: {:?}", c.question);
                }
            }
        }
        let share = good as f64 / questions.len() as f64;
        println!(
            "top-3: {good}/{} = {:.1} %; bot confident: {confident_right} right, {confident_wrong} wrong",
            questions.len(),
            share * 100.0
        );
        assert!(share >= 0.8, "top-3 share {share}");
    }
}
