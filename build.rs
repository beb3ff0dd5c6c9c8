//! Decides whether the browser tests can run here: they need headless
//! Chromium. Where there is none they are compiled as ignored, with the
//! reason, so `cargo test` shows them as not run rather than passed; with
//! DRSIM_BROWSER_TEST=1 (set by .ci/run, which installs Chromium) they always
//! run, and a missing browser fails them.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=DRSIM_BROWSER_TEST");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rustc-check-cfg=cfg(drsim_browser)");
    let required = std::env::var("DRSIM_BROWSER_TEST").is_ok_and(|v| v == "1");
    if required || chromium_on_path() {
        println!("cargo::rustc-cfg=drsim_browser");
    }
}

/// Whether a Chromium the tests know how to start is on PATH.
fn chromium_on_path() -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .any(|name| dir.join(name).is_file())
    })
}
