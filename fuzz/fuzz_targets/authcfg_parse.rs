//! Any text given to the authcfg parser: it never panics, and a file it accepts exports to a
//! file that parses back to the same configuration and exports to the same bytes.
#![no_main]

use latchkey_core::authcfg::{export, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(first) = parse("fuzz.toml", text) else {
        return;
    };
    let exported = export(&first.chains, &first.rules);
    let second = match parse("export.toml", &exported) {
        Ok(second) => second,
        Err(errors) => {
            panic!("an accepted file exports to one that is refused:\n{errors}\n---\n{exported}")
        }
    };
    assert_eq!(first.chains, second.chains);
    assert_eq!(first.rules, second.rules);
    assert_eq!(export(&second.chains, &second.rules), exported);
});
