//! The notice mailed after `/forgot` says what happened: "unlocked" for "Unlock my account and
//! keep my password", "password changed" for a reset, each in its own kind of message.

use crate::forgot::{lock_by_failed_logins, mails_of, set_new, unlock_only, verified};
use crate::on_both;
use latchkey_notify::MessageKind;

const OLD: &str = "correct horse battery";
const NEW: &str = "violet tractor umbrella 42";

on_both!(an_unlock_mails_an_unlock_notice, |server| {
    server.add_user("gina", OLD).await.unwrap();
    lock_by_failed_logins(&server, "gina").await;
    let mut b = verified(&server, "gina").await;
    let done = unlock_only(&mut b).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let mails = mails_of(&server, "gina@example.org", MessageKind::AccountUnlocked, 1).await;
    let mail = &mails[0].message;
    assert_eq!(mail.subject, "Your account was unlocked");
    assert!(
        mail.body_text.contains("was unlocked on"),
        "{}",
        mail.body_text
    );
    assert!(
        mail.body_text.contains("Your password was not changed"),
        "{}",
        mail.body_text
    );
    assert!(
        !mail.body_text.contains("password of your account"),
        "{}",
        mail.body_text
    );
    // No "password changed" notice goes out for an unlock.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let changed: Vec<_> = crate::mailbox::outbox(&server)
        .into_iter()
        .filter(|m| m.message.kind == MessageKind::PasswordChanged)
        .collect();
    assert!(changed.is_empty(), "{:?}", changed.len());
});

on_both!(a_reset_mails_a_password_changed_notice, |server| {
    server.add_user("hank", OLD).await.unwrap();
    lock_by_failed_logins(&server, "hank").await;
    let mut b = verified(&server, "hank").await;
    let done = set_new(&mut b, NEW, NEW).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let mails = mails_of(&server, "hank@example.org", MessageKind::PasswordChanged, 1).await;
    let mail = &mails[0].message;
    assert_eq!(mail.subject, "Your password was changed");
    assert!(
        mail.body_text
            .contains("the password of your account (hank) was changed"),
        "{}",
        mail.body_text
    );
    assert!(!mail.body_text.contains("unlocked"), "{}", mail.body_text);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let unlocked = crate::mailbox::outbox(&server)
        .into_iter()
        .filter(|m| m.message.kind == MessageKind::AccountUnlocked)
        .count();
    assert_eq!(unlocked, 0);
});
