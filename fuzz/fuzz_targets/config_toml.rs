//! Any text as `latchkey.toml`: the loader reports problems, it never panics. The environment
//! is empty, so only the file decides.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = latchkey_config::load_toml_str(Path::new("fuzz.toml"), text, Vec::new());
    }
});
