//! Scan files on worker threads, hand their chunks to one committer in canonical order.
//!
//! Workers take files in order (file `i` is always started before file `i + 1`) and at most
//! `window` files past the one being committed, so memory stays bounded: each file's chunks wait in
//! a small bounded channel. The committer drains file 0's channel completely, then file 1's, ...
//! Nothing depends on which worker scanned what, so the output does not depend on the thread count.

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use super::commit::{CommitStats, Checked, Checker, Renderer, Target};
use super::config::Settings;
use super::output::RowWriter;
use super::reader::{decompress, Compression, LineReader};
use super::scan::{Chunk, FileScanner, LineProblem};
use crate::bloom::BloomError;

/// Opens the raw (still compressed) bytes of file `index`; called on a worker thread.
pub trait Opener: Send + Sync {
    fn open(&self, index: usize) -> io::Result<Box<dyn Read + Send>>;
}

/// Local paths, opened directly.
pub struct PathOpener(pub Vec<String>);

impl Opener for PathOpener {
    fn open(&self, index: usize) -> io::Result<Box<dyn Read + Send>> {
        super::reader::open_path(&self.0[index])
    }
}

#[derive(Clone, Debug)]
pub struct FileSpec {
    /// Shown in errors.
    pub name: String,
    pub compression: Compression,
}

pub enum Event {
    Chunk(Chunk),
    Done,
    Failed(LineProblem),
}

struct Schedule {
    next: usize,
    committed: usize,
}

struct Shared {
    files: Vec<FileSpec>,
    opener: Box<dyn Opener>,
    settings: Arc<Settings>,
    window: usize,
    schedule: Mutex<Schedule>,
    wake: Condvar,
    senders: Mutex<Vec<Option<SyncSender<Event>>>>,
    stop: AtomicBool,
}

pub struct Pipeline {
    shared: Arc<Shared>,
    receivers: Vec<Option<Receiver<Event>>>,
    workers: Vec<JoinHandle<()>>,
}

/// Chunks waiting per file; with ~2,000 documents a chunk this bounds memory per scanned-ahead file.
const CHANNEL_CHUNKS: usize = 4;

impl Pipeline {
    pub fn start(files: Vec<FileSpec>, opener: Box<dyn Opener>, settings: Arc<Settings>, threads: usize) -> Pipeline {
        let threads = threads.max(1);
        let (mut senders, mut receivers) = (Vec::new(), Vec::new());
        for _ in &files {
            let (tx, rx) = sync_channel(CHANNEL_CHUNKS);
            senders.push(Some(tx));
            receivers.push(Some(rx));
        }
        let shared = Arc::new(Shared {
            files,
            opener,
            settings,
            window: threads + 1,
            schedule: Mutex::new(Schedule { next: 0, committed: 0 }),
            wake: Condvar::new(),
            senders: Mutex::new(senders),
            stop: AtomicBool::new(false),
        });
        let workers = (0..threads)
            .map(|t| {
                let shared = shared.clone();
                std::thread::Builder::new()
                    .name(format!("dedupe-scan-{t}"))
                    .spawn(move || worker(&shared))
                    .expect("cannot start a scanning thread")
            })
            .collect();
        Pipeline { shared, receivers, workers }
    }

    pub fn len(&self) -> usize {
        self.shared.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shared.files.is_empty()
    }

    pub fn settings(&self) -> &Arc<Settings> {
        &self.shared.settings
    }

    /// Consume file `index` completely: check/insert its keys in order, write rows to `out`.
    /// `on_chunk` is told after each chunk (progress); returning false abandons the file
    /// (`FileError::Interrupted`). Files must be committed in order.
    ///
    /// Checking runs on the calling thread; with `out`, the rows are built and compressed on a second
    /// thread as the checked chunks arrive, so the sequential path holds only the filter work.
    pub fn commit(
        &mut self,
        index: usize,
        target: &mut Target,
        out: Option<&mut RowWriter>,
        on_chunk: &mut dyn FnMut(&CommitStats) -> bool,
    ) -> Result<CommitStats, FileError> {
        let rx = self.receivers[index].take().expect("each file is committed once");
        let name = self.shared.files[index].name.clone();
        let settings = self.shared.settings.clone();
        let result = std::thread::scope(|scope| {
            let (to_render, rendered) = sync_channel::<(Chunk, Checked)>(CHANNEL_CHUNKS);
            let renderer = out.map(|w| {
                let settings = settings.clone();
                scope.spawn(move || {
                    let mut r = Renderer::new(settings);
                    for (chunk, checked) in rendered {
                        r.render_chunk(&chunk, &checked, w);
                    }
                })
            });
            let mut checker = Checker::new(settings.clone());
            let mut stats = CommitStats::default();
            let result = loop {
                match rx.recv() {
                    Ok(Event::Chunk(chunk)) => {
                        let checked = match checker.check_chunk(&chunk, &name, target, &mut stats) {
                            Ok(c) => c,
                            Err(e) => break Err(FileError::Filter(e)),
                        };
                        if renderer.is_some() {
                            to_render.send((chunk, checked)).expect("the row writer stopped");
                        }
                        if !on_chunk(&stats) {
                            break Err(FileError::Interrupted);
                        }
                    }
                    Ok(Event::Done) => break Ok(stats),
                    Ok(Event::Failed(problem)) => break Err(FileError::Input(problem)),
                    Err(_) => break Err(FileError::Input(LineProblem { line: 0, message: "scanning thread stopped".into() })),
                }
            };
            drop(to_render);
            if let Some(handle) = renderer {
                handle.join().expect("the row writer panicked");
            }
            result
        });
        let mut schedule = self.shared.schedule.lock().unwrap();
        schedule.committed = schedule.committed.max(index + 1);
        self.shared.wake.notify_all();
        drop(schedule);
        result
    }

