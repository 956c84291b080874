//! The forgotten-password service and the mass password reset pages in French: every step by
//! `?LANG=fr` or the language cookie, the same French for known and unknown users, and no
//! English left in what they show.

use crate::client::{Browser, Page};
use crate::forgot::{answer, mails_of, set_new, without_tokens};
use crate::mailbox::pin_in;
use crate::mpr_pages::{ldap_target, operator, plan_and_start, until_stopped};
use crate::on_both;
use latchkey_notify::MessageKind;
use latchkey_testkit::TestServer;

const OLD: &str = "correct horse battery";
const NEW: &str = "violet tractor umbrella 42";

/// The page is French and holds none of `english`.
fn french(page: &Page, texts: &[&str], english: &[&str]) {
    assert!(page.body.contains("<html lang=\"fr\">"), "{}", page.body);
    for text in texts {
        assert!(page.body.contains(text), "missing {text:?}: {}", page.body);
    }
    for text in english {
        assert!(!page.body.contains(text), "English {text:?}: {}", page.body);
    }
}

/// `/forgot?LANG=fr`, `login` given, then "send a new code" and a wrong code: the pages seen.
async fn french_walk(server: &TestServer, login: &str) -> Vec<Page> {
    let mut b = Browser::new(&server.url);
    let first = b.get("/forgot?LANG=fr").await;
    french(
        &first,
        &[
            "<h1>Réinitialiser votre mot de passe</h1>",
            "Saisissez votre identifiant. S’il correspond à un compte",
            "Retour à la connexion",
        ],
        &[
            "Reset your password",
            "Enter your user ID",
            "Back to sign-in",
        ],
    );
    let code = answer(&mut b, &first, &[("user", login)]).await;
    assert_eq!(code.status, 200, "{}", code.body);
    french(
        &code,
        &[
            "nous y avons envoyé un code à usage unique",
            "Envoyer un nouveau code",
        ],
        &["we sent a one-time code", "Send a new code"],
    );
    let again = answer(&mut b, &code, &[("resend", "1")]).await;
    let failed = answer(&mut b, &again, &[("pin", "000000")]).await;
    assert_eq!(failed.status, 401, "{}", failed.body);
    french(
        &failed,
        &["Nous n’avons pas pu vous vérifier avec ce code. Veuillez recommencer."],
        &["We could not verify you"],
    );
    vec![first, code, again, failed]
}

on_both!(forgot_is_french_and_the_same_for_everyone, |server| {
    server.add_user("bob", OLD).await.unwrap();
    let known = french_walk(&server, "bob").await;
    let unknown = french_walk(&server, "nobody-here").await;
    for (k, u) in known.iter().zip(&unknown) {
        assert_eq!(k.status, u.status);
        assert_eq!(without_tokens(&k.body), without_tokens(&u.body));
    }
});

on_both!(every_forgot_step_is_french_by_the_cookie, |server| {
    server.add_user("carol", OLD).await.unwrap();
    let mut b = Browser::new(&server.url);
    b.get("/?LANG=fr").await;
    // No parameter from here on: the cookie keeps French.
    let first = b.get("/forgot").await;
    french(&first, &["Réinitialiser votre mot de passe"], &[]);
    let page = answer(&mut b, &first, &[("user", "carol")]).await;
    let mail = mails_of(&server, "carol@example.org", MessageKind::Pin, 1).await;
    let code = pin_in(&mail[0].message.body_text, 6);
    let verified = answer(&mut b, &page, &[("pin", &code)]).await;
    assert_eq!(verified.status, 303, "{}", verified.body);

    let form = b.get("/forgot/new-password").await;
    assert_eq!(form.status, 200, "{}", form.body);
    french(
        &form,
        &[
            "<h1>Choisir un nouveau mot de passe</h1>",
            "Vous avez prouvé votre identité pour <strong>carol</strong>.",
            "Votre nouveau mot de passe doit respecter ces règles :",
            ">Au moins 8 caractères</li>",
            "Pas un mot de passe courant ou divulgué",
            "Enregistrer le nouveau mot de passe",
        ],
        &["At least", "Choose a new password", "Set the new password"],
    );
    let refused = set_new(&mut b, "password", "something else").await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    french(
        &refused,
        &[
            "Votre mot de passe n’a pas été changé",
            "Ce mot de passe figure sur une liste de mots de passe courants",
            "Les deux nouveaux mots de passe ne sont pas identiques.",
        ],
        &["This password is on a list", "The two new passwords"],
    );
    let done = set_new(&mut b, NEW, NEW).await;
    assert_eq!(done.status, 200, "{}", done.body);
    french(
        &done,
        &[
            "<h1>Votre mot de passe a été réinitialisé</h1>",
            "Connectez-vous avec votre nouveau mot de passe.",
            "Toutes les sessions de votre compte ont été déconnectées",
        ],
        &["Your password was reset", "Sign in with your new password"],
    );
    let used = b.get("/forgot/new-password").await;
    assert_eq!(used.status, 403, "{}", used.body);
    french(
        &used,
        &["Cette réinitialisation de mot de passe ne peut pas être utilisée ici."],
        &["This password reset cannot be used here"],
    );
    // And English reads as before.
    let english = b.get("/forgot?LANG=en").await;
    assert!(english.body.contains("<h1>Reset your password</h1>"));
});

on_both!(the_mass_reset_pages_are_french, |server| {
    let (_ldap, _) = ldap_target(&server, 3, 2).await;
    let (_, mut b) = operator(&server).await;
    let index = b.get("/admin/mpr?LANG=fr").await;
    assert_eq!(index.status, 200, "{}", index.body);
    french(
        &index,
        &[
            "<h1>Réinitialisation de masse des mots de passe</h1>",
            "Demandes prédéfinies",
            "<dt>Comptes par lot</dt>",
            "<dt>Limite de débit</dt><dd>aucune</dd>",
            "Planifier une exécution",
            "Aucune exécution pour l’instant.",
        ],
        &["Accounts per batch", "Plan a run", "No runs yet", ">yes<"],
    );
    let csrf = b.csrf();
    let plan = b
        .post("/admin/mpr/plan", &[("csrf", &csrf), ("kind", "onboard")])
        .await;
    assert_eq!(plan.status, 200, "{}", plan.body);
    french(
        &plan,
        &[
            "Plan de l’exécution intégration",
            "<strong>2</strong> comptes reçoivent un nouveau mot de passe",
            "pas de propriétaire : la découverte n’a pas pu associer le compte",
            "Lancer l’exécution",
        ],
        &["accounts get a new password", "no owner", "Start the run"],
    );
    let mut seen = Vec::new();
    let at = plan_and_start(&mut b, "onboard", &mut seen).await;
    let run = seen.pop().unwrap();
    french(
        &run,
        &[
            "Exécution intégration de masse des mots de passe",
            "État :",
            "Comptes terminés",
            "data-finished=\"terminée\"",
        ],
        &["Accounts finished", "Status:", "confirmed by"],
    );
    until_stopped(&mut b, &at, &mut seen).await;
    let run = b.get(&at).await;
    french(
        &run,
        &[
            ">terminée</strong>",
            "Page du rapport",
            "Télécharger le CSV",
        ],
        &["Report page", ">finished<"],
    );
    let index = b.get("/admin/mpr").await;
    french(
        &index,
        &["Exécution intégration, terminée", "Confirmée par ops le"],
        &["onboard run", "Confirmed by"],
    );
});
