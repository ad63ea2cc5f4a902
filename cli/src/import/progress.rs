//! What the operator watches while an import runs, on stderr: a bar per backend on a
//! terminal, a line every few seconds elsewhere (a log, CI), or nothing.

use std::fmt;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use user_provisioner::orchestration::BackendProgress;

use crate::backends::ProviderName;

/// How often the plain form prints a line.
const LINE_EVERY: Duration = Duration::from_secs(2);

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bars redrawn in place (stderr is a terminal).
    Bars,
    /// A line now and then (stderr is a file or a pipe).
    Lines,
    /// `--no-progress`.
    Off,
}

impl Mode {
    /// Bars on a terminal, lines elsewhere, unless `--no-progress`.
    pub fn detect(no_progress: bool) -> Self {
        if no_progress {
            Mode::Off
        } else if std::io::stderr().is_terminal() {
            Mode::Bars
        } else {
            Mode::Lines
        }
    }
}

/// One backend's counters, as last reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counters {
    done: u64,
    failed: u64,
    in_flight: u64,
    rate_limited: u64,
}

#[derive(Debug)]
struct Lane {
    name: ProviderName,
    total: u64,
    counters: Counters,
    /// When its last row finished.
    finished: Option<Duration>,
}

struct Shared {
    mode: Mode,
    started: Instant,
    lanes: Mutex<Vec<Lane>>,
    bars: Option<(MultiProgress, Vec<ProgressBar>)>,
    /// A finished lane's bar: its own time and pace, which indicatif would go on
    /// diluting with the time the other lanes take.
    finished_style: ProgressStyle,
}

/// The bar's look before and after its lane finishes.
const BAR: &str = "{prefix:>10} [{bar:32.green/white}] {pos:>6}/{len:<6} {percent:>3}%";

/// The display, shared by every backend's progress hook and the result loop.
#[derive(Clone)]
pub struct Display {
    shared: Arc<Shared>,
}

impl Display {
    /// One lane per backend, with the number of rows it gets.
    pub fn new(mode: Mode, lanes: &[(ProviderName, u64)]) -> Self {
        let finished_style = ProgressStyle::with_template(&format!("{BAR} {{msg}}"))
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bars = (mode == Mode::Bars).then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let style =
                ProgressStyle::with_template(&format!("{BAR} {{rate:>7}} eta {{eta:>3}} {{msg}}"))
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .with_key("rate", |state: &ProgressState, out: &mut dyn fmt::Write| {
                        let _ = write!(out, "{:.1}/s", state.per_sec());
                    })
                    .progress_chars("=> ");
            let bars = lanes
                .iter()
                .map(|(name, total)| {
                    let bar = multi.add(ProgressBar::new(*total));
                    bar.set_style(style.clone());
                    bar.set_prefix(name.as_str());
                    bar
                })
                .collect();
            (multi, bars)
        });
        Self {
            shared: Arc::new(Shared {
                mode,
                started: Instant::now(),
                lanes: Mutex::new(
                    lanes
                        .iter()
                        .map(|(name, total)| Lane {
                            name: *name,
                            total: *total,
                            counters: Counters::default(),
                            finished: None,
                        })
                        .collect(),
                ),
                bars,
                finished_style,
            }),
        }
    }

    /// A backend's counters changed (its bulk's progress hook).
    pub fn update(&self, lane: usize, progress: &BackendProgress) {
        let counters = Counters {
            done: progress.done,
            failed: progress.failed,
            in_flight: progress.in_flight,
            rate_limited: progress.rate_limited,
        };
        let position = counters.done + counters.failed;
        let just_finished = match lock(&self.shared.lanes).get_mut(lane) {
            Some(entry) => {
                entry.counters = counters;
                let last = position == entry.total && counters.in_flight == 0;
                if last && entry.finished.is_none() {
                    entry.finished = Some(self.shared.started.elapsed());
                }
                last.then_some(entry.finished).flatten()
            }
            None => None,
        };
        let Some(bar) = self
            .shared
            .bars
            .as_ref()
            .and_then(|(_, bars)| bars.get(lane))
        else {
            return;
        };
        if bar.is_finished() {
            return;
        }
        bar.set_position(position);
        match just_finished {
            Some(took) => {
                bar.set_style(self.shared.finished_style.clone());
                bar.set_message(format!(
                    "done in {:.1}s ({:.1}/s), failed {}, 429s {}",
                    took.as_secs_f64(),
                    position as f64 / took.as_secs_f64().max(0.001),
                    counters.failed,
                    counters.rate_limited
                ));
                bar.abandon();
            }
            None => bar.set_message(message(&counters)),
        }
    }

    /// A line above the bars (or on stderr), shown whatever the mode.
    pub fn println(&self, line: &str) {
        match &self.shared.bars {
            Some((multi, _)) if multi.println(line).is_ok() => {}
            _ => eprintln!("{line}"),
        }
    }

    /// The plain form's periodic line, until the returned task is aborted.
    pub fn spawn_lines(&self) -> Option<tokio::task::JoinHandle<()>> {
        if self.shared.mode != Mode::Lines {
            return None;
        }
        let display = self.clone();
        Some(tokio::spawn(async move {
            let mut last = String::new();
            let mut ticks = tokio::time::interval(LINE_EVERY);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let line = display.line();
                // A stalled import (a long rate-limit pause) does not repeat itself.
                if line != last {
                    eprintln!("{line}");
                    last = line;
                }
            }
        }))
    }

    /// Ends the bars where they stand, or prints the plain form's last line.
    pub fn finish(&self) {
        match (&self.shared.bars, self.shared.mode) {
            (Some((_, bars)), _) => bars
                .iter()
                .filter(|bar| !bar.is_finished())
                .for_each(ProgressBar::abandon),
            (None, Mode::Lines) => eprintln!("{}", self.line()),
            (None, _) => {}
        }
    }

    /// `[4s] jambonz 350/1000 (failed 3, in flight 8, 429s 2) | ece 400/1000 (...)`.
    fn line(&self) -> String {
        let lanes = lock(&self.shared.lanes);
        let parts: Vec<String> = lanes
            .iter()
            .map(|lane| {
                format!(
                    "{} {}/{} ({})",
                    lane.name,
                    lane.counters.done + lane.counters.failed,
                    lane.total,
                    message(&lane.counters)
                )
            })
            .collect();
        format!(
            "[{}s] {}",
            self.shared.started.elapsed().as_secs(),
            parts.join(" | ")
        )
    }
}

fn message(counters: &Counters) -> String {
    format!(
        "failed {}, in flight {}, 429s {}",
        counters.failed, counters.in_flight, counters.rate_limited
    )
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere must not take the display down with it.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
