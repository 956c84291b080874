//! The shipped `2factor` component end to end: password, then a second factor — a PIN to the
//! personal address the first time, the recognised browser afterwards.

use crate::client::Browser;
use crate::mailbox::{install, mail_to, pin_in};
use crate::on_both;
use latchkey_core::repo::ProfileRepo;

on_both!(a_pin_once_then_the_browser_is_the_second_factor, |server| {
    install(&server, "2factor").await;
    let mut tara = server.add_user("tara", "taras password").await.unwrap();
    tara.attributes
        .set("personal_email", vec!["tara.home@example.net".into()])
        .unwrap();
    server.store.update_profile(&tara).await.unwrap();

    let mut b = Browser::new(&server.url);
    let (password_page, second) = b.sign_in_pages("tara", "taras password").await;
    assert!(
        password_page.body.contains("Enter your password"),
        "{}",
        password_page.body
    );
    assert!(
        second.body.contains("Enter your PIN"),
        "the second factor is asked: {}",
        second.body
    );
    let mail = mail_to(&server, "tara.home@example.net", 1).await;
    let pin = pin_in(&mail[0].message.body_text, 8);
    let done = b.step(&second, &[("pin", &pin)]).await;
    assert_eq!(done.status, 303, "{}", done.body);

    // The same browser is recognised: the password alone completes the login.
    let (_, again) = b.sign_in_pages("tara", "taras password").await;
    assert_eq!(again.status, 303, "{}", again.body);
    // A recognised browser never replaces the password.
    let (_, wrong) = b.sign_in_pages("tara", "not her password").await;
    assert_eq!(wrong.status, 401);
    // Another browser is asked for a PIN again.
    let mut other = Browser::new(&server.url);
    let (_, asked) = other.sign_in_pages("tara", "taras password").await;
    assert!(asked.body.contains("Enter your PIN"), "{}", asked.body);
});
