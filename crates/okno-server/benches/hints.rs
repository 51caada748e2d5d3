//! Hint queries against a 10,000-article knowledge base.
//!
//! The base: the repository's 207 fixture articles, each repeated in variants whose questions
//! and answers gain words drawn (deterministically) from the fixture's own vocabulary, until
//! there are 10,000 — so common words have long posting lists, as in a real large base. The
//! queries: the 66 held-out fixture questions, each also as it is being typed (every prefix
//! that ends a word, and the unfinished last word), which is what the hint endpoint sees.
//!
//! Prints p50/p95/p99/max per query over every query, then runs criterion on a sample.
//! `cargo bench -p okno-server --bench hints`

use criterion::{criterion_group, criterion_main, Criterion};
use okno_proto::{ArticleId, ArticleImport};
use okno_server::kb_index::{Doc, Index};
use std::time::Instant;

const ARTICLES: usize = 10_000;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a>(&mut self, v: &'a [String]) -> &'a str {
        &v[(self.next() % v.len() as u64) as usize]
    }
}

fn base() -> (Vec<Doc>, Vec<String>) {
    let import: ArticleImport =
        serde_json::from_str(include_str!("../tests/fixtures/kb/articles.json"))
            .unwrap_or_else(|e| panic!("fixture: {e}"));
    let questions: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("../tests/fixtures/kb/questions.json"))
            .unwrap_or_else(|e| panic!("fixture: {e}"));
    let mut vocab: Vec<String> = import
        .articles
        .iter()
        .flat_map(|a| okno_server::kb_index::words(&format!("{} {}", a.question, a.answer)))
        .filter(|w| w.chars().count() > 3)
        .collect();
    vocab.sort();
    vocab.dedup();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut docs = Vec::with_capacity(ARTICLES);
    for i in 0..ARTICLES {
        let a = &import.articles[i % import.articles.len()];
        let (question, answer) = if i < import.articles.len() {
            (a.question.clone(), a.answer.clone())
        } else {
            let extra_q: Vec<&str> = (0..3).map(|_| rng.pick(&vocab)).collect();
            let extra_a: Vec<&str> = (0..30).map(|_| rng.pick(&vocab)).collect();
            (
                format!("{} {} ({i})", a.question, extra_q.join(" ")),
                format!("{} {}", a.answer, extra_a.join(" ")),
            )
        };
        docs.push(Doc {
            id: ArticleId(i as i64 + 1),
            question,
            keywords: a.keywords.clone(),
            answer,
        });
    }
    let mut queries = Vec::new();
    for q in &questions {
        let text = q["question"].as_str().unwrap_or_default();
        let chars: Vec<char> = text.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            // as typed: after each word, and mid-word every few letters
            if *c == ' ' || i % 4 == 3 || i + 1 == chars.len() {
                queries.push(chars[..=i].iter().collect::<String>());
            }
        }
    }
    (docs, queries)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn hints(c: &mut Criterion) {
    let (docs, queries) = base();
    let started = Instant::now();
    let index = Index::build(docs);
    let build = started.elapsed();
    let mut times = Vec::with_capacity(queries.len() * 3);
    for _ in 0..3 {
        for q in &queries {
            let t = Instant::now();
            let found = index.search(q, 5, true);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(found);
        }
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    println!(
        "hints over {} articles (index built in {:.0} ms): {} queries, p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        index.len(),
        build.as_secs_f64() * 1000.0,
        times.len(),
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or_default(),
    );
    let sample: Vec<&String> = queries.iter().step_by(7).collect();
    c.bench_function("hint query, 10k articles (sample of typed prefixes)", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % sample.len();
            index.search(sample[i], 5, true)
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = hints
}
criterion_main!(benches);
