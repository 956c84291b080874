//! `Config::warnings`: valid but risky settings.

use crate::util::ok;

fn warnings(text: &str) -> Vec<String> {
    ok(text, &[]).warnings()
}

#[test]
fn local_defaults_and_https_have_no_warnings() {
    assert!(warnings("").is_empty());
    assert!(warnings("listen = \"[::1]:8080\"").is_empty());
    assert!(warnings("public_url = \"http://localhost:8080/\"").is_empty());
    assert!(
        warnings("listen = \"0.0.0.0:8080\"\npublic_url = \"https://id.example.com/\"").is_empty()
    );
}

#[test]
fn http_public_url_on_a_real_host() {
    let found = warnings("public_url = \"http://id.example.com/\"");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("http://id.example.com/"), "{found:?}");
    assert!(found[0].contains("Secure"), "{found:?}");
    assert!(found[0].ends_with("use https"), "{found:?}");
}

#[test]
fn listening_on_the_network_with_http() {
    // public_url is derived from listen, so both warnings apply.
    let found = warnings("listen = \"0.0.0.0:8080\"");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[1].starts_with("listen 0.0.0.0:8080 accepts connections"),
        "{found:?}"
    );
    // A loopback public_url (testing through an SSH tunnel, say) still warns about listen.
    let found = warnings("listen = \"0.0.0.0:8080\"\npublic_url = \"http://127.0.0.1:8080/\"");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("listen 0.0.0.0:8080"), "{found:?}");
}

#[test]
fn plaintext_smtp_login_to_a_remote_host() {
    let smtp = |host: &str, security: &str, login: bool| {
        let login = if login {
            "username = \"u\"\npassword = \"p\"\n"
        } else {
            ""
        };
        format!("[smtp]\nhost = \"{host}\"\nfrom = \"a@b\"\nsecurity = \"{security}\"\n{login}")
    };
    let found = warnings(&smtp("mail.example", "none", true));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("smtp.host mail.example is not loopback"),
        "{found:?}"
    );
    assert!(warnings(&smtp("localhost", "none", true)).is_empty());
    assert!(warnings(&smtp("127.0.0.1", "none", true)).is_empty());
    assert!(warnings(&smtp("mail.example", "none", false)).is_empty());
    assert!(warnings(&smtp("mail.example", "starttls", true)).is_empty());
}

#[test]
fn outbox_is_for_demos() {
    let found = warnings("outbox = \"mail.out\"");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("mail.out"), "{found:?}");
}
