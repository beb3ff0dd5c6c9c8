//! The progress bar long runs show on a terminal (stderr), over
//! replications: hidden when quiet or when stderr is not a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar over replications on stderr when it is a terminal; hidden
/// otherwise. Commands that run several simulations (sweep, size, compare)
/// grow its length per run and say which run in its message.
pub fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {msg}{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} replications ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}
