//! Times the Gopher statistics on NUL-separated texts: `cargo run --release --example gopher_speed FILE`.
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: gopher_speed FILE");
    let data = std::fs::read_to_string(path).expect("readable UTF-8 file");
    let texts: Vec<&str> = data.split('\0').collect();
    let t = Instant::now();
    let words: usize = texts.iter().map(|t| _rust::taggers::text::split_whitespace_py(t).len()).sum();
    println!("split: {words} words in {:?}", t.elapsed());
    let t = Instant::now();
    let n: usize = texts.iter().map(|t| _rust::taggers::gopher::dolma_v1(t).word_count).sum();
    println!("gopher_v1: {n} words in {:?}", t.elapsed());
}