    /// Stop the workers and wait for them (pending files are abandoned).
    pub fn close(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.receivers.clear(); // unblocks workers waiting on full channels
        {
            let _guard = self.shared.schedule.lock().unwrap();
            self.shared.wake.notify_all();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        self.close();
    }
}

#[derive(Debug)]
pub enum FileError {
    Input(LineProblem),
    Filter(BloomError),
    /// The progress callback asked to stop (e.g. Ctrl-C); part of the file's keys may be inserted.
    Interrupted,
}

fn worker(shared: &Shared) {
    loop {
        let index = {
            let mut s = shared.schedule.lock().unwrap();
            loop {
                if shared.stop.load(Ordering::SeqCst) || s.next >= shared.files.len() {
                    return;
                }
                if s.next < s.committed + shared.window {
                    break;
                }
                s = shared.wake.wait(s).unwrap();
            }
            s.next += 1;
            s.next - 1
        };
        let Some(tx) = shared.senders.lock().unwrap()[index].take() else { continue };
        scan_file(shared, index, &tx);
    }
}

fn scan_file(shared: &Shared, index: usize, tx: &SyncSender<Event>) {
    let spec = &shared.files[index];
    let reader = match shared.opener.open(index).and_then(|raw| decompress(raw, spec.compression)) {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.send(Event::Failed(LineProblem { line: 0, message: format!("cannot open: {e}") }));
            return;
        }
    };
    let mut scanner = FileScanner::new(shared.settings.clone(), LineReader::new(reader, spec.compression));
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let event = match scanner.next_chunk() {
            Ok(Some(chunk)) => Event::Chunk(chunk),
            Ok(None) => Event::Done,
            Err(problem) => Event::Failed(problem),
        };
        let last = !matches!(event, Event::Chunk(_));
        if tx.send(event).is_err() || last {
            return; // the committer is gone, or the file is finished
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bloom::{BloomFilter, Layout, Shape};
    use std::io::Write;

    fn corpus(dir: &std::path::Path, files: usize, docs: usize) -> Vec<String> {
        (0..files)
            .map(|f| {
                let path = dir.join(format!("{f:03}.jsonl.gz"));
                let mut e = flate2::write::GzEncoder::new(std::fs::File::create(&path).unwrap(), flate2::Compression::fast());
                for d in 0..docs {
                    // every text appears in two files (f and f+1 share d % 7 == 0 texts)
                    let text = if d % 7 == 0 { format!("shared {}", (f / 2) * 1000 + d) } else { format!("text {f} {d}") };
                    writeln!(e, "{{\"id\":\"{f}-{d}\",\"text\":\"{text}\\nfooter\"}}").unwrap();
                }
                e.finish().unwrap();
                path.to_string_lossy().into_owned()
            })
            .collect()
    }

    fn run(paths: &[String], threads: usize) -> Vec<Vec<u8>> {
        let settings = Arc::new(Settings::from_json(r#"{"mode":"paragraphs","attribute_name":"p","chunk_docs":50}"#).unwrap());
        let specs = paths.iter().map(|p| FileSpec { name: p.clone(), compression: Compression::from_path(p) }).collect();
        let mut pipeline = Pipeline::start(specs, Box::new(PathOpener(paths.to_vec())), settings, threads);
        let filter = BloomFilter::new(Shape::for_rate(Layout::Blocked512, 100_000, 1e-6));
        (0..paths.len())
            .map(|i| {
                let mut w = RowWriter::new(Compression::Gzip).unwrap();
                let stats = pipeline.commit(i, &mut Target::Insert(&filter), Some(&mut w), &mut |_| true).unwrap();
                assert_eq!(stats.docs, 300);
                w.finish().unwrap()
            })
            .collect()
    }

    #[test]
    fn output_does_not_depend_on_thread_count() {
        let dir = tempfile::tempdir().unwrap();
        let paths = corpus(dir.path(), 6, 300);
        let one = run(&paths, 1);
        assert_eq!(one, run(&paths, 3));
        assert_eq!(one, run(&paths, 8));
    }

    #[test]
    fn errors_name_the_line_and_closing_early_is_clean() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = corpus(dir.path(), 3, 10);
        let bad = dir.path().join("bad.jsonl");
        std::fs::write(&bad, "{\"id\":\"a\",\"text\":\"x\"}\n{oops\n").unwrap();
        paths.insert(1, bad.to_string_lossy().into_owned());
        let settings = Arc::new(Settings::from_json(r#"{"mode":"paragraphs","attribute_name":"p"}"#).unwrap());
        let specs = paths.iter().map(|p| FileSpec { name: p.clone(), compression: Compression::from_path(p) }).collect();
        let mut pipeline = Pipeline::start(specs, Box::new(PathOpener(paths.clone())), settings, 2);
        let filter = BloomFilter::new(Shape::for_rate(Layout::Blocked512, 1000, 1e-3));
        pipeline.commit(0, &mut Target::Insert(&filter), None, &mut |_| true).unwrap();
        match pipeline.commit(1, &mut Target::Insert(&filter), None, &mut |_| true) {
            Err(FileError::Input(p)) => assert_eq!(p.line, 2),
            other => panic!("{other:?}"),
        }
        pipeline.close();
    }
}
